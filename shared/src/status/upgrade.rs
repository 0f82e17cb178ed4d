//! Has an upgrade taken? Done means the performer's pod was replaced by one
//! running the new image, that pod runs and is ready, and the operator says
//! so; the pod's own troubles fail the upgrade at once, with their reason.

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::Timestamp;

use super::pod::{PodState, pod_image, pod_state};
use super::{AVAILABLE, CONDITION_FAILURE_REASONS, RUNNING};
use crate::performer::Performer;

/// What the upgrade wrote, and what it found before writing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpgradeGoal {
    pub image: String,
    /// The performer's generation after our write.
    pub generation: i64,
    /// When the apiserver stored our write (second precision, its clock).
    pub written_at: Option<Timestamp>,
    /// The uid of the pod that ran before the write, if there was one.
    pub replaced_pod_uid: Option<String>,
}

/// Where an upgrade stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UpgradeProgress {
    Done,
    Waiting(String),
    /// The new pod cannot run, or the operator says it failed.
    Failed(String),
    /// Another writer replaced the image in the spec.
    Replaced(String),
    /// No new pod yet: the caller decides how long that may last.
    NoNewPod(String),
}

/// `pod`: the performer's pod, if one exists (by name and controller owner).
pub fn judge_upgrade(
    performer: &Performer,
    pod: Option<&Pod>,
    goal: &UpgradeGoal,
) -> UpgradeProgress {
    if performer.spec.image != goal.image {
        return UpgradeProgress::Replaced(performer.spec.image.clone());
    }
    let status = performer.status.as_ref();
    let conditions = status
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default();
    let current = |c: &&k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition| {
        c.observed_generation.is_some_and(|g| g >= goal.generation)
    };
    if let Some(failed) = conditions
        .iter()
        .filter(current)
        .find(|c| CONDITION_FAILURE_REASONS.contains(&c.reason.as_str()))
    {
        return UpgradeProgress::Failed(format!(
            "{} ({}): {}",
            failed.type_, failed.reason, failed.message
        ));
    }
    let Some(pod) = pod.filter(|pod| is_new(pod, goal)) else {
        return UpgradeProgress::NoNewPod(match pod {
            Some(old) => format!(
                "pod {} still runs {}; waiting for the operator to replace it",
                old.metadata.name.as_deref().unwrap_or_default(),
                pod_image(old).unwrap_or("another image")
            ),
            None => "waiting for the operator to create the new pod".to_string(),
        });
    };
    let pod_name = pod.metadata.name.as_deref().unwrap_or_default();
    match pod_state(pod) {
        PodState::Failed { reason, message } => {
            let message = if message.is_empty() {
                String::new()
            } else {
                format!(": {message}")
            };
            UpgradeProgress::Failed(format!("pod {pod_name}: {reason}{message}"))
        }
        PodState::Progressing { detail, .. } => {
            UpgradeProgress::Waiting(format!("pod {pod_name}: {detail}"))
        }
        PodState::Ready => {
            let phase = status.and_then(|s| s.phase.as_deref()).unwrap_or_default();
            let reported = if conditions.is_empty() {
                // Today's operator: phase and ready, written from the pod.
                phase == RUNNING && status.and_then(|s| s.ready) == Some(true)
            } else {
                conditions
                    .iter()
                    .find(|c| c.type_ == AVAILABLE)
                    .is_some_and(|c| c.status == "True" && current(&c))
            };
            if reported {
                UpgradeProgress::Done
            } else {
                UpgradeProgress::Waiting(format!(
                    "pod {pod_name} is ready; waiting for the operator to report it (phase {}, ready {})",
                    if phase.is_empty() { "<none>" } else { phase },
                    status.and_then(|s| s.ready).unwrap_or(false)
                ))
            }
        }
    }
}

