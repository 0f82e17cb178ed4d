//! `status`: executors with their performers, each judged (performers
//! from their pods, `shared::status`), and what is not healthy.

use std::collections::BTreeMap;

use k8s_openapi::jiff::Timestamp;
use serde::Serialize;

use hourglass_shared::status::{ConditionView, PerformerHealth, unhealthy_conditions};
use hourglass_shared::{HourglassExecutor, Performer};

use super::{age, text};
use crate::pods::PodIndex;

/// `status`: executors with their performers, and what is not healthy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusView {
    pub healthy: bool,
    pub executors: Vec<ExecutorOverview>,
    pub performers: Vec<PerformerOverview>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutorOverview {
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
    /// The executor's labels (for `--show-labels` and `-o jsonpath`).
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PerformerOverview {
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
    /// The performer's labels (for `--show-labels` and `-o jsonpath`).
    pub labels: BTreeMap<String, String>,
}

impl ExecutorOverview {
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
        ExecutorOverview {
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
            labels: executor.metadata.labels.clone().unwrap_or_default(),
        }
    }
}

impl PerformerOverview {
    /// `pods`: the performer pods listed, or `None` when pods were not read.
    pub fn from(performer: &Performer, pods: Option<&PodIndex>, now: Timestamp) -> Self {
        let status = performer.status.as_ref();
        let health = PerformerHealth::judge(performer, pods.map(|pods| pods.pod_of(performer)));
        PerformerOverview {
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
            labels: performer.metadata.labels.clone().unwrap_or_default(),
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
        let mut executor_views: Vec<ExecutorOverview> = executors
            .iter()
            .map(|e| ExecutorOverview::from(e, now))
            .collect();
        executor_views.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        let position = |p: &PerformerOverview| {
            executor_views
                .iter()
                .position(|e| e.namespace == p.namespace && e.name == p.executor)
                .unwrap_or(usize::MAX)
        };
        let mut performer_views: Vec<PerformerOverview> = performers
            .iter()
            .map(|p| PerformerOverview::from(p, pods, now))
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
