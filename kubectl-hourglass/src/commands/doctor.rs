//! `doctor`: checks an installation and says how to fix what fails.

use std::io::{self, Write};
use std::time::{Duration, SystemTime};

use k8s_openapi::api::admissionregistration::v1::{
    MutatingWebhookConfiguration, ValidatingWebhookConfiguration, WebhookClientConfig,
};
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DynamicObject, ListParams, PostParams};
use serde_json::json;

use hourglass_certs::{IssuedCert, ca_signed, certificate_expiry};
use hourglass_shared::constants::{API_GROUP, API_VERSION};
use hourglass_shared::object::ObjectKind;

use crate::api::{self, FIELD_MANAGER};
use crate::cluster::is_established;
use crate::context::Context;
use crate::error::{CliError, EXIT_ERROR, Result, is_type_missing};
use crate::manifests::{self, MUTATING_WEBHOOK, SERVICE_NAME, TLS_SECRET, VALIDATING_WEBHOOK};
use crate::references::{ALL_KINDS, missing_references};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Checks: the CRDs are installed, Established and serve v1alpha1; both webhook
configurations exist and point at the webhook Service; the Service has ready
endpoints; the TLS Secret holds a serving certificate for the Service signed
by the CA; the caBundle of both configurations is that CA; the certificates
are not near expiry; a server-side dry-run create of an invalid Performer is
refused by the validating webhook; every Secret, ConfigMap, ServiceAccount,
RuntimeClass and PriorityClass the performers name exists (checked with your
own rights: the webhook may not read Secrets). Prints ok or fail for each,
with a fix; exits 1 if any fails.

Needs: get on customresourcedefinitions, validating- and
mutatingwebhookconfigurations, the install namespace's secrets and
endpointslices; create on performers in the probe namespace (dry run);
list on performers and get on what they name (else that check is skipped).

Examples:
  kubectl hourglass doctor
  kubectl hourglass doctor -n hourglass --probe-namespace avs")]
pub struct Args {
    /// Namespace for the dry-run create that must reach the webhook
    #[arg(long, default_value = "default")]
    pub probe_namespace: String,
}

