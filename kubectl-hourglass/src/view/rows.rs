//! One row per object for `get executors|performers`, the performer's
//! phase, readiness and reason judged from its pod as `status` does.

use k8s_openapi::jiff::Timestamp;

use hourglass_shared::status::PerformerHealth;
use hourglass_shared::{HourglassExecutor, Performer};

use super::{age, text};
use crate::pods::PodIndex;

/// One row of `get executors`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutorRow {
    pub namespace: String,
    pub name: String,
    pub image: String,
    pub replicas: String,
    pub ready: String,
    pub phase: String,
    pub age: String,
    // wide
    pub aggregator: String,
    pub chains: String,
    pub performer_namespace: String,
}

impl ExecutorRow {
    pub fn from(executor: &HourglassExecutor, now: Timestamp) -> Self {
        let status = executor.status.as_ref();
        let config = &executor.spec.config;
        ExecutorRow {
            namespace: text(executor.metadata.namespace.as_deref()),
            name: text(executor.metadata.name.as_deref()),
            image: executor.spec.image.clone(),
            replicas: executor
                .spec
                .replicas
                .map(|r| r.to_string())
                .unwrap_or_default(),
            ready: status
                .and_then(|s| s.ready_replicas)
                .map(|r| r.to_string())
                .unwrap_or_default(),
            phase: text(status.and_then(|s| s.phase.as_deref())),
            age: age(executor.metadata.creation_timestamp.as_ref(), now),
            aggregator: config.aggregator_endpoint.clone(),
            chains: config
                .chains
                .iter()
                .map(|c| format!("{}({})", c.name, c.chain_id))
                .collect::<Vec<_>>()
                .join(","),
            performer_namespace: text(
                config
                    .kubernetes
                    .as_ref()
                    .and_then(|k| k.namespace.as_deref()),
            ),
        }
    }
}

/// One row of `get performers`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PerformerRow {
    pub namespace: String,
    pub name: String,
    pub avs: String,
    pub image: String,
    pub version: String,
    pub phase: String,
    pub ready: String,
    /// Why it is not healthy, in one word (ImagePullBackOff, NoPod, ...).
    pub reason: String,
    pub endpoint: String,
    pub age: String,
    // wide
    pub executor: String,
    pub pod: String,
    pub hardware: String,
}

impl PerformerRow {
    /// `pods`: the performer pods listed, or `None` when pods were not read.
    pub fn from(performer: &Performer, pods: Option<&PodIndex>, now: Timestamp) -> Self {
        let status = performer.status.as_ref();
        let spec = &performer.spec;
        let health = PerformerHealth::judge(performer, pods.map(|pods| pods.pod_of(performer)));
        PerformerRow {
            namespace: text(performer.metadata.namespace.as_deref()),
            name: text(performer.metadata.name.as_deref()),
            avs: spec.avs_address.clone(),
            image: spec.image.clone(),
            version: text(spec.version.as_deref()),
            phase: health.phase.clone(),
            ready: health.ready.to_string(),
            reason: health.reason.clone(),
            endpoint: text(status.and_then(|s| s.grpc_endpoint.as_deref())),
            age: age(performer.metadata.creation_timestamp.as_ref(), now),
            executor: text(performer.executor_name()),
            pod: text(status.and_then(|s| s.pod_name.as_deref())),
            hardware: hardware_summary(performer),
        }
    }
}

fn hardware_summary(performer: &Performer) -> String {
    let Some(hardware) = &performer.spec.hardware_requirements else {
        return String::new();
    };
    let mut parts = Vec::new();
    let count = hardware.gpu_count.unwrap_or(0);
    match (hardware.gpu_type.as_deref(), count) {
        (Some(gpu), n) if n > 0 => parts.push(format!("{n}x{gpu}")),
        (Some(gpu), _) => parts.push(gpu.to_string()),
        (None, n) if n > 0 => parts.push(format!("{n}xgpu")),
        _ => {}
    }
    if hardware.tee_required == Some(true) {
        parts.push(format!(
            "tee:{}",
            hardware.tee_type.as_deref().unwrap_or("any")
        ));
    }
    parts.join(",")
}
