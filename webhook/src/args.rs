//! Command-line flags, each with an `HOURGLASS_` environment fallback.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

#[derive(Parser, Clone, Debug)]
#[command(
    name = "hourglass-webhook",
    version,
    about = "Admission webhook for Hourglass executors and performers",
    long_about = "Serves POST /validate and POST /mutate over TLS for the Kubernetes apiserver, \
                  and /health, /ready, /startup and /metrics over plain HTTP on the admin port."
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

    /// How long in-flight reviews may take to finish after SIGTERM (e.g. 10s, 500ms, 1m).
    #[arg(long, env = "HOURGLASS_DRAIN_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub drain_timeout: Duration,

    /// How often the certificate files are re-read and compared with the served pair.
    #[arg(long, env = "HOURGLASS_CERT_POLL_INTERVAL", default_value = "10s", value_parser = parse_duration)]
    pub cert_poll_interval: Duration,

    /// Kubeconfig for the executor watch; otherwise KUBECONFIG, ~/.kube/config or in-cluster.
    #[arg(long, env = "HOURGLASS_KUBECONFIG")]
    pub kubeconfig: Option<PathBuf>,

    /// Do not watch HourglassExecutors (no cluster at hand): performers then
    /// inherit no executor scheduling and are told so in a warning.
    #[arg(long, env = "HOURGLASS_NO_EXECUTOR_WATCH")]
    pub no_executor_watch: bool,

    /// TEST ONLY: delay every review by this many milliseconds, so that the
    /// shutdown test can hold a request in flight. Never set it in a cluster.
    #[arg(long, env = "HOURGLASS_TEST_REVIEW_DELAY_MS", hide = true)]
    pub test_review_delay_ms: Option<u64>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (for log collectors).
    Json,
    /// Human-readable lines.
    Text,
}

/// Parses `10s`, `500ms`, `2m` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration; use e.g. 10s, 500ms or 1m"))?;
    match unit {
        "" | "s" => Ok(Duration::from_secs(value)),
        "ms" => Ok(Duration::from_millis(value)),
        "m" => value
            .checked_mul(60)
            .map(Duration::from_secs)
            .ok_or_else(|| format!("{text:?} is too long")),
        _ => Err(format!(
            "{text:?} has an unknown unit {unit:?}; use ms, s or m"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("7").unwrap(), Duration::from_secs(7));
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5h").is_err());
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
