//! Where a performer's node affinity lives.
//!
//! Two operators read it from two places. The one that runs today
//! (hourglass-operator 11f1554) copies `scheduling.affinity` to the pod and
//! does not know `scheduling.nodeAffinity`; the one the API reference
//! documents (5f0df78) copied `scheduling.nodeAffinity` and did not know
//! `scheduling.affinity`. Each drops the field it does not know whenever it
//! updates a performer through its own type.
//!
//! So the truth is `scheduling.affinity.nodeAffinity`, where today's
//! operator reads it, and `scheduling.nodeAffinity` is kept equal to it as a
//! mirror for the documented contract. On every admission the truth is
//! worked out from what the request holds:
//!
//! - one copy missing: a narrower writer may have dropped it, so the other
//!   copy is the truth (to remove node affinity, remove both);
//! - both equal: that;
//! - both present and different: the copy this request changed, compared
//!   with the stored object; when both changed, or on create, both hold:
//!   every term of one is combined with every term of the other (AND).
//!
//! Then the hardware terms are added to the truth and both copies written.

use k8s_openapi::api::core::v1::{NodeAffinity, NodeSelector, NodeSelectorTerm};

use crate::scheduling::SchedulingConfig;

/// The node affinity a request means, from the new object's two copies
/// and, on update, the stored object's.
pub(super) fn truth(
    new: Option<&SchedulingConfig>,
    old: Option<&SchedulingConfig>,
) -> Option<NodeAffinity> {
    let (new_truth, new_mirror) = copies(new);
    match (new_truth, new_mirror) {
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (Some(truth), Some(mirror)) if truth == mirror => Some(truth.clone()),
        (Some(truth), Some(mirror)) => {
            let (old_truth, old_mirror) = copies(old);
            let truth_changed = old.is_none() || old_truth != Some(truth);
            let mirror_changed = old.is_none() || old_mirror != Some(mirror);
            Some(match (truth_changed, mirror_changed) {
                (true, false) => truth.clone(),
                (false, true) => mirror.clone(),
                _ => both(truth, mirror),
            })
        }
    }
}

/// Writes `affinity` to both places, keeping any pod (anti-)affinity.
pub(super) fn write_to_both(scheduling: &mut SchedulingConfig, affinity: NodeAffinity) {
    scheduling.node_affinity = Some(affinity.clone());
    scheduling
        .affinity
        .get_or_insert_with(Default::default)
        .node_affinity = Some(affinity);
}

fn copies(scheduling: Option<&SchedulingConfig>) -> (Option<&NodeAffinity>, Option<&NodeAffinity>) {
    let Some(scheduling) = scheduling else {
        return (None, None);
    };
    let truth = scheduling
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref());
    (truth, scheduling.node_affinity.as_ref())
}

/// Node affinity that holds where both `a` and `b` hold. Required terms
/// are OR-ed, so (a1 or a2) and (b1 or b2) is every pair of terms merged;
/// preferences add up.
pub(super) fn both(a: &NodeAffinity, b: &NodeAffinity) -> NodeAffinity {
    let required = match (
        &a.required_during_scheduling_ignored_during_execution,
        &b.required_during_scheduling_ignored_during_execution,
    ) {
        (Some(a), Some(b)) if !a.node_selector_terms.is_empty() => {
            if b.node_selector_terms.is_empty() {
                Some(a.clone())
            } else {
                Some(NodeSelector {
                    node_selector_terms: a
                        .node_selector_terms
                        .iter()
                        .flat_map(|x| b.node_selector_terms.iter().map(|y| merged_term(x, y)))
                        .collect(),
                })
            }
        }
        (Some(_), Some(b)) => Some(b.clone()),
        (one, other) => one.clone().or_else(|| other.clone()),
    };
    let mut preferred = a
        .preferred_during_scheduling_ignored_during_execution
        .clone()
        .unwrap_or_default();
    for preference in b
        .preferred_during_scheduling_ignored_during_execution
        .iter()
        .flatten()
    {
        if !preferred.contains(preference) {
            preferred.push(preference.clone());
        }
    }
    NodeAffinity {
        required_during_scheduling_ignored_during_execution: required,
        preferred_during_scheduling_ignored_during_execution: (!preferred.is_empty())
            .then_some(preferred),
    }
}

