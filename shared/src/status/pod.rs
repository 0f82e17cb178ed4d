//! A pod's state in the words a user acts on, from the status the kubelet
//! and the scheduler write (Kubernetes' PodStatus contract).

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};

use super::CONTAINER_FAILURE_REASONS;
use crate::performer::Performer;
use crate::workload::{CONTAINER_NAME, workload_name};

/// Where a pod stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PodState {
    /// Running, with condition Ready=True.
    Ready,
    /// On its way, or not ready yet: a short reason (ContainerCreating,
    /// NotReady, Terminating) and the whole story ("Pending: ContainerCreating").
    Progressing { reason: String, detail: String },
    /// Will not get better by waiting: the reason (ImagePullBackOff,
    /// Unschedulable, CrashLoopBackOff, Failed, ...) and what it says.
    Failed { reason: String, message: String },
}

impl PodState {
    /// One short word for tables: Ready, the failure reason, or what it waits on.
    pub fn reason(&self) -> String {
        match self {
            PodState::Ready => String::new(),
            PodState::Failed { reason, .. } => reason.clone(),
            PodState::Progressing { reason, .. } => reason.clone(),
        }
    }

    /// The whole story, for progress lines and `status`.
    pub fn describe(&self) -> String {
        match self {
            PodState::Ready => "Running and ready".to_string(),
            PodState::Progressing { detail, .. } => detail.clone(),
            PodState::Failed { reason, message } if message.is_empty() => reason.clone(),
            PodState::Failed { reason, message } => format!("{reason}: {message}"),
        }
    }
}

/// The image the pod's performer container runs (as specified).
pub fn pod_image(pod: &Pod) -> Option<&str> {
    let containers = &pod.spec.as_ref()?.containers;
    containers
        .iter()
        .find(|c| c.name == CONTAINER_NAME)
        .or(containers.first())?
        .image
        .as_deref()
}

/// The name of the performer's pod: what the operator reported, else the
/// name it always gives it.
pub fn pod_name(performer: &Performer) -> String {
    performer
        .status
        .as_ref()
        .and_then(|s| s.pod_name.clone())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| workload_name(performer.metadata.name.as_deref().unwrap_or_default()))
}

/// `pod` if it is the performer's: controlled by it (when the performer's
/// uid is known; a pod of the same name left by a deleted performer is not).
pub fn owned_pod<'a>(performer: &Performer, pod: Option<&'a Pod>) -> Option<&'a Pod> {
    let pod = pod?;
    match performer.metadata.uid.as_deref() {
        Some(uid) if !uid.is_empty() => is_owned_by(pod, uid).then_some(pod),
        _ => Some(pod),
    }
}

/// Whether `pod` has a controller ownerReference to the object with `uid`.
pub fn is_owned_by(pod: &Pod, uid: &str) -> bool {
    pod.metadata
        .owner_references
        .iter()
        .flatten()
        .any(|owner| owner.uid == uid && owner.controller == Some(true))
}

