//! What a serving certificate should cover, and renewing one.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use crate::inspect::{CERT_PEM, subject_alt_names};
use crate::{CertError, CertificateAuthority, IssuedCert};

/// One year: long enough to survive between upgrades, short enough that a
/// leaked key does not stay useful forever. `doctor` warns before it runs out.
const DEFAULT_VALIDITY: Duration = Duration::from_secs(365 * 24 * 60 * 60);

#[derive(Clone, Debug)]
pub struct ServingCertSpec {
    /// DNS SANs; the first one also becomes the subject CN.
    pub dns_names: Vec<String>,
    pub ip_addresses: Vec<IpAddr>,
    pub validity: Duration,
}

impl ServingCertSpec {
    /// Every name a client inside the cluster may use for `service` in
    /// `namespace`; the apiserver calls webhooks at `<svc>.<ns>.svc`.
    pub fn for_service(service: &str, namespace: &str) -> Self {
        ServingCertSpec {
            dns_names: vec![
                service.to_string(),
                format!("{service}.{namespace}"),
                format!("{service}.{namespace}.svc"),
                format!("{service}.{namespace}.svc.cluster.local"),
            ],
            ip_addresses: Vec::new(),
            validity: DEFAULT_VALIDITY,
        }
    }

    /// For a process reached over loopback (local development, tests).
    pub fn for_localhost() -> Self {
        ServingCertSpec {
            dns_names: vec!["localhost".to_string()],
            ip_addresses: vec![
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(Ipv6Addr::LOCALHOST),
            ],
            validity: DEFAULT_VALIDITY,
        }
    }

    pub fn with_dns_name(mut self, name: impl Into<String>) -> Self {
        let name = name.into();
        if !self.dns_names.contains(&name) {
            self.dns_names.push(name);
        }
        self
    }

    pub fn with_ip(mut self, ip: IpAddr) -> Self {
        if !self.ip_addresses.contains(&ip) {
            self.ip_addresses.push(ip);
        }
        self
    }

    pub fn with_validity(mut self, validity: Duration) -> Self {
        self.validity = validity;
        self
    }
}

/// A new key and certificate from `ca` for the same DNS names and IPs as
/// `existing`, valid for `validity` from now. The old key is never reused, so
/// a renewal also rotates a key that may have leaked.
pub fn renew_serving(
    ca: &CertificateAuthority,
    existing: &IssuedCert,
    validity: Duration,
) -> Result<IssuedCert, CertError> {
    renew_serving_at(ca, existing, validity, std::time::SystemTime::now())
}

/// [`renew_serving`] as if it were `now`.
pub(crate) fn renew_serving_at(
    ca: &CertificateAuthority,
    existing: &IssuedCert,
    validity: Duration,
    now: std::time::SystemTime,
) -> Result<IssuedCert, CertError> {
    let sans = subject_alt_names(&existing.cert_pem, CERT_PEM)?;
    let spec = ServingCertSpec {
        dns_names: sans.dns_names,
        ip_addresses: sans.ip_addresses,
        validity,
    };
    ca.issue_serving_at(&spec, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_do_not_duplicate() {
        let spec = ServingCertSpec::for_localhost()
            .with_dns_name("localhost")
            .with_ip(IpAddr::V4(Ipv4Addr::LOCALHOST))
            .with_dns_name("extra");
        assert_eq!(spec.dns_names, ["localhost", "extra"]);
        assert_eq!(spec.ip_addresses.len(), 2);
    }

    #[test]
    fn service_names_in_order() {
        let spec = ServingCertSpec::for_service("hook", "sys");
        assert_eq!(
            spec.dns_names,
            [
                "hook",
                "hook.sys",
                "hook.sys.svc",
                "hook.sys.svc.cluster.local"
            ]
        );
        assert_eq!(spec.validity, DEFAULT_VALIDITY);
    }
}
