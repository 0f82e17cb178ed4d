//! The hardware profile: which node labels and taints stand for GPUs and
//! trusted execution environments in a cluster. The defaults follow
//! NVIDIA's device plugin and node-feature-discovery; a cluster with other
//! conventions gives the webhook a profile file.
//!
//! The GPU *resource* is not in the profile: the Hourglass operator always
//! requests `nvidia.com/gpu`, or `nvidia.com/<gpuType>` when a type is set
//! ([`crate::workload::gpu_resource`]), whatever we write, so naming another
//! here would only make pods request two resources.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct HardwareProfile {
    /// Taint key carried by GPU nodes, tolerated by GPU performers.
    pub gpu_toleration_key: String,
    /// Node label whose value is the GPU type (the spec's own example uses `accelerator`).
    pub gpu_type_label: String,
    pub tee_labels: TeeLabels,
}

/// The node label that marks each TEE technology.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct TeeLabels {
    pub sgx: NodeLabel,
    pub sev: NodeLabel,
    pub tdx: NodeLabel,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeLabel {
    pub key: String,
    pub value: String,
}

impl NodeLabel {
    fn new(key: &str, value: &str) -> Self {
        NodeLabel {
            key: key.to_string(),
            value: value.to_string(),
        }
    }
}

impl Default for HardwareProfile {
    fn default() -> Self {
        HardwareProfile {
            gpu_toleration_key: "nvidia.com/gpu".to_string(),
            gpu_type_label: "accelerator".to_string(),
            tee_labels: TeeLabels::default(),
        }
    }
}

impl Default for TeeLabels {
    fn default() -> Self {
        TeeLabels {
            sgx: NodeLabel::new("intel.feature.node.kubernetes.io/sgx", "true"),
            sev: NodeLabel::new("amd.feature.node.kubernetes.io/sev", "true"),
            tdx: NodeLabel::new("intel.feature.node.kubernetes.io/tdx", "true"),
        }
    }
}

impl HardwareProfile {
    /// Reads a profile from YAML or JSON text; fields left out keep their defaults.
    pub fn from_yaml(text: &str) -> Result<Self, String> {
        if let Ok(serde_yaml_ng::Value::Mapping(map)) = serde_yaml_ng::from_str(text)
            && map.contains_key("gpuResource")
        {
            return Err(format!(
                "hardware profile: gpuResource is not a setting: the Hourglass operator requests {} per GPU, or {}<gpuType> when gpuType is set; remove the line",
                crate::workload::UNTYPED_GPU_RESOURCE,
                crate::workload::TYPED_GPU_RESOURCE_PREFIX
            ));
        }
        let profile: HardwareProfile =
            serde_yaml_ng::from_str(text).map_err(|e| format!("hardware profile: {e}"))?;
        profile.check()?;
        Ok(profile)
    }

    /// The node label for a TEE type, if the type is known.
    pub fn tee_label(&self, tee_type: &str) -> Option<&NodeLabel> {
        match tee_type {
            "sgx" => Some(&self.tee_labels.sgx),
            "sev" => Some(&self.tee_labels.sev),
            "tdx" => Some(&self.tee_labels.tdx),
            _ => None,
        }
    }

    fn check(&self) -> Result<(), String> {
        let keys = [
            ("gpuTolerationKey", self.gpu_toleration_key.as_str()),
            ("gpuTypeLabel", self.gpu_type_label.as_str()),
            ("teeLabels.sgx.key", self.tee_labels.sgx.key.as_str()),
            ("teeLabels.sev.key", self.tee_labels.sev.key.as_str()),
            ("teeLabels.tdx.key", self.tee_labels.tdx.key.as_str()),
        ];
        for (field, key) in keys {
            if key.trim().is_empty() {
                return Err(format!("hardware profile: {field} must not be empty"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_profile_keeps_defaults() {
        let profile = HardwareProfile::from_yaml("gpuTypeLabel: nvidia.com/gpu.product\n").unwrap();
        assert_eq!(profile.gpu_type_label, "nvidia.com/gpu.product");
        assert_eq!(profile.gpu_toleration_key, "nvidia.com/gpu");
        assert_eq!(
            profile.tee_labels.sgx.key,
            "intel.feature.node.kubernetes.io/sgx"
        );
    }

    #[test]
    fn unknown_or_empty_fields_are_errors() {
        assert!(
            HardwareProfile::from_yaml("gpuLabel: x\n")
                .unwrap_err()
                .contains("gpuLabel")
        );
        assert!(
            HardwareProfile::from_yaml("gpuTypeLabel: ''\n")
                .unwrap_err()
                .contains("gpuTypeLabel")
        );
        assert!(
            HardwareProfile::from_yaml("gpuResource: example.com/gpu\n")
                .unwrap_err()
                .contains("requests nvidia.com/gpu per GPU")
        );
    }
}
