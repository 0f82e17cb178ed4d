//! What `install` applies, computed without writing: the objects in order
//! (CRDs, then the webhook's) and the certificates (reused while valid,
//! issued when not). `install` applies it, `uninstall` deletes the same
//! objects, `doctor` judges expiry by the same margin.

use std::time::{Duration, SystemTime};

use k8s_openapi::api::core::v1::Secret;
use kube::api::Api;
use serde_json::Value;

use hourglass_certs::{
    CertificateAuthority, IssuedCert, ServingCertSpec, ca_signed, certificate_expiry,
};

use crate::error::{CliError, Result};
use crate::manifests::{self, CA_SECRET, TLS_SECRET};

/// Certificates closer than this to expiry are replaced.
pub const RENEW_BEFORE: Duration = Duration::from_secs(30 * 24 * 3600);
const CA_VALIDITY: Duration = Duration::from_secs(10 * 365 * 24 * 3600);
const CA_COMMON_NAME: &str = "hourglass-webhook-ca";

/// The PEM material install writes.
#[derive(Clone, Debug)]
pub struct Certs {
    pub ca_cert: String,
    pub ca_key: String,
    pub cert: String,
    pub key: String,
    /// What was decided, for the user.
    pub notes: Vec<String>,
}

/// PEM read from the existing Secrets.
#[derive(Clone, Debug, Default)]
pub struct Existing {
    pub ca_cert: Option<String>,
    pub ca_key: Option<String>,
    pub cert: Option<String>,
    pub key: Option<String>,
}

fn fresh_enough(cert_pem: &str, now: SystemTime) -> bool {
    certificate_expiry(cert_pem).is_ok_and(|expiry| expiry > now + RENEW_BEFORE)
}

fn serving_covers(cert: &IssuedCert, namespace: &str) -> bool {
    let wanted = manifests::service_dns_names(namespace);
    cert.dns_names()
        .is_ok_and(|names| wanted.iter().all(|w| names.contains(w)))
}

/// Reuses what is valid, issues what is not.
pub fn plan_certs(
    existing: &Existing,
    namespace: &str,
    rotate: bool,
    now: SystemTime,
) -> Result<Certs> {
    let mut notes = Vec::new();
    let reusable_ca = match (&existing.ca_cert, &existing.ca_key) {
        (Some(cert), Some(key)) if fresh_enough(cert, now) => {
            CertificateAuthority::from_pem(cert, key).ok()
        }
        _ => None,
    };
    let (ca, ca_reused) = match reusable_ca {
        Some(ca) => (ca, true),
        None => {
            let ca = CertificateAuthority::generate(CA_COMMON_NAME, CA_VALIDITY)
                .map_err(|e| CliError::msg(format!("cannot generate the CA: {e}")))?;
            notes.push(
                if existing.ca_cert.is_some() {
                    "generated a new CA (the stored one is unusable or expires within 30 days)"
                } else {
                    "generated a new CA"
                }
                .to_string(),
            );
            (ca, false)
        }
    };
    let current = match (&existing.cert, &existing.key) {
        (Some(cert), Some(key)) => Some(IssuedCert {
            cert_pem: cert.clone(),
            key_pem: key.clone(),
        }),
        _ => None,
    };
    let reuse_serving = !rotate
        && ca_reused
        && current.as_ref().is_some_and(|cert| {
            ca_signed(ca.cert_pem(), &cert.cert_pem).unwrap_or(false)
                && fresh_enough(&cert.cert_pem, now)
                && serving_covers(cert, namespace)
        });
    let serving = match (reuse_serving, current) {
        (true, Some(cert)) => {
            notes.push("reused the CA and serving certificate".to_string());
            cert
        }
        _ => {
            let spec = ServingCertSpec::for_service(manifests::SERVICE_NAME, namespace);
            let issued = ca
                .issue_serving(&spec)
                .map_err(|e| CliError::msg(format!("cannot issue the serving certificate: {e}")))?;
            notes.push(if rotate {
                "issued a new serving certificate (--rotate-certs)".to_string()
            } else if ca_reused {
                "issued a new serving certificate (the stored one is missing, not from this CA, for another namespace, or near expiry)".to_string()
            } else {
                "issued a new serving certificate".to_string()
            });
            issued
        }
    };
    Ok(Certs {
        ca_cert: ca.cert_pem().to_string(),
        ca_key: ca.key_pem().to_string(),
        cert: serving.cert_pem,
        key: serving.key_pem,
        notes,
    })
}

