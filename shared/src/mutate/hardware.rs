//! GPU and TEE requirements turned into what the scheduler understands.
//!
//! Node-selector terms are OR-ed and the expressions inside a term AND-ed,
//! so a hardware expression must be added to every required term, or a pod
//! could land on a node that matches a term without it. Nothing the user
//! wrote is removed or overwritten; an expression already present is not
//! added twice, which makes the mutation idempotent.
//!
//! The GPU resource is the one the operator requests ([`workload::gpu_resource`]):
//! requesting another on top would make the pod need both.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, ResourceRequirements,
    Toleration,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use crate::hardware::HardwareProfile;
use crate::performer::{HardwareRequirements, PerformerSpec};
use crate::workload;

/// Adds GPU resources and toleration to `spec`, and the hardware's node
/// expressions to `node_affinity` (created when there is none).
pub(super) fn apply(
    spec: &mut PerformerSpec,
    node_affinity: &mut Option<NodeAffinity>,
    profile: &HardwareProfile,
) {
    let Some(hardware) = spec.hardware_requirements.clone() else {
        return;
    };
    let gpu_count = hardware.gpu_count.unwrap_or(0);
    if gpu_count > 0 {
        add_gpu_resources(
            spec.resources.get_or_insert_with(Default::default),
            &workload::gpu_resource(hardware.gpu_type.as_deref()),
            gpu_count,
        );
        let scheduling = spec.scheduling.get_or_insert_with(Default::default);
        add_gpu_toleration(scheduling.tolerations.get_or_insert_with(Vec::new), profile);
    }
    let expressions = required_expressions(&hardware, profile, gpu_count);
    if expressions.is_empty() {
        return;
    }
    add_required_expressions(
        node_affinity.get_or_insert_with(Default::default),
        &expressions,
    );
}

/// The node-label expressions every node running this performer must match.
fn required_expressions(
    hardware: &HardwareRequirements,
    profile: &HardwareProfile,
    gpu_count: i32,
) -> Vec<NodeSelectorRequirement> {
    let mut expressions = Vec::new();
    if gpu_count > 0
        && let Some(gpu_type) = hardware.gpu_type.as_deref().filter(|t| !t.is_empty())
    {
        expressions.push(label_in(&profile.gpu_type_label, gpu_type));
    }
    if hardware.tee_required == Some(true)
        && let Some(label) = hardware
            .tee_type
            .as_deref()
            .and_then(|t| profile.tee_label(t))
    {
        expressions.push(label_in(&label.key, &label.value));
    }
    for (key, value) in hardware.custom_labels.iter().flatten() {
        expressions.push(label_in(key, value));
    }
    expressions
}

fn label_in(key: &str, value: &str) -> NodeSelectorRequirement {
    NodeSelectorRequirement {
        key: key.to_string(),
        operator: "In".to_string(),
        values: Some(vec![value.to_string()]),
    }
}

fn add_required_expressions(affinity: &mut NodeAffinity, expressions: &[NodeSelectorRequirement]) {
    let required = affinity
        .required_during_scheduling_ignored_during_execution
        .get_or_insert_with(|| NodeSelector {
            node_selector_terms: Vec::new(),
        });
    if required.node_selector_terms.is_empty() {
        required
            .node_selector_terms
            .push(NodeSelectorTerm::default());
    }
    for term in &mut required.node_selector_terms {
        let term_expressions = term.match_expressions.get_or_insert_with(Vec::new);
        for expression in expressions {
            if !term_expressions.contains(expression) {
                term_expressions.push(expression.clone());
            }
        }
    }
}

/// Adds the GPU count to requests and limits where the user did not set it.
/// Kubernetes requires an extended resource's request and limit to be equal,
/// so a value the user gave on one side is mirrored to the other.
fn add_gpu_resources(resources: &mut ResourceRequirements, name: &str, gpu_count: i32) {
    let user_value = [&resources.requests, &resources.limits]
        .into_iter()
        .find_map(|map| map.as_ref().and_then(|m| m.get(name)).cloned());
    let value = user_value.unwrap_or_else(|| Quantity(gpu_count.to_string()));
    for map in [&mut resources.requests, &mut resources.limits] {
        map.get_or_insert_with(BTreeMap::new)
            .entry(name.to_string())
            .or_insert_with(|| value.clone());
    }
}

fn add_gpu_toleration(tolerations: &mut Vec<Toleration>, profile: &HardwareProfile) {
    let key = &profile.gpu_toleration_key;
    let already_tolerated = tolerations.iter().any(|t| {
        let effect_covers = matches!(t.effect.as_deref(), None | Some("") | Some("NoSchedule"));
        let key_covers = t.key.as_deref() == Some(key.as_str())
            || (t.key.as_deref().is_none_or(str::is_empty)
                && t.operator.as_deref() == Some("Exists"));
        key_covers && effect_covers
    });
    if !already_tolerated {
        tolerations.push(Toleration {
            key: Some(key.clone()),
            operator: Some("Exists".to_string()),
            effect: Some("NoSchedule".to_string()),
            ..Default::default()
        });
    }
}