fn merged_term(a: &NodeSelectorTerm, b: &NodeSelectorTerm) -> NodeSelectorTerm {
    fn union<T: Clone + PartialEq>(a: &Option<Vec<T>>, b: &Option<Vec<T>>) -> Option<Vec<T>> {
        let mut out = a.clone().unwrap_or_default();
        for item in b.iter().flatten() {
            if !out.contains(item) {
                out.push(item.clone());
            }
        }
        (!out.is_empty()).then_some(out)
    }
    NodeSelectorTerm {
        match_expressions: union(&a.match_expressions, &b.match_expressions),
        match_fields: union(&a.match_fields, &b.match_fields),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{Affinity, NodeSelectorRequirement};

    fn required(terms: &[&[&str]]) -> NodeAffinity {
        NodeAffinity {
            required_during_scheduling_ignored_during_execution: Some(NodeSelector {
                node_selector_terms: terms
                    .iter()
                    .map(|keys| NodeSelectorTerm {
                        match_expressions: Some(
                            keys.iter()
                                .map(|key| NodeSelectorRequirement {
                                    key: key.to_string(),
                                    operator: "Exists".to_string(),
                                    values: None,
                                })
                                .collect(),
                        ),
                        match_fields: None,
                    })
                    .collect(),
            }),
            preferred_during_scheduling_ignored_during_execution: None,
        }
    }

    fn keys(affinity: &NodeAffinity) -> Vec<Vec<String>> {
        affinity
            .required_during_scheduling_ignored_during_execution
            .as_ref()
            .unwrap()
            .node_selector_terms
            .iter()
            .map(|t| {
                t.match_expressions
                    .iter()
                    .flatten()
                    .map(|e| e.key.clone())
                    .collect()
            })
            .collect()
    }

    fn scheduling(truth: Option<NodeAffinity>, mirror: Option<NodeAffinity>) -> SchedulingConfig {
        SchedulingConfig {
            affinity: truth.map(|node| Affinity {
                node_affinity: Some(node),
                ..Default::default()
            }),
            node_affinity: mirror,
            ..Default::default()
        }
    }

    #[test]
    fn both_means_every_pair_of_terms() {
        let combined = both(&required(&[&["a"], &["b"]]), &required(&[&["c"], &["d"]]));
        assert_eq!(
            keys(&combined),
            [["a", "c"], ["a", "d"], ["b", "c"], ["b", "d"]]
        );
    }

    #[test]
    fn a_missing_copy_is_taken_from_the_other() {
        let a = required(&[&["a"]]);
        let only_truth = scheduling(Some(a.clone()), None);
        let only_mirror = scheduling(None, Some(a.clone()));
        assert_eq!(truth(Some(&only_truth), None), Some(a.clone()));
        assert_eq!(truth(Some(&only_mirror), Some(&only_truth)), Some(a));
    }

    #[test]
    fn the_changed_copy_wins_and_both_hold_when_both_changed() {
        let stored = scheduling(Some(required(&[&["a"]])), Some(required(&[&["a"]])));
        let mirror_edited = scheduling(Some(required(&[&["a"]])), Some(required(&[&["b"]])));
        assert_eq!(
            keys(&truth(Some(&mirror_edited), Some(&stored)).unwrap()),
            [["b"]]
        );
        let truth_edited = scheduling(Some(required(&[&["c"]])), Some(required(&[&["a"]])));
        assert_eq!(
            keys(&truth(Some(&truth_edited), Some(&stored)).unwrap()),
            [["c"]]
        );
        let both_new = scheduling(Some(required(&[&["c"]])), Some(required(&[&["b"]])));
        assert_eq!(keys(&truth(Some(&both_new), None).unwrap()), [["c", "b"]]);
    }
}