/// One check's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub ok: bool,
    pub name: String,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    fn ok(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Check {
            ok: true,
            name: name.into(),
            detail: detail.into(),
            fix: None,
        }
    }

    fn fail(name: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Check {
            ok: false,
            name: name.into(),
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

/// `ok    name: detail`, `fail  name: detail` then `      fix: ...`.
pub fn render(w: &mut impl Write, checks: &[Check], color: bool) -> io::Result<()> {
    for check in checks {
        let (word, paint) = if check.ok {
            ("ok", "\x1b[32m")
        } else {
            ("fail", "\x1b[31m")
        };
        let label = if color {
            format!("{paint}{word:<4}\x1b[0m")
        } else {
            format!("{word:<4}")
        };
        writeln!(w, "{label}  {}: {}", check.name, check.detail)?;
        if let Some(fix) = &check.fix {
            writeln!(w, "      fix: {fix}")?;
        }
    }
    let failed = checks.iter().filter(|c| !c.ok).count();
    if failed > 0 {
        writeln!(w, "{failed} of {} checks failed", checks.len())?;
    } else {
        writeln!(w, "all {} checks passed", checks.len())?;
    }
    Ok(())
}

fn install_fix(namespace: &str) -> String {
    if namespace == manifests::DEFAULT_NAMESPACE {
        "run `kubectl hourglass install`".to_string()
    } else {
        format!("run `kubectl hourglass install -n {namespace}`")
    }
}

async fn crd_checks(client: &kube::Client, namespace: &str) -> Vec<Check> {
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    let mut checks = Vec::new();
    for plural in [
        api::plural(ObjectKind::Executor),
        api::plural(ObjectKind::Performer),
    ] {
        let name = format!("{plural}.{API_GROUP}");
        let check_name = format!("CRD {name}");
        let check = match api.get_opt(&name).await {
            Ok(None) => Check::fail(check_name, "not installed", install_fix(namespace)),
            Err(e) => Check::fail(
                check_name,
                format!("cannot read: {}", CliError::from(e)),
                "check your access to customresourcedefinitions",
            ),
            Ok(Some(crd)) => {
                let served = crd
                    .spec
                    .versions
                    .iter()
                    .any(|v| v.name == API_VERSION && v.served);
                match (is_established(&crd), served) {
                    (true, true) => {
                        Check::ok(check_name, format!("established, {API_VERSION} served"))
                    }
                    (false, _) => Check::fail(
                        check_name,
                        "not Established",
                        "look at the CRD's conditions: kubectl get crd -o yaml ".to_string()
                            + &name,
                    ),
                    (true, false) => Check::fail(
                        check_name,
                        format!("{API_VERSION} is not served"),
                        install_fix(namespace),
                    ),
                }
            }
        };
        checks.push(check);
    }
    checks
}

/// One webhook configuration, read as each webhook's (name, clientConfig):
/// present, and its first webhook calls our Service.
fn webhook_configuration_check(
    kind: &str,
    name: &str,
    plural: &str,
    read: &std::result::Result<Option<Vec<(String, WebhookClientConfig)>>, kube::Error>,
    namespace: &str,
) -> Check {
    let title = format!("{kind} {name}");
    match read {
        Ok(Some(webhooks)) => {
            let first = webhooks.first().map(|(_, config)| config);
            match client_config_check(kind, name, first, namespace) {
                Ok(()) => Check::ok(title, format!("calls service {namespace}/{SERVICE_NAME}")),
                Err(why) => Check::fail(title, why, install_fix(namespace)),
            }
        }
        Ok(None) => Check::fail(title, "not found", install_fix(namespace)),
        Err(e) => Check::fail(
            title,
            format!("cannot read: {e}"),
            format!("check your access to {plural}"),
        ),
    }
}

fn client_config_check(
    kind: &str,
    name: &str,
    config: Option<&WebhookClientConfig>,
    namespace: &str,
) -> std::result::Result<(), String> {
    let Some(config) = config else {
        return Err(format!("{kind} {name} has no webhook"));
    };
    match &config.service {
        Some(service) if service.name == SERVICE_NAME && service.namespace == namespace => Ok(()),
        Some(service) => Err(format!(
            "{kind} {name} calls service {}/{}, not {namespace}/{SERVICE_NAME}",
            service.namespace, service.name
        )),
        None => Err(format!(
            "{kind} {name} calls a URL, not the service {namespace}/{SERVICE_NAME}"
        )),
    }
}

fn pem_of(bundle: Option<&k8s_openapi::ByteString>) -> String {
    bundle
        .map(|b| String::from_utf8_lossy(&b.0).trim().to_string())
        .unwrap_or_default()
}

pub async fn run(args: &Args, ctx: &Context) -> Result<()> {
    let namespace = ctx.install_namespace();
    let client = ctx.client().await?;
    let mut checks = crd_checks(&client, &namespace).await;

    // Webhook configurations.
    // Both configurations are checked alike: each webhook's (name, clientConfig).
    let validating = Api::<ValidatingWebhookConfiguration>::all(client.clone())
        .get_opt(VALIDATING_WEBHOOK)
        .await
        .map(|found| {
            found.map(|config| {
                config
                    .webhooks
                    .into_iter()
                    .flatten()
                    .map(|w| (w.name, w.client_config))
                    .collect()
            })
        });
    let mutating = Api::<MutatingWebhookConfiguration>::all(client.clone())
        .get_opt(MUTATING_WEBHOOK)
        .await
        .map(|found| {
            found.map(|config| {
                config
                    .webhooks
                    .into_iter()
                    .flatten()
                    .map(|w| (w.name, w.client_config))
                    .collect()
            })
        });
    let mut bundles: Vec<(String, String)> = Vec::new();
    for (kind, name, plural, read) in [
        (
            "ValidatingWebhookConfiguration",
            VALIDATING_WEBHOOK,
            "validatingwebhookconfigurations",
            validating,
        ),
        (
            "MutatingWebhookConfiguration",
            MUTATING_WEBHOOK,
            "mutatingwebhookconfigurations",
            mutating,
        ),
    ] {
        checks.push(webhook_configuration_check(
            kind, name, plural, &read, &namespace,
        ));
        for (webhook, config) in read.ok().flatten().into_iter().flatten() {
            bundles.push((webhook, pem_of(config.ca_bundle.as_ref())));
        }
    }

    // Endpoints.
    let slices: Api<EndpointSlice> = Api::namespaced(client.clone(), &namespace);
    let endpoints = format!("service {namespace}/{SERVICE_NAME} endpoints");
    match slices
        .list(&ListParams::default().labels(&format!("kubernetes.io/service-name={SERVICE_NAME}")))
        .await
    {
        Ok(list) => {
            let ready = list
                .items
                .iter()
                .flat_map(|s| s.endpoints.iter())
                // EndpointSlice API: an unset `ready` means ready ("unknown"
                // is to be read as true by consumers).
                .filter(|e| e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true))
                .count();
            if ready > 0 {
                checks.push(Check::ok(endpoints, format!("{ready} ready")));
            } else {
                checks.push(Check::fail(
                    endpoints,
                    "no ready endpoints: the apiserver cannot reach the webhook",
                    format!("check the webhook pods: kubectl -n {namespace} get deploy,pods -l app.kubernetes.io/name=hourglass-webhook; kubectl -n {namespace} describe deploy {}", manifests::DEPLOYMENT_NAME),
                ));
            }
        }
        Err(e) => checks.push(Check::fail(
            endpoints,
            format!("cannot read: {}", CliError::from(e)),
            "check your access to endpointslices",
        )),
    }

    // Certificates.
    let secret = Api::<Secret>::namespaced(client.clone(), &namespace)
        .get_opt(TLS_SECRET)
        .await;
    let text = |s: &Secret, key: &str| {
        s.data
            .as_ref()
            .and_then(|d| d.get(key))
            .map(|b| String::from_utf8_lossy(&b.0).trim().to_string())
            .filter(|t| !t.is_empty())
    };
    let rotate_fix = format!(
        "{} --rotate-certs",
        install_fix(&namespace).trim_end_matches('`')
    ) + "`";
    match secret {
        Ok(Some(secret)) => {
            let (cert, key, ca) = (
                text(&secret, "tls.crt"),
                text(&secret, "tls.key"),
                text(&secret, "ca.crt"),
            );
            match (cert, key, ca) {
                (Some(cert), Some(key), Some(ca)) => {
                    let name = format!("Secret {namespace}/{TLS_SECRET}");
                    let issued = IssuedCert {
                        cert_pem: cert.clone(),
                        key_pem: key,
                    };
                    let wanted = manifests::service_dns_names(&namespace);
                    let names = issued.dns_names().unwrap_or_default();
                    let missing: Vec<&String> =
                        wanted.iter().filter(|w| !names.contains(w)).collect();
                    match ca_signed(&ca, &cert) {
                        Ok(true) if missing.is_empty() => checks.push(Check::ok(name, format!("serving certificate for {SERVICE_NAME}.{namespace}.svc signed by ca.crt"))),
                        Ok(true) => checks.push(Check::fail(name, format!("serving certificate lacks {}", missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")), rotate_fix.clone())),
                        Ok(false) => checks.push(Check::fail(name, "serving certificate is not signed by ca.crt", rotate_fix.clone())),
                        Err(e) => checks.push(Check::fail(name, format!("unreadable certificate: {e}"), rotate_fix.clone())),
                    }
                    for (label, webhook_ca) in &bundles {
                        let name = format!("caBundle of {label}");
                        if webhook_ca.is_empty() {
                            checks.push(Check::fail(name, "empty", install_fix(&namespace)));
                        } else if *webhook_ca == ca {
                            checks.push(Check::ok(name, format!("matches ca.crt of {TLS_SECRET}")));
                        } else {
                            checks.push(Check::fail(name, format!("differs from ca.crt of {TLS_SECRET}: the apiserver will not trust the webhook"), install_fix(&namespace)));
                        }
                    }
                    for (label, pem) in [("serving certificate", &cert), ("CA certificate", &ca)] {
                        let name = format!("{label} expiry");
                        match certificate_expiry(pem) {
                            Ok(expiry) => {
                                let left = expiry
                                    .duration_since(SystemTime::now())
                                    .unwrap_or(Duration::ZERO);
                                let days = left.as_secs() / 86400;
                                if left > install_plan::RENEW_BEFORE {
                                    checks.push(Check::ok(name, format!("expires in {days} days")));
                                } else if left.is_zero() {
                                    checks.push(Check::fail(name, "expired", rotate_fix.clone()));
                                } else {
                                    checks.push(Check::fail(
                                        name,
                                        format!("expires in {days} days"),
                                        rotate_fix.clone(),
                                    ));
                                }
                            }
                            Err(e) => checks.push(Check::fail(
                                name,
                                format!("unreadable: {e}"),
                                rotate_fix.clone(),
                            )),
                        }
                    }
                }
                _ => checks.push(Check::fail(
                    format!("Secret {namespace}/{TLS_SECRET}"),
                    "lacks tls.crt, tls.key or ca.crt",
                    install_fix(&namespace),
                )),
            }
        }
        Ok(None) => checks.push(Check::fail(
            format!("Secret {namespace}/{TLS_SECRET}"),
            "not found",
            install_fix(&namespace),
        )),
        Err(e) => checks.push(Check::fail(
            format!("Secret {namespace}/{TLS_SECRET}"),
            format!("cannot read: {}", CliError::from(e)),
            "check your access to secrets",
        )),
    }

    checks.push(probe(&client, &args.probe_namespace, &namespace).await);
    checks.push(references_check(ctx).await);

    render(&mut *ctx.out(), &checks, ctx.color())?;
    if checks.iter().any(|c| !c.ok) {
        return Err(CliError::Silent(EXIT_ERROR));
    }
    Ok(())
}

use crate::install_plan;

/// What the performers in every namespace name must exist, or their pods
/// are refused or cannot start.
async fn references_check(ctx: &Context) -> Check {
    let name = "objects the performers name";
    let performers = match api::list_performers(ctx, None).await {
        Ok(performers) => performers,
        Err(error) => {
            return Check::ok(name, format!("skipped: cannot list performers ({error})"));
        }
    };
    let all: Vec<&hourglass_shared::Performer> = performers.iter().collect();
    match missing_references(ctx, &all, ALL_KINDS).await {
        Ok(missing) if missing.is_empty() => Check::ok(
            name,
            format!("all present ({} performers)", performers.len()),
        ),
        Ok(missing) => Check::fail(
            name,
            missing.join("; "),
            "create what is missing, or correct the performer's reference",
        ),
        Err(error) => Check::ok(name, format!("skipped: {error}")),
    }
}

/// A dry-run create of a Performer with an invalid address: the validating
/// (or mutating) webhook must refuse it.
async fn probe(client: &kube::Client, namespace: &str, install_namespace: &str) -> Check {
    let name = "admission through the webhook".to_string();
    let object: DynamicObject = match serde_json::from_value(json!({
        "apiVersion": hourglass_shared::constants::GROUP_VERSION,
        "kind": "Performer",
        "metadata": {"name": "hourglass-doctor-probe", "namespace": namespace},
        "spec": {"avsAddress": "0xnot-an-address", "image": "hourglass/doctor-probe:v0"},
    })) {
        Ok(object) => object,
        Err(e) => return Check::fail(name, e.to_string(), "report this bug"),
    };
    let performers = api::dynamic(client.clone(), ObjectKind::Performer, namespace);
    let params = PostParams {
        dry_run: true,
        field_manager: Some(FIELD_MANAGER.to_string()),
    };
    match performers.create(&params, &object).await {
        Ok(_) => Check::fail(
            name,
            format!(
                "a dry-run create of an invalid Performer in {namespace} was accepted: no webhook checked it"
            ),
            "check that both webhook configurations exist and match performers (kubectl get validatingwebhookconfiguration hourglass-validating -o yaml)",
        ),
        Err(kube::Error::Api(status)) if status.message.contains("denied the request") => {
            Check::ok(
                name,
                "a dry-run create of an invalid Performer was refused by the webhook",
            )
        }
        Err(kube::Error::Api(status)) if is_type_missing(&status) => Check::fail(
            name,
            "performers are not served: the CRDs are not installed",
            install_fix(install_namespace),
        ),
        Err(kube::Error::Api(status)) if status.message.contains("failed calling webhook") => {
            Check::fail(
                name,
                format!("the apiserver cannot call the webhook: {}", status.message),
                "make the webhook pods ready and the caBundle match (see the checks above)",
            )
        }
        Err(error) => Check::fail(
            name,
            format!(
                "dry-run create in {namespace} failed: {}",
                CliError::from(error).render()
            ),
            format!(
                "make sure namespace {namespace} exists (or pass --probe-namespace) and the CRDs are installed"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_render_with_fixes() {
        let checks = vec![
            Check::ok(
                "CRD performers.hourglass.eigenlayer.io",
                "established, v1alpha1 served",
            ),
            Check::fail(
                "service hourglass-system/hourglass-webhook endpoints",
                "no ready endpoints",
                "check the pods",
            ),
        ];
        let mut out = Vec::new();
        render(&mut out, &checks, false).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ok    CRD performers.hourglass.eigenlayer.io: established, v1alpha1 served\n\
             fail  service hourglass-system/hourglass-webhook endpoints: no ready endpoints\n      fix: check the pods\n\
             1 of 2 checks failed\n"
        );
    }
}
