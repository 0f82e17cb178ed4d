//! Scheduling rules. The apiserver does not look inside these embedded core
//! types, and a mistake would only show when the operator creates the pod,
//! far from the user who made it; so we check what the pod would fail on.

use k8s_openapi::api::core::v1::{NodeSelectorRequirement, NodeSelectorTerm, Toleration};

use crate::formats::names;
use crate::scheduling::SchedulingConfig;
use crate::violation::{FieldPath, Verdict};

pub(super) fn check_scheduling(
    verdict: &mut Verdict,
    path: &FieldPath,
    scheduling: &SchedulingConfig,
) {
    if let Some(affinity) = &scheduling.node_affinity {
        let affinity_path = path.child("nodeAffinity");
        if let Some(required) = &affinity.required_during_scheduling_ignored_during_execution {
            let terms_path = affinity_path
                .child("requiredDuringSchedulingIgnoredDuringExecution")
                .child("nodeSelectorTerms");
            for (i, term) in required.node_selector_terms.iter().enumerate() {
                check_term(verdict, &terms_path.index(i), term);
            }
        }
        let preferred = affinity
            .preferred_during_scheduling_ignored_during_execution
            .iter()
            .flatten();
        for (i, preference) in preferred.enumerate() {
            let item = affinity_path
                .child("preferredDuringSchedulingIgnoredDuringExecution")
                .index(i);
            if !(1..=100).contains(&preference.weight) {
                verdict.violation(
                    item.child("weight").as_str(),
                    format!("{} is out of range; expected 1-100", preference.weight),
                );
            }
            check_term(verdict, &item.child("preference"), &preference.preference);
        }
    }
    for (i, toleration) in scheduling.tolerations.iter().flatten().enumerate() {
        check_toleration(verdict, &path.child("tolerations").index(i), toleration);
    }
    if let Some(class) = &scheduling.runtime_class
        && let Some(problem) = names::object_name_problem(class)
    {
        verdict.violation(path.child("runtimeClass").as_str(), problem);
    }
    if let Some(class) = &scheduling.priority_class_name
        && let Some(problem) = names::object_name_problem(class)
    {
        verdict.violation(path.child("priorityClassName").as_str(), problem);
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
        check_requirement(verdict, &path.child("matchFields").index(i), requirement);
    }
}

fn check_requirement(
    verdict: &mut Verdict,
    path: &FieldPath,
    requirement: &NodeSelectorRequirement,
) {
    if requirement.key.is_empty() {
        verdict.violation(
            path.child("key").as_str(),
            "is required: the node label key to match",
        );
    }
    let values = requirement.values.as_deref().unwrap_or_default();
    let values_path = path.child("values");
    match requirement.operator.as_str() {
        "In" | "NotIn" if values.is_empty() => {
            verdict.violation(
                values_path.as_str(),
                format!("must not be empty with operator {}", requirement.operator),
            );
        }
        "Exists" | "DoesNotExist" if !values.is_empty() => {
            verdict.violation(
                values_path.as_str(),
                format!("must be empty with operator {}", requirement.operator),
            );
        }
        "Gt" | "Lt" if values.len() != 1 || values[0].parse::<i64>().is_err() => {
            verdict.violation(
                values_path.as_str(),
                format!(
                    "must be a single integer with operator {}",
                    requirement.operator
                ),
            );
        }
        "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt" => {}
        other => verdict.violation(
            path.child("operator").as_str(),
            format!(
                "{other:?} is not supported; expected In, NotIn, Exists, DoesNotExist, Gt or Lt"
            ),
        ),
    }
}

fn check_toleration(verdict: &mut Verdict, path: &FieldPath, toleration: &Toleration) {
    let operator = toleration.operator.as_deref().unwrap_or("Equal");
    match operator {
        "Exists" if toleration.value.as_deref().is_some_and(|v| !v.is_empty()) => {
            verdict.violation(
                path.child("value").as_str(),
                "must be empty with operator Exists",
            );
        }
        "Equal" if toleration.key.as_deref().unwrap_or_default().is_empty() => {
            verdict.violation(
                path.child("key").as_str(),
                "is required with operator Equal (use Exists to tolerate every taint)",
            );
        }
        "Exists" | "Equal" => {}
        other => verdict.violation(
            path.child("operator").as_str(),
            format!("{other:?} is not supported; expected Exists or Equal"),
        ),
    }
    if let Some(effect) = toleration.effect.as_deref()
        && !matches!(effect, "" | "NoSchedule" | "PreferNoSchedule" | "NoExecute")
    {
        verdict.violation(
            path.child("effect").as_str(),
            format!(
                "{effect:?} is not supported; expected NoSchedule, PreferNoSchedule or NoExecute"
            ),
        );
    }
}
