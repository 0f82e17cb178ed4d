//! Reading what `doctor` checks: the CRDs, both webhook configurations, the
//! Service's endpoints, the serving Secret, a dry-run create through the
//! webhook, and what the performers name. No judgement here.

use k8s_openapi::api::admissionregistration::v1::{
    MutatingWebhookConfiguration, ValidatingWebhookConfiguration,
};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::api::{Api, DynamicObject, ListParams, PostParams};
use serde_json::json;

use hourglass_shared::constants::{API_GROUP, API_VERSION};
use hourglass_shared::object::ObjectKind;

use super::facts::{
    Configuration, CrdState, Facts, ProbeOutcome, Read, References, Renewal, TlsSecret,
};
use crate::api::{self, FIELD_MANAGER};
use crate::cluster::is_established;
use crate::context::Context;
use crate::error::{CliError, Result, is_type_missing};
use crate::manifests::{
    CERT_MANAGER_INJECT_ANNOTATION, MUTATING_WEBHOOK, ONE_CALL_ANNOTATION, RENEWER_DEPLOYMENT_NAME,
    SERVICE_NAME, TLS_SECRET, VALIDATING_WEBHOOK,
};
use crate::references::{ALL_KINDS, missing_references};

pub async fn gather(ctx: &Context, probe_namespace: &str) -> Result<Facts> {
    let namespace = ctx.install_namespace();
    let client = ctx.client().await?;
    Ok(Facts {
        crds: crds(&client).await,
        configurations: configurations(&client).await,
        ready_endpoints: ready_endpoints(&client, &namespace).await,
        tls_secret: tls_secret(&client, &namespace).await,
        renewal: renewal(&client, &namespace).await,
        probe: probe(&client, probe_namespace).await,
        references: references(ctx).await,
        install_namespace: namespace,
        probe_namespace: probe_namespace.to_string(),
    })
}

fn cannot_read(error: kube::Error) -> String {
    format!("cannot read: {}", CliError::from(error))
}

async fn crds(client: &kube::Client) -> Vec<(String, Read<Option<CrdState>>)> {
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    let mut found = Vec::new();
    for kind in [ObjectKind::Executor, ObjectKind::Performer] {
        let name = format!("{}.{API_GROUP}", kind.plural());
        let state = api.get_opt(&name).await.map_err(cannot_read).map(|crd| {
            crd.map(|crd| CrdState {
                established: is_established(&crd),
                serves_our_version: crd
                    .spec
                    .versions
                    .iter()
                    .any(|v| v.name == API_VERSION && v.served),
            })
        });
        found.push((name, state));
    }
    found
}

async fn configurations(client: &kube::Client) -> Vec<Configuration> {
    let validating = Api::<ValidatingWebhookConfiguration>::all(client.clone())
        .get_opt(VALIDATING_WEBHOOK)
        .await
        .map_err(|e| format!("cannot read: {e}"));
    let mutating = Api::<MutatingWebhookConfiguration>::all(client.clone())
        .get_opt(MUTATING_WEBHOOK)
        .await
        .map_err(|e| format!("cannot read: {e}"));
    let mut validating_exemptions = Vec::new();
    let validating = validating.map(|found| {
        found.map(|config| {
            let hooks = config.webhooks.into_iter().flatten();
            hooks
                .map(|w| {
                    validating_exemptions.extend(w.object_selector.as_ref().map(selector_text));
                    (w.name, w.client_config)
                })
                .collect()
        })
    });
    let mut mutating_exemptions = Vec::new();
    let mut one_call = false;
    let mutating = mutating.map(|found| {
        found.map(|config| {
            one_call = config
                .metadata
                .annotations
                .as_ref()
                .is_some_and(|a| a.get(ONE_CALL_ANNOTATION).is_some_and(|v| v == "true"));
            let hooks = config.webhooks.into_iter().flatten();
            hooks
                .map(|w| {
                    mutating_exemptions.extend(w.object_selector.as_ref().map(selector_text));
                    (w.name, w.client_config)
                })
                .collect()
        })
    });
    vec![
        Configuration {
            kind: "ValidatingWebhookConfiguration",
            name: VALIDATING_WEBHOOK,
            plural: "validatingwebhookconfigurations",
            webhooks: validating,
            exemptions: validating_exemptions,
            one_call: false,
        },
        Configuration {
            kind: "MutatingWebhookConfiguration",
            name: MUTATING_WEBHOOK,
            plural: "mutatingwebhookconfigurations",
            webhooks: mutating,
            exemptions: mutating_exemptions,
            one_call,
        },
    ]
}

/// A label selector as one line (`k!=v`, `k notin (a,b)`); empty selectors
/// (which match everything) give nothing.
fn selector_text(selector: &LabelSelector) -> String {
    let mut terms: Vec<String> = selector
        .match_labels
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for expression in selector.match_expressions.iter().flatten() {
        let values = expression.values.clone().unwrap_or_default().join(",");
        terms.push(match expression.operator.as_str() {
            "NotIn" => format!("{} notin ({values})", expression.key),
            "In" => format!("{} in ({values})", expression.key),
            "Exists" => expression.key.clone(),
            "DoesNotExist" => format!("!{}", expression.key),
            other => format!("{} {other} ({values})", expression.key),
        });
    }
    terms.join(",")
}

