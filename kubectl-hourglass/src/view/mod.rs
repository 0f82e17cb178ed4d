//! View models: what the tables, `status` and `describe` show, computed
//! from the objects without any I/O, so the renderers only lay them out.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use serde::Serialize;

use hourglass_shared::status::{PerformerHealth, unhealthy_conditions};
use hourglass_shared::{HourglassExecutor, Performer};

pub use hourglass_shared::status::ConditionView;

use crate::pods::PodIndex;

pub mod description;

/// kubectl's `HumanDuration`: `42s`, `5m12s`, `15m`, `3h4m`, `2d3h`, `45d`, `2y10d`.
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    if seconds < 0 {
        return "0s".to_string();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let days = (hours / 24) % 365;
        return if days == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{days}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// The age of a timestamp at `now`, `<unknown>` when there is none.
pub fn age(time: Option<&Time>, now: Timestamp) -> String {
    match time {
        Some(time) => human_duration(now.as_second() - time.0.as_second()),
        None => "<unknown>".to_string(),
    }
}

fn text(value: Option<&str>) -> String {
    value.unwrap_or_default().to_string()
}

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

/// `status`: executors with their performers, and what is not healthy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusView {
    pub healthy: bool,
    pub executors: Vec<ExecutorStatus>,
    pub performers: Vec<PerformerStatus>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutorStatus {
    pub namespace: String,
    pub name: String,
    pub phase: String,
    pub ready_replicas: i32,
    pub desired_replicas: i32,
    /// RFC 3339, empty when never updated.
    pub last_config_update: String,
    pub last_config_update_age: String,
    pub age: String,
    /// False when nothing has written the executor's status: the upstream
    /// Hourglass operator has no HourglassExecutor controller (it was
    /// removed upstream), so such an executor is shown, not judged.
    pub reconciled: bool,
    pub healthy: bool,
    pub problems: Vec<String>,
    pub conditions: Vec<ConditionView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PerformerStatus {
    pub namespace: String,
    pub name: String,
    pub executor: String,
    pub phase: String,
    pub ready: bool,
    /// Why it is not healthy, in one word; empty when healthy.
    pub reason: String,
    pub image: String,
    pub version: String,
    pub endpoint: String,
    pub age: String,
    pub healthy: bool,
    pub problems: Vec<String>,
    pub conditions: Vec<ConditionView>,
}

impl ExecutorStatus {
    pub fn from(executor: &HourglassExecutor, now: Timestamp) -> Self {
        let status = executor.status.as_ref();
        let phase = text(status.and_then(|s| s.phase.as_deref()));
        let ready_replicas = status.and_then(|s| s.ready_replicas).unwrap_or(0);
        let desired_replicas = executor
            .spec
            .replicas
            .unwrap_or(hourglass_shared::constants::DEFAULT_REPLICAS);
        let last = status.and_then(|s| s.last_config_update.as_ref());
        let conditions = unhealthy_conditions(status.and_then(|s| s.conditions.as_ref()));
        let reconciled = status.is_some_and(|s| s != &Default::default());
        let mut problems = Vec::new();
        if reconciled {
            if phase != "Running" {
                problems.push(if phase.is_empty() {
                    "no phase reported yet".to_string()
                } else {
                    format!("phase is {phase}, not Running")
                });
            }
            if ready_replicas < desired_replicas {
                problems.push(format!(
                    "{ready_replicas}/{desired_replicas} replicas ready"
                ));
            }
            problems.extend(conditions.iter().map(ConditionView::problem));
        }
        ExecutorStatus {
            namespace: text(executor.metadata.namespace.as_deref()),
            name: text(executor.metadata.name.as_deref()),
            phase,
            ready_replicas,
            desired_replicas,
            last_config_update: last.map(|t| t.0.to_string()).unwrap_or_default(),
            last_config_update_age: last.map(|t| age(Some(t), now)).unwrap_or_default(),
            age: age(executor.metadata.creation_timestamp.as_ref(), now),
            reconciled,
            healthy: problems.is_empty(),
            problems,
            conditions,
        }
    }
}

impl PerformerStatus {
    /// `pods`: the performer pods listed, or `None` when pods were not read.
    pub fn from(performer: &Performer, pods: Option<&PodIndex>, now: Timestamp) -> Self {
        let status = performer.status.as_ref();
        let health = PerformerHealth::judge(performer, pods.map(|pods| pods.pod_of(performer)));
        PerformerStatus {
            namespace: text(performer.metadata.namespace.as_deref()),
            name: text(performer.metadata.name.as_deref()),
            executor: text(performer.executor_name()),
            healthy: health.healthy(),
            phase: health.phase,
            ready: health.ready,
            reason: health.reason,
            image: performer.spec.image.clone(),
            version: text(performer.spec.version.as_deref()),
            endpoint: text(status.and_then(|s| s.grpc_endpoint.as_deref())),
            age: age(performer.metadata.creation_timestamp.as_ref(), now),
            problems: health.problems,
            conditions: health.conditions,
        }
    }
}

impl StatusView {
    /// Executors by namespace and name; performers grouped under their
    /// executor (in the executors' order), then those with no listed executor.
    /// `pods`: the performer pods listed, or `None` when pods were not read.
    pub fn build(
        executors: &[HourglassExecutor],
        performers: &[Performer],
        pods: Option<&PodIndex>,
        now: Timestamp,
    ) -> Self {
        let mut executor_views: Vec<ExecutorStatus> = executors
            .iter()
            .map(|e| ExecutorStatus::from(e, now))
            .collect();
        executor_views.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        let position = |p: &PerformerStatus| {
            executor_views
                .iter()
                .position(|e| e.namespace == p.namespace && e.name == p.executor)
                .unwrap_or(usize::MAX)
        };
        let mut performer_views: Vec<PerformerStatus> = performers
            .iter()
            .map(|p| PerformerStatus::from(p, pods, now))
            .collect();
        performer_views.sort_by(|a, b| {
            (position(a), &a.namespace, &a.name).cmp(&(position(b), &b.namespace, &b.name))
        });
        let healthy =
            executor_views.iter().all(|e| e.healthy) && performer_views.iter().all(|p| p.healthy);
        StatusView {
            healthy,
            executors: executor_views,
            performers: performer_views,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.executors.is_empty() && self.performers.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_like_kubectl() {
        let cases = [
            (-5, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (42, "42s"),
            (119, "119s"),
            (120, "2m"),
            (312, "5m12s"),
            (600, "10m"),
            (3 * 3600 + 240, "3h4m"),
            (8 * 3600, "8h"),
            (47 * 3600, "47h"),
            (2 * 86400 + 3 * 3600, "2d3h"),
            (3 * 86400, "3d"),
            (45 * 86400, "45d"),
            (2 * 365 * 86400 + 10 * 86400, "2y10d"),
            (9 * 365 * 86400, "9y"),
        ];
        for (seconds, expected) in cases {
            assert_eq!(human_duration(seconds), expected, "{seconds}s");
        }
    }
}
