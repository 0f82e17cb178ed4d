//! Writing manifests to the cluster: server-side apply and delete of
//! objects given as JSON, with their resource found by discovery.

use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Client;
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::discovery::{ApiResource, Scope, pinned_kind};
use serde_json::Value;
use tokio::time::Instant;

use crate::api::FIELD_MANAGER;
use crate::error::{CliError, Result};
use crate::manifests::{kind, name};

/// `deployment.apps/hourglass-webhook`, as kubectl names objects.
pub fn display_name(object: &Value) -> String {
    let api_version = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = kind(object).to_lowercase();
    match api_version.split_once('/') {
        Some((group, _)) => format!("{kind}.{group}/{}", name(object)),
        None => format!("{kind}/{}", name(object)),
    }
}

fn gvk(object: &Value) -> Result<GroupVersionKind> {
    let api_version = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    Ok(GroupVersionKind::gvk(group, version, kind(object)))
}

/// The Api for an object, namespaced when its resource is.
pub async fn api_for(client: &Client, object: &Value) -> Result<(Api<DynamicObject>, ApiResource)> {
    let gvk = gvk(object)?;
    let (resource, capabilities) = pinned_kind(client, &gvk).await.map_err(|e| {
        CliError::msg(format!(
            "cannot find the resource for {}: {}",
            display_name(object),
            CliError::from(e)
        ))
    })?;
    let api = match capabilities.scope {
        Scope::Namespaced => {
            let namespace = object
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("default");
            Api::namespaced_with(client.clone(), namespace, &resource)
        }
        Scope::Cluster => Api::all_with(client.clone(), &resource),
    };
    Ok((api, resource))
}

/// Server-side apply as `kubectl-hourglass`; `force` takes over fields other
/// managers own (used only where install must be the authority).
pub async fn apply(client: &Client, object: &Value, force: bool, dry_run: bool) -> Result<Value> {
    let (api, _) = api_for(client, object).await?;
    let mut params = PatchParams::apply(FIELD_MANAGER);
    params.force = force;
    params.dry_run = dry_run;
    let applied = api
        .patch(name(object), &params, &Patch::Apply(object))
        .await
        .map_err(CliError::from)?;
    serde_json::to_value(applied).map_err(|e| CliError::msg(e.to_string()))
}

/// Deletes an object; `Ok(false)` when it was already gone.
pub async fn delete(client: &Client, object: &Value) -> Result<bool> {
    let (api, _) = match api_for(client, object).await {
        Ok(found) => found,
        // The type itself is gone (e.g. CRDs removed): nothing to delete.
        Err(_) => return Ok(false),
    };
    let params = DeleteParams::background();
    match api.delete(name(object), &params).await {
        Ok(_) => Ok(true),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(false),
        Err(error) => Err(CliError::from(error)),
    }
}

/// Whether a CRD reports Established=True.
pub fn is_established(crd: &CustomResourceDefinition) -> bool {
    crd.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|conditions| {
            conditions
                .iter()
                .any(|c| c.type_ == "Established" && c.status == "True")
        })
}

/// Waits until every named CRD is Established.
pub async fn wait_established(client: &Client, names: &[String], timeout: Duration) -> Result<()> {
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    let deadline = Instant::now() + timeout;
    for name in names {
        loop {
            let crd = api.get(name).await.map_err(CliError::from)?;
            if is_established(&crd) {
                break;
            }
            if Instant::now() >= deadline {
                return Err(CliError::msg(format!(
                    "timed out after {} waiting for CRD {name} to be Established",
                    hourglass_shared::formats::duration::display(timeout)
                )));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_like_kubectl() {
        assert_eq!(
            display_name(
                &json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w"}})
            ),
            "deployment.apps/w"
        );
        assert_eq!(
            display_name(
                &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}})
            ),
            "namespace/n"
        );
    }
}