fn secret_text(secret: &Secret, key: &str) -> Option<String> {
    secret
        .data
        .as_ref()?
        .get(key)
        .and_then(|bytes| String::from_utf8(bytes.0.clone()).ok())
        .filter(|text| !text.trim().is_empty())
}

pub async fn read_existing(client: &kube::Client, namespace: &str) -> Result<Existing> {
    let secrets: Api<Secret> = Api::namespaced(client.clone(), namespace);
    let ca = secrets.get_opt(CA_SECRET).await.map_err(CliError::from)?;
    let tls = secrets.get_opt(TLS_SECRET).await.map_err(CliError::from)?;
    Ok(Existing {
        ca_cert: ca.as_ref().and_then(|s| secret_text(s, "tls.crt")),
        ca_key: ca.as_ref().and_then(|s| secret_text(s, "tls.key")),
        cert: tls.as_ref().and_then(|s| secret_text(s, "tls.crt")),
        key: tls.as_ref().and_then(|s| secret_text(s, "tls.key")),
    })
}

/// Everything install applies, in order, for `namespace` and `certs`.
pub fn objects(
    namespace: &str,
    image: Option<&str>,
    certs: Option<&Certs>,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let crds = manifests::crds().map_err(CliError::Message)?;
    let mut webhook = manifests::webhook_objects().map_err(CliError::Message)?;
    manifests::set_namespace(&mut webhook, namespace);
    if let Some(image) = image {
        manifests::set_image(&mut webhook, image);
    }
    let (ca_secret, tls_secret) = match certs {
        Some(certs) => {
            manifests::set_ca_bundle(&mut webhook, &certs.ca_cert);
            (
                manifests::ca_secret(namespace, &certs.ca_cert, &certs.ca_key),
                manifests::tls_secret(namespace, &certs.cert, &certs.key, &certs.ca_cert),
            )
        }
        None => {
            let placeholder = "<generated by install>";
            (
                manifests::ca_secret(namespace, placeholder, placeholder),
                manifests::tls_secret(namespace, placeholder, placeholder, placeholder),
            )
        }
    };
    // The Secrets go after RBAC, before the Deployment that mounts them.
    let position = webhook
        .iter()
        .position(|o| manifests::kind(o) == "Deployment")
        .unwrap_or(webhook.len());
    webhook.insert(position, tls_secret);
    webhook.insert(position, ca_secret);
    Ok((crds, webhook))
}

