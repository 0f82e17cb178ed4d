//! A stand-in for the Hourglass operator users run today, reproducing the
//! PerformerReconciler of Layr-Labs/hourglass-monorepo, master 11f1554
//! (`hourglass-operator/internal/controller/performerController.go`, with
//! the type of `hourglass-operator/api/v1alpha1/performerTypes.go`), as
//! summarised in `shared/spec/upstream-operator.md`. Its real image cannot
//! run here (no registry, no kubelet); this does what it does to the API.
//!
//! Per performer, in upstream's order:
//! 1. Deleted (a deletion timestamp): remove the finalizer
//!    `hourglass.eigenlayer.io/performer-finalizer` with a typed update
//!    (PUT of the whole object through [`UpstreamPerformer`]); done.
//! 2. No finalizer: add it with a typed update (PUT). This is what erases
//!    every field the upstream type lacks (`spec.executorRef`,
//!    `spec.scheduling.nodeAffinity`, ...) from the stored object.
//! 3. Pod `performer-<name>`: if it exists, delete it when it is Failed,
//!    Pending for longer than [`OperatorTiming::pending_timeout`] (5 min),
//!    or its first container's image is not `spec.image`, and stop there
//!    (the next reconcile, on the deletion's event, creates the new one);
//!    if it does not, create it ([`super::pod`]). An upgrade is therefore
//!    delete old pod, then create new pod.
//! 4. Service `performer-<name>`: create, or update it whole.
//! 5. Status through the status subresource: re-read the performer, set
//!    phase (the pod's phase, or `Pending` and `podName: ""` with no pod),
//!    podName, ready (pod Running with Ready=True), readyTime (first time
//!    ready; never cleared), serviceName and grpcEndpoint
//!    (`performer-<name>.<namespace>.svc.cluster.local`, no port), and PUT
//!    it; up to 3 tries on a conflict, 100 ms then 200 ms apart. With no pod
//!    `ready` is left as it was (upstream only resets it when a pod
//!    exists), so a performer whose pod was just deleted for an upgrade
//!    still says `ready: true` with phase Pending. Never conditions, an
//!    observed generation or lastUpgrade; no events.
//! 6. Again after 2 minutes ([`OperatorTiming::requeue_after`]), or at the
//!    next event on the performer, its pod or its service.
//!
//! A failed step ends the reconcile with an error, which is logged and
//! retried with back-off ([`super::work_queue`]); the stand-in keeps
//! running (e.g. while a webhook refuses its updates).
//!
//! Choices where upstream's behaviour is not one thing, and what is not
//! reproduced:
//! - `config.environment` is a Go map, so upstream's env order is random
//!   per pod; this writes it sorted by name.
//! - Reads go to the apiserver, not an informer cache ([`super::controller`]).
//! - Writes are made as whatever `client` is (upstream: its service
//!   account; pass an impersonating client to look like it), with
//!   upstream's field manager, [`UPSTREAM_FIELD_MANAGER`].
//! - Deleting a performer leaves its pod and service: upstream relies on
//!   the cluster's garbage collector (owner references), which does not run
//!   here.
//!
//! ```no_run
//! # async fn example(client: kube::Client, namespace: &str) {
//! use hourglass_e2e::{PodPolicy, SimulatedKubelet, UpstreamOperator};
//! let _operator = UpstreamOperator::start(client.clone(), namespace);
//! let _node = SimulatedKubelet::start(client, namespace, PodPolicy::default());
//! // create performers; the stand-in reconciles them until dropped
//! # }
//! ```

use std::time::Duration;

use k8s_openapi::api::core::v1::{EnvVar, EnvVarSource, Pod, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, DeleteParams, PostParams};

use super::controller::{self, Next, OperatorTiming, Reconciler, RunningController};
use super::owner::controller_reference;
use super::performer_kind::{PERFORMER_API_VERSION, PERFORMER_KIND};
use super::pod::{PodRecipe, PodScheduling, build_pod, performer_pod_name, replacement_reason};
use super::reconcile_error::ReconcileError;
use super::service::create_or_update_service;
use super::upstream_performer::UpstreamPerformer;

/// The field manager the apiserver records for upstream's writes: it
/// derives it from the client's user agent, whose first word is the
/// binary's name, `manager` (hourglass-operator/Dockerfile).
pub const UPSTREAM_FIELD_MANAGER: &str = "manager";

