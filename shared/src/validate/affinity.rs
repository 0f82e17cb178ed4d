//! Node and pod affinity, checked the way the apiserver checks a Pod's
//! `spec.affinity` (pkg/apis/core/validation): the operator copies these
//! into the pod it creates, so a mistake the apiserver would refuse there
//! must be refused here, where the user who made it sees it.

use k8s_openapi::api::core::v1::{
    Affinity, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, PodAffinity,
    PodAffinityTerm, PodAntiAffinity, WeightedPodAffinityTerm,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};

use crate::formats::labels::{label_key_problem, label_value_problem};
use crate::formats::names;
use crate::violation::{FieldPath, Verdict};

/// The only field a node field selector may match on.
const NODE_FIELD: &str = "metadata.name";

pub(super) fn check_affinity(verdict: &mut Verdict, path: &FieldPath, affinity: &Affinity) {
    if let Some(node) = &affinity.node_affinity {
        check_node_affinity(verdict, &path.child("nodeAffinity"), node);
    }
    if let Some(pod) = &affinity.pod_affinity {
        check_pod_affinity(verdict, &path.child("podAffinity"), pod);
    }
    if let Some(anti) = &affinity.pod_anti_affinity {
        check_pod_anti_affinity(verdict, &path.child("podAntiAffinity"), anti);
    }
}

pub(super) fn check_node_affinity(
    verdict: &mut Verdict,
    path: &FieldPath,
    affinity: &NodeAffinity,
) {
    if let Some(required) = &affinity.required_during_scheduling_ignored_during_execution {
        check_node_selector(
            verdict,
            &path.child("requiredDuringSchedulingIgnoredDuringExecution"),
            required,
        );
    }
    let preferred = affinity
        .preferred_during_scheduling_ignored_during_execution
        .iter()
        .flatten();
    let preferred_path = path.child("preferredDuringSchedulingIgnoredDuringExecution");
    for (i, preference) in preferred.enumerate() {
        let item = preferred_path.index(i);
        check_weight(verdict, &item, preference.weight);
        check_term(verdict, &item.child("preference"), &preference.preference);
    }
}

fn check_node_selector(verdict: &mut Verdict, path: &FieldPath, selector: &NodeSelector) {
    let terms_path = path.child("nodeSelectorTerms");
    if selector.node_selector_terms.is_empty() {
        verdict.violation(
            terms_path,
            "must have at least one node selector term (or leave requiredDuringSchedulingIgnoredDuringExecution out)",
        );
    }
    for (i, term) in selector.node_selector_terms.iter().enumerate() {
        check_term(verdict, &terms_path.index(i), term);
    }
}

fn check_term(verdict: &mut Verdict, path: &FieldPath, term: &NodeSelectorTerm) {
    for (i, requirement) in term.match_expressions.iter().flatten().enumerate() {
        check_requirement(
            verdict,
            &path.child("matchExpressions").index(i),
            requirement,
        );
    }
    for (i, requirement) in term.match_fields.iter().flatten().enumerate() {
        check_field_requirement(verdict, &path.child("matchFields").index(i), requirement);
    }
}

fn check_requirement(
    verdict: &mut Verdict,
    path: &FieldPath,
    requirement: &NodeSelectorRequirement,
) {
    check_label_key(
        verdict,
        &path.child("key"),
        &requirement.key,
        "the node label key to match",
    );
    check_operator_values(
        verdict,
        path,
        &requirement.operator,
        requirement.values.as_deref().unwrap_or_default(),
        NODE_OPERATORS,
    );
}

