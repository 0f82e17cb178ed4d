//! Flags of `hourglass-webhook renew-certificates`, each with an
//! `HOURGLASS_` environment fallback. The defaults are the names
//! `kubectl hourglass install` and the chart create.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use hourglass_shared::formats::duration;

use crate::args::LogFormat;

#[derive(Parser, Clone, Debug)]
#[command(
    name = "hourglass-webhook renew-certificates",
    version,
    about = "Renews the webhook's serving certificate and rotates its CA, keeping both webhook configurations' caBundle in step",
    long_about = "Runs beside the webhook (its own Deployment and ServiceAccount): renews the serving \
                  certificate in the TLS Secret with a third of its validity left, from the CA in the \
                  CA Secret; rotates the CA with a third of its validity left, trusting old and new \
                  in the caBundle until every webhook replica serves a certificate from the new one. \
                  Creates both certificates when the Secrets are empty."
)]
pub struct RenewArgs {
    /// Namespace of the webhook, its Service and both Secrets.
    #[arg(long, env = "HOURGLASS_NAMESPACE", default_value = "hourglass-system")]
    pub namespace: String,

    /// The webhook Service: serving certificates are for its DNS names, and
    /// its EndpointSlices list the replicas to check.
    #[arg(long, env = "HOURGLASS_SERVICE", default_value = "hourglass-webhook")]
    pub service: String,

    /// The Service port (by name) the replicas serve TLS on.
    #[arg(long, env = "HOURGLASS_SERVICE_PORT_NAME", default_value = "https")]
    pub service_port_name: String,

    /// Secret with the CA (`tls.crt`, `tls.key`; `next.*` and `previous.crt` during a rotation).
    #[arg(
        long,
        env = "HOURGLASS_CA_SECRET",
        default_value = "hourglass-webhook-ca"
    )]
    pub ca_secret: String,

    /// Secret the webhook pods mount (`tls.crt`, `tls.key`, `ca.crt`).
    #[arg(
        long,
        env = "HOURGLASS_TLS_SECRET",
        default_value = "hourglass-webhook-tls"
    )]
    pub tls_secret: String,

    /// ValidatingWebhookConfiguration whose caBundle is kept in step.
    #[arg(
        long,
        env = "HOURGLASS_VALIDATING_WEBHOOK",
        default_value = "hourglass-validating"
    )]
    pub validating_webhook: String,

    /// MutatingWebhookConfiguration whose caBundle is kept in step.
    #[arg(
        long,
        env = "HOURGLASS_MUTATING_WEBHOOK",
        default_value = "hourglass-mutating"
    )]
    pub mutating_webhook: String,

    /// Validity of each serving certificate (a Go duration); renewed with a third left.
    #[arg(long, env = "HOURGLASS_SERVING_VALIDITY", default_value = "8760h", value_parser = duration::parse)]
    pub serving_validity: Duration,

    /// Validity of each CA (a Go duration); rotated with a third left.
    #[arg(long, env = "HOURGLASS_CA_VALIDITY", default_value = "87600h", value_parser = duration::parse)]
    pub ca_validity: Duration,

    /// How long a new caBundle is given to reach every apiserver before a
    /// certificate from the new CA is served.
    #[arg(long, env = "HOURGLASS_TRUST_PROPAGATION", default_value = "2m", value_parser = duration::parse)]
    pub trust_propagation: Duration,

    /// The longest time between two looks at the Secrets and configurations.
    #[arg(long, env = "HOURGLASS_CHECK_INTERVAL", default_value = "1m", value_parser = duration::parse)]
    pub check_interval: Duration,

    /// Kubeconfig; otherwise KUBECONFIG, ~/.kube/config or in-cluster.
    #[arg(long, env = "HOURGLASS_KUBECONFIG")]
    pub kubeconfig: Option<PathBuf>,

    /// Log line format.
    #[arg(long, env = "HOURGLASS_LOG_FORMAT", value_enum, default_value_t = LogFormat::Json)]
    pub log_format: LogFormat,

    /// Log filter: a level (info, debug) or tracing directives.
    #[arg(long, env = "HOURGLASS_LOG_LEVEL", default_value = "info")]
    pub log_level: String,
}

impl RenewArgs {
    /// Flags that cannot work together, named with the fix.
    pub fn check(&self) -> Result<(), String> {
        if self.serving_validity >= self.ca_validity {
            return Err(format!(
                "--serving-validity ({:?}) must be shorter than --ca-validity ({:?}): a serving certificate cannot outlive its CA",
                self.serving_validity, self.ca_validity
            ));
        }
        if self.check_interval.is_zero() {
            return Err("--check-interval must be longer than zero".to_string());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<RenewArgs, String> {
        RenewArgs::try_parse_from(std::iter::once("renew-certificates").chain(args.iter().copied()))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_are_a_year_and_ten() {
        let args = parse(&[]).unwrap();
        assert_eq!(args.serving_validity, Duration::from_secs(365 * 24 * 3600));
        assert_eq!(args.ca_validity, Duration::from_secs(3650 * 24 * 3600));
        assert_eq!(args.tls_secret, "hourglass-webhook-tls");
        assert!(args.check().is_ok());
    }

    #[test]
    fn a_serving_certificate_outliving_its_ca_is_refused() {
        let args = parse(&["--serving-validity=2h", "--ca-validity=1h"]).unwrap();
        let error = args.check().unwrap_err();
        assert!(error.contains("--serving-validity"), "{error}");
        let error = parse(&["--ca-validity=ten"]).unwrap_err();
        assert!(error.contains("--ca-validity"), "{error}");
    }
}
