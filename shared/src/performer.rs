//! The Performer custom resource.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    ConfigMapKeySelector, LocalObjectReference, ResourceRequirements, SecretKeySelector,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::constants::{EXECUTOR_LABEL, IMAGE_PULL_POLICIES, TEE_TYPES};
use crate::scheduling::SchedulingConfig;

/// An AVS workload container managed by the Hourglass operator.
// Each printer column repeats `type_ = ...`, which clippy mistakes for a duplicated attribute.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "hourglass.eigenlayer.io",
    version = "v1alpha1",
    kind = "Performer",
    namespaced,
    status = "PerformerStatus",
    derive = "PartialEq",
    shortname = "hgp",
    category = "hourglass",
    doc = "Performer runs one AVS workload container, with GPU/TEE-aware scheduling.",
    printcolumn(name = "AVS", type_ = "string", json_path = ".spec.avsAddress"),
    printcolumn(name = "Image", type_ = "string", json_path = ".spec.image"),
    printcolumn(name = "Version", type_ = "string", json_path = ".spec.version"),
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    printcolumn(
        name = "Endpoint",
        type_ = "string",
        json_path = ".status.grpcEndpoint"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct PerformerSpec {
    /// Ethereum address of the AVS; cannot change after creation.
    #[schemars(regex(pattern = r"^0x[0-9a-fA-F]{40}$"))]
    pub avs_address: String,
    /// Container image for the performer.
    pub image: String,
    /// Image version for upgrade tracking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Name of the parent HourglassExecutor in the same namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor_ref: Option<String>,
    /// Always, Never or IfNotPresent (default IfNotPresent; upstream operator field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = IMAGE_PULL_POLICIES))]
    pub image_pull_policy: Option<String>,
    /// Performer-specific configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<PerformerConfig>,
    /// Resource requirements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    /// Advanced scheduling constraints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduling: Option<SchedulingConfig>,
    /// Specialized hardware needs, turned into scheduling by the webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware_requirements: Option<HardwareRequirements>,
    /// Image pull secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_secrets: Option<Vec<LocalObjectReference>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PerformerConfig {
    /// gRPC server port (default 9090, range 1-65535).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub grpc_port: Option<i32>,
    /// Environment variables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<BTreeMap<String, String>>,
    /// Environment variables read from Secrets or ConfigMaps (upstream operator field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_from: Option<Vec<EnvironmentFrom>>,
    /// Additional command line arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<String>>,
    /// Override container entrypoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Service account of the performer pod (upstream operator field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
}

/// One environment variable taken from a Secret or ConfigMap key.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentFrom {
    pub name: String,
    pub value_from: EnvironmentSource,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentSource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key_ref: Option<SecretKeySelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_key_ref: Option<ConfigMapKeySelector>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HardwareRequirements {
    /// GPU type, matched against the GPU-type node label (e.g. "nvidia-a100").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_type: Option<String>,
    /// Number of GPUs required (minimum 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub gpu_count: Option<i32>,
    /// Whether a trusted execution environment is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tee_required: Option<bool>,
    /// TEE technology: "sgx", "sev" or "tdx".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = TEE_TYPES))]
    pub tee_type: Option<String>,
    /// Node labels the performer must run on, each matched exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_labels: Option<BTreeMap<String, String>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PerformerStatus {
    /// "Pending", "Running", "Upgrading", "Terminating" or "Failed".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    /// Full DNS name for gRPC connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Condition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_upgrade: Option<Time>,
    /// When the performer became ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_time: Option<Time>,
    /// Whether the performer pod is ready (upstream operator field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<bool>,
}

impl Performer {
    /// The executor this performer belongs to: `spec.executorRef`, else the
    /// label that mirrors it (the field is gone after a writer whose type
    /// lacks it updated the performer; see `mutate::executor_label`).
    pub fn executor_name(&self) -> Option<&str> {
        self.spec
            .executor_ref
            .as_deref()
            .filter(|name| !name.is_empty())
            .or_else(|| {
                self.metadata
                    .labels
                    .as_ref()?
                    .get(EXECUTOR_LABEL)
                    .map(String::as_str)
                    .filter(|name| !name.is_empty())
            })
    }
}
