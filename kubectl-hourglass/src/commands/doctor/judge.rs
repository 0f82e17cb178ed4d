//! From what `doctor` found to ok or fail, each with a fix: a pure function
//! of the facts and the time, tested on its own.

use std::time::SystemTime;

use k8s_openapi::api::admissionregistration::v1::WebhookClientConfig;

use hourglass_shared::constants::API_VERSION;

use super::certificates::certificate_checks;
use super::facts::{Configuration, CrdState, Facts, ProbeOutcome, Read, References};
use crate::manifests::{self, SERVICE_NAME};

/// One check's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub ok: bool,
    pub name: String,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    pub fn ok(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Check {
            ok: true,
            name: name.into(),
            detail: detail.into(),
            fix: None,
        }
    }

    pub fn fail(
        name: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Check {
            ok: false,
            name: name.into(),
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

/// Every check, in the order they are shown.
pub fn judge(facts: &Facts, now: SystemTime) -> Vec<Check> {
    let namespace = facts.install_namespace.as_str();
    let mut checks: Vec<Check> = facts
        .crds
        .iter()
        .map(|(name, state)| crd_check(name, state, namespace))
        .collect();
    checks.extend(
        facts
            .configurations
            .iter()
            .map(|c| configuration_check(c, is_one_call(&facts.configurations), namespace)),
    );
    // Without the CRDs there is nothing to write, so nothing to break glass for.
    if facts
        .crds
        .iter()
        .any(|(_, state)| matches!(state, Ok(Some(_))))
    {
        checks.push(break_glass_check(&facts.configurations, namespace));
    }
    checks.push(endpoints_check(&facts.ready_endpoints, namespace));
    checks.extend(certificate_checks(facts, now));
    checks.push(probe_check(&facts.probe, &facts.probe_namespace, namespace));
    checks.push(references_check(&facts.references));
    checks
}

pub(super) fn install_fix(namespace: &str) -> String {
    if namespace == manifests::DEFAULT_NAMESPACE {
        "run `kubectl hourglass install`".to_string()
    } else {
        format!("run `kubectl hourglass install -n {namespace}`")
    }
}

pub(super) fn rotate_fix(namespace: &str) -> String {
    format!(
        "{} --rotate-certs`",
        install_fix(namespace).trim_end_matches('`')
    )
}

fn crd_check(name: &str, state: &Read<Option<CrdState>>, namespace: &str) -> Check {
    let check_name = format!("CRD {name}");
    match state {
        Err(error) => Check::fail(
            check_name,
            error.clone(),
            "check your access to customresourcedefinitions",
        ),
        Ok(None) => Check::fail(check_name, "not installed", install_fix(namespace)),
        Ok(Some(CrdState {
            established: false, ..
        })) => Check::fail(
            check_name,
            "not Established",
            format!("look at the CRD's conditions: kubectl get crd -o yaml {name}"),
        ),
        Ok(Some(CrdState {
            serves_our_version: false,
            ..
        })) => Check::fail(
            check_name,
            format!("{API_VERSION} is not served"),
            install_fix(namespace),
        ),
        Ok(Some(_)) => Check::ok(check_name, format!("established, {API_VERSION} served")),
    }
}

/// Present, and its first webhook calls our Service.
/// Which way around the webhooks is in force, if any: the configurations
/// deleted, or an exemption label (objectSelector) that lets objects skip them.
fn break_glass_check(configurations: &[Configuration], namespace: &str) -> Check {
    const NAME: &str = "break glass";
    let one_call = is_one_call(configurations);
    let deleted: Vec<&str> = configurations
        .iter()
        .filter(|c| matches!(c.webhooks, Ok(None)))
        .filter(|c| !(one_call && c.kind == "ValidatingWebhookConfiguration"))
        .map(|c| c.name)
        .collect();
    if !deleted.is_empty() {
        return Check::fail(
            NAME,
            format!(
                "in force: {} deleted, so executors and performers are stored without the webhook's rules and defaults",
                deleted.join(" and ")
            ),
            format!("when the webhook serves again, {}", install_fix(namespace)),
        );
    }
    let mut exemptions: Vec<&str> = configurations
        .iter()
        .flat_map(|c| c.exemptions.iter().map(String::as_str))
        .filter(|e| !e.is_empty())
        .collect();
    exemptions.sort();
    exemptions.dedup();
    if exemptions.is_empty() {
        Check::ok(
            NAME,
            "none in force: every executor and performer goes through both webhooks",
        )
    } else {
        Check::ok(
            NAME,
            format!(
                "exemption label ready: objects outside objectSelector {} skip both webhooks (neither checked nor defaulted)",
                exemptions.join("; ")
            ),
        )
    }
}

/// `install --one-call`: only the mutating configuration, marked so.
fn is_one_call(configurations: &[Configuration]) -> bool {
    configurations.iter().any(|c| c.one_call)
}

fn configuration_check(configuration: &Configuration, one_call: bool, namespace: &str) -> Check {
    let Configuration {
        kind,
        name,
        plural,
        webhooks,
        ..
    } = configuration;
    let title = format!("{kind} {name}");
    match webhooks {
        Ok(Some(webhooks)) => {
            let first = webhooks.first().map(|(_, config)| config);
            match calls_our_service(kind, name, first, namespace) {
                Ok(()) => Check::ok(title, format!("calls service {namespace}/{SERVICE_NAME}")),
                Err(why) => Check::fail(title, why, install_fix(namespace)),
            }
        }
        Ok(None) if one_call && *kind == "ValidatingWebhookConfiguration" => Check::ok(
            title,
            "not installed: one-call mode (install --one-call), the mutating webhook alone checks",
        ),
        Ok(None) => Check::fail(title, "not found", install_fix(namespace)),
        Err(error) => Check::fail(
            title,
            error.clone(),
            format!("check your access to {plural}"),
        ),
    }
}

fn calls_our_service(
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

fn endpoints_check(ready: &Read<usize>, namespace: &str) -> Check {
    let name = format!("service {namespace}/{SERVICE_NAME} endpoints");
    match ready {
        Ok(0) => Check::fail(
            name,
            "no ready endpoints: the apiserver cannot reach the webhook",
            format!(
                "check the webhook pods: kubectl -n {namespace} get deploy,pods -l app.kubernetes.io/name=hourglass-webhook; kubectl -n {namespace} describe deploy {}",
                manifests::DEPLOYMENT_NAME
            ),
        ),
        Ok(ready) => Check::ok(name, format!("{ready} ready")),
        Err(error) => Check::fail(name, error.clone(), "check your access to endpointslices"),
    }
}

fn probe_check(probe: &ProbeOutcome, probe_namespace: &str, namespace: &str) -> Check {
    let name = "admission through the webhook";
    match probe {
        ProbeOutcome::Denied => Check::ok(
            name,
            "a dry-run create of an invalid Performer was refused by the webhook",
        ),
        ProbeOutcome::Accepted => Check::fail(
            name,
            format!(
                "a dry-run create of an invalid Performer in {probe_namespace} was accepted: no webhook checked it"
            ),
            "check that both webhook configurations exist and match performers (kubectl get validatingwebhookconfiguration hourglass-validating -o yaml)",
        ),
        ProbeOutcome::TypeMissing => Check::fail(
            name,
            "performers are not served: the CRDs are not installed",
            install_fix(namespace),
        ),
        ProbeOutcome::WebhookUnreachable(message) => Check::fail(
            name,
            format!("the apiserver cannot call the webhook: {message}"),
            "make the webhook pods ready and the caBundle match (see the checks above)",
        ),
        ProbeOutcome::Failed(message) => Check::fail(
            name,
            format!("dry-run create in {probe_namespace} failed: {message}"),
            format!(
                "make sure namespace {probe_namespace} exists (or pass --probe-namespace) and the CRDs are installed"
            ),
        ),
    }
}

fn references_check(references: &References) -> Check {
    let name = "objects the performers name";
    match references {
        References::Skipped(why) => Check::ok(name, format!("skipped: {why}")),
        References::Checked {
            performers,
            missing,
        } if missing.is_empty() => {
            Check::ok(name, format!("all present ({performers} performers)"))
        }
        References::Checked { missing, .. } => Check::fail(
            name,
            missing.join("; "),
            "create what is missing, or correct the performer's reference",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::doctor::facts::{Renewal, TlsSecret};
    use hourglass_certs::{CertificateAuthority, ServingCertSpec};
    use std::time::Duration;

    const NS: &str = "hourglass-system";

    fn healthy() -> Facts {
        let ca =
            CertificateAuthority::generate("test-ca", Duration::from_secs(400 * 86400)).unwrap();
        let serving = ca
            .issue_serving(
                &ServingCertSpec::for_service(SERVICE_NAME, NS)
                    .with_validity(Duration::from_secs(365 * 86400)),
            )
            .unwrap();
        let config = WebhookClientConfig {
            ca_bundle: Some(k8s_openapi::ByteString(ca.cert_pem().as_bytes().to_vec())),
            service: Some(
                k8s_openapi::api::admissionregistration::v1::ServiceReference {
                    name: SERVICE_NAME.to_string(),
                    namespace: NS.to_string(),
                    ..Default::default()
                },
            ),
            url: None,
        };
        Facts {
            install_namespace: NS.to_string(),
            probe_namespace: "default".to_string(),
            crds: vec![(
                "performers.hourglass.eigenlayer.io".to_string(),
                Ok(Some(CrdState {
                    established: true,
                    serves_our_version: true,
                })),
            )],
            configurations: vec![Configuration {
                kind: "ValidatingWebhookConfiguration",
                name: "hourglass-validating",
                plural: "validatingwebhookconfigurations",
                webhooks: Ok(Some(vec![(
                    "validate.hourglass.eigenlayer.io".to_string(),
                    config,
                )])),
                exemptions: Vec::new(),
                one_call: false,
            }],
            ready_endpoints: Ok(2),
            tls_secret: Ok(Some(TlsSecret {
                cert: Some(serving.cert_pem.trim().to_string()),
                key: Some(serving.key_pem),
                ca: Some(ca.cert_pem().trim().to_string()),
            })),
            renewal: Ok(Renewal::BuiltIn {
                ready: 1,
                wanted: 1,
            }),
            probe: ProbeOutcome::Denied,
            references: References::Checked {
                performers: 3,
                missing: Vec::new(),
            },
        }
    }

    fn failed(checks: &[Check]) -> Vec<(&str, &str)> {
        checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| (c.name.as_str(), c.detail.as_str()))
            .collect()
    }

    #[test]
    fn a_healthy_installation_passes_every_check() {
        let now = SystemTime::now();
        let checks = judge(&healthy(), now);
        assert_eq!(failed(&checks), [], "{checks:#?}");
        assert_eq!(checks.len(), 11, "{checks:#?}");
    }

    #[test]
    fn each_problem_fails_its_own_check_with_a_fix() {
        let now = SystemTime::now();
        /// How to break a healthy installation, and the one failure it must cause.
        type Case = (fn(&mut Facts), &'static str, &'static str);
        let cases: Vec<Case> = vec![
            (
                |f| f.crds[0].1 = Ok(None),
                "CRD performers.hourglass.eigenlayer.io",
                "not installed",
            ),
            (
                |f| f.ready_endpoints = Ok(0),
                "service hourglass-system/hourglass-webhook endpoints",
                "no ready endpoints: the apiserver cannot reach the webhook",
            ),
            (
                |f| f.tls_secret = Ok(None),
                "Secret hourglass-system/hourglass-webhook-tls",
                "not found",
            ),
            (
                |f| {
                    if let Ok(Some(webhooks)) = &mut f.configurations[0].webhooks {
                        webhooks[0].1.ca_bundle = None;
                    }
                },
                "caBundle of validate.hourglass.eigenlayer.io",
                "empty",
            ),
            (
                |f| f.probe = ProbeOutcome::Accepted,
                "admission through the webhook",
                "a dry-run create of an invalid Performer in default was accepted: no webhook checked it",
            ),
            (
                |f| {
                    f.references = References::Checked {
                        performers: 1,
                        missing: vec!["performer/p: Secret \"s\" not found".to_string()],
                    }
                },
                "objects the performers name",
                "performer/p: Secret \"s\" not found",
            ),
        ];
        for (breaks, name, detail) in cases {
            let mut facts = healthy();
            breaks(&mut facts);
            let checks = judge(&facts, now);
            assert_eq!(failed(&checks), [(name, detail)], "{checks:#?}");
            assert!(checks.iter().filter(|c| !c.ok).all(|c| c.fix.is_some()));
        }
    }

    #[test]
    fn certificates_near_expiry_fail_naming_what_renews_them() {
        let now = SystemTime::now();
        let later = now + Duration::from_secs(350 * 86400);
        let expiring = |renewal: Renewal| {
            let mut facts = healthy();
            facts.renewal = Ok(renewal);
            let checks = judge(&facts, later);
            let failed: Vec<Check> = checks
                .into_iter()
                .filter(|c| !c.ok && c.name != "certificate renewal")
                .collect();
            assert_eq!(failed.len(), 1, "{failed:#?}");
            assert_eq!(failed[0].name, "serving certificate expiry");
            assert_eq!(failed[0].detail, "expires in 14 days");
            failed[0].fix.clone().unwrap()
        };
        let built_in = expiring(Renewal::BuiltIn {
            ready: 0,
            wanted: 1,
        });
        assert!(
            built_in.starts_with("the built-in renewer should have renewed it months ago: see `kubectl logs -n hourglass-system deployment/hourglass-cert-renewer`"),
            "{built_in}"
        );
        assert!(built_in.ends_with("run `kubectl hourglass install --rotate-certs`"));
        assert_eq!(
            expiring(Renewal::CertManager {
                certificate: "hourglass-system/hourglass-webhook".to_string()
            }),
            "cert-manager renews it: see `kubectl describe certificate -n hourglass-system hourglass-webhook` and cert-manager's logs"
        );
        assert_eq!(
            expiring(Renewal::Nobody),
            "run `kubectl hourglass install --rotate-certs`"
        );
    }

    #[test]
    fn one_call_mode_is_not_break_glass() {
        let mut facts = healthy();
        facts.configurations[0].webhooks = Ok(None);
        let mut mutating = facts.configurations[0].clone();
        mutating.kind = "MutatingWebhookConfiguration";
        mutating.name = "hourglass-mutating";
        mutating.webhooks = healthy().configurations[0].webhooks.clone();
        mutating.one_call = true;
        facts.configurations.push(mutating);
        let checks = judge(&facts, SystemTime::now());
        let validating = checks
            .iter()
            .find(|c| c.name == "ValidatingWebhookConfiguration hourglass-validating")
            .unwrap();
        assert!(validating.ok, "{validating:?}");
        assert!(
            validating.detail.contains("one-call mode"),
            "{validating:?}"
        );
        let glass = checks.iter().find(|c| c.name == "break glass").unwrap();
        assert!(
            glass.ok && glass.detail.starts_with("none in force"),
            "{glass:?}"
        );
        // Without the mark, a missing validating configuration is break glass.
        facts.configurations[1].one_call = false;
        let checks = judge(&facts, SystemTime::now());
        let glass = checks.iter().find(|c| c.name == "break glass").unwrap();
        assert!(!glass.ok, "{glass:?}");
    }

    #[test]
    fn break_glass_in_force_is_named() {
        let now = SystemTime::now();
        let break_glass = |facts: &Facts| {
            judge(facts, now)
                .into_iter()
                .find(|c| c.name == "break glass")
                .unwrap()
        };
        let none = break_glass(&healthy());
        assert!(none.ok);
        assert!(none.detail.starts_with("none in force"), "{}", none.detail);

        let mut labelled = healthy();
        labelled.configurations[0].exemptions =
            vec!["hourglass.eigenlayer.io/exempt notin (true)".to_string()];
        let exemption = break_glass(&labelled);
        assert!(exemption.ok);
        assert!(
            exemption.detail.contains(
                "objectSelector hourglass.eigenlayer.io/exempt notin (true) skip both webhooks"
            ),
            "{}",
            exemption.detail
        );

        let mut deleted = healthy();
        deleted.configurations[0].webhooks = Ok(None);
        let check = break_glass(&deleted);
        assert!(!check.ok);
        assert!(
            check
                .detail
                .starts_with("in force: hourglass-validating deleted"),
            "{}",
            check.detail
        );
        assert_eq!(
            check.fix.as_deref(),
            Some("when the webhook serves again, run `kubectl hourglass install`")
        );
    }

    #[test]
    fn the_way_certificates_are_renewed_is_named() {
        let now = SystemTime::now();
        let renewal = |renewal: Renewal| {
            let mut facts = healthy();
            facts.renewal = Ok(renewal);
            judge(&facts, now)
                .into_iter()
                .find(|c| c.name == "certificate renewal")
                .unwrap()
        };
        let built_in = renewal(Renewal::BuiltIn {
            ready: 1,
            wanted: 1,
        });
        assert!(built_in.ok);
        assert_eq!(
            built_in.detail,
            "built in: Deployment hourglass-system/hourglass-cert-renewer (1 of 1 ready) renews the serving certificate and rotates the CA"
        );
        let cert_manager = renewal(Renewal::CertManager {
            certificate: "hourglass-system/hourglass-webhook".to_string(),
        });
        assert!(cert_manager.ok);
        assert!(
            cert_manager
                .detail
                .starts_with("cert-manager: Certificate hourglass-system/hourglass-webhook")
        );
        let nobody = renewal(Renewal::Nobody);
        assert!(!nobody.ok);
        assert_eq!(
            nobody.fix.as_deref(),
            Some("run `kubectl hourglass install`")
        );
    }
}
