//! The Performer type of the upstream operator, field for field:
//! Layr-Labs/hourglass-monorepo, master 11f1554,
//! `hourglass-operator/api/v1alpha1/performerTypes.go`.
//!
//! Decoding keeps only these fields, as Go's `encoding/json` does; encoding
//! follows the Go tags (see [`super::go_json`]): `omitempty` strings, numbers,
//! bools, maps and slices are left out when empty, pointers when nil, while
//! the non-pointer structs `spec.config`, `spec.resources` and `status` are
//! always written (`"config":{}`). So a typed update through this type
//! writes back exactly what the upstream operator's `r.Update` writes, and
//! erases what that type lacks: `spec.executorRef`,
//! `spec.scheduling.nodeAffinity` and anything else.
//!
//! Embedded Kubernetes types (metadata, Affinity, Toleration,
//! LocalObjectReference, the key selectors, ResourceClaim, Condition, Time)
//! are k8s-openapi's, which encode like Go's except that an empty string
//! inside them is written where Go would omit it. Quantities are
//! re-canonicalized as Go does ([`GoQuantity`]). Times keep whole seconds,
//! like Go's `metav1.Time`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Affinity, ConfigMapKeySelector, LocalObjectReference, ResourceClaim, SecretKeySelector,
    Toleration,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, ObjectMeta, Time};
use serde::{Deserialize, Serialize};

use super::performer_kind::performer_resource;

use super::go_json::{is_false, is_zero, null_as_zero};
use super::go_quantity::GoQuantity;

/// `Performer`: TypeMeta inline, then metadata, spec and status, none of
/// them ever omitted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamPerformer {
    /// TypeMeta: the client sets it on every request body.
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "String::is_empty"
    )]
    pub kind: String,
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "String::is_empty"
    )]
    pub api_version: String,
    #[serde(default, deserialize_with = "null_as_zero")]
    pub metadata: ObjectMeta,
    #[serde(default, deserialize_with = "null_as_zero")]
    pub spec: UpstreamPerformerSpec,
    #[serde(default, deserialize_with = "null_as_zero")]
    pub status: UpstreamPerformerStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamPerformerSpec {
    /// `json:"avsAddress"`: written even when empty.
    #[serde(default, deserialize_with = "null_as_zero")]
    pub avs_address: String,
    /// `json:"image"`: written even when empty.
    #[serde(default, deserialize_with = "null_as_zero")]
    pub image: String,
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "String::is_empty"
    )]
    pub image_pull_policy: String,
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "String::is_empty"
    )]
    pub version: String,
    /// A struct, so `omitempty` never drops it: `"config":{}`.
    #[serde(default, deserialize_with = "null_as_zero")]
    pub config: UpstreamPerformerConfig,
    /// A struct, so `omitempty` never drops it: `"resources":{}`.
    #[serde(default, deserialize_with = "null_as_zero")]
    pub resources: GoResourceRequirements,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduling: Option<UpstreamScheduling>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware_requirements: Option<UpstreamHardwareRequirements>,
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub image_pull_secrets: Vec<LocalObjectReference>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamPerformerConfig {
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "is_zero"
    )]
    pub grpc_port: i32,
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub environment: BTreeMap<String, String>,
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub environment_from: Vec<UpstreamEnvVarSource>,
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub args: Vec<String>,
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub command: Vec<String>,
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "String::is_empty"
    )]
    pub service_account_name: String,
}

/// `EnvVarSource` of the upstream type (not core's).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamEnvVarSource {
    /// `json:"name"`: written even when empty.
    #[serde(default, deserialize_with = "null_as_zero")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_from: Option<UpstreamEnvValueFrom>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamEnvValueFrom {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key_ref: Option<SecretKeySelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_key_ref: Option<ConfigMapKeySelector>,
}

/// Core `ResourceRequirements` as Go encodes it: empty maps left out,
/// quantities canonical.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GoResourceRequirements {
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub limits: BTreeMap<String, GoQuantity>,
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub requests: BTreeMap<String, GoQuantity>,
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub claims: Vec<ResourceClaim>,
}

/// `SchedulingConfig` of the upstream type: `affinity` (core Affinity) and
/// `priorityClassName`, no `nodeAffinity`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamScheduling {
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub node_selector: BTreeMap<String, String>,
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tolerations: Vec<Toleration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Affinity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamHardwareRequirements {
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "String::is_empty"
    )]
    pub gpu_type: String,
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "is_zero"
    )]
    pub gpu_count: i32,
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "is_false"
    )]
    pub tee_required: bool,
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "String::is_empty"
    )]
    pub tee_type: String,
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub custom_labels: BTreeMap<String, String>,
}

/// `PerformerStatus` of the upstream type. It has `conditions` and
/// `lastUpgrade` (so a status update keeps what someone else wrote there),
/// but no `observedGeneration`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamPerformerStatus {
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "String::is_empty"
    )]
    pub phase: String,
    /// `ready: false` is never written.
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "is_false"
    )]
    pub ready: bool,
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "String::is_empty"
    )]
    pub pod_name: String,
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "String::is_empty"
    )]
    pub service_name: String,
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "String::is_empty"
    )]
    pub grpc_endpoint: String,
    #[serde(
        default,
        deserialize_with = "null_as_zero",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub conditions: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_upgrade: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_time: Option<Time>,
}

// Served as `performers.hourglass.eigenlayer.io/v1alpha1`; its TypeMeta
// (`apiVersion`, `kind`) is written by the client on every request.
performer_resource!(UpstreamPerformer);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Decoding then encoding gives what Go gave (see testdata/README.md).
    fn assert_round_trips_like_go(input: &str, go_encoded: &str) {
        let performer: UpstreamPerformer = serde_json::from_str(input).unwrap();
        let ours = serde_json::to_value(&performer).unwrap();
        let go: Value = serde_json::from_str(go_encoded).unwrap();
        assert_eq!(
            ours,
            go,
            "ours:\n{}\nGo's:\n{}",
            serde_json::to_string_pretty(&ours).unwrap(),
            serde_json::to_string_pretty(&go).unwrap()
        );
    }

    #[test]
    fn every_field_round_trips_like_go() {
        assert_round_trips_like_go(
            include_str!("testdata/upstream_performer/full.input.json"),
            include_str!("testdata/upstream_performer/full.go-encoded.json"),
        );
    }

    #[test]
    fn empty_and_null_values_are_dropped_like_go() {
        assert_round_trips_like_go(
            include_str!("testdata/upstream_performer/sparse.input.json"),
            include_str!("testdata/upstream_performer/sparse.go-encoded.json"),
        );
    }

    #[test]
    fn struct_fields_are_never_omitted() {
        assert_round_trips_like_go(
            include_str!("testdata/upstream_performer/empty.input.json"),
            include_str!("testdata/upstream_performer/empty.go-encoded.json"),
        );
    }
}