/// Reads the pod's phase, its PodScheduled and Ready conditions and its
/// container's state.
pub fn pod_state(pod: &Pod) -> PodState {
    if pod.metadata.deletion_timestamp.is_some() {
        return progressing("Terminating", "Terminating");
    }
    let Some(status) = &pod.status else {
        return progressing("Pending", "Pending: not scheduled yet");
    };
    let phase = status.phase.as_deref().unwrap_or("Pending");
    let condition = |type_: &str| {
        status
            .conditions
            .iter()
            .flatten()
            .find(|c| c.type_ == type_)
    };
    let container = status
        .container_statuses
        .iter()
        .flatten()
        .find(|c| c.name == CONTAINER_NAME)
        .or_else(|| status.container_statuses.as_ref()?.first());

    if phase == "Failed" || phase == "Succeeded" {
        let reason = status
            .reason
            .clone()
            .or_else(|| terminated_reason(container))
            .unwrap_or_else(|| phase.to_string());
        let message = status.message.clone().unwrap_or_default();
        // restartPolicy Always: a performer pod that ends has failed.
        return PodState::Failed { reason, message };
    }
    if let Some(scheduled) = condition("PodScheduled")
        && scheduled.status == "False"
        && scheduled.reason.as_deref() == Some("Unschedulable")
    {
        return PodState::Failed {
            reason: "Unschedulable".to_string(),
            message: scheduled.message.clone().unwrap_or_default(),
        };
    }
    let waiting = container
        .and_then(|c| c.state.as_ref())
        .and_then(|s| s.waiting.as_ref());
    if let Some(waiting) = waiting {
        let reason = waiting.reason.clone().unwrap_or_default();
        if CONTAINER_FAILURE_REASONS.contains(&reason.as_str()) {
            return PodState::Failed {
                reason,
                message: waiting.message.clone().unwrap_or_default(),
            };
        }
    }
    let ready = condition("Ready").is_some_and(|c| c.status == "True");
    if phase == "Running" && ready {
        return PodState::Ready;
    }
    let waiting_reason = waiting
        .and_then(|w| w.reason.as_deref())
        .filter(|r| !r.is_empty());
    match (phase, waiting_reason) {
        ("Pending", Some(reason)) => progressing(reason, &format!("Pending: {reason}")),
        ("Pending", None) if condition("PodScheduled").is_none() => {
            progressing("Pending", "Pending: not scheduled yet")
        }
        ("Running", Some(reason)) => {
            progressing("NotReady", &format!("Running, not ready: {reason}"))
        }
        ("Running", None) => progressing("NotReady", "Running, not ready"),
        (phase, _) => progressing(phase, phase),
    }
}

fn progressing(reason: &str, detail: &str) -> PodState {
    PodState::Progressing {
        reason: reason.to_string(),
        detail: detail.to_string(),
    }
}

fn terminated_reason(container: Option<&ContainerStatus>) -> Option<String> {
    container?
        .state
        .as_ref()?
        .terminated
        .as_ref()?
        .reason
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(status: serde_json::Value) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "performer-p"},
            "spec": {"containers": [{"name": "performer", "image": "avs/p:v2"}]},
            "status": status,
        }))
        .unwrap()
    }

    #[test]
    fn running_and_ready_is_ready() {
        let pod = pod(json!({"phase": "Running", "conditions": [
            {"type": "PodScheduled", "status": "True"}, {"type": "Ready", "status": "True"}]}));
        assert_eq!(pod_state(&pod), PodState::Ready);
        assert_eq!(pod_image(&pod), Some("avs/p:v2"));
    }

    #[test]
    fn failures_say_why() {
        let pull = pod(
            json!({"phase": "Pending", "containerStatuses": [{"name": "performer",
            "image": "avs/p:v2", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"avs/p:v2\""}}}]}),
        );
        assert_eq!(
            pod_state(&pull).describe(),
            "ImagePullBackOff: Back-off pulling image \"avs/p:v2\""
        );
        let unschedulable = pod(
            json!({"phase": "Pending", "conditions": [{"type": "PodScheduled",
            "status": "False", "reason": "Unschedulable", "message": "0/3 nodes are available: 3 Insufficient nvidia.com/gpu."}]}),
        );
        assert_eq!(pod_state(&unschedulable).reason(), "Unschedulable");
        let failed = pod(json!({"phase": "Failed", "reason": "Evicted", "message": "low memory"}));
        assert_eq!(pod_state(&failed).describe(), "Evicted: low memory");
    }

    #[test]
    fn progress_is_described() {
        let creating = pod(
            json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True"}],
            "containerStatuses": [{"name": "performer", "image": "avs/p:v2", "imageID": "", "ready": false,
            "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}]}),
        );
        assert_eq!(
            pod_state(&creating).describe(),
            "Pending: ContainerCreating"
        );
        assert_eq!(pod_state(&creating).reason(), "ContainerCreating");
        let not_ready =
            pod(json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}]}));
        assert_eq!(pod_state(&not_ready).describe(), "Running, not ready");
        assert_eq!(pod_state(&not_ready).reason(), "NotReady");
        assert_eq!(
            pod_state(&pod(json!({"phase": "Pending"}))).describe(),
            "Pending: not scheduled yet"
        );
    }
}
