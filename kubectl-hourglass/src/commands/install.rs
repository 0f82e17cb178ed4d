//! `install`: the CRDs, then the webhook (namespace, RBAC, TLS Secrets,
//! Deployment, Service, PDB, webhook configurations with their caBundle),
//! all by server-side apply as `kubectl-hourglass`. Re-running it changes
//! nothing unless something drifted; certificates are reused while valid.

use std::io::Write;
use std::time::{Duration, SystemTime};

use k8s_openapi::api::core::v1::{Namespace, Secret};
use kube::api::Api;
use serde_json::Value;

use hourglass_certs::{
    CertificateAuthority, IssuedCert, ServingCertSpec, ca_signed, certificate_expiry,
};

use crate::cli::DryRun;
use crate::cluster::{self, display_name};
use crate::context::Context;
use crate::error::{CliError, Result};
use crate::manifests::{self, CA_SECRET, TLS_SECRET};
use crate::render::structured;

/// Certificates closer than this to expiry are replaced.
pub const RENEW_BEFORE: Duration = Duration::from_secs(30 * 24 * 3600);
const CA_VALIDITY: Duration = Duration::from_secs(10 * 365 * 24 * 3600);
const CA_COMMON_NAME: &str = "hourglass-webhook-ca";

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Applies, in order: the two CRDs (then waits until they are Established), the
namespace, RBAC, the CA and TLS Secrets, the webhook Deployment, Service and
PodDisruptionBudget, and the two webhook configurations with the CA in their
caBundle. Existing certificates are kept while they are valid for the
namespace and more than 30 days from expiry; --rotate-certs issues a new
serving certificate from the same CA.

Needs: create/patch on customresourcedefinitions, namespaces, serviceaccounts,
clusterroles, clusterrolebindings, secrets, deployments, services,
poddisruptionbudgets, validating- and mutatingwebhookconfigurations; get on
secrets and customresourcedefinitions.

Examples:
  kubectl hourglass install
  kubectl hourglass install -n hourglass --image registry.example.com/hourglass-webhook:0.1.0
  kubectl hourglass install --dry-run=server
  kubectl hourglass install --rotate-certs")]
pub struct Args {
    /// The webhook image (default: the manifest's)
    #[arg(long)]
    pub image: Option<String>,
    /// client: print what would be applied; server: send everything with dryRun
    #[arg(long, value_enum, num_args = 0..=1, default_value_t = DryRun::None, default_missing_value = "client", require_equals = true)]
    pub dry_run: DryRun,
    /// Issue a new serving certificate even if the current one is still valid
    #[arg(long)]
    pub rotate_certs: bool,
    /// Take over fields another field manager owns (as kubectl apply --server-side --force-conflicts)
    #[arg(long)]
    pub force_conflicts: bool,
    /// How long to wait for the CRDs to be Established
    #[arg(long, value_parser = crate::cli::parse_duration, default_value = "60s")]
    pub timeout: Duration,
}

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

