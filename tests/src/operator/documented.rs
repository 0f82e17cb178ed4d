//! A stand-in for the Hourglass operator as its API reference documents
//! it: `shared/spec/operator-api-reference.md`, Layr-Labs/hourglass-monorepo's
//! own document at commit 5f0df78 (2025-06-30). Where the reference is
//! silent, it follows that commit's operator
//! (`hourglass-operator/internal/controller/performerController.go` at
//! 5f0df78) or, where that cannot work, today's upstream (11f1554).
//!
//! Against the same cluster it differs from [`super::UpstreamOperator`] in
//! what the reference promises:
//! - it reads every documented field and writes nothing but status (merge
//!   patches on the status subresource): no typed update, no finalizer (the
//!   reference names none), so `executorRef` and `scheduling.nodeAffinity`
//!   stay;
//! - the pod is upstream's ([`super::pod`]) except that its affinity is
//!   `{nodeAffinity: spec.scheduling.nodeAffinity}` whenever `scheduling`
//!   is set (what 5f0df78 did; the reference has no `scheduling.affinity`),
//!   and that a missing `config.grpcPort` means the documented default 9090
//!   (5f0df78's fallback too), not upstream's 8080. Fields the reference
//!   lacks (imagePullPolicy, environmentFrom, serviceAccountName) are
//!   ignored;
//! - a new image replaces the pod (delete, then create on the next
//!   reconcile) like today's upstream: 5f0df78 updated the existing pod
//!   with a whole rebuilt spec, which a real cluster refuses (a pod's spec
//!   may only change its images and a few fields, and the rebuilt spec
//!   lacks the `nodeName` the scheduler bound and the token volume the
//!   ServiceAccount admission plugin added); see the
//!   `in_place_pod_update_is_refused` test in `tests/tests/stand_ins.rs`;
//! - status per the reference: `phase` Pending, Running, Failed, or
//!   Upgrading from the moment it replaces a pod for a new image until the
//!   new pod is ready (or fails); `podName` (removed when there is no pod),
//!   `serviceName`, `grpcEndpoint` (`performer-<name>.<ns>.svc.cluster.local`),
//!   `ready`, `readyTime` (each time it becomes ready), `lastUpgrade` (when
//!   it replaced a pod for a new image), and the conditions `Available`,
//!   `Progressing`, `Degraded`, each with `observedGeneration` = the
//!   `metadata.generation` it acted on and `lastTransitionTime` moved only
//!   when its status changes.
//!
//! Condition reasons are the reference's Performer reasons, naming the step
//! the pod has reached or the failure stopping it:
//!
//! | pod | Available | Progressing | Degraded | reason |
//! |---|---|---|---|---|
//! | none yet, or not yet scheduled | False | True | False | ServiceReady |
//! | unschedulable | False | True | True | SchedulingFailed |
//! | scheduled, containers starting | False | True | False | Scheduled |
//! | image pull failing | False | True | True | ImagePullFailed |
//! | running, not ready | False | True | False | PodReady |
//! | crash-looping, or Failed | False | True | True | PodReady |
//! | running and ready | True | False | False | PodReady |
//!
//! ```no_run
//! # async fn example(client: kube::Client, namespace: &str) {
//! use hourglass_e2e::{DocumentedOperator, PodPolicy, SimulatedKubelet};
//! let _operator = DocumentedOperator::start(client.clone(), namespace);
//! let _node = SimulatedKubelet::start(client, namespace, PodPolicy::default());
//! // create performers; their status gets conditions until these are dropped
//! # }
//! ```

