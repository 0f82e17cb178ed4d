//! The Performer as the operator's API reference documents it:
//! `shared/spec/operator-api-reference.md` (Layr-Labs/hourglass-monorepo's
//! own document at 5f0df78), tables PerformerSpec, PerformerConfig,
//! SchedulingConfig, HardwareRequirements. Every documented field, and no
//! other: `imagePullPolicy`, `config.environmentFrom`,
//! `config.serviceAccountName`, `scheduling.affinity` and
//! `scheduling.priorityClassName` are upstream additions the reference does
//! not know, so the documented operator ignores them.
//!
//! Only read: the documented stand-in writes nothing but status, with
//! merge patches, so what this type lacks is never erased.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{LocalObjectReference, NodeAffinity, Toleration};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, ObjectMeta, Time};
use serde::Deserialize;

use super::performer_kind::performer_resource;
use super::upstream_performer::GoResourceRequirements;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct DocumentedPerformer {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: DocumentedPerformerSpec,
    #[serde(default)]
    pub status: Option<DocumentedPerformerStatus>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DocumentedPerformerSpec {
    pub avs_address: String,
    pub image: String,
    pub version: Option<String>,
    pub executor_ref: Option<String>,
    pub config: Option<DocumentedPerformerConfig>,
    pub resources: Option<GoResourceRequirements>,
    pub scheduling: Option<DocumentedScheduling>,
    pub hardware_requirements: Option<DocumentedHardwareRequirements>,
    pub image_pull_secrets: Option<Vec<LocalObjectReference>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DocumentedPerformerConfig {
    /// Documented default: 9090.
    pub grpc_port: Option<i32>,
    pub environment: Option<BTreeMap<String, String>>,
    pub args: Option<Vec<String>>,
    pub command: Option<Vec<String>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DocumentedScheduling {
    pub node_selector: Option<BTreeMap<String, String>>,
    pub node_affinity: Option<NodeAffinity>,
    pub tolerations: Option<Vec<Toleration>>,
    pub runtime_class: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DocumentedHardwareRequirements {
    pub gpu_type: Option<String>,
    pub gpu_count: Option<i32>,
    pub tee_required: Option<bool>,
    pub tee_type: Option<String>,
    pub custom_labels: Option<BTreeMap<String, String>>,
}

/// PerformerStatus of the reference, plus `ready` (which the CRDs carry).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DocumentedPerformerStatus {
    pub phase: Option<String>,
    pub pod_name: Option<String>,
    pub service_name: Option<String>,
    pub grpc_endpoint: Option<String>,
    pub conditions: Option<Vec<Condition>>,
    pub last_upgrade: Option<Time>,
    pub ready_time: Option<Time>,
    pub ready: Option<bool>,
}

performer_resource!(DocumentedPerformer);
