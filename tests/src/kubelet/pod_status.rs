//! The pod status kubelet and kube-scheduler write for each outcome, per
//! Kubernetes' PodStatus contract (k8s.io/api core/v1 `PodStatus`, as
//! kubelet v1.33 fills it: `pkg/kubelet/kubelet_pods.go`,
//! `pkg/kubelet/status/generate.go`, `pkg/kubelet/images/image_manager.go`,
//! `pkg/kubelet/eviction`; kube-scheduler's Unschedulable condition).
//!
//! The pod stays unbound (no `nodeName`, no `hostIP`/`podIP`): with no real
//! kubelet to confirm a bound pod's termination, a DELETE would leave it
//! Terminating forever, while an unbound pod is removed at once.

use k8s_openapi::api::core::v1::{Pod, PodCondition};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use super::image_reference::{container_id, image_id, normalized, pulled};
use super::policy::PodOutcome;

/// How far an image pull has got: kubelet reports `ErrImagePull` after a
/// failed pull, then `ImagePullBackOff` while it waits to try again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum PullStage {
    Failed,
    BackingOff,
}

const RESTARTS_WHEN_CRASH_LOOPING: i32 = 3;
const EVICTION_MESSAGE: &str = "The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki. Container performer was using 1843200Ki, request is 0, has larger consumption of memory. ";

/// The `status` to merge into `pod` for `outcome`. Lists (conditions,
/// container statuses) are whole, so a JSON merge patch replaces them.
pub(crate) fn pod_status(pod: &Pod, outcome: &PodOutcome, stage: PullStage) -> Value {
    let now = now();
    let conditions = Conditions { pod, now: &now };
    let start_time = pod
        .status
        .as_ref()
        .and_then(|s| s.start_time.clone())
        .map_or_else(|| json!(now), |t| json!(t));
    let containers = ContainerNames::of(pod);
    match outcome {
        PodOutcome::RunningReady => json!({
            "phase": "Running",
            "conditions": conditions.list(&[
                ("PodReadyToStartContainers", true, None),
                ("Initialized", true, None),
                ("Ready", true, None),
                ("ContainersReady", true, None),
                ("PodScheduled", true, None),
            ]),
            "startTime": start_time,
            "containerStatuses": containers.map(|c| running(pod, c, true, &now)),
            "reason": null,
            "message": null,
        }),
        PodOutcome::NotReady => json!({
            "phase": "Running",
            "conditions": conditions.not_ready(&containers, true),
            "startTime": start_time,
            "containerStatuses": containers.map(|c| running(pod, c, false, &now)),
            "reason": null,
            "message": null,
        }),
        PodOutcome::ContainerCreating => json!({
            "phase": "Pending",
            "conditions": conditions.not_ready(&containers, false),
            "startTime": start_time,
            "containerStatuses": containers.map(|c| waiting(c, "ContainerCreating", None)),
            "reason": null,
            "message": null,
        }),
        PodOutcome::ImagePullBackOff => {
            let pull_error = |image: &str| {
                let reference = normalized(image);
                format!(
                    "rpc error: code = NotFound desc = failed to pull and unpack image \"{reference}\": failed to resolve reference \"{reference}\": {reference}: not found"
                )
            };
            json!({
                "phase": "Pending",
                "conditions": conditions.not_ready(&containers, true),
                "startTime": start_time,
                "containerStatuses": containers.map(|c| match stage {
                    PullStage::Failed => waiting(c, "ErrImagePull", Some(pull_error(c.image))),
                    PullStage::BackingOff => waiting(
                        c,
                        "ImagePullBackOff",
                        Some(format!(
                            "Back-off pulling image \"{}\": ErrImagePull: {}",
                            pulled(c.image),
                            pull_error(c.image)
                        )),
                    ),
                }),
                "reason": null,
                "message": null,
            })
        }
        PodOutcome::Unschedulable { message } => json!({
            "phase": "Pending",
            "conditions": [conditions.one("PodScheduled", false, Some(("Unschedulable", message.as_str())))],
            "startTime": null,
            "containerStatuses": null,
            "reason": null,
            "message": null,
        }),
        PodOutcome::CrashLoopBackOff => json!({
            "phase": "Running",
            "conditions": conditions.not_ready(&containers, true),
            "startTime": start_time,
            "containerStatuses": containers.map(|c| crash_looping(pod, c, &now)),
            "reason": null,
            "message": null,
        }),
        PodOutcome::Failed => json!({
            "phase": "Failed",
            "reason": "Evicted",
            "message": EVICTION_MESSAGE,
            "conditions": [
                conditions.one("DisruptionTarget", true, Some(("TerminationByKubelet", EVICTION_MESSAGE))),
                conditions.one("PodReadyToStartContainers", false, None),
                conditions.one("Initialized", true, None),
                conditions.one("Ready", false, Some(("PodFailed", ""))),
                conditions.one("ContainersReady", false, Some(("PodFailed", ""))),
                conditions.one("PodScheduled", true, None),
            ],
            "startTime": start_time,
            "containerStatuses": containers.map(|c| killed(pod, c, &now)),
        }),
    }
}

/// A pod's containers: name and image from its spec.
struct ContainerNames<'a>(Vec<Container<'a>>);

#[derive(Clone, Copy)]
struct Container<'a> {
    name: &'a str,
    image: &'a str,
}

