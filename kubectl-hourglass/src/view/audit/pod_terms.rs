//! What the performer's pod lacks of the scheduling the (mutated) spec
//! asks for. The operator copies scheduling into the pod only when it
//! creates one, so a pod made before the webhook (or before a profile
//! change) can run without the GPU toleration, the GPU resource or the
//! hardware's node affinity that the spec now carries: the node it runs on
//! was never checked for them.

use k8s_openapi::api::core::v1::{NodeSelectorRequirement, Pod, Toleration};

use hourglass_shared::Performer;
use hourglass_shared::workload::{CONTAINER_NAME, TYPED_GPU_RESOURCE_PREFIX};

/// One line per toleration, GPU resource and required node-affinity
/// expression of `mutated` that `pod` does not carry.
pub fn missing_on_pod(mutated: &Performer, pod: &Pod) -> Vec<String> {
    let mut missing = Vec::new();
    let Some(pod_spec) = &pod.spec else {
        return missing;
    };
    let spec = &mutated.spec;
    let scheduling = spec.scheduling.as_ref();
    let pod_tolerations = pod_spec.tolerations.as_deref().unwrap_or_default();
    for toleration in scheduling
        .and_then(|s| s.tolerations.as_deref())
        .unwrap_or_default()
    {
        if !pod_tolerations
            .iter()
            .any(|t| same_toleration(t, toleration))
        {
            missing.push(format!("toleration {}", describe_toleration(toleration)));
        }
    }
    let container = pod_spec
        .containers
        .iter()
        .find(|c| c.name == CONTAINER_NAME)
        .or_else(|| pod_spec.containers.first());
    let pod_limits = container
        .and_then(|c| c.resources.as_ref())
        .and_then(|r| r.limits.as_ref());
    let wanted_limits = spec.resources.as_ref().and_then(|r| r.limits.as_ref());
    for (resource, quantity) in wanted_limits.into_iter().flatten() {
        // Only what hardware adds: CPU and memory are the user's business.
        if !resource.starts_with(TYPED_GPU_RESOURCE_PREFIX) {
            continue;
        }
        if pod_limits.and_then(|l| l.get(resource)) != Some(quantity) {
            missing.push(format!("resource limit {resource}: {}", quantity.0));
        }
    }
    let pod_terms = pod_spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|n| {
            n.required_during_scheduling_ignored_during_execution
                .as_ref()
        })
        .map(|r| r.node_selector_terms.as_slice())
        .unwrap_or_default();
    let wanted_terms = scheduling
        .and_then(|s| s.affinity.as_ref())
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|n| {
            n.required_during_scheduling_ignored_during_execution
                .as_ref()
        })
        .map(|r| r.node_selector_terms.as_slice())
        .unwrap_or_default();
    let mut reported: Vec<&NodeSelectorRequirement> = Vec::new();
    for term in wanted_terms {
        for expression in term.match_expressions.iter().flatten() {
            // Terms are OR-ed: the pod is held to an expression only if
            // every one of its terms carries it.
            let held = !pod_terms.is_empty()
                && pod_terms.iter().all(|t| {
                    t.match_expressions
                        .iter()
                        .flatten()
                        .any(|e| e == expression)
                });
            if !held && !reported.contains(&expression) {
                reported.push(expression);
                missing.push(format!(
                    "required node affinity {}",
                    describe_expression(expression)
                ));
            }
        }
    }
    missing
}

fn describe_expression(e: &NodeSelectorRequirement) -> String {
    match e.values.as_deref() {
        Some(values) if !values.is_empty() => {
            format!("{} {} [{}]", e.key, e.operator, values.join(","))
        }
        _ => format!("{} {}", e.key, e.operator),
    }
}

fn same_toleration(a: &Toleration, b: &Toleration) -> bool {
    let operator = |t: &Toleration| t.operator.clone().unwrap_or_else(|| "Equal".to_string());
    a.key == b.key && operator(a) == operator(b) && a.value == b.value && a.effect == b.effect
}

fn describe_toleration(t: &Toleration) -> String {
    let mut text = t.key.clone().unwrap_or_default();
    if let Some(operator) = &t.operator {
        text.push_str(&format!(" {operator}"));
    }
    if let Some(value) = &t.value {
        text.push_str(&format!(" {value}"));
    }
    if let Some(effect) = &t.effect {
        text.push_str(&format!(" ({effect})"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn gpu_performer() -> Performer {
        serde_json::from_value(json!({
            "apiVersion": "hourglass.eigenlayer.io/v1alpha1", "kind": "Performer",
            "metadata": {"name": "gpu", "namespace": "ns"},
            "spec": {
                "avsAddress": "0x1234567890abcdef1234567890abcdef12345678",
                "image": "avs:v1",
                "resources": {"limits": {"nvidia.com/gpu": "1", "cpu": "2"}},
                "scheduling": {
                    "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
                    "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [{"matchExpressions": [{"key": "accelerator", "operator": "Exists"}]}]
                    }}}
                }
            }
        }))
        .unwrap()
    }

    fn pod(spec: serde_json::Value) -> Pod {
        serde_json::from_value(json!({"metadata": {"name": "performer-gpu"}, "spec": spec}))
            .unwrap()
    }

    #[test]
    fn a_bare_pod_lacks_every_hardware_term_but_not_cpu() {
        let missing = missing_on_pod(
            &gpu_performer(),
            &pod(json!({"containers": [{"name": "performer", "image": "avs:v1"}]})),
        );
        assert_eq!(
            missing,
            [
                "toleration nvidia.com/gpu Exists (NoSchedule)",
                "resource limit nvidia.com/gpu: 1",
                "required node affinity accelerator Exists",
            ]
        );
    }

    #[test]
    fn a_pod_made_from_the_mutated_spec_lacks_nothing() {
        let missing = missing_on_pod(
            &gpu_performer(),
            &pod(json!({
                "containers": [{"name": "performer", "image": "avs:v1",
                                "resources": {"limits": {"nvidia.com/gpu": "1"}}}],
                "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
                "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": [
                        {"key": "zone", "operator": "In", "values": ["a"]},
                        {"key": "accelerator", "operator": "Exists"}
                    ]}]
                }}}
            })),
        );
        assert_eq!(missing, Vec::<String>::new());
    }

    #[test]
    fn an_expression_missing_from_one_of_the_pods_terms_is_missing() {
        let missing = missing_on_pod(
            &gpu_performer(),
            &pod(json!({
                "containers": [{"name": "performer", "resources": {"limits": {"nvidia.com/gpu": "1"}}}],
                "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
                "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {"matchExpressions": [{"key": "accelerator", "operator": "Exists"}]},
                        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["b"]}]}
                    ]
                }}}
            })),
        );
        assert_eq!(missing, ["required node affinity accelerator Exists"]);
    }
}
