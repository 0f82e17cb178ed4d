//! Scheduling constraints shared by performers and an executor's defaults.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Affinity, NodeAffinity, Toleration};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `SchedulingConfig` of the API reference, plus `affinity` and
/// `priorityClassName`, which the upstream operator already accepts.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchedulingConfig {
    /// Basic node selection labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Advanced node affinity rules. Hardware requirements are merged in here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_affinity: Option<NodeAffinity>,
    /// Pod tolerations for tainted nodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerations: Option<Vec<Toleration>>,
    /// Container runtime class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_class: Option<String>,
    /// Full core affinity (upstream operator field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Affinity>,
    /// Pod priority class (upstream operator field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<String>,
}

impl SchedulingConfig {
    /// True when the user expressed no scheduling preference at all; only
    /// then does a performer inherit its executor's `defaultScheduling`.
    pub fn is_unset(scheduling: Option<&SchedulingConfig>) -> bool {
        scheduling.is_none_or(|s| s == &SchedulingConfig::default())
    }
}