impl<'a> ContainerNames<'a> {
    fn of(pod: &'a Pod) -> ContainerNames<'a> {
        ContainerNames(
            pod.spec
                .iter()
                .flat_map(|spec| &spec.containers)
                .map(|c| Container {
                    name: &c.name,
                    image: c.image.as_deref().unwrap_or_default(),
                })
                .collect(),
        )
    }

    fn map(&self, status: impl Fn(Container<'a>) -> Value) -> Vec<Value> {
        self.0.iter().copied().map(status).collect()
    }

    /// kubelet's `containers with unready status: [a b]`.
    fn unready_message(&self) -> String {
        let names: Vec<&str> = self.0.iter().map(|c| c.name).collect();
        format!("containers with unready status: [{}]", names.join(" "))
    }
}

/// A condition to write: type, status, and reason with message.
type WantedCondition<'a> = (&'a str, bool, Option<(&'a str, &'a str)>);

/// Conditions, keeping a condition's `lastTransitionTime` while its status
/// does not change, as kubelet does.
struct Conditions<'a> {
    pod: &'a Pod,
    now: &'a Time,
}

impl Conditions<'_> {
    fn one(&self, type_: &str, status: bool, reason: Option<(&str, &str)>) -> Value {
        let status = if status { "True" } else { "False" };
        let since = self
            .existing(type_)
            .filter(|c| c.status == status)
            .and_then(|c| c.last_transition_time)
            .unwrap_or_else(|| self.now.clone());
        let mut condition = json!({
            "type": type_,
            "status": status,
            "lastTransitionTime": since,
        });
        if let Some((reason, message)) = reason {
            condition["reason"] = json!(reason);
            if !message.is_empty() {
                condition["message"] = json!(message);
            }
        }
        condition
    }

    fn list(&self, conditions: &[WantedCondition<'_>]) -> Vec<Value> {
        conditions
            .iter()
            .map(|(type_, status, reason)| self.one(type_, *status, *reason))
            .collect()
    }

    /// Scheduled and initialized, containers not ready.
    fn not_ready(&self, containers: &ContainerNames<'_>, sandbox_ready: bool) -> Vec<Value> {
        let unready = containers.unready_message();
        self.list(&[
            ("PodReadyToStartContainers", sandbox_ready, None),
            ("Initialized", true, None),
            ("Ready", false, Some(("ContainersNotReady", &unready))),
            (
                "ContainersReady",
                false,
                Some(("ContainersNotReady", &unready)),
            ),
            ("PodScheduled", true, None),
        ])
    }

    fn existing(&self, type_: &str) -> Option<PodCondition> {
        self.pod
            .status
            .as_ref()?
            .conditions
            .as_ref()?
            .iter()
            .find(|c| c.type_ == type_)
            .cloned()
    }
}

fn running(pod: &Pod, container: Container<'_>, ready: bool, now: &Time) -> Value {
    json!({
        "name": container.name,
        "image": normalized(container.image),
        "imageID": image_id(container.image),
        "containerID": container_id(&uid(pod), 0),
        "ready": ready,
        "started": true,
        "restartCount": 0,
        "state": { "running": { "startedAt": now } },
        "lastState": {},
    })
}

fn waiting(container: Container<'_>, reason: &str, message: Option<String>) -> Value {
    let mut waiting = json!({ "reason": reason });
    if let Some(message) = message {
        waiting["message"] = json!(message);
    }
    json!({
        "name": container.name,
        "image": container.image,
        "imageID": "",
        "ready": false,
        "started": false,
        "restartCount": 0,
        "state": { "waiting": waiting },
        "lastState": {},
    })
}

fn crash_looping(pod: &Pod, container: Container<'_>, now: &Time) -> Value {
    let pod_name = pod.metadata.name.as_deref().unwrap_or_default();
    let namespace = pod.metadata.namespace.as_deref().unwrap_or_default();
    json!({
        "name": container.name,
        "image": normalized(container.image),
        "imageID": image_id(container.image),
        "containerID": container_id(&uid(pod), RESTARTS_WHEN_CRASH_LOOPING),
        "ready": false,
        "started": false,
        "restartCount": RESTARTS_WHEN_CRASH_LOOPING,
        "state": { "waiting": {
            "reason": "CrashLoopBackOff",
            "message": format!(
                "back-off 40s restarting failed container={} pod={pod_name}_{namespace}({})",
                container.name,
                uid(pod)
            ),
        } },
        "lastState": { "terminated": {
            "exitCode": 1,
            "reason": "Error",
            "startedAt": now,
            "finishedAt": now,
            "containerID": container_id(&uid(pod), RESTARTS_WHEN_CRASH_LOOPING),
        } },
    })
}

fn killed(pod: &Pod, container: Container<'_>, now: &Time) -> Value {
    json!({
        "name": container.name,
        "image": normalized(container.image),
        "imageID": image_id(container.image),
        "containerID": container_id(&uid(pod), 0),
        "ready": false,
        "started": false,
        "restartCount": 0,
        "state": { "terminated": {
            "exitCode": 137,
            "reason": "Error",
            "startedAt": now,
            "finishedAt": now,
            "containerID": container_id(&uid(pod), 0),
        } },
        "lastState": {},
    })
}

fn uid(pod: &Pod) -> String {
    pod.metadata.uid.clone().unwrap_or_default()
}

fn now() -> Time {
    Time(Timestamp::now())
}