/// `matchFields`: only `metadata.name`, with In or NotIn and one node name.
fn check_field_requirement(
    verdict: &mut Verdict,
    path: &FieldPath,
    requirement: &NodeSelectorRequirement,
) {
    if requirement.key != NODE_FIELD {
        verdict.violation(
            path.child("key"),
            format!(
                "{:?} is not supported; a node field selector can only match {NODE_FIELD}",
                requirement.key
            ),
        );
    }
    let values = requirement.values.as_deref().unwrap_or_default();
    match requirement.operator.as_str() {
        "In" | "NotIn" if values.len() != 1 => verdict.violation(
            path.child("values"),
            format!(
                "must hold exactly one node name with operator {}",
                requirement.operator
            ),
        ),
        "In" | "NotIn" => {
            if let Some(problem) = names::object_name_problem(&values[0]) {
                verdict.violation(path.child("values").index(0), problem);
            }
        }
        other => verdict.violation(
            path.child("operator"),
            format!("{other:?} is not supported for a node field selector; expected In or NotIn"),
        ),
    }
}

fn check_pod_affinity(verdict: &mut Verdict, path: &FieldPath, affinity: &PodAffinity) {
    check_pod_terms(
        verdict,
        path,
        affinity
            .required_during_scheduling_ignored_during_execution
            .as_deref(),
        affinity
            .preferred_during_scheduling_ignored_during_execution
            .as_deref(),
    );
}

fn check_pod_anti_affinity(verdict: &mut Verdict, path: &FieldPath, affinity: &PodAntiAffinity) {
    check_pod_terms(
        verdict,
        path,
        affinity
            .required_during_scheduling_ignored_during_execution
            .as_deref(),
        affinity
            .preferred_during_scheduling_ignored_during_execution
            .as_deref(),
    );
}

fn check_pod_terms(
    verdict: &mut Verdict,
    path: &FieldPath,
    required: Option<&[PodAffinityTerm]>,
    preferred: Option<&[WeightedPodAffinityTerm]>,
) {
    let required_path = path.child("requiredDuringSchedulingIgnoredDuringExecution");
    for (i, term) in required.into_iter().flatten().enumerate() {
        check_pod_term(verdict, &required_path.index(i), term);
    }
    let preferred_path = path.child("preferredDuringSchedulingIgnoredDuringExecution");
    for (i, weighted) in preferred.into_iter().flatten().enumerate() {
        let item = preferred_path.index(i);
        check_weight(verdict, &item, weighted.weight);
        check_pod_term(
            verdict,
            &item.child("podAffinityTerm"),
            &weighted.pod_affinity_term,
        );
    }
}

fn check_pod_term(verdict: &mut Verdict, path: &FieldPath, term: &PodAffinityTerm) {
    if let Some(selector) = &term.label_selector {
        check_label_selector(verdict, &path.child("labelSelector"), selector);
    }
    if let Some(selector) = &term.namespace_selector {
        check_label_selector(verdict, &path.child("namespaceSelector"), selector);
    }
    for (i, namespace) in term.namespaces.iter().flatten().enumerate() {
        if let Some(problem) = names::namespace_problem(namespace) {
            verdict.violation(path.child("namespaces").index(i), problem);
        }
    }
    check_label_key(
        verdict,
        &path.child("topologyKey"),
        &term.topology_key,
        "a node label key such as kubernetes.io/hostname or topology.kubernetes.io/zone",
    );
    check_match_label_keys(verdict, path, term);
}

/// `matchLabelKeys` and `mismatchLabelKeys` name label keys of the incoming
/// pod; each needs a `labelSelector` to join, and a key may not be in both.
fn check_match_label_keys(verdict: &mut Verdict, path: &FieldPath, term: &PodAffinityTerm) {
    let lists = [
        ("matchLabelKeys", term.match_label_keys.as_deref()),
        ("mismatchLabelKeys", term.mismatch_label_keys.as_deref()),
    ];
    for (field, keys) in lists {
        let keys = keys.unwrap_or_default();
        if !keys.is_empty() && term.label_selector.is_none() {
            verdict.violation(
                path.child(field),
                "must be empty when labelSelector is not set",
            );
        }
        for (i, key) in keys.iter().enumerate() {
            if let Some(problem) = label_key_problem(key) {
                verdict.violation(path.child(field).index(i), problem);
            }
        }
    }
    let mismatch = term.mismatch_label_keys.as_deref().unwrap_or_default();
    for (i, key) in term.match_label_keys.iter().flatten().enumerate() {
        if mismatch.contains(key) {
            verdict.violation(
                path.child("matchLabelKeys").index(i),
                format!("{key:?} is also in mismatchLabelKeys; a key can be in only one of them"),
            );
        }
    }
}