use k8s_openapi::api::core::v1::{Affinity, Pod, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

use super::controller::{self, Next, OperatorTiming, Reconciler, RunningController};
use super::documented_performer::DocumentedPerformer;
use super::owner::controller_reference;
use super::pod::{PodRecipe, PodScheduling, build_pod, performer_pod_name, replacement_reason};
use super::pod_health::{PodHealth, pod_health};
use super::reconcile_error::ReconcileError;
use super::service::create_or_update_service;

/// The reference's default `config.grpcPort`.
pub const DOCUMENTED_DEFAULT_GRPC_PORT: i32 = 9090;

/// Field manager of the documented stand-in's writes.
pub const DOCUMENTED_OPERATOR_FIELD_MANAGER: &str = "hourglass-documented-operator";

/// The documented operator, running as a background task of the current
/// tokio runtime until dropped.
#[derive(Debug)]
pub struct DocumentedOperator {
    running: RunningController,
}

impl DocumentedOperator {
    /// Reconciles the performers of `namespace` with upstream's timings.
    pub fn start(client: kube::Client, namespace: &str) -> DocumentedOperator {
        DocumentedOperator::start_with(client, Some(namespace), OperatorTiming::default())
    }

    /// Reconciles the performers of `namespace`, or of every namespace
    /// (`None`), with `timing`.
    pub fn start_with(
        client: kube::Client,
        namespace: Option<&str>,
        timing: OperatorTiming,
    ) -> DocumentedOperator {
        let reconciler = DocumentedReconciler {
            client: client.clone(),
            timing,
        };
        DocumentedOperator {
            running: controller::spawn(client, namespace, "documented-operator", reconciler),
        }
    }

    /// The pod it creates for `performer` (before the apiserver's defaults).
    pub fn pod_for(performer: &DocumentedPerformer) -> Pod {
        build_pod(&pod_recipe(performer))
    }

    /// Reconciles run so far, failed ones included.
    pub fn reconciles(&self) -> u64 {
        self.running.log().reconciles()
    }

    /// Every failed reconcile so far, as `<namespace>/<name>: <error>`.
    pub fn errors(&self) -> Vec<String> {
        self.running.log().errors()
    }
}

struct DocumentedReconciler {
    client: kube::Client,
    timing: OperatorTiming,
}

impl Reconciler for DocumentedReconciler {
    async fn reconcile(&self, namespace: &str, name: &str) -> Result<Next, ReconcileError> {
        let performers: Api<DocumentedPerformer> = Api::namespaced(self.client.clone(), namespace);
        let Some(performer) = performers.get_opt(name).await? else {
            return Ok(Next::WaitForEvent);
        };
        if performer.metadata.deletion_timestamp.is_some() {
            return Ok(Next::WaitForEvent);
        }
        let pods: Api<Pod> = Api::namespaced(self.client.clone(), namespace);
        let pod_name = performer_pod_name(name);
        let mut upgrade_started = false;
        match pods.get_opt(&pod_name).await? {
            Some(pod) => {
                if let Some(reason) =
                    replacement_reason(&pod, &performer.spec.image, self.timing.pending_timeout)
                {
                    eprintln!("documented-operator: deleting pod {namespace}/{pod_name}: {reason}");
                    upgrade_started = pod_image(&pod) != Some(performer.spec.image.as_str());
                    pods.delete(&pod_name, &DeleteParams::default()).await?;
                }
            }
            None => {
                pods.create(
                    &PostParams {
                        field_manager: Some(DOCUMENTED_OPERATOR_FIELD_MANAGER.to_string()),
                        ..PostParams::default()
                    },
                    &build_pod(&pod_recipe(&performer)),
                )
                .await?;
            }
        }
        create_or_update_service(
            &Api::<Service>::namespaced(self.client.clone(), namespace),
            name,
            namespace,
            grpc_port(&performer),
            controller_reference(&performer.metadata),
            DOCUMENTED_OPERATOR_FIELD_MANAGER,
        )
        .await?;
        let pod = pods.get_opt(&pod_name).await?;
        let status = documented_status(&performer, pod.as_ref(), upgrade_started);
        let params = PatchParams {
            field_manager: Some(DOCUMENTED_OPERATOR_FIELD_MANAGER.to_string()),
            ..PatchParams::default()
        };
        performers
            .patch_status(name, &params, &Patch::Merge(json!({ "status": status })))
            .await?;
        Ok(Next::RequeueAfter(self.timing.requeue_after))
    }
}

/// The merge patch's `status`.
fn documented_status(
    performer: &DocumentedPerformer,
    pod: Option<&Pod>,
    upgrade_started: bool,
) -> Value {
    let name = performer.metadata.name.clone().unwrap_or_default();
    let namespace = performer.metadata.namespace.clone().unwrap_or_default();
    let previous = performer.status.clone().unwrap_or_default();
    let generation = performer.metadata.generation.unwrap_or_default();
    let health = pod_health(pod);
    let ready = health == PodHealth::Ready;
    let upgrading = upgrade_started || previous.phase.as_deref() == Some("Upgrading");
    let phase = match &health {
        PodHealth::Ready => "Running",
        PodHealth::Failed { .. } => "Failed",
        _ if upgrading => "Upgrading",
        PodHealth::CrashLooping { .. } | PodHealth::RunningNotReady { .. } => "Running",
        _ => "Pending",
    };
    let service_name = performer_pod_name(&name);
    let mut status = json!({
        "phase": phase,
        "ready": ready,
        "podName": pod.and_then(|p| p.metadata.name.clone()),
        "serviceName": service_name,
        "grpcEndpoint": format!("{service_name}.{namespace}.svc.cluster.local"),
        "conditions": conditions(&health, &name, generation, previous.conditions.as_deref().unwrap_or_default()),
    });
    if ready && previous.ready != Some(true) {
        status["readyTime"] = json!(Time(Timestamp::now()));
    }
    if upgrade_started {
        status["lastUpgrade"] = json!(Time(Timestamp::now()));
    }
    status
}

/// Available, Progressing, Degraded, per the table in this file's comment.
fn conditions(
    health: &PodHealth,
    performer: &str,
    generation: i64,
    previous: &[Condition],
) -> Vec<Condition> {
    let pod = performer_pod_name(performer);
    let (reason, message, degraded) = match health {
        PodHealth::Missing => (
            "ServiceReady",
            format!("service {pod} exists; pod {pod} is not created yet"),
            false,
        ),
        PodHealth::AwaitingScheduling => (
            "ServiceReady",
            format!("pod {pod} is waiting to be scheduled"),
            false,
        ),
        PodHealth::Unschedulable { message } => ("SchedulingFailed", message.clone(), true),
        PodHealth::Starting { message } => ("Scheduled", message.clone(), false),
        PodHealth::ImagePullFailing { message } => ("ImagePullFailed", message.clone(), true),
        PodHealth::RunningNotReady { message } => ("PodReady", message.clone(), false),
        PodHealth::CrashLooping { message } | PodHealth::Failed { message } => {
            ("PodReady", message.clone(), true)
        }
        PodHealth::Ready => ("PodReady", format!("pod {pod} is ready"), false),
    };
    let available = *health == PodHealth::Ready;
    [
        ("Available", available),
        ("Progressing", !available),
        ("Degraded", degraded),
    ]
    .into_iter()
    .map(|(type_, status)| {
        let status = if status { "True" } else { "False" };
        let since = previous
            .iter()
            .find(|c| c.type_ == type_ && c.status == status)
            .map_or_else(
                || Time(Timestamp::now()),
                |c| c.last_transition_time.clone(),
            );
        Condition {
            type_: type_.to_string(),
            status: status.to_string(),
            reason: reason.to_string(),
            message: message.clone(),
            observed_generation: Some(generation),
            last_transition_time: since,
        }
    })
    .collect()
}

fn pod_image(pod: &Pod) -> Option<&str> {
    pod.spec.as_ref()?.containers.first()?.image.as_deref()
}

fn grpc_port(performer: &DocumentedPerformer) -> i32 {
    performer
        .spec
        .config
        .as_ref()
        .and_then(|config| config.grpc_port)
        .filter(|port| *port != 0)
        .unwrap_or(DOCUMENTED_DEFAULT_GRPC_PORT)
}

fn pod_recipe(performer: &DocumentedPerformer) -> PodRecipe {
    let spec = &performer.spec;
    let config = spec.config.clone().unwrap_or_default();
    let resources = spec.resources.clone().unwrap_or_default();
    let hardware = spec.hardware_requirements.clone().unwrap_or_default();
    PodRecipe {
        performer: performer.metadata.name.clone().unwrap_or_default(),
        namespace: performer.metadata.namespace.clone().unwrap_or_default(),
        owner: Some(controller_reference(&performer.metadata)),
        avs_address: spec.avs_address.clone(),
        image: spec.image.clone(),
        command: config.command.unwrap_or_default(),
        args: config.args.unwrap_or_default(),
        grpc_port: grpc_port(performer),
        environment: config.environment.unwrap_or_default(),
        limits: resources.limits,
        requests: resources.requests,
        claims: resources.claims,
        gpu_count: hardware.gpu_count.unwrap_or_default(),
        gpu_type: hardware.gpu_type.unwrap_or_default(),
        image_pull_secrets: spec.image_pull_secrets.clone().unwrap_or_default(),
        scheduling: spec.scheduling.as_ref().map(|scheduling| PodScheduling {
            node_selector: scheduling.node_selector.clone(),
            affinity: Some(Affinity {
                node_affinity: scheduling.node_affinity.clone(),
                ..Affinity::default()
            }),
            tolerations: scheduling.tolerations.clone(),
            runtime_class_name: scheduling.runtime_class.clone(),
        }),
        ..PodRecipe::default()
    }
}
