//! Is a performer healthy? Judged from its pod when the pod is known, and
//! from what the operator reports (status and, if any, conditions).

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use serde::Serialize;

use super::pod::{PodState, pod_image, pod_state};
use super::{AVAILABLE, CONDITION_FAILURE_REASONS, DEGRADED, PROGRESSING, RUNNING};
use crate::performer::Performer;
use crate::workload::workload_name;

/// A condition worth showing because it is not healthy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConditionView {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
    pub reason: String,
    pub message: String,
}

impl ConditionView {
    /// One line: `Type=Status (Reason): message`.
    pub fn problem(&self) -> String {
        let mut line = format!("{}={}", self.type_, self.status);
        if !self.reason.is_empty() {
            line.push_str(&format!(" ({})", self.reason));
        }
        if !self.message.is_empty() {
            line.push_str(&format!(": {}", self.message));
        }
        line
    }
}

/// The conditions that are not healthy: Available not True, Degraded or
/// Progressing True, or any condition with a failure reason.
pub fn unhealthy_conditions(conditions: Option<&Vec<Condition>>) -> Vec<ConditionView> {
    let mut out: Vec<ConditionView> = conditions
        .map(|list| list.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|c| {
            let bad = match c.type_.as_str() {
                AVAILABLE => c.status != "True",
                DEGRADED | PROGRESSING => c.status == "True",
                _ => false,
            };
            bad || CONDITION_FAILURE_REASONS.contains(&c.reason.as_str())
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

/// Ready as the operator reports it: `status.ready` (today's operator), or
/// `Available=True` (the documented contract's conditions).
pub fn reported_ready(performer: &Performer) -> bool {
    let status = performer.status.as_ref();
    status.and_then(|s| s.ready) == Some(true)
        || status
            .and_then(|s| s.conditions.as_ref())
            .and_then(|list| list.iter().find(|c| c.type_ == AVAILABLE))
            .is_some_and(|c| c.status == "True")
}

/// The verdict on one performer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PerformerHealth {
    /// The pod's phase when the pod is known, else what the operator reported.
    pub phase: String,
    /// The pod is ready and the operator says so.
    pub ready: bool,
    /// One word for tables when not healthy (ImagePullBackOff,
    /// Unschedulable, NoPod, NotReady, ...), empty when healthy.
    pub reason: String,
    /// What is wrong, one line each, empty when healthy.
    pub problems: Vec<String>,
    pub conditions: Vec<ConditionView>,
    /// The pod's state, when the pod is known.
    pub pod: Option<PodState>,
}

impl PerformerHealth {
    pub fn healthy(&self) -> bool {
        self.problems.is_empty()
    }

    /// `pod`: `Some(Some(pod))` the performer's pod, `Some(None)` it has
    /// none, `None` pods were not looked at (then only the operator's
    /// report counts).
    pub fn judge(performer: &Performer, pod: Option<Option<&Pod>>) -> Self {
        let status = performer.status.as_ref();
        let reported_phase = status.and_then(|s| s.phase.clone()).unwrap_or_default();
        let reported = reported_ready(performer);
        let conditions = unhealthy_conditions(status.and_then(|s| s.conditions.as_ref()));
        let mut problems = Vec::new();
        let mut reason = String::new();
        let mut note = |problem: String, why: &str, reason: &mut String| {
            if reason.is_empty() {
                *reason = why.to_string();
            }
            problems.push(problem);
        };
        let name = performer.metadata.name.as_deref().unwrap_or_default();
        let (phase, ready, pod_state_seen) = match pod {
            Some(Some(pod)) => {
                let pod_name = pod
                    .metadata
                    .name
                    .clone()
                    .unwrap_or_else(|| workload_name(name));
                let state = pod_state(pod);
                let phase = pod
                    .status
                    .as_ref()
                    .and_then(|s| s.phase.clone())
                    .unwrap_or_else(|| "Pending".to_string());
                let image = pod_image(pod).unwrap_or_default();
                if image != performer.spec.image {
                    note(
                        format!(
                            "pod {pod_name} runs {image}, not {}: the operator has not replaced it yet",
                            performer.spec.image
                        ),
                        "Upgrading",
                        &mut reason,
                    );
                }
                match &state {
                    PodState::Ready if !reported => note(
                        format!(
                            "pod {pod_name} is ready, but the operator has not reported the performer ready yet"
                        ),
                        "NotReported",
                        &mut reason,
                    ),
                    PodState::Ready => {}
                    other => note(
                        format!("pod {pod_name}: {}", other.describe()),
                        &other.reason(),
                        &mut reason,
                    ),
                }
                let ready = state == PodState::Ready && reported;
                (phase, ready, Some(state))
            }
            Some(None) => {
                note(
                    format!(
                        "no pod {} (is the Hourglass operator running?)",
                        workload_name(name)
                    ),
                    "NoPod",
                    &mut reason,
                );
                (reported_phase, false, None)
            }
            None => {
                if reported_phase != RUNNING {
                    let problem = if reported_phase.is_empty() {
                        "no phase reported yet (is the Hourglass operator running?)".to_string()
                    } else {
                        format!("phase is {reported_phase}, not Running")
                    };
                    note(problem, "NotRunning", &mut reason);
                }
                if !reported {
                    note("not ready".to_string(), "NotReady", &mut reason);
                }
                (reported_phase, reported, None)
            }
        };
        for condition in &conditions {
            note(condition.problem(), &condition.reason, &mut reason);
        }
        PerformerHealth {
            phase,
            ready,
            reason,
            problems,
            conditions,
            pod: pod_state_seen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn performer(status: Value) -> Performer {
        serde_json::from_value(json!({
            "apiVersion": "hourglass.eigenlayer.io/v1alpha1", "kind": "Performer",
            "metadata": {"name": "p", "uid": "u1"},
            "spec": {"avsAddress": "0x1234567890abcdef1234567890abcdef12345678", "image": "avs/p:v2"},
            "status": status,
        }))
        .unwrap()
    }

    fn pod(image: &str, status: Value) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "performer-p"},
            "spec": {"containers": [{"name": "performer", "image": image}]},
            "status": status,
        }))
        .unwrap()
    }

    fn running() -> Value {
        json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]})
    }

    #[test]
    fn the_upstream_operator_reports_ready_without_conditions() {
        let performer =
            performer(json!({"phase": "Running", "ready": true, "podName": "performer-p"}));
        let health = PerformerHealth::judge(&performer, Some(Some(&pod("avs/p:v2", running()))));
        assert!(health.healthy(), "{health:?}");
        assert!(health.ready);
        assert_eq!(health.phase, "Running");
        let without_pods = PerformerHealth::judge(&performer, None);
        assert!(without_pods.healthy(), "{without_pods:?}");
    }

    #[test]
    fn the_pod_says_why_it_does_not_run() {
        let performer = performer(json!({"phase": "Pending", "podName": "performer-p"}));
        let pulling = pod(
            "avs/p:v2",
            json!({"phase": "Pending", "containerStatuses": [{"name": "performer",
            "image": "avs/p:v2", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}}}]}),
        );
        let health = PerformerHealth::judge(&performer, Some(Some(&pulling)));
        assert_eq!(health.reason, "ImagePullBackOff");
        assert_eq!(
            health.problems,
            ["pod performer-p: ImagePullBackOff: Back-off pulling image"]
        );
        let none = PerformerHealth::judge(&performer, Some(None));
        assert_eq!(none.reason, "NoPod");
        assert!(!none.ready);
    }

    #[test]
    fn an_old_pod_or_a_silent_operator_is_not_healthy() {
        let performer = performer(json!({"phase": "Running", "ready": true}));
        let old = PerformerHealth::judge(&performer, Some(Some(&pod("avs/p:v1", running()))));
        assert_eq!(old.reason, "Upgrading");
        let silent = self::performer(json!({}));
        let health = PerformerHealth::judge(&silent, Some(Some(&pod("avs/p:v2", running()))));
        assert_eq!(health.reason, "NotReported");
        assert!(!health.ready);
    }

    #[test]
    fn conditions_of_the_documented_contract_still_count() {
        let performer = performer(json!({"phase": "Running", "conditions": [
            {"type": "Available", "status": "False", "reason": "ImagePullFailed", "message": "not found",
             "lastTransitionTime": "2025-01-01T00:00:00Z"}]}));
        let health = PerformerHealth::judge(&performer, None);
        assert!(!health.healthy());
        assert!(
            health
                .problems
                .contains(&"Available=False (ImagePullFailed): not found".to_string()),
            "{health:?}"
        );
    }
}
