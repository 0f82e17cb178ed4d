//! What a performer pod's status says, read as Kubernetes' PodStatus
//! contract defines it (phase, the PodScheduled and Ready conditions, the
//! container's waiting reason): the facts the documented stand-in turns
//! into conditions.

use k8s_openapi::api::core::v1::Pod;

/// Container waiting reasons kubelet reports for an image it cannot pull.
const IMAGE_PULL_REASONS: [&str; 6] = [
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "RegistryUnavailable",
    "SignatureValidationFailed",
];

/// One performer pod's state, first match wins in this order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PodHealth {
    Missing,
    /// Phase Failed (or Succeeded, which a restartPolicy Always pod only
    /// reaches when stopped from outside).
    Failed {
        message: String,
    },
    /// Phase Running with Ready=True.
    Ready,
    /// PodScheduled=False with reason Unschedulable: the scheduler's message.
    Unschedulable {
        message: String,
    },
    /// Not scheduled yet, and the scheduler has said nothing.
    AwaitingScheduling,
    /// The container waits on an image pull that failed.
    ImagePullFailing {
        message: String,
    },
    /// The container keeps exiting (waiting reason CrashLoopBackOff).
    CrashLooping {
        message: String,
    },
    /// Running, but not ready (its readiness probe fails).
    RunningNotReady {
        message: String,
    },
    /// Scheduled, containers being created.
    Starting {
        message: String,
    },
}

pub(crate) fn pod_health(pod: Option<&Pod>) -> PodHealth {
    let Some(pod) = pod else {
        return PodHealth::Missing;
    };
    let name = pod.metadata.name.clone().unwrap_or_default();
    let status = pod.status.clone().unwrap_or_default();
    let phase = status.phase.as_deref().unwrap_or("Pending");
    let condition = |type_: &str| {
        status
            .conditions
            .iter()
            .flatten()
            .find(|c| c.type_ == type_)
            .cloned()
    };
    if matches!(phase, "Failed" | "Succeeded") {
        let detail = [status.reason.as_deref(), status.message.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(": ");
        return PodHealth::Failed {
            message: format!("pod {name} is {phase}: {detail}"),
        };
    }
    let ready = condition("Ready").is_some_and(|c| c.status == "True");
    if phase == "Running" && ready {
        return PodHealth::Ready;
    }
    match condition("PodScheduled") {
        Some(scheduled) if scheduled.status == "True" => {}
        Some(scheduled) if scheduled.reason.as_deref() == Some("Unschedulable") => {
            return PodHealth::Unschedulable {
                message: scheduled.message.unwrap_or_default(),
            };
        }
        _ => return PodHealth::AwaitingScheduling,
    }
    let waiting = status
        .container_statuses
        .iter()
        .flatten()
        .find_map(|c| c.state.as_ref()?.waiting.clone());
    let waiting_reason = waiting.as_ref().and_then(|w| w.reason.clone());
    let waiting_message = waiting
        .as_ref()
        .and_then(|w| w.message.clone())
        .or_else(|| waiting_reason.clone())
        .unwrap_or_default();
    match waiting_reason.as_deref() {
        Some(reason) if IMAGE_PULL_REASONS.contains(&reason) => PodHealth::ImagePullFailing {
            message: waiting_message,
        },
        Some("CrashLoopBackOff") => PodHealth::CrashLooping {
            message: waiting_message,
        },
        _ if phase == "Running" => PodHealth::RunningNotReady {
            message: format!("pod {name} is running but not ready"),
        },
        _ => PodHealth::Starting {
            message: format!(
                "pod {name} is scheduled; container: {}",
                waiting_reason.as_deref().unwrap_or("starting")
            ),
        },
    }
}
