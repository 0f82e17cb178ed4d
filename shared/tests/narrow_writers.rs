//! Writers whose type lacks some of our fields: what they drop when they
//! update a performer comes back from the mirrors the mutation keeps.
//!
//! The upstream operator (hourglass-operator 11f1554) updates a performer
//! through a type without `executorRef` and `scheduling.nodeAffinity`; the
//! one the API reference documents (5f0df78) through a type without
//! `scheduling.affinity`, `imagePullPolicy` and a few more. The end-to-end
//! suites replay the first against a real apiserver; here the mutation
//! alone is checked for both.

mod common;

use common::*;
use hourglass_shared::mutate::MutationContext;
use hourglass_shared::{HardwareProfile, HourglassObject, Performer, review};
use serde_json::{Value, json};

fn mutate(new: &HourglassObject, old: Option<&HourglassObject>) -> HourglassObject {
    let profile = HardwareProfile::default();
    let context = MutationContext {
        profile: &profile,
        executor_scheduling: None,
    };
    review(new, old, &context).mutated
}

fn performer(object: &HourglassObject) -> &Performer {
    match object {
        HourglassObject::Performer(performer) => performer,
        HourglassObject::Executor(_) => panic!("not a performer"),
    }
}

/// The complex example as stored after our webhook.
fn stored() -> HourglassObject {
    mutate(&object(&value(COMPLEX_PERFORMER)), None)
}

fn without(object: &HourglassObject, pointers: &[&str]) -> HourglassObject {
    let mut value = object.to_value();
    for pointer in pointers {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        value
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .unwrap()
            .remove(key);
    }
    HourglassObject::from_value(&value).unwrap()
}

#[test]
fn the_executor_ref_is_labelled_and_comes_back_from_the_label() {
    let stored = stored();
    assert_eq!(
        performer(&stored).metadata.labels.as_ref().unwrap()["hourglass.eigenlayer.io/executor"],
        "main-executor"
    );
    let dropped = without(&stored, &["/spec/executorRef"]);
    assert_eq!(performer(&dropped).executor_name(), Some("main-executor"));
    let restored = mutate(&dropped, Some(&stored));
    assert_eq!(restored, stored);
}

#[test]
fn an_update_through_the_upstream_type_loses_nothing() {
    let stored = stored();
    let upstream_put = without(
        &stored,
        &["/spec/executorRef", "/spec/scheduling/nodeAffinity"],
    );
    assert_eq!(mutate(&upstream_put, Some(&stored)), stored);
}

#[test]
fn an_update_through_the_documented_type_loses_nothing() {
    let stored = stored();
    let documented_put = without(
        &stored,
        &["/spec/scheduling/affinity", "/spec/imagePullPolicy"],
    );
    assert_eq!(mutate(&documented_put, Some(&stored)), stored);
}

#[test]
fn an_edit_of_the_documented_field_is_taken_whole() {
    let stored = stored();
    let mut edited = stored.to_value();
    edited["spec"]["scheduling"]["nodeAffinity"] = json!({
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["arm64"]}]}
        ]}
    });
    let mutated = mutate(
        &HourglassObject::from_value(&edited).unwrap(),
        Some(&stored),
    )
    .to_value();
    let keys_and_values: Vec<(String, Value)> = mutated["spec"]["scheduling"]["affinity"]
        ["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]
        ["matchExpressions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["key"].as_str().unwrap().to_string(), e["values"].clone()))
        .collect();
    assert_eq!(
        keys_and_values,
        [
            ("kubernetes.io/arch".to_string(), json!(["arm64"])),
            ("accelerator".to_string(), json!(["nvidia-a100"])),
            (
                "intel.feature.node.kubernetes.io/sgx".to_string(),
                json!(["true"])
            ),
            ("intel.sgx.version".to_string(), json!(["2.0"])),
        ],
        "the user's new term, with the hardware terms added again"
    );
    assert_eq!(
        mutated["spec"]["scheduling"]["nodeAffinity"],
        mutated["spec"]["scheduling"]["affinity"]["nodeAffinity"]
    );
}

#[test]
fn a_generated_name_prefix_must_leave_room_for_the_service_name() {
    let mut v = value(MINIMAL_PERFORMER);
    v["metadata"] = json!({"generateName": "x".repeat(49)});
    let verdict = object(&v).validate(None);
    assert_eq!(verdict.violations.len(), 1, "{verdict:?}");
    assert_eq!(verdict.violations[0].path, "metadata.generateName");
    v["metadata"] = json!({"generateName": "avs-"});
    assert!(object(&v).validate(None).is_allowed());
}
