//! View models: what the tables, `status` and `describe` show, computed
//! from the objects without any I/O, so the renderers only lay them out.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;
use serde::Serialize;

use hourglass_shared::{HourglassExecutor, Performer};

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
    pub endpoint: String,
    pub age: String,
    // wide
    pub ready: String,
    pub executor: String,
    pub pod: String,
    pub hardware: String,
}

impl PerformerRow {
    pub fn from(performer: &Performer, now: Timestamp) -> Self {
        let status = performer.status.as_ref();
        let spec = &performer.spec;
        PerformerRow {
            namespace: text(performer.metadata.namespace.as_deref()),
            name: text(performer.metadata.name.as_deref()),
            avs: spec.avs_address.clone(),
            image: spec.image.clone(),
            version: text(spec.version.as_deref()),
            phase: text(status.and_then(|s| s.phase.as_deref())),
            endpoint: text(status.and_then(|s| s.grpc_endpoint.as_deref())),
            age: age(performer.metadata.creation_timestamp.as_ref(), now),
            ready: performer_ready(performer).to_string(),
            executor: text(spec.executor_ref.as_deref()),
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

fn condition<'a>(conditions: Option<&'a Vec<Condition>>, type_: &str) -> Option<&'a Condition> {
    conditions?.iter().find(|c| c.type_ == type_)
}

/// Ready as the operator reports it: `status.ready`, or `Available=True`.
pub fn performer_ready(performer: &Performer) -> bool {
    let status = performer.status.as_ref();
    status.and_then(|s| s.ready) == Some(true)
        || condition(status.and_then(|s| s.conditions.as_ref()), "Available")
            .is_some_and(|c| c.status == "True")
}

/// A condition worth showing in `status` because it is not healthy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConditionView {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
    pub reason: String,
    pub message: String,
}

const FAILURE_REASONS: &[&str] = &["ImagePullFailed", "SchedulingFailed"];

/// The conditions that are not healthy: Available not True, Degraded or
/// Progressing True, or any condition with a failure reason.
pub fn unhealthy_conditions(conditions: Option<&Vec<Condition>>) -> Vec<ConditionView> {
    let mut out: Vec<ConditionView> = conditions
        .map(|list| list.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|c| {
            let bad = match c.type_.as_str() {
                "Available" => c.status != "True",
                "Degraded" | "Progressing" => c.status == "True",
                _ => false,
            };
            bad || FAILURE_REASONS.contains(&c.reason.as_str())
        })
        .map(|c| ConditionView {
            type_: c.type_.clone(),
            status: c.status.clone(),
            reason: c.reason.clone(),
            message: c.message.clone(),
        })
        .collect();
    out.sort_by(|a, b| a.type_.cmp(&b.type_));
    out
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
    pub image: String,
    pub version: String,
    pub endpoint: String,
    pub age: String,
    pub healthy: bool,
    pub problems: Vec<String>,
    pub conditions: Vec<ConditionView>,
}

fn condition_problem(c: &ConditionView) -> String {
    let mut line = format!("{}={}", c.type_, c.status);
    if !c.reason.is_empty() {
        line.push_str(&format!(" ({})", c.reason));
    }
    if !c.message.is_empty() {
        line.push_str(&format!(": {}", c.message));
    }
    line
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
        let mut problems = Vec::new();
        if phase != "Running" {
            problems.push(phase_problem(&phase));
        }
        if ready_replicas < desired_replicas {
            problems.push(format!(
                "{ready_replicas}/{desired_replicas} replicas ready"
            ));
        }
        problems.extend(conditions.iter().map(condition_problem));
        ExecutorStatus {
            namespace: text(executor.metadata.namespace.as_deref()),
            name: text(executor.metadata.name.as_deref()),
            phase,
            ready_replicas,
            desired_replicas,
            last_config_update: last.map(|t| t.0.to_string()).unwrap_or_default(),
            last_config_update_age: last.map(|t| age(Some(t), now)).unwrap_or_default(),
            age: age(executor.metadata.creation_timestamp.as_ref(), now),
            healthy: problems.is_empty(),
            problems,
            conditions,
        }
    }
}

fn phase_problem(phase: &str) -> String {
    if phase.is_empty() {
        "no phase reported yet (is the operator running?)".to_string()
    } else {
        format!("phase is {phase}, not Running")
    }
}

impl PerformerStatus {
    pub fn from(performer: &Performer, now: Timestamp) -> Self {
        let status = performer.status.as_ref();
        let phase = text(status.and_then(|s| s.phase.as_deref()));
        let ready = performer_ready(performer);
        let conditions = unhealthy_conditions(status.and_then(|s| s.conditions.as_ref()));
        let mut problems = Vec::new();
        if phase != "Running" {
            problems.push(phase_problem(&phase));
        }
        if !ready {
            problems.push("not ready".to_string());
        }
        problems.extend(conditions.iter().map(condition_problem));
        PerformerStatus {
            namespace: text(performer.metadata.namespace.as_deref()),
            name: text(performer.metadata.name.as_deref()),
            executor: text(performer.spec.executor_ref.as_deref()),
            phase,
            ready,
            image: performer.spec.image.clone(),
            version: text(performer.spec.version.as_deref()),
            endpoint: text(status.and_then(|s| s.grpc_endpoint.as_deref())),
            age: age(performer.metadata.creation_timestamp.as_ref(), now),
            healthy: problems.is_empty(),
            problems,
            conditions,
        }
    }
}

impl StatusView {
    /// Executors by namespace and name; performers grouped under their
    /// executor (in the executors' order), then those with no listed executor.
    pub fn build(
        executors: &[HourglassExecutor],
        performers: &[Performer],
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
            .map(|p| PerformerStatus::from(p, now))
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
