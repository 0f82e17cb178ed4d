//! A stand-in for the Hourglass operator, which does not run here: tests
//! write into the status subresource what the operator would report, the
//! way it would (status writes never change the spec or its generation).

use hourglass_shared::{HourglassExecutor, Performer};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, Patch, PatchParams};
use serde_json::{Value, json};

/// The field manager of the stand-in's status writes.
pub const OPERATOR_FIELD_MANAGER: &str = "hourglass-operator-stand-in";

/// Writes executor and performer status in one namespace.
#[derive(Clone)]
pub struct OperatorStandIn {
    performers: Api<Performer>,
    executors: Api<HourglassExecutor>,
    namespace: String,
}

impl OperatorStandIn {
    pub fn new(client: kube::Client, namespace: &str) -> OperatorStandIn {
        OperatorStandIn {
            performers: Api::namespaced(client.clone(), namespace),
            executors: Api::namespaced(client, namespace),
            namespace: namespace.to_string(),
        }
    }

    /// Reports the performer's current spec (its image, at its generation)
    /// Running and ready: what the operator says once the pod is up.
    /// Returns the generation it reported on.
    pub async fn performer_running(&self, name: &str) -> Result<i64, kube::Error> {
        let generation = self
            .performers
            .get(name)
            .await?
            .metadata
            .generation
            .unwrap_or(1);
        self.performer_running_at(name, generation).await?;
        Ok(generation)
    }

    /// Reports `generation` of the performer Running and ready, e.g. an
    /// older one whose pod still runs while a newer one rolls out.
    pub async fn performer_running_at(
        &self,
        name: &str,
        generation: i64,
    ) -> Result<(), kube::Error> {
        let status = json!({
            "phase": "Running",
            "ready": true,
            "podName": format!("{name}-pod"),
            "serviceName": name,
            "grpcEndpoint": format!("{name}.{}.svc.cluster.local:9090", self.namespace),
            "readyTime": now(),
            "conditions": [
                condition("Available", "True", "PodReady", "the performer pod is ready", generation),
                condition("Progressing", "False", "PodReady", "rollout complete", generation),
                condition("Degraded", "False", "PodReady", "", generation),
            ],
        });
        self.performers
            .patch_status(name, &params(), &status_patch(status))
            .await?;
        Ok(())
    }

    /// Reports that the performer's image cannot be pulled: not ready,
    /// Degraded with reason ImagePullFailed.
    pub async fn performer_image_pull_failed(&self, name: &str) -> Result<i64, kube::Error> {
        let performer = self.performers.get(name).await?;
        let generation = performer.metadata.generation.unwrap_or(1);
        let message = format!(
            "Back-off pulling image \"{}\": not found",
            performer.spec.image
        );
        let status = json!({
            "phase": "Pending",
            "ready": false,
            "podName": format!("{name}-pod"),
            "conditions": [
                condition("Available", "False", "ImagePullFailed", &message, generation),
                condition("Progressing", "True", "ImagePullFailed", &message, generation),
                condition("Degraded", "True", "ImagePullFailed", &message, generation),
            ],
        });
        self.performers
            .patch_status(name, &params(), &status_patch(status))
            .await?;
        Ok(generation)
    }

    /// Reports every desired replica of the executor ready.
    pub async fn executor_running(&self, name: &str) -> Result<(), kube::Error> {
        let executor = self.executors.get(name).await?;
        let generation = executor.metadata.generation.unwrap_or(1);
        let replicas = executor
            .spec
            .replicas
            .unwrap_or(hourglass_shared::constants::DEFAULT_REPLICAS);
        let status = json!({
            "phase": "Running",
            "replicas": replicas,
            "readyReplicas": replicas,
            "lastConfigUpdate": now(),
            "conditions": [
                condition("Available", "True", "PodReady", "all replicas ready", generation),
            ],
        });
        self.executors
            .patch_status(name, &params(), &status_patch(status))
            .await?;
        Ok(())
    }
}

fn params() -> PatchParams {
    PatchParams {
        field_manager: Some(OPERATOR_FIELD_MANAGER.to_string()),
        ..PatchParams::default()
    }
}

fn status_patch(status: Value) -> Patch<Value> {
    Patch::Merge(json!({ "status": status }))
}

fn now() -> Value {
    serde_json::to_value(Time(Timestamp::now())).unwrap_or(Value::Null)
}

fn condition(type_: &str, status: &str, reason: &str, message: &str, generation: i64) -> Value {
    json!({
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message,
        "observedGeneration": generation,
        "lastTransitionTime": now(),
    })
}