/// cert-manager's annotation on the validating configuration, else the
/// built-in renewer's Deployment, else nobody.
async fn renewal(client: &kube::Client, namespace: &str) -> Read<Renewal> {
    let validating = Api::<ValidatingWebhookConfiguration>::all(client.clone())
        .get_opt(VALIDATING_WEBHOOK)
        .await
        .map_err(cannot_read)?;
    let injected = validating
        .and_then(|c| c.metadata.annotations)
        .and_then(|a| a.get(CERT_MANAGER_INJECT_ANNOTATION).cloned());
    if let Some(certificate) = injected {
        return Ok(Renewal::CertManager { certificate });
    }
    let renewer = Api::<Deployment>::namespaced(client.clone(), namespace)
        .get_opt(RENEWER_DEPLOYMENT_NAME)
        .await
        .map_err(cannot_read)?;
    Ok(match renewer {
        Some(deployment) => Renewal::BuiltIn {
            ready: deployment
                .status
                .and_then(|s| s.ready_replicas)
                .unwrap_or(0),
            wanted: deployment.spec.and_then(|s| s.replicas).unwrap_or(1),
        },
        None => Renewal::Nobody,
    })
}

async fn ready_endpoints(client: &kube::Client, namespace: &str) -> Read<usize> {
    let slices: Api<EndpointSlice> = Api::namespaced(client.clone(), namespace);
    let list = slices
        .list(&ListParams::default().labels(&format!("kubernetes.io/service-name={SERVICE_NAME}")))
        .await
        .map_err(cannot_read)?;
    Ok(list
        .items
        .iter()
        .flat_map(|s| s.endpoints.iter())
        // EndpointSlice API: an unset `ready` means ready ("unknown" is to
        // be read as true by consumers).
        .filter(|e| e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true))
        .count())
}

async fn tls_secret(client: &kube::Client, namespace: &str) -> Read<Option<TlsSecret>> {
    let secret = Api::<Secret>::namespaced(client.clone(), namespace)
        .get_opt(TLS_SECRET)
        .await
        .map_err(cannot_read)?;
    let text = |s: &Secret, key: &str| {
        s.data
            .as_ref()
            .and_then(|d| d.get(key))
            .map(|b| String::from_utf8_lossy(&b.0).trim().to_string())
            .filter(|t| !t.is_empty())
    };
    Ok(secret.map(|secret| TlsSecret {
        cert: text(&secret, "tls.crt"),
        key: text(&secret, "tls.key"),
        ca: text(&secret, "ca.crt"),
    }))
}

/// A dry-run create of a Performer with an invalid address: a webhook must
/// refuse it.
async fn probe(client: &kube::Client, namespace: &str) -> ProbeOutcome {
    let object: DynamicObject = match serde_json::from_value(json!({
        "apiVersion": hourglass_shared::constants::GROUP_VERSION,
        "kind": hourglass_shared::constants::PERFORMER_KIND,
        "metadata": {"name": "hourglass-doctor-probe", "namespace": namespace},
        "spec": {"avsAddress": "0xnot-an-address", "image": "hourglass/doctor-probe:v0"},
    })) {
        Ok(object) => object,
        Err(e) => return ProbeOutcome::Failed(e.to_string()),
    };
    let performers = api::dynamic(client.clone(), ObjectKind::Performer, namespace);
    let params = PostParams {
        dry_run: true,
        field_manager: Some(FIELD_MANAGER.to_string()),
    };
    match performers.create(&params, &object).await {
        Ok(_) => ProbeOutcome::Accepted,
        Err(kube::Error::Api(status)) if status.message.contains("denied the request") => {
            ProbeOutcome::Denied
        }
        Err(kube::Error::Api(status)) if is_type_missing(&status) => ProbeOutcome::TypeMissing,
        Err(kube::Error::Api(status)) if status.message.contains("failed calling webhook") => {
            ProbeOutcome::WebhookUnreachable(status.message.clone())
        }
        Err(error) => ProbeOutcome::Failed(CliError::from(error).render()),
    }
}

/// What the performers in every namespace name, checked with the user's
/// rights (the webhook may not read Secrets).
async fn references(ctx: &Context) -> References {
    let performers = match api::list_performers(ctx, None).await {
        Ok(performers) => performers,
        Err(error) => return References::Skipped(format!("cannot list performers ({error})")),
    };
    let all: Vec<&hourglass_shared::Performer> = performers.iter().collect();
    match missing_references(ctx, &all, ALL_KINDS).await {
        Ok(missing) => References::Checked {
            performers: performers.len(),
            missing,
        },
        Err(error) => References::Skipped(error.to_string()),
    }
}