pub async fn run(args: &Args, ctx: &Context) -> Result<()> {
    let namespace = ctx.install_namespace();
    if args.dry_run == DryRun::Client {
        let (crds, webhook) = objects(&namespace, args.image.as_deref(), None)?;
        let mut out = ctx.out();
        for object in crds.iter().chain(&webhook) {
            writeln!(out, "---")?;
            structured::write_yaml(&mut *out, object)?;
        }
        drop(out);
        ctx.note(
            "(dry run) nothing was sent to the cluster; certificates are generated at install",
        );
        return Ok(());
    }
    let dry_run = args.dry_run == DryRun::Server;
    let suffix = args.dry_run.suffix();
    let client = ctx.client().await?;
    let namespace_exists = Api::<Namespace>::all(client.clone())
        .get_opt(&namespace)
        .await
        .map_err(CliError::from)?
        .is_some();
    let existing = if namespace_exists {
        read_existing(&client, &namespace).await?
    } else {
        Existing::default()
    };
    let certs = plan_certs(&existing, &namespace, args.rotate_certs, SystemTime::now())?;
    let (crds, webhook) = objects(&namespace, args.image.as_deref(), Some(&certs))?;

    for crd in &crds {
        cluster::apply(&client, crd, args.force_conflicts, dry_run).await?;
        writeln!(
            ctx.out(),
            "{} serverside-applied{suffix}",
            display_name(crd)
        )?;
    }
    if !dry_run {
        let names: Vec<String> = crds
            .iter()
            .map(|c| manifests::name(c).to_string())
            .collect();
        cluster::wait_established(&client, &names, args.timeout).await?;
        ctx.note("CRDs established");
    }
    for object in &webhook {
        let namespaced = object.pointer("/metadata/namespace").is_some();
        if dry_run && namespaced && !namespace_exists {
            ctx.note(format!(
                "{} skipped in server dry run: namespace {namespace} does not exist yet",
                display_name(object)
            ));
            continue;
        }
        // The webhook configurations' caBundle must be the CA just used:
        // install is the authority on it, so it takes the fields over.
        let force = args.force_conflicts || manifests::is_webhook_configuration(object);
        if manifests::is_webhook_configuration(object) {
            refuse_url_webhooks(&client, object).await?;
        }
        cluster::apply(&client, object, force, dry_run).await?;
        writeln!(
            ctx.out(),
            "{} serverside-applied{suffix}",
            display_name(object)
        )?;
    }
    for note in &certs.notes {
        ctx.note(format!("certificates: {note}"));
    }
    if !dry_run {
        ctx.note(format!(
            "Hourglass is installed in namespace {namespace}; check it with `kubectl hourglass doctor{}`",
            if namespace == manifests::DEFAULT_NAMESPACE {
                String::new()
            } else {
                format!(" -n {namespace}")
            }
        ));
    }
    Ok(())
}

/// A configuration of the same name that calls a URL belongs to someone
/// else (a test harness, a local setup): applying ours would leave both
/// `url` and `service` set, which the apiserver refuses. Say so plainly.
async fn refuse_url_webhooks(client: &kube::Client, object: &Value) -> Result<()> {
    let (api, _) = cluster::api_for(client, object).await?;
    let Some(existing) = api
        .get_opt(manifests::name(object))
        .await
        .map_err(CliError::from)?
    else {
        return Ok(());
    };
    let calls_url = existing
        .data
        .get("webhooks")
        .and_then(Value::as_array)
        .is_some_and(|hooks| {
            hooks
                .iter()
                .any(|h| h.pointer("/clientConfig/url").is_some())
        });
    if calls_url {
        return Err(CliError::msg(format!(
            "{} already exists and calls a URL, not the webhook Service; it was not made by install. Delete it (kubectl delete {}) and run install again",
            display_name(object),
            display_name(object).replacen('/', " ", 1)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_are_reused_while_valid() {
        let now = SystemTime::now();
        let first = plan_certs(&Existing::default(), "hourglass-system", false, now).unwrap();
        let existing = Existing {
            ca_cert: Some(first.ca_cert.clone()),
            ca_key: Some(first.ca_key.clone()),
            cert: Some(first.cert.clone()),
            key: Some(first.key.clone()),
        };
        let second = plan_certs(&existing, "hourglass-system", false, now).unwrap();
        assert_eq!(second.cert, first.cert);
        assert_eq!(second.ca_cert, first.ca_cert);

        let rotated = plan_certs(&existing, "hourglass-system", true, now).unwrap();
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
        let renewed = plan_certs(&existing, "hourglass-system", false, later).unwrap();
        assert_ne!(renewed.cert, first.cert);
        assert_eq!(renewed.ca_cert, first.ca_cert);
    }

    #[test]
    fn secrets_come_before_the_deployment() {
        let (crds, webhook) = objects("hg", Some("img:1"), None).unwrap();
        assert_eq!(crds.len(), 2);
        let kinds: Vec<&str> = webhook.iter().map(manifests::kind).collect();
        let secret = kinds.iter().position(|k| *k == "Secret").unwrap();
        let deployment = kinds.iter().position(|k| *k == "Deployment").unwrap();
        assert!(secret < deployment);
        assert_eq!(kinds.last(), Some(&"MutatingWebhookConfiguration"));
    }
}
