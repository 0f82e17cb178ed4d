//! The certificate checks: the serving certificate is for the webhook
//! Service and signed by the CA, both caBundles are that CA, and neither
//! certificate is within the renewal margin of its expiry.

use std::time::{Duration, SystemTime};

use k8s_openapi::api::admissionregistration::v1::WebhookClientConfig;

use hourglass_certs::{IssuedCert, ca_signed, certificate_expiry};

use super::facts::{Facts, Read, Renewal, TlsSecret};
use super::judge::{Check, install_fix, rotate_fix};
use crate::install_plan::RENEW_BEFORE;
use crate::manifests::{self, RENEWER_DEPLOYMENT_NAME, SERVICE_NAME, TLS_SECRET};

/// The serving certificate (for the Service, signed by the CA), both
/// caBundles (that CA), and both certificates' expiry.
pub(super) fn certificate_checks(facts: &Facts, now: SystemTime) -> Vec<Check> {
    // Named even when the Secret is missing: with cert-manager, that is
    // what is still to come from it.
    let mut checks = vec![renewal_check(&facts.renewal, &facts.install_namespace)];
    checks.extend(secret_checks(facts, now));
    checks
}

fn secret_checks(facts: &Facts, now: SystemTime) -> Vec<Check> {
    let namespace = facts.install_namespace.as_str();
    let secret_name = format!("Secret {namespace}/{TLS_SECRET}");
    let secret = match &facts.tls_secret {
        Err(error) => {
            return vec![Check::fail(
                secret_name,
                error.clone(),
                "check your access to secrets",
            )];
        }
        Ok(None) => {
            return vec![Check::fail(
                secret_name,
                "not found",
                install_fix(namespace),
            )];
        }
        Ok(Some(secret)) => secret,
    };
    let TlsSecret {
        cert: Some(cert),
        key: Some(key),
        ca: Some(ca),
    } = secret
    else {
        return vec![Check::fail(
            secret_name,
            "lacks tls.crt, tls.key or ca.crt",
            install_fix(namespace),
        )];
    };
    let mut checks = vec![serving_certificate_check(
        &secret_name,
        cert,
        key,
        ca,
        namespace,
    )];
    for configuration in &facts.configurations {
        for (webhook, config) in configuration.webhooks.iter().flatten().flatten() {
            checks.push(ca_bundle_check(webhook, config, ca, namespace));
        }
    }
    for (label, pem) in [("serving certificate", cert), ("CA certificate", ca)] {
        checks.push(expiry_check(label, pem, now, &facts.renewal, namespace));
    }
    checks
}

/// Which way renews the certificates. A renewer that is not ready is not a
/// failure by itself: it renews with a third of the validity left (months),
/// so the expiry checks below are the ones that say it has not worked.
fn renewal_check(renewal: &Read<Renewal>, namespace: &str) -> Check {
    const NAME: &str = "certificate renewal";
    match renewal {
        Err(error) => Check::fail(
            NAME,
            error.clone(),
            "check your access to deployments and webhook configurations",
        ),
        Ok(Renewal::BuiltIn { ready, wanted }) => Check::ok(
            NAME,
            format!(
                "built in: Deployment {namespace}/{RENEWER_DEPLOYMENT_NAME} ({ready} of {wanted} ready) renews the serving certificate and rotates the CA"
            ),
        ),
        Ok(Renewal::CertManager { certificate }) => Check::ok(
            NAME,
            format!("cert-manager: Certificate {certificate}, caBundle injected by its cainjector"),
        ),
        Ok(Renewal::Nobody) => Check::fail(
            NAME,
            "nothing renews the certificates: neither the built-in renewer nor cert-manager",
            install_fix(namespace),
        ),
    }
}

/// What to do about a certificate near expiry, by the way that renews it.
fn renewal_fix(renewal: &Read<Renewal>, namespace: &str) -> String {
    match renewal {
        Ok(Renewal::BuiltIn { .. }) => format!(
            "the built-in renewer should have renewed it months ago: see `kubectl logs -n {namespace} deployment/{RENEWER_DEPLOYMENT_NAME}`; meanwhile {}",
            rotate_fix(namespace)
        ),
        Ok(Renewal::CertManager { certificate }) => {
            let (ns, name) = certificate
                .split_once('/')
                .unwrap_or((namespace, certificate));
            format!(
                "cert-manager renews it: see `kubectl describe certificate -n {ns} {name}` and cert-manager's logs"
            )
        }
        _ => rotate_fix(namespace),
    }
}

fn serving_certificate_check(
    name: &str,
    cert: &str,
    key: &str,
    ca: &str,
    namespace: &str,
) -> Check {
    let issued = IssuedCert {
        cert_pem: cert.to_string(),
        key_pem: key.to_string(),
    };
    let wanted = manifests::service_dns_names(namespace);
    let names = issued.dns_names().unwrap_or_default();
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|w| !names.contains(w))
        .map(String::as_str)
        .collect();
    match ca_signed(ca, cert) {
        Ok(true) if missing.is_empty() => Check::ok(
            name,
            format!("serving certificate for {SERVICE_NAME}.{namespace}.svc signed by ca.crt"),
        ),
        Ok(true) => Check::fail(
            name,
            format!("serving certificate lacks {}", missing.join(", ")),
            rotate_fix(namespace),
        ),
        Ok(false) => Check::fail(
            name,
            "serving certificate is not signed by ca.crt",
            rotate_fix(namespace),
        ),
        Err(e) => Check::fail(
            name,
            format!("unreadable certificate: {e}"),
            rotate_fix(namespace),
        ),
    }
}

fn ca_bundle_check(
    webhook: &str,
    config: &WebhookClientConfig,
    ca: &str,
    namespace: &str,
) -> Check {
    let name = format!("caBundle of {webhook}");
    let bundle = config
        .ca_bundle
        .as_ref()
        .map(|b| String::from_utf8_lossy(&b.0).trim().to_string())
        .unwrap_or_default();
    if bundle.is_empty() {
        Check::fail(name, "empty", install_fix(namespace))
    } else if bundle == ca {
        Check::ok(name, format!("matches ca.crt of {TLS_SECRET}"))
    } else {
        Check::fail(
            name,
            format!(
                "differs from ca.crt of {TLS_SECRET}: the apiserver will not trust the webhook"
            ),
            install_fix(namespace),
        )
    }
}

fn expiry_check(
    label: &str,
    pem: &str,
    now: SystemTime,
    renewal: &Read<Renewal>,
    namespace: &str,
) -> Check {
    let name = format!("{label} expiry");
    match certificate_expiry(pem) {
        Ok(expiry) => {
            let left = expiry.duration_since(now).unwrap_or(Duration::ZERO);
            let days = left.as_secs() / 86400;
            if left > RENEW_BEFORE {
                Check::ok(name, format!("expires in {days} days"))
            } else if left.is_zero() {
                Check::fail(name, "expired", renewal_fix(renewal, namespace))
            } else {
                Check::fail(
                    name,
                    format!("expires in {days} days"),
                    renewal_fix(renewal, namespace),
                )
            }
        }
        Err(e) => Check::fail(
            name,
            format!("unreadable: {e}"),
            renewal_fix(renewal, namespace),
        ),
    }
}
