//! The install manifests, embedded at build time so `install` works from any
//! directory, and the pure edits install makes to them: the namespace, the
//! image, the caBundle and the TLS Secrets.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use serde_json::{Value, json};

use crate::input;

pub const DEFAULT_NAMESPACE: &str = "hourglass-system";
pub const SERVICE_NAME: &str = "hourglass-webhook";
pub const DEPLOYMENT_NAME: &str = "hourglass-webhook";
/// The built-in certificate renewal (`hourglass-webhook renew-certificates`).
pub const RENEWER_DEPLOYMENT_NAME: &str = "hourglass-cert-renewer";
/// The serving certificate, key and CA certificate the webhook pods mount.
pub const TLS_SECRET: &str = "hourglass-webhook-tls";
/// The CA's certificate and key: kept apart from the pods, used by
/// `install` to issue (and re-issue) the serving certificate.
pub const CA_SECRET: &str = "hourglass-webhook-ca";
pub const VALIDATING_WEBHOOK: &str = "hourglass-validating";
pub const MUTATING_WEBHOOK: &str = "hourglass-mutating";
pub const VALIDATING_WEBHOOK_NAME: &str = "validate.hourglass.eigenlayer.io";
pub const MUTATING_WEBHOOK_NAME: &str = "mutate.hourglass.eigenlayer.io";
/// cert-manager's cainjector fills the caBundle of a configuration carrying
/// this annotation from the named Certificate (`<namespace>/<name>`).
pub const CERT_MANAGER_INJECT_ANNOTATION: &str = "cert-manager.io/inject-ca-from";
/// Set on what install creates, so uninstall only deletes a namespace it made.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const MANAGED_BY: &str = "kubectl-hourglass";

pub const CRDS: &[(&str, &str)] = &[
    (
        "crds/hourglassexecutors.yaml",
        include_str!("../../manifests/crds/hourglassexecutors.yaml"),
    ),
    (
        "crds/performers.yaml",
        include_str!("../../manifests/crds/performers.yaml"),
    ),
];

pub const WEBHOOK: &[(&str, &str)] = &[
    (
        "webhook/00-namespace.yaml",
        include_str!("../../manifests/webhook/00-namespace.yaml"),
    ),
    (
        "webhook/10-rbac.yaml",
        include_str!("../../manifests/webhook/10-rbac.yaml"),
    ),
    (
        "webhook/20-deployment.yaml",
        include_str!("../../manifests/webhook/20-deployment.yaml"),
    ),
    (
        "webhook/30-service.yaml",
        include_str!("../../manifests/webhook/30-service.yaml"),
    ),
    (
        "webhook/40-pdb.yaml",
        include_str!("../../manifests/webhook/40-pdb.yaml"),
    ),
    (
        "webhook/50-validating-webhook.yaml",
        include_str!("../../manifests/webhook/50-validating-webhook.yaml"),
    ),
    (
        "webhook/60-mutating-webhook.yaml",
        include_str!("../../manifests/webhook/60-mutating-webhook.yaml"),
    ),
    (
        "webhook/70-cert-renewer.yaml",
        include_str!("../../manifests/webhook/70-cert-renewer.yaml"),
    ),
];

/// The cert-manager objects of `install --cert-manager`.
pub const CERT_MANAGER: &[(&str, &str)] = &[(
    "cert-manager/certificates.yaml",
    include_str!("../../manifests/cert-manager/certificates.yaml"),
)];

/// The Certificate cert-manager's cainjector takes the caBundle from.
pub const CERT_MANAGER_CERTIFICATE: &str = "hourglass-webhook";

pub fn cert_manager_objects() -> Result<Vec<Value>, String> {
    parse(CERT_MANAGER)
}

fn parse(files: &[(&str, &str)]) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for (name, text) in files {
        for document in input::parse_documents(name, text) {
            let mut value = document
                .map_err(|e| format!("{}: {}", e.source, e.message))?
                .value;
            octal_modes(&mut value);
            out.push(value);
        }
    }
    Ok(out)
}

