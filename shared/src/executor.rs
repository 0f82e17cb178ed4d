//! The HourglassExecutor custom resource.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{LocalObjectReference, ResourceRequirements, Toleration};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::constants::{LOG_LEVELS, PERFORMER_MODES};
use crate::scheduling::SchedulingConfig;

/// Manages the aggregation and execution layer of the Hourglass system.
// Each printer column repeats `type_ = ...`, which clippy mistakes for a duplicated attribute.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "hourglass.eigenlayer.io",
    version = "v1alpha1",
    kind = "HourglassExecutor",
    namespaced,
    status = "HourglassExecutorStatus",
    derive = "PartialEq",
    shortname = "hge",
    category = "hourglass",
    doc = "HourglassExecutor manages the aggregation and execution layer of an Hourglass AVS operator.",
    scale(
        spec_replicas_path = ".spec.replicas",
        status_replicas_path = ".status.replicas"
    ),
    printcolumn(name = "Image", type_ = "string", json_path = ".spec.image"),
    printcolumn(name = "Replicas", type_ = "integer", json_path = ".spec.replicas"),
    printcolumn(name = "Ready", type_ = "integer", json_path = ".status.readyReplicas"),
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct HourglassExecutorSpec {
    /// Container image for the executor.
    pub image: String,
    /// Number of executor instances (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub replicas: Option<i32>,
    /// Executor configuration.
    pub config: HourglassExecutorConfig,
    /// Resource requirements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    /// Node selection constraints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Pod tolerations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerations: Option<Vec<Toleration>>,
    /// Image pull secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_secrets: Option<Vec<LocalObjectReference>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HourglassExecutorConfig {
    /// gRPC endpoint (host:port) of the aggregator service.
    pub aggregator_endpoint: String,
    /// BLS and ECDSA private keys.
    pub operator_keys: BTreeMap<String, String>,
    /// Blockchain network configurations; at least one.
    #[schemars(length(min = 1))]
    pub chains: Vec<ChainConfig>,
    /// "docker" or "kubernetes" (default "kubernetes").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = PERFORMER_MODES))]
    pub performer_mode: Option<String>,
    /// Kubernetes-specific configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes: Option<KubernetesConfig>,
    /// Logging level (default "info").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = LOG_LEVELS))]
    pub log_level: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChainConfig {
    /// Chain identifier, unique within the executor (e.g. "ethereum", "base").
    pub name: String,
    /// RPC endpoint URL (http, https, ws or wss).
    pub rpc: String,
    /// Blockchain network ID.
    #[schemars(range(min = 1))]
    pub chain_id: i64,
    /// TaskMailbox contract address.
    pub task_mailbox_address: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KubernetesConfig {
    /// Target namespace for performers (default "default").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Default scheduling constraints for performers that set none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_scheduling: Option<SchedulingConfig>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HourglassExecutorStatus {
    /// "Pending", "Running" or "Stopped".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// Total number of replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    /// Number of ready replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_replicas: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Condition>>,
    /// Timestamp of the last configuration update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_config_update: Option<Time>,
}