/// The finalizer upstream puts on every performer it sees.
pub const PERFORMER_FINALIZER: &str = "hourglass.eigenlayer.io/performer-finalizer";

/// Upstream's port when `config.grpcPort` is 0 or absent ("to match
/// hello-performer"), for the container and the service.
pub const UPSTREAM_DEFAULT_GRPC_PORT: i32 = 8080;

const STATUS_ATTEMPTS: u32 = 3;

/// The upstream operator, running as a background task of the current
/// tokio runtime until dropped.
#[derive(Debug)]
pub struct UpstreamOperator {
    running: RunningController,
}

impl UpstreamOperator {
    /// Reconciles the performers of `namespace` with upstream's timings.
    pub fn start(client: kube::Client, namespace: &str) -> UpstreamOperator {
        UpstreamOperator::start_with(client, Some(namespace), OperatorTiming::default())
    }

    /// Reconciles the performers of `namespace`, or of every namespace
    /// (`None`, as upstream's deployment does), with `timing`.
    pub fn start_with(
        client: kube::Client,
        namespace: Option<&str>,
        timing: OperatorTiming,
    ) -> UpstreamOperator {
        let reconciler = UpstreamReconciler {
            client: client.clone(),
            timing,
        };
        UpstreamOperator {
            running: controller::spawn(client, namespace, "upstream-operator", reconciler),
        }
    }

    /// The pod it creates for `performer` (before the apiserver's defaults).
    pub fn pod_for(performer: &UpstreamPerformer) -> Pod {
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

struct UpstreamReconciler {
    client: kube::Client,
    timing: OperatorTiming,
}

impl Reconciler for UpstreamReconciler {
    async fn reconcile(&self, namespace: &str, name: &str) -> Result<Next, ReconcileError> {
        let performers: Api<UpstreamPerformer> = Api::namespaced(self.client.clone(), namespace);
        let Some(mut performer) = performers.get_opt(name).await? else {
            return Ok(Next::WaitForEvent);
        };
        if performer.metadata.deletion_timestamp.is_some() {
            if let Some(finalizers) = performer.metadata.finalizers.as_mut() {
                finalizers.retain(|f| f != PERFORMER_FINALIZER);
            }
            typed_update(&performers, performer).await?;
            return Ok(Next::WaitForEvent);
        }
        let finalizers = performer.metadata.finalizers.get_or_insert_with(Vec::new);
        if !finalizers.iter().any(|f| f == PERFORMER_FINALIZER) {
            finalizers.push(PERFORMER_FINALIZER.to_string());
            performer = typed_update(&performers, performer).await?;
        }
        self.reconcile_pod(&performer).await?;
        create_or_update_service(
            &Api::<Service>::namespaced(self.client.clone(), namespace),
            name,
            namespace,
            grpc_port(&performer),
            controller_reference(&performer.metadata),
            UPSTREAM_FIELD_MANAGER,
        )
        .await?;
        self.update_status(&performers, name, namespace).await?;
        Ok(Next::RequeueAfter(self.timing.requeue_after))
    }
}

impl UpstreamReconciler {
    async fn reconcile_pod(&self, performer: &UpstreamPerformer) -> Result<(), ReconcileError> {
        let namespace = performer.metadata.namespace.clone().unwrap_or_default();
        let pods: Api<Pod> = Api::namespaced(self.client.clone(), &namespace);
        let pod_name = performer_pod_name(performer.metadata.name.as_deref().unwrap_or_default());
        match pods.get_opt(&pod_name).await? {
            Some(pod) => {
                if let Some(reason) =
                    replacement_reason(&pod, &performer.spec.image, self.timing.pending_timeout)
                {
                    eprintln!("upstream-operator: deleting pod {namespace}/{pod_name}: {reason}");
                    pods.delete(&pod_name, &DeleteParams::default()).await?;
                }
            }
            None => {
                pods.create(&post_params(), &build_pod(&pod_recipe(performer)))
                    .await?;
            }
        }
        Ok(())
    }

    async fn update_status(
        &self,
        performers: &Api<UpstreamPerformer>,
        name: &str,
        namespace: &str,
    ) -> Result<(), ReconcileError> {
        let pods: Api<Pod> = Api::namespaced(self.client.clone(), namespace);
        let pod_name = performer_pod_name(name);
        let mut attempt = 0;
        loop {
            let mut latest = performers.get(name).await?;
            match pods.get_opt(&pod_name).await? {
                None => {
                    latest.status.phase = "Pending".to_string();
                    latest.status.pod_name = String::new();
                }
                Some(pod) => {
                    latest.status.pod_name = pod_name.clone();
                    latest.status.phase = pod
                        .status
                        .as_ref()
                        .and_then(|s| s.phase.clone())
                        .unwrap_or_default();
                    latest.status.ready = running_and_ready(&pod);
                    if latest.status.ready && latest.status.ready_time.is_none() {
                        latest.status.ready_time = Some(Time(Timestamp::now()));
                    }
                }
            }
            latest.status.service_name = pod_name.clone();
            latest.status.grpc_endpoint = format!("{pod_name}.{namespace}.svc.cluster.local");
            let written = performers
                .replace_status(name, &post_params(), &with_type_meta(latest))
                .await
                .map_err(ReconcileError::from);
            match written {
                Err(err) if err.is_conflict() && attempt + 1 < STATUS_ATTEMPTS => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100) * attempt).await;
                }
                other => return other.map(drop),
            }
        }
    }
}

