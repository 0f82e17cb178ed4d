//! The performer and its pod, as an upgrade or a restart reads and writes them.

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, Patch, PatchParams, Preconditions};
use serde_json::Value;

use hourglass_shared::Performer;
use hourglass_shared::constants::PERFORMER_PLURAL;
use hourglass_shared::status::{owned_pod, pod_name};

use crate::api::FIELD_MANAGER;
use crate::error::{CliError, Result};

/// One namespace's performers and pods.
#[derive(Clone)]
pub struct UpgradeApi {
    performers: Api<Performer>,
    pods: Api<Pod>,
}

impl UpgradeApi {
    pub fn new(client: kube::Client, namespace: &str) -> Self {
        UpgradeApi {
            performers: Api::namespaced(client.clone(), namespace),
            pods: Api::namespaced(client, namespace),
        }
    }

    pub async fn performer(&self, name: &str) -> std::result::Result<Performer, kube::Error> {
        self.performers.get(name).await
    }

    pub async fn merge_patch(
        &self,
        name: &str,
        patch: &Value,
        dry_run: bool,
    ) -> std::result::Result<Performer, kube::Error> {
        let params = PatchParams {
            dry_run,
            field_manager: Some(FIELD_MANAGER.to_string()),
            ..Default::default()
        };
        self.performers
            .patch(name, &params, &Patch::Merge(patch))
            .await
    }

    /// The pod the performer's operator runs for it, if one exists now.
    pub async fn pod_of(&self, performer: &Performer) -> Result<Option<Pod>> {
        match self.pods.get_opt(&pod_name(performer)).await {
            Ok(pod) => Ok(owned_pod(performer, pod.as_ref()).cloned()),
            Err(error) => Err(CliError::from_kube_for("pods", error)),
        }
    }

    /// Deletes the pod `name` only if it is still the one with `uid`, so a
    /// pod the operator created meanwhile under the same name is never the
    /// one deleted. `Ok(false)`: it was already gone (or replaced).
    pub async fn delete_pod(&self, name: &str, uid: &str) -> Result<bool> {
        let params = DeleteParams {
            preconditions: Some(Preconditions {
                uid: Some(uid.to_string()),
                resource_version: None,
            }),
            ..Default::default()
        };
        match self.pods.delete(name, &params).await {
            Ok(_) => Ok(true),
            // 404: gone; 409: the uid precondition failed, another pod now.
            Err(kube::Error::Api(status)) if status.code == 404 || status.code == 409 => Ok(false),
            Err(error) => Err(CliError::from_kube_for("pods", error)),
        }
    }

    /// The performer, with the errors that name it.
    pub async fn read(&self, name: &str) -> Result<Performer> {
        self.performer(name)
            .await
            .map_err(|e| CliError::from_kube_for(PERFORMER_PLURAL, e))
    }
}