/// A pod made for our write: not the one that ran before, running the new
/// image, created no earlier than the write (both clocks the apiserver's).
fn is_new(pod: &Pod, goal: &UpgradeGoal) -> bool {
    let uid = pod.metadata.uid.as_deref();
    let not_replaced = goal.replaced_pod_uid.is_none() || uid != goal.replaced_pod_uid.as_deref();
    let created_after = match (&pod.metadata.creation_timestamp, goal.written_at) {
        (Some(created), Some(written)) => created.0.as_second() >= written.as_second(),
        _ => true,
    };
    not_replaced && created_after && pod_image(pod) == Some(goal.image.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn performer(status: Value) -> Performer {
        serde_json::from_value(json!({
            "apiVersion": "hourglass.eigenlayer.io/v1alpha1", "kind": "Performer",
            "metadata": {"name": "p", "uid": "u1", "generation": 2},
            "spec": {"avsAddress": "0x1234567890abcdef1234567890abcdef12345678", "image": "avs/p:v2"},
            "status": status,
        }))
        .unwrap()
    }

    fn pod(uid: &str, image: &str, created: &str, status: Value) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "performer-p", "uid": uid, "creationTimestamp": created},
            "spec": {"containers": [{"name": "performer", "image": image}]},
            "status": status,
        }))
        .unwrap()
    }

    fn goal() -> UpgradeGoal {
        UpgradeGoal {
            image: "avs/p:v2".to_string(),
            generation: 2,
            written_at: Some("2025-06-01T10:00:00Z".parse().unwrap()),
            replaced_pod_uid: Some("old".to_string()),
        }
    }

    fn ready() -> Value {
        json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]})
    }

    #[test]
    fn done_needs_a_new_ready_pod_and_the_operators_word() {
        let new_pod = pod("new", "avs/p:v2", "2025-06-01T10:00:03Z", ready());
        let upstream = performer(json!({"phase": "Running", "ready": true}));
        assert_eq!(
            judge_upgrade(&upstream, Some(&new_pod), &goal()),
            UpgradeProgress::Done
        );

        let documented = performer(json!({"phase": "Running", "conditions": [
            {"type": "Available", "status": "True", "reason": "PodReady", "message": "",
             "observedGeneration": 2, "lastTransitionTime": "2025-06-01T10:00:05Z"}]}));
        assert_eq!(
            judge_upgrade(&documented, Some(&new_pod), &goal()),
            UpgradeProgress::Done
        );

        let stale = performer(json!({"phase": "Running", "conditions": [
            {"type": "Available", "status": "True", "reason": "PodReady", "message": "",
             "observedGeneration": 1, "lastTransitionTime": "2025-06-01T09:00:00Z"}]}));
        assert!(matches!(
            judge_upgrade(&stale, Some(&new_pod), &goal()),
            UpgradeProgress::Waiting(_)
        ));
        let silent = performer(json!({"phase": "Pending"}));
        assert!(matches!(
            judge_upgrade(&silent, Some(&new_pod), &goal()),
            UpgradeProgress::Waiting(_)
        ));
    }

    #[test]
    fn the_old_pod_does_not_count() {
        let upstream = performer(json!({"phase": "Running", "ready": true}));
        let old = pod("old", "avs/p:v2", "2025-06-01T10:00:03Z", ready());
        let before = pod("other", "avs/p:v2", "2025-06-01T09:59:59Z", ready());
        let old_image = pod("x", "avs/p:v1", "2025-06-01T10:00:03Z", ready());
        for pod in [old, before, old_image] {
            assert!(
                matches!(
                    judge_upgrade(&upstream, Some(&pod), &goal()),
                    UpgradeProgress::NoNewPod(_)
                ),
                "{pod:?}"
            );
        }
    }

    #[test]
    fn a_new_pod_in_trouble_fails_at_once() {
        let upstream = performer(json!({"phase": "Pending"}));
        let crashing = pod(
            "new",
            "avs/p:v2",
            "2025-06-01T10:00:03Z",
            json!({"phase": "Running",
            "containerStatuses": [{"name": "performer", "image": "avs/p:v2", "imageID": "", "ready": false,
            "restartCount": 3, "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}}}]}),
        );
        assert_eq!(
            judge_upgrade(&upstream, Some(&crashing), &goal()),
            UpgradeProgress::Failed("pod performer-p: CrashLoopBackOff: back-off 40s".to_string())
        );
        let replaced = performer(json!({}));
        let mut other = replaced.clone();
        other.spec.image = "avs/p:v3".to_string();
        assert_eq!(
            judge_upgrade(&other, None, &goal()),
            UpgradeProgress::Replaced("avs/p:v3".to_string())
        );
    }
}