/// What `install --cert-manager` applies: the same objects, except that
/// cert-manager's Issuers and Certificates take the place of the Secrets
/// and of the built-in renewer, and both configurations ask cainjector for
/// their caBundle.
pub fn cert_manager_objects(
    namespace: &str,
    image: Option<&str>,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let (crds, webhook) = objects(namespace, image, None)?;
    let mut cert_manager = manifests::cert_manager_objects().map_err(CliError::Message)?;
    manifests::set_namespace(&mut cert_manager, namespace);
    let names = manifests::service_dns_names(namespace);
    for object in &mut cert_manager {
        if manifests::name(object) == manifests::CERT_MANAGER_CERTIFICATE {
            object["spec"]["dnsNames"] = serde_json::json!(names);
        }
    }
    let renewer = |o: &Value| {
        o.pointer("/metadata/labels/app.kubernetes.io~1name")
            .and_then(Value::as_str)
            == Some(manifests::RENEWER_DEPLOYMENT_NAME)
    };
    let mut kept: Vec<Value> = Vec::new();
    for mut object in webhook {
        if manifests::kind(&object) == "Secret" || renewer(&object) {
            continue;
        }
        if manifests::is_webhook_configuration(&object) {
            object["metadata"]["annotations"][manifests::CERT_MANAGER_INJECT_ANNOTATION] =
                Value::from(format!(
                    "{namespace}/{}",
                    manifests::CERT_MANAGER_CERTIFICATE
                ));
            if let Some(Value::Array(webhooks)) = object.get_mut("webhooks") {
                for webhook in webhooks {
                    if let Some(config) = webhook
                        .get_mut("clientConfig")
                        .and_then(Value::as_object_mut)
                    {
                        config.remove("caBundle");
                    }
                }
            }
        }
        kept.push(object);
    }
    // Before the Deployment, whose pods mount the Secret they make.
    let position = kept
        .iter()
        .position(|o| manifests::kind(o) == "Deployment")
        .unwrap_or(kept.len());
    kept.splice(position..position, cert_manager);
    Ok((crds, kept))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifests::DEFAULT_NAMESPACE;

    #[test]
    fn certificates_are_reused_while_valid() {
        let now = SystemTime::now();
        let first = plan_certs(&Existing::default(), DEFAULT_NAMESPACE, false, now).unwrap();
        let existing = Existing {
            ca_cert: Some(first.ca_cert.clone()),
            ca_key: Some(first.ca_key.clone()),
            cert: Some(first.cert.clone()),
            key: Some(first.key.clone()),
        };
        let second = plan_certs(&existing, DEFAULT_NAMESPACE, false, now).unwrap();
        assert_eq!(second.cert, first.cert);
        assert_eq!(second.ca_cert, first.ca_cert);

        let rotated = plan_certs(&existing, DEFAULT_NAMESPACE, true, now).unwrap();
        assert_ne!(rotated.cert, first.cert);
        assert_eq!(rotated.ca_cert, first.ca_cert);
        assert!(ca_signed(&rotated.ca_cert, &rotated.cert).unwrap());

        let moved = plan_certs(&existing, "elsewhere", false, now).unwrap();
        assert_ne!(moved.cert, first.cert);
        let names = IssuedCert {
            cert_pem: moved.cert,
            key_pem: moved.key,
        }
        .dns_names()
        .unwrap();
        assert!(names.contains(&"hourglass-webhook.elsewhere.svc".to_string()));

        let later = now + Duration::from_secs(360 * 24 * 3600);
        let renewed = plan_certs(&existing, DEFAULT_NAMESPACE, false, later).unwrap();
        assert_ne!(renewed.cert, first.cert);
        assert_eq!(renewed.ca_cert, first.ca_cert);
    }

    #[test]
    fn cert_manager_replaces_the_secrets_and_the_renewer() {
        let (_, objects) = cert_manager_objects("hg", None).unwrap();
        let kinds: Vec<&str> = objects.iter().map(manifests::kind).collect();
        assert!(!kinds.contains(&"Secret"), "{kinds:?}");
        assert!(
            !objects
                .iter()
                .any(|o| manifests::name(o) == manifests::RENEWER_DEPLOYMENT_NAME)
        );
        let certificate = objects
            .iter()
            .find(|o| {
                manifests::kind(o) == "Certificate" && manifests::name(o) == "hourglass-webhook"
            })
            .unwrap();
        assert_eq!(certificate["metadata"]["namespace"], "hg");
        assert!(
            certificate["spec"]["dnsNames"]
                .as_array()
                .unwrap()
                .contains(&Value::from("hourglass-webhook.hg.svc"))
        );
        let issuer = kinds.iter().position(|k| *k == "Issuer").unwrap();
        let deployment = kinds.iter().position(|k| *k == "Deployment").unwrap();
        assert!(issuer < deployment);
        for configuration in objects
            .iter()
            .filter(|o| manifests::is_webhook_configuration(o))
        {
            assert_eq!(
                configuration["metadata"]["annotations"]["cert-manager.io/inject-ca-from"],
                "hg/hourglass-webhook"
            );
            assert!(
                configuration
                    .pointer("/webhooks/0/clientConfig/caBundle")
                    .is_none()
            );
        }
    }

    #[test]
    fn secrets_come_before_the_deployment() {
        let (crds, webhook) = objects("hg", Some("img:1"), None).unwrap();
        assert_eq!(crds.len(), 2);
        let kinds: Vec<&str> = webhook.iter().map(manifests::kind).collect();
        let secret = kinds.iter().position(|k| *k == "Secret").unwrap();
        let deployment = kinds.iter().position(|k| *k == "Deployment").unwrap();
        assert!(secret < deployment);
        // The renewer comes last: it needs both configurations to exist.
        let mutating = kinds
            .iter()
            .position(|k| *k == "MutatingWebhookConfiguration")
            .unwrap();
        let renewer = webhook
            .iter()
            .position(|o| manifests::name(o) == manifests::RENEWER_DEPLOYMENT_NAME)
            .unwrap();
        assert!(deployment < mutating && mutating < renewer, "{kinds:?}");
    }
}
