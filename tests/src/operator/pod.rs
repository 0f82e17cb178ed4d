//! The performer Pod, built as the upstream operator builds it:
//! Layr-Labs/hourglass-monorepo, master 11f1554,
//! `hourglass-operator/internal/controller/performerController.go`
//! (`buildPodSpec`, `applyHardwareRequirements`, `sanitizeLabel`,
//! `shouldRecreatePod`). Both stand-ins build their pod here, from a
//! [`PodRecipe`] each fills from its own Performer type.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::{
    Affinity, Container, ContainerPort, EnvVar, GRPCAction, LocalObjectReference, Pod, PodSpec,
    Probe, ResourceRequirements, Toleration,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use k8s_openapi::jiff::Timestamp;

use super::go_quantity::GoQuantity;

/// Name of the container in a performer pod.
pub const PERFORMER_CONTAINER: &str = "performer";
/// Label every performer pod carries, with value `hourglass-performer`.
pub const APP_LABEL: &str = "app";
/// Label naming the performer; the service selects on it.
pub const PERFORMER_LABEL: &str = "hourglass.eigenlayer.io/performer";
/// Label carrying the sanitized AVS address.
pub const AVS_LABEL: &str = "hourglass.eigenlayer.io/avs";
/// The port name of the container and the service's target port.
pub const GRPC_PORT_NAME: &str = "grpc";

/// Name of a performer's pod, and of its service: `performer-<name>`.
pub fn performer_pod_name(performer: &str) -> String {
    format!("performer-{performer}")
}

/// Everything a performer pod is built from. Fields a stand-in's type does
/// not have stay empty.
#[derive(Clone, Debug, Default)]
pub(crate) struct PodRecipe {
    pub performer: String,
    pub namespace: String,
    pub owner: Option<OwnerReference>,
    pub avs_address: String,
    pub image: String,
    /// Not written when empty (the apiserver then defaults it).
    pub image_pull_policy: String,
    pub command: Vec<String>,
    pub args: Vec<String>,
    /// The performer's gRPC port, already defaulted by the stand-in.
    pub grpc_port: i32,
    /// `config.environment`, in name order (Go's map order is random; a
    /// stand-in needs one order, and sorted is the one a test can state).
    pub environment: BTreeMap<String, String>,
    /// `config.environmentFrom`, after `environment`, in order.
    pub environment_from: Vec<EnvVar>,
    /// `spec.resources` with Go-canonical quantities.
    pub limits: BTreeMap<String, GoQuantity>,
    pub requests: BTreeMap<String, GoQuantity>,
    pub claims: Vec<k8s_openapi::api::core::v1::ResourceClaim>,
    pub gpu_count: i32,
    pub gpu_type: String,
    pub image_pull_secrets: Vec<LocalObjectReference>,
    pub service_account_name: String,
    /// Present when the performer has `spec.scheduling`; a nil map or list
    /// in it stays nil on the pod.
    pub scheduling: Option<PodScheduling>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct PodScheduling {
    pub node_selector: Option<BTreeMap<String, String>>,
    pub affinity: Option<Affinity>,
    pub tolerations: Option<Vec<Toleration>>,
    pub runtime_class_name: Option<String>,
}

/// The pod upstream creates: labels, one container `performer` with its
/// gRPC port, env, resources (GPUs added as `nvidia.com/gpu` or
/// `nvidia.com/<gpuType>` requests and limits), gRPC liveness and readiness
/// probes, image pull secrets, `restartPolicy: Always`, the service account
/// when set, and nodeSelector, affinity, tolerations and runtime class from
/// the scheduling section. No priority class.
pub(crate) fn build_pod(recipe: &PodRecipe) -> Pod {
    let labels = BTreeMap::from([
        (APP_LABEL.to_string(), "hourglass-performer".to_string()),
        (PERFORMER_LABEL.to_string(), recipe.performer.clone()),
        (AVS_LABEL.to_string(), sanitize_label(&recipe.avs_address)),
    ]);
    let scheduling = recipe.scheduling.clone().unwrap_or_default();
    Pod {
        metadata: ObjectMeta {
            name: Some(performer_pod_name(&recipe.performer)),
            namespace: Some(recipe.namespace.clone()),
            labels: Some(labels),
            owner_references: recipe.owner.clone().map(|owner| vec![owner]),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            containers: vec![container(recipe)],
            image_pull_secrets: non_empty(recipe.image_pull_secrets.clone()),
            restart_policy: Some("Always".to_string()),
            service_account_name: non_empty_string(&recipe.service_account_name),
            node_selector: scheduling.node_selector,
            affinity: scheduling.affinity,
            tolerations: scheduling.tolerations,
            runtime_class_name: scheduling.runtime_class_name,
            ..PodSpec::default()
        }),
        status: None,
    }
}

