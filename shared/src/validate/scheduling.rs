//! Scheduling rules. The apiserver does not look inside these embedded core
//! types, and a mistake would only show when the operator creates the pod,
//! far from the user who made it; so we check what the pod would fail on,
//! as the apiserver checks a Pod's nodeSelector, affinity and tolerations.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Toleration;

use crate::formats::labels::{label_key_problem, label_value_problem};
use crate::formats::names;
use crate::scheduling::SchedulingConfig;
use crate::violation::{FieldPath, Verdict};

use super::affinity::{check_affinity, check_node_affinity};

pub(super) fn check_scheduling(
    verdict: &mut Verdict,
    path: &FieldPath,
    scheduling: &SchedulingConfig,
) {
    if let Some(selector) = &scheduling.node_selector {
        check_node_selector(verdict, &path.child("nodeSelector"), selector);
    }
    if let Some(affinity) = &scheduling.node_affinity {
        check_node_affinity(verdict, &path.child("nodeAffinity"), affinity);
    }
    if let Some(affinity) = &scheduling.affinity {
        check_affinity(verdict, &path.child("affinity"), affinity);
    }
    if let Some(tolerations) = &scheduling.tolerations {
        check_tolerations(verdict, &path.child("tolerations"), tolerations);
    }
    if let Some(class) = &scheduling.runtime_class
        && let Some(problem) = names::object_name_problem(class)
    {
        verdict.violation(path.child("runtimeClass"), problem);
    }
    if let Some(class) = &scheduling.priority_class_name {
        let class_path = path.child("priorityClassName");
        match names::object_name_problem(class) {
            Some(problem) => verdict.violation(class_path, problem),
            // Upstream's type has the field, its pod builder never reads it.
            None => verdict.warning(
                class_path,
                "the Hourglass operator does not copy it to the pod, so it has no effect",
            ),
        }
    }
}

/// Every entry is a node label: a valid key and a valid value.
pub(super) fn check_node_selector(
    verdict: &mut Verdict,
    path: &FieldPath,
    selector: &BTreeMap<String, String>,
) {
    for (key, value) in selector {
        let item = path.key(key);
        if let Some(problem) = label_key_problem(key) {
            verdict.violation(item, problem);
        }
        if let Some(problem) = label_value_problem(value) {
            verdict.violation(item, problem);
        }
    }
}

pub(super) fn check_tolerations(
    verdict: &mut Verdict,
    path: &FieldPath,
    tolerations: &[Toleration],
) {
    for (i, toleration) in tolerations.iter().enumerate() {
        check_toleration(verdict, &path.index(i), toleration);
    }
}

fn check_toleration(verdict: &mut Verdict, path: &FieldPath, toleration: &Toleration) {
    let key = toleration.key.as_deref().unwrap_or_default();
    if let Some(problem) = (!key.is_empty()).then(|| label_key_problem(key)).flatten() {
        verdict.violation(path.child("key"), problem);
    }
    let operator = toleration.operator.as_deref().unwrap_or("Equal");
    let value = toleration.value.as_deref().unwrap_or_default();
    match operator {
        "Exists" if !value.is_empty() => {
            verdict.violation(path.child("value"), "must be empty with operator Exists");
        }
        "Equal" | "" if key.is_empty() => {
            verdict.violation(
                path.child("key"),
                "is required with operator Equal (use Exists to tolerate every taint)",
            );
        }
        "Equal" | "" => {
            if let Some(problem) = label_value_problem(value) {
                verdict.violation(path.child("value"), problem);
            }
        }
        "Exists" => {}
        other => verdict.violation(
            path.child("operator"),
            format!("{other:?} is not supported; expected Exists or Equal"),
        ),
    }
    let effect = toleration.effect.as_deref().unwrap_or_default();
    if !matches!(effect, "" | "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
        verdict.violation(
            path.child("effect"),
            format!(
                "{effect:?} is not supported; expected NoSchedule, PreferNoSchedule or NoExecute"
            ),
        );
    } else if toleration.toleration_seconds.is_some() && effect != "NoExecute" {
        verdict.violation(
            path.child("tolerationSeconds"),
            "only applies to effect NoExecute; set effect: NoExecute or remove tolerationSeconds",
        );
    }
}
