//! What the simulated node does with each pod.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use k8s_openapi::api::core::v1::Pod;

/// The message kube-scheduler writes when no node has a free GPU (its
/// format: the filter's verdict, then the preemption attempt's).
pub const NO_GPU_NODE_MESSAGE: &str = "0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";

/// Where a pod ends up on the simulated node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PodOutcome {
    /// Phase Running; PodScheduled, Initialized, ContainersReady and Ready
    /// True; the container running, ready and started.
    RunningReady,
    /// Phase Running, the container running and started, but its readiness
    /// probe fails: Ready and ContainersReady False.
    NotReady,
    /// Phase Pending, scheduled, the container waiting with reason
    /// ContainerCreating (a pod that is slow to start).
    ContainerCreating,
    /// Phase Pending, scheduled; the pull fails: the container waits with
    /// reason `ErrImagePull`, then (after [`super::IMAGE_PULL_BACK_OFF_AFTER`])
    /// `ImagePullBackOff` with `Back-off pulling image "<image>": ...`.
    ImagePullBackOff,
    /// Phase Pending; kube-scheduler finds no node: PodScheduled False with
    /// reason Unschedulable and `message` (e.g. [`NO_GPU_NODE_MESSAGE`]).
    Unschedulable { message: String },
    /// Phase Running; the container keeps exiting with code 1: waiting with
    /// reason CrashLoopBackOff, last state terminated, not ready,
    /// restartCount 3.
    CrashLoopBackOff,
    /// Phase Failed: evicted by the kubelet for memory pressure (reason
    /// Evicted, DisruptionTarget True), its container killed (exit code 137).
    Failed,
}

impl PodOutcome {
    /// [`PodOutcome::Unschedulable`] with kube-scheduler's message for a
    /// GPU no node has.
    pub fn no_gpu_node() -> PodOutcome {
        PodOutcome::Unschedulable {
            message: NO_GPU_NODE_MESSAGE.to_string(),
        }
    }
}

type Decide = Arc<dyn Fn(&Pod) -> PodOutcome + Send + Sync>;

/// Decides each new pod's outcome: by its first container's image, else a
/// function of the pod, else a default.
#[derive(Clone)]
pub struct PodPolicy {
    by_image: BTreeMap<String, PodOutcome>,
    decide: Decide,
}

impl PodPolicy {
    /// Every pod ends up `outcome` (e.g. `PodOutcome::RunningReady`).
    pub fn always(outcome: PodOutcome) -> PodPolicy {
        PodPolicy {
            by_image: BTreeMap::new(),
            decide: Arc::new(move |_| outcome.clone()),
        }
    }

    /// Each pod ends up what `decide` says of it.
    pub fn from_fn(decide: impl Fn(&Pod) -> PodOutcome + Send + Sync + 'static) -> PodPolicy {
        PodPolicy {
            by_image: BTreeMap::new(),
            decide: Arc::new(decide),
        }
    }

    /// Pods whose first container runs `image` (exactly as in the pod
    /// spec) end up `outcome` instead.
    pub fn with_image(mut self, image: &str, outcome: PodOutcome) -> PodPolicy {
        self.by_image.insert(image.to_string(), outcome);
        self
    }

    pub(crate) fn outcome_for(&self, pod: &Pod) -> PodOutcome {
        let image = pod
            .spec
            .as_ref()
            .and_then(|spec| spec.containers.first())
            .and_then(|container| container.image.as_deref());
        image
            .and_then(|image| self.by_image.get(image))
            .cloned()
            .unwrap_or_else(|| (self.decide)(pod))
    }
}

impl Default for PodPolicy {
    /// Every pod runs and is ready.
    fn default() -> Self {
        PodPolicy::always(PodOutcome::RunningReady)
    }
}

impl fmt::Debug for PodPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PodPolicy")
            .field("by_image", &self.by_image)
            .finish_non_exhaustive()
    }
}