fn check_label_selector(verdict: &mut Verdict, path: &FieldPath, selector: &LabelSelector) {
    let labels_path = path.child("matchLabels");
    for (key, value) in selector.match_labels.iter().flatten() {
        let item = labels_path.key(key);
        if let Some(problem) = label_key_problem(key) {
            verdict.violation(item, problem);
        }
        if let Some(problem) = label_value_problem(value) {
            verdict.violation(item, problem);
        }
    }
    for (i, requirement) in selector.match_expressions.iter().flatten().enumerate() {
        check_selector_requirement(
            verdict,
            &path.child("matchExpressions").index(i),
            requirement,
        );
    }
}

fn check_selector_requirement(
    verdict: &mut Verdict,
    path: &FieldPath,
    requirement: &LabelSelectorRequirement,
) {
    check_label_key(
        verdict,
        &path.child("key"),
        &requirement.key,
        "the pod label key to match",
    );
    check_operator_values(
        verdict,
        path,
        &requirement.operator,
        requirement.values.as_deref().unwrap_or_default(),
        LABEL_OPERATORS,
    );
}

/// The operators of a label selector's requirement, and of a node
/// selector's, which adds the numeric comparisons.
const LABEL_OPERATORS: &[&str] = &["In", "NotIn", "Exists", "DoesNotExist"];
const NODE_OPERATORS: &[&str] = &["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"];

/// The values each operator takes: some for In and NotIn, none for Exists
/// and DoesNotExist, one integer for Gt and Lt; each a label value.
fn check_operator_values(
    verdict: &mut Verdict,
    path: &FieldPath,
    operator: &str,
    values: &[String],
    allowed: &[&str],
) {
    let values_path = path.child("values");
    if !allowed.contains(&operator) {
        let (last, rest) = allowed.split_last().unwrap_or((&"", &[]));
        verdict.violation(
            path.child("operator"),
            format!(
                "{operator:?} is not supported; expected {} or {last}",
                rest.join(", ")
            ),
        );
        return;
    }
    match operator {
        "In" | "NotIn" if values.is_empty() => verdict.violation(
            values_path,
            format!("must not be empty with operator {operator}"),
        ),
        "Exists" | "DoesNotExist" if !values.is_empty() => verdict.violation(
            values_path,
            format!("must be empty with operator {operator}"),
        ),
        "Gt" | "Lt" if values.len() != 1 || values[0].parse::<i64>().is_err() => verdict.violation(
            values_path,
            format!("must be a single integer with operator {operator}"),
        ),
        _ => check_label_values(verdict, &values_path, values),
    }
}

fn check_weight(verdict: &mut Verdict, item: &FieldPath, weight: i32) {
    if !(1..=100).contains(&weight) {
        verdict.violation(
            item.child("weight"),
            format!("{weight} is out of range; expected 1-100"),
        );
    }
}

fn check_label_key(verdict: &mut Verdict, path: &FieldPath, key: &str, what: &str) {
    if key.is_empty() {
        verdict.violation(path, format!("is required: {what}"));
    } else if let Some(problem) = label_key_problem(key) {
        verdict.violation(path, problem);
    }
}

fn check_label_values(verdict: &mut Verdict, path: &FieldPath, values: &[String]) {
    for (i, value) in values.iter().enumerate() {
        if let Some(problem) = label_value_problem(value) {
            verdict.violation(path.index(i), problem);
        }
    }
}
