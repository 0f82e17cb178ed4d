//! Command-line flags, each with an `HOURGLASS_` environment fallback.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use hourglass_shared::formats::duration;

#[derive(Parser, Clone, Debug)]
#[command(
    name = "hourglass-webhook",
    version,
    about = "Admission webhook for Hourglass executors and performers",
    long_about = "Serves POST /validate and POST /mutate over TLS for the Kubernetes apiserver, \
                  and /health, /ready, /startup and /metrics over plain HTTP on the admin port. \
                  `hourglass-webhook renew-certificates --help`: the certificate renewer, run as a Deployment of its own."
)]
pub struct Args {
    /// Address of the TLS listener that serves /validate and /mutate.
    #[arg(long, env = "HOURGLASS_TLS_LISTEN", default_value = "0.0.0.0:8443")]
    pub tls_listen: SocketAddr,

    /// Address of the plain-HTTP admin listener (probes and metrics).
    #[arg(long, env = "HOURGLASS_ADMIN_LISTEN", default_value = "0.0.0.0:8080")]
    pub admin_listen: SocketAddr,

    /// Serving certificate chain (PEM), reloaded when its contents change.
    #[arg(
        long,
        env = "HOURGLASS_TLS_CERT",
        default_value = "/etc/hourglass/tls/tls.crt"
    )]
    pub tls_cert: PathBuf,

    /// Private key of the serving certificate (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(
        long,
        env = "HOURGLASS_TLS_KEY",
        default_value = "/etc/hourglass/tls/tls.key"
    )]
    pub tls_key: PathBuf,

    /// CA bundle (PEM) for client certificates; when set, clients must present one.
    #[arg(long, env = "HOURGLASS_CLIENT_CA")]
    pub client_ca: Option<PathBuf>,

    /// Hardware profile (YAML): node labels, resource names and taints for GPUs and TEEs.
    #[arg(long, env = "HOURGLASS_HARDWARE_PROFILE")]
    pub hardware_profile: Option<PathBuf>,

    /// Log line format.
    #[arg(long, env = "HOURGLASS_LOG_FORMAT", value_enum, default_value_t = LogFormat::Json)]
    pub log_format: LogFormat,

    /// Log filter: a level (info, debug) or tracing directives (`info,hourglass_webhook=debug`).
    #[arg(long, env = "HOURGLASS_LOG_LEVEL", default_value = "info")]
    pub log_level: String,

    /// How long in-flight reviews may take to finish after SIGTERM (a Go duration: 10s, 500ms, 1m30s).
    #[arg(long, env = "HOURGLASS_DRAIN_TIMEOUT", default_value = "10s", value_parser = duration::parse)]
    pub drain_timeout: Duration,

    /// How often the certificate files are re-read and compared with the served pair.
    #[arg(long, env = "HOURGLASS_CERT_POLL_INTERVAL", default_value = "10s", value_parser = duration::parse)]
    pub cert_poll_interval: Duration,

    /// Kubeconfig for the executor watch; otherwise KUBECONFIG, ~/.kube/config or in-cluster.
    #[arg(long, env = "HOURGLASS_KUBECONFIG")]
    pub kubeconfig: Option<PathBuf>,

    /// Do not watch HourglassExecutors (no cluster at hand): performers then
    /// inherit no executor scheduling and are told so in a warning.
    #[arg(long, env = "HOURGLASS_NO_EXECUTOR_WATCH")]
    pub no_executor_watch: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (for log collectors).
    Json,
    /// Human-readable lines.
    Text,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_gos_grammar() {
        let args = Args::try_parse_from([
            "hourglass-webhook",
            "--drain-timeout=1m30s",
            "--cert-poll-interval=500ms",
        ])
        .unwrap();
        assert_eq!(args.drain_timeout, Duration::from_secs(90));
        assert_eq!(args.cert_poll_interval, Duration::from_millis(500));
        let error = Args::try_parse_from(["hourglass-webhook", "--drain-timeout=ten"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("--drain-timeout"), "{error}");
        assert!(error.contains("not a duration"), "{error}");
    }

    #[test]
    fn defaults() {
        let args = Args::try_parse_from(["hourglass-webhook"]).unwrap();
        assert_eq!(args.tls_listen.port(), 8443);
        assert_eq!(args.admin_listen.port(), 8080);
        assert_eq!(args.tls_key, PathBuf::from("/etc/hourglass/tls/tls.key"));
        assert_eq!(args.drain_timeout, Duration::from_secs(10));
        assert_eq!(args.cert_poll_interval, Duration::from_secs(10));
        assert!(args.client_ca.is_none());
    }
}
