//! What a performer's status and its pod say about it: the vocabulary of
//! phases, condition types and failure reasons, and the judgements that
//! `status`, `get`, `describe` and `performer upgrade` share.
//!
//! Two operators write performer status. The one that runs today
//! (hourglass-operator 11f1554) writes `phase` (the pod's), `ready` and
//! `podName`, never conditions; one following the API reference also
//! writes `Available`, `Progressing` and `Degraded` conditions. Neither
//! says *why* a pod does not run, so the pod itself is the first witness:
//! its phase, its scheduling condition and its container's waiting reason.

mod performer;
mod pod;
mod upgrade;

pub use performer::{ConditionView, PerformerHealth, reported_ready, unhealthy_conditions};
pub use pod::{PodState, is_owned_by, owned_pod, pod_image, pod_name, pod_state};
pub use upgrade::{UpgradeGoal, UpgradeProgress, judge_upgrade};

/// Condition types of the API reference.
pub const AVAILABLE: &str = "Available";
pub const PROGRESSING: &str = "Progressing";
pub const DEGRADED: &str = "Degraded";

/// Condition reasons of the API reference that mean the pod cannot run.
pub const CONDITION_FAILURE_REASONS: &[&str] = &["ImagePullFailed", "SchedulingFailed"];

/// Waiting reasons of a container that will not pass by waiting longer.
pub const CONTAINER_FAILURE_REASONS: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "CreateContainerError",
];

/// The performer phase a healthy performer reports.
pub const RUNNING: &str = "Running";