/// The PUT of controller-runtime's typed `Update`: the whole object as the
/// upstream type encodes it; the reply, decoded the same way, replaces it.
async fn typed_update(
    performers: &Api<UpstreamPerformer>,
    performer: UpstreamPerformer,
) -> Result<UpstreamPerformer, ReconcileError> {
    let name = performer.metadata.name.clone().unwrap_or_default();
    Ok(performers
        .replace(&name, &post_params(), &with_type_meta(performer))
        .await?)
}

fn post_params() -> PostParams {
    PostParams {
        field_manager: Some(UPSTREAM_FIELD_MANAGER.to_string()),
        ..PostParams::default()
    }
}

fn with_type_meta(mut performer: UpstreamPerformer) -> UpstreamPerformer {
    performer.api_version = PERFORMER_API_VERSION.to_string();
    performer.kind = PERFORMER_KIND.to_string();
    performer
}

fn grpc_port(performer: &UpstreamPerformer) -> i32 {
    match performer.spec.config.grpc_port {
        0 => UPSTREAM_DEFAULT_GRPC_PORT,
        port => port,
    }
}

/// Pod phase Running with condition Ready=True.
pub(crate) fn running_and_ready(pod: &Pod) -> bool {
    let Some(status) = &pod.status else {
        return false;
    };
    status.phase.as_deref() == Some("Running")
        && status
            .conditions
            .iter()
            .flatten()
            .any(|c| c.type_ == "Ready" && c.status == "True")
}

fn pod_recipe(performer: &UpstreamPerformer) -> PodRecipe {
    let spec = &performer.spec;
    let hardware = spec.hardware_requirements.clone().unwrap_or_default();
    PodRecipe {
        performer: performer.metadata.name.clone().unwrap_or_default(),
        namespace: performer.metadata.namespace.clone().unwrap_or_default(),
        owner: Some(controller_reference(&performer.metadata)),
        avs_address: spec.avs_address.clone(),
        image: spec.image.clone(),
        image_pull_policy: spec.image_pull_policy.clone(),
        command: spec.config.command.clone(),
        args: spec.config.args.clone(),
        grpc_port: grpc_port(performer),
        environment: spec.config.environment.clone(),
        environment_from: spec
            .config
            .environment_from
            .iter()
            .map(|source| EnvVar {
                name: source.name.clone(),
                value: None,
                value_from: source.value_from.as_ref().map(|from| EnvVarSource {
                    secret_key_ref: from.secret_key_ref.clone(),
                    config_map_key_ref: from.config_map_key_ref.clone(),
                    ..EnvVarSource::default()
                }),
            })
            .collect(),
        limits: spec.resources.limits.clone(),
        requests: spec.resources.requests.clone(),
        claims: spec.resources.claims.clone(),
        gpu_count: hardware.gpu_count,
        gpu_type: hardware.gpu_type,
        image_pull_secrets: spec.image_pull_secrets.clone(),
        service_account_name: spec.config.service_account_name.clone(),
        scheduling: spec.scheduling.as_ref().map(|scheduling| PodScheduling {
            node_selector: (!scheduling.node_selector.is_empty())
                .then(|| scheduling.node_selector.clone()),
            affinity: scheduling.affinity.clone(),
            tolerations: (!scheduling.tolerations.is_empty())
                .then(|| scheduling.tolerations.clone()),
            runtime_class_name: scheduling.runtime_class.clone(),
        }),
    }
}