/// kubectl reads manifests as YAML 1.1, where `defaultMode: 0440` is octal
/// (288); YAML 1.2 parsers see a string. File modes are read the way
/// kubectl reads them.
pub fn octal_modes(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if matches!(key.as_str(), "defaultMode" | "mode")
                    && let Value::String(text) = child
                    && text.len() > 1
                    && text.starts_with('0')
                    && let Ok(mode) = u32::from_str_radix(&text[1..], 8)
                {
                    *child = Value::from(mode);
                } else {
                    octal_modes(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(octal_modes),
        _ => {}
    }
}

pub fn crds() -> Result<Vec<Value>, String> {
    parse(CRDS)
}

pub fn webhook_objects() -> Result<Vec<Value>, String> {
    parse(WEBHOOK)
}

pub fn kind(value: &Value) -> &str {
    value
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

pub fn name(value: &Value) -> &str {
    value
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

pub fn is_webhook_configuration(value: &Value) -> bool {
    matches!(
        kind(value),
        "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration"
    )
}

/// The name of `manifests/webhook/50-validating-webhook.yaml`'s configuration.
pub const VALIDATING_CONFIGURATION: &str = "hourglass-validating";

/// One-call mode (`install --one-call`): the validating configuration left
/// out, so the mutating webhook (reinvocationPolicy IfNeeded), which runs
/// every rule too, is the only admission call.
pub fn keep_one_admission_call(objects: &mut Vec<Value>) {
    objects.retain(|object| kind(object) != "ValidatingWebhookConfiguration");
    // Marked, so that `doctor` tells one-call mode from a deleted
    // validating configuration (break glass).
    for object in objects.iter_mut() {
        if kind(object) == "MutatingWebhookConfiguration" {
            object["metadata"]["annotations"][ONE_CALL_ANNOTATION] = json!("true");
        }
    }
}

/// On the mutating configuration of an `install --one-call`.
pub const ONE_CALL_ANNOTATION: &str = "hourglass.eigenlayer.io/one-call";

/// Moves the webhook objects from hourglass-system to `namespace`: the
/// Namespace itself, namespaced objects, ServiceAccount subjects, the
/// webhooks' service reference and the namespace they leave out.
pub fn set_namespace(objects: &mut [Value], namespace: &str) {
    for object in objects.iter_mut() {
        let kind = kind(object).to_string();
        if kind == "Namespace" {
            object["metadata"]["name"] = json!(namespace);
            object["metadata"]["labels"][MANAGED_BY_LABEL] = json!(MANAGED_BY);
            continue;
        }
        if object.pointer("/metadata/namespace").is_some() {
            object["metadata"]["namespace"] = json!(namespace);
        }
        if let Some(Value::Array(subjects)) = object.get_mut("subjects") {
            for subject in subjects {
                if subject.get("namespace").is_some() {
                    subject["namespace"] = json!(namespace);
                }
            }
        }
        if let Some(Value::Array(webhooks)) = object.get_mut("webhooks") {
            for webhook in webhooks {
                if let Some(service) = webhook.pointer_mut("/clientConfig/service") {
                    service["namespace"] = json!(namespace);
                }
                if let Some(Value::Array(expressions)) =
                    webhook.pointer_mut("/namespaceSelector/matchExpressions")
                {
                    for expression in expressions {
                        if let Some(Value::Array(values)) = expression.get_mut("values") {
                            for value in values {
                                if value == DEFAULT_NAMESPACE {
                                    *value = json!(namespace);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `--image`: the container image of the webhook Deployment and of the
/// certificate renewer's, which runs the same binary.
pub fn set_image(objects: &mut [Value], image: &str) {
    for object in objects.iter_mut() {
        if kind(object) == "Deployment"
            && [DEPLOYMENT_NAME, RENEWER_DEPLOYMENT_NAME].contains(&name(object))
            && let Some(Value::Array(containers)) =
                object.pointer_mut("/spec/template/spec/containers")
        {
            for container in containers {
                container["image"] = json!(image);
            }
        }
    }
}

/// The base64 of the CA PEM, in every webhook of both configurations.
pub fn set_ca_bundle(objects: &mut [Value], ca_pem: &str) {
    let encoded =
        serde_json::to_value(ByteString(ca_pem.as_bytes().to_vec())).unwrap_or(Value::Null);
    for object in objects.iter_mut() {
        if let Some(Value::Array(webhooks)) = object.get_mut("webhooks") {
            for webhook in webhooks {
                webhook["clientConfig"]["caBundle"] = encoded.clone();
            }
        }
    }
}

fn secret(namespace: &str, name: &str, type_: &str, data: BTreeMap<&str, &str>) -> Value {
    let data: serde_json::Map<String, Value> = data
        .into_iter()
        .map(|(key, value)| {
            (
                key.to_string(),
                serde_json::to_value(ByteString(value.as_bytes().to_vec())).unwrap_or(Value::Null),
            )
        })
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {
                "app.kubernetes.io/name": "hourglass-webhook",
                "app.kubernetes.io/part-of": "hourglass",
                MANAGED_BY_LABEL: MANAGED_BY,
            },
        },
        "type": type_,
        "data": data,
    })
}

/// The Secret the webhook pods mount: tls.crt, tls.key and ca.crt.
pub fn tls_secret(namespace: &str, cert_pem: &str, key_pem: &str, ca_pem: &str) -> Value {
    secret(
        namespace,
        TLS_SECRET,
        "kubernetes.io/tls",
        BTreeMap::from([
            ("tls.crt", cert_pem),
            ("tls.key", key_pem),
            ("ca.crt", ca_pem),
        ]),
    )
}

/// The Secret holding the CA (certificate and key).
pub fn ca_secret(namespace: &str, cert_pem: &str, key_pem: &str) -> Value {
    secret(
        namespace,
        CA_SECRET,
        "kubernetes.io/tls",
        BTreeMap::from([("tls.crt", cert_pem), ("tls.key", key_pem)]),
    )
}

/// The DNS names the serving certificate must carry for `namespace`.
pub fn service_dns_names(namespace: &str) -> Vec<String> {
    hourglass_certs::ServingCertSpec::for_service(SERVICE_NAME, namespace).dns_names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_manifest_parses() {
        let crds = crds().unwrap();
        assert_eq!(crds.len(), 2);
        assert!(crds.iter().all(|c| kind(c) == "CustomResourceDefinition"));
        let objects = webhook_objects().unwrap();
        let kinds: Vec<&str> = objects.iter().map(kind).collect();
        for expected in [
            "Namespace",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Deployment",
            "Service",
            "PodDisruptionBudget",
            "ValidatingWebhookConfiguration",
            "MutatingWebhookConfiguration",
        ] {
            assert!(kinds.contains(&expected), "{expected} in {kinds:?}");
        }
    }

    #[test]
    fn one_call_mode_keeps_only_the_mutating_webhook_which_reinvokes() {
        let mut objects = webhook_objects().unwrap();
        let validating = objects
            .iter()
            .find(|o| kind(o) == "ValidatingWebhookConfiguration")
            .unwrap();
        assert_eq!(name(validating), VALIDATING_CONFIGURATION);
        let before = objects.len();
        keep_one_admission_call(&mut objects);
        assert_eq!(objects.len(), before - 1);
        let hooks: Vec<&Value> = objects
            .iter()
            .filter(|o| is_webhook_configuration(o))
            .collect();
        assert_eq!(hooks.len(), 1);
        assert_eq!(kind(hooks[0]), "MutatingWebhookConfiguration");
        assert_eq!(hooks[0]["webhooks"][0]["reinvocationPolicy"], "IfNeeded");
        assert_eq!(hooks[0]["webhooks"][0]["failurePolicy"], "Fail");
    }

    #[test]
    fn another_namespace_is_rewritten_everywhere() {
        let mut objects = webhook_objects().unwrap();
        set_namespace(&mut objects, "hg");
        let text = serde_json::to_string(&objects).unwrap();
        assert!(!text.contains(DEFAULT_NAMESPACE), "{text}");
        let namespace = objects.iter().find(|o| kind(o) == "Namespace").unwrap();
        assert_eq!(name(namespace), "hg");
        for hook in objects.iter().filter(|o| is_webhook_configuration(o)) {
            assert_eq!(
                hook.pointer("/webhooks/0/clientConfig/service/namespace"),
                Some(&json!("hg"))
            );
        }
    }

    #[test]
    fn image_and_ca_bundle() {
        let mut objects = webhook_objects().unwrap();
        set_image(&mut objects, "example.com/webhook:dev");
        set_ca_bundle(&mut objects, "PEM");
        let deployments: Vec<&Value> = objects.iter().filter(|o| kind(o) == "Deployment").collect();
        assert_eq!(
            deployments.len(),
            2,
            "the webhook and the certificate renewer"
        );
        for deployment in deployments {
            assert_eq!(
                deployment.pointer("/spec/template/spec/containers/0/image"),
                Some(&json!("example.com/webhook:dev"))
            );
        }
        for hook in objects.iter().filter(|o| is_webhook_configuration(o)) {
            assert_eq!(
                hook.pointer("/webhooks/0/clientConfig/caBundle"),
                Some(&json!("UEVN"))
            );
        }
    }

    #[test]
    fn file_modes_are_octal_as_kubectl_reads_them() {
        let objects = webhook_objects().unwrap();
        let deployment = objects.iter().find(|o| kind(o) == "Deployment").unwrap();
        assert_eq!(
            deployment.pointer("/spec/template/spec/volumes/0/secret/defaultMode"),
            Some(&json!(0o440))
        );
    }

    #[test]
    fn tls_secret_has_the_three_keys() {
        let secret = tls_secret("ns", "C", "K", "A");
        let data = secret["data"].as_object().unwrap();
        let keys: Vec<&String> = data.keys().collect();
        assert_eq!(keys, ["ca.crt", "tls.crt", "tls.key"]);
        assert_eq!(secret["metadata"]["name"], json!(TLS_SECRET));
    }
}