fn container(recipe: &PodRecipe) -> Container {
    let mut env: Vec<EnvVar> = recipe
        .environment
        .iter()
        .map(|(name, value)| EnvVar {
            name: name.clone(),
            value: Some(value.clone()),
            value_from: None,
        })
        .collect();
    env.extend(recipe.environment_from.iter().cloned());
    Container {
        name: PERFORMER_CONTAINER.to_string(),
        image: Some(recipe.image.clone()),
        image_pull_policy: non_empty_string(&recipe.image_pull_policy),
        command: non_empty(recipe.command.clone()),
        args: non_empty(recipe.args.clone()),
        ports: Some(vec![ContainerPort {
            name: Some(GRPC_PORT_NAME.to_string()),
            container_port: recipe.grpc_port,
            protocol: Some("TCP".to_string()),
            ..ContainerPort::default()
        }]),
        env: non_empty(env),
        resources: Some(resources(recipe)),
        liveness_probe: Some(grpc_probe(recipe.grpc_port, 30, 10, 5, 3)),
        readiness_probe: Some(grpc_probe(recipe.grpc_port, 5, 15, 1, 3)),
        ..Container::default()
    }
}

/// `spec.resources`, then the GPUs, which replace a user value of the same
/// resource.
fn resources(recipe: &PodRecipe) -> ResourceRequirements {
    let mut limits = recipe.limits.clone();
    let mut requests = recipe.requests.clone();
    if recipe.gpu_count > 0 {
        let resource = if recipe.gpu_type.is_empty() {
            "nvidia.com/gpu".to_string()
        } else {
            format!("nvidia.com/{}", recipe.gpu_type)
        };
        let count = GoQuantity::parse(&recipe.gpu_count.to_string())
            .expect("a positive integer is a quantity");
        limits.insert(resource.clone(), count.clone());
        requests.insert(resource, count);
    }
    let to_list = |map: BTreeMap<String, GoQuantity>| {
        (!map.is_empty()).then(|| {
            map.into_iter()
                .map(|(name, quantity)| (name, Quantity(quantity.as_str().to_string())))
                .collect()
        })
    };
    ResourceRequirements {
        limits: to_list(limits),
        requests: to_list(requests),
        claims: non_empty(recipe.claims.clone()),
    }
}

fn grpc_probe(port: i32, initial_delay: i32, period: i32, timeout: i32, failures: i32) -> Probe {
    Probe {
        grpc: Some(GRPCAction {
            port,
            service: None,
        }),
        initial_delay_seconds: Some(initial_delay),
        period_seconds: Some(period),
        timeout_seconds: Some(timeout),
        failure_threshold: Some(failures),
        ..Probe::default()
    }
}

/// Lower case, `_` to `-`, at most 63 bytes (cut on a character boundary;
/// Go cuts the bytes, which only differs for non-ASCII addresses).
pub(crate) fn sanitize_label(value: &str) -> String {
    let mut label = value.to_lowercase().replace('_', "-");
    if label.len() > 63 {
        let mut end = 63;
        while !label.is_char_boundary(end) {
            end -= 1;
        }
        label.truncate(end);
    }
    label
}

/// Why upstream deletes an existing pod (to create it again on the next
/// reconcile), if it does: phase Failed, Pending for longer than
/// `pending_timeout` (upstream: 5 minutes) since the pod was created, or a
/// first container whose image is not `image`.
pub(crate) fn replacement_reason(
    pod: &Pod,
    image: &str,
    pending_timeout: Duration,
) -> Option<String> {
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    if phase == Some("Failed") {
        return Some("its phase is Failed".to_string());
    }
    if phase == Some("Pending")
        && let Some(created) = &pod.metadata.creation_timestamp
    {
        let pending_for = Timestamp::now().duration_since(created.0);
        if pending_for.as_secs_f64() > pending_timeout.as_secs_f64() {
            return Some(format!(
                "it has been Pending for more than {:?}",
                pending_timeout
            ));
        }
    }
    let running_image = pod
        .spec
        .as_ref()
        .and_then(|spec| spec.containers.first())
        .and_then(|container| container.image.as_deref());
    match running_image {
        Some(running) if running != image => Some(format!(
            "its image {running:?} is not the performer's {image:?}"
        )),
        _ => None,
    }
}

fn non_empty<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

fn non_empty_string(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_sanitized_like_upstream() {
        assert_eq!(sanitize_label("0xAB_cd"), "0xab-cd");
        assert_eq!(sanitize_label(&"A".repeat(70)), "a".repeat(63));
    }

    #[test]
    fn gpu_count_overrides_a_user_value_and_is_canonical() {
        let recipe = PodRecipe {
            gpu_count: 1000,
            gpu_type: "nvidia-a100".into(),
            limits: BTreeMap::from([(
                "nvidia.com/nvidia-a100".into(),
                GoQuantity::parse("1").unwrap(),
            )]),
            ..PodRecipe::default()
        };
        let resources = resources(&recipe);
        let gpu = |list: Option<BTreeMap<String, Quantity>>| {
            list.unwrap()["nvidia.com/nvidia-a100"].0.clone()
        };
        assert_eq!(gpu(resources.limits), "1k");
        assert_eq!(gpu(resources.requests), "1k");
    }
}
