//! Defaults, hardware scheduling and the patch.

mod common;

use common::*;
use hourglass_shared::mutate::MutationContext;
use hourglass_shared::{HardwareProfile, HourglassObject, SchedulingConfig, patch, review};
use serde_json::{Value, json};

fn context(profile: &HardwareProfile) -> MutationContext<'_> {
    MutationContext {
        profile,
        executor_scheduling: None,
    }
}

fn mutated_value(object: &HourglassObject) -> Value {
    let profile = HardwareProfile::default();
    object.mutate(None, &context(&profile)).to_value()
}

/// Applies the outcome's patch to what the user sent, as the apiserver does.
fn apply_patch(raw: &Value, outcome: &hourglass_shared::ReviewOutcome) -> Value {
    let mut patched = raw.clone();
    json_patch::patch(&mut patched, &outcome.patch).expect("patch applies to the raw object");
    patched
}

#[test]
fn executor_defaults() {
    let mutated = mutated_value(&object(&value(MINIMAL_EXECUTOR)));
    assert_eq!(mutated["spec"]["replicas"], json!(1));
    assert_eq!(
        mutated["spec"]["config"]["performerMode"],
        json!("kubernetes")
    );
    assert_eq!(mutated["spec"]["config"]["logLevel"], json!("info"));
    assert_eq!(
        mutated["spec"]["config"]["kubernetes"]["namespace"],
        json!("default")
    );
}

#[test]
fn executor_defaults_do_not_overwrite_user_values() {
    let mut v = value(MINIMAL_EXECUTOR);
    set(&mut v, "/spec/replicas", json!(3));
    set(&mut v, "/spec/config/performerMode", json!("docker"));
    set(&mut v, "/spec/config/logLevel", json!("debug"));
    let mutated = mutated_value(&object(&v));
    assert_eq!(mutated["spec"]["replicas"], json!(3));
    assert_eq!(mutated["spec"]["config"]["performerMode"], json!("docker"));
    assert_eq!(mutated["spec"]["config"]["logLevel"], json!("debug"));
    assert_eq!(
        mutated["spec"]["config"].get("kubernetes"),
        None,
        "docker mode needs no namespace"
    );
}

#[test]
fn performer_defaults() {
    let mutated = mutated_value(&object(&value(MINIMAL_PERFORMER)));
    assert_eq!(mutated["spec"]["config"]["grpcPort"], json!(9090));
    assert_eq!(mutated["spec"]["imagePullPolicy"], json!("IfNotPresent"));
    assert_eq!(
        mutated["spec"].get("scheduling"),
        None,
        "no hardware, no scheduling"
    );
}

#[test]
fn complex_performer_gets_gpu_tee_and_custom_label_scheduling() {
    let mutated = mutated_value(&object(&value(COMPLEX_PERFORMER)));
    let spec = &mutated["spec"];
    assert_eq!(
        spec["resources"],
        json!({
            "requests": {"cpu": "2", "memory": "4Gi", "nvidia.com/nvidia-a100": "2"},
            "limits": {"cpu": "8", "memory": "16Gi", "nvidia.com/nvidia-a100": "2"},
        })
    );
    assert_eq!(
        spec["scheduling"]["tolerations"],
        json!([
            {"key": "dedicated", "operator": "Equal", "value": "avs-workloads", "effect": "NoSchedule"},
            {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
        ])
    );
    let node_affinity = json!({
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{
                    "matchExpressions": [
                        {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]},
                        {"key": "accelerator", "operator": "In", "values": ["nvidia-a100"]},
                        {"key": "intel.feature.node.kubernetes.io/sgx", "operator": "In", "values": ["true"]},
                        {"key": "intel.sgx.version", "operator": "In", "values": ["2.0"]},
                    ]
                }]
            }
    });
    // Where today's operator reads it, and mirrored where the documented one did.
    assert_eq!(
        spec["scheduling"]["affinity"],
        json!({"nodeAffinity": node_affinity})
    );
    assert_eq!(spec["scheduling"]["nodeAffinity"], node_affinity);
    // What the user wrote elsewhere is untouched.
    assert_eq!(spec["scheduling"]["runtimeClass"], json!("gvisor"));
    assert_eq!(
        spec["scheduling"]["nodeSelector"],
        json!({"node.kubernetes.io/instance-type": "m5.2xlarge"})
    );
}

#[test]
fn hardware_expressions_join_every_required_term() {
    let mut v = value(COMPLEX_PERFORMER);
    set(
        &mut v,
        "/spec/scheduling/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms",
        json!([
            {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]},
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-1"]}]},
        ]),
    );
    let mutated = mutated_value(&object(&v));
    let terms = mutated["spec"]["scheduling"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        ["nodeSelectorTerms"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(terms.len(), 2, "terms are OR-ed: none added, none removed");
    for term in &terms {
        let keys: Vec<&str> = term["matchExpressions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["key"].as_str().unwrap())
            .collect();
        for key in [
            "accelerator",
            "intel.feature.node.kubernetes.io/sgx",
            "intel.sgx.version",
        ] {
            assert!(keys.contains(&key), "{key} missing from {term}");
        }
    }
    assert_eq!(terms[0]["matchExpressions"][0]["key"], json!("zone"));
    assert_eq!(terms[1]["matchFields"][0]["key"], json!("metadata.name"));
}

#[test]
fn a_performer_without_affinity_gets_one_term() {
    let mut v = value(MINIMAL_PERFORMER);
    set(
        &mut v,
        "/spec/hardwareRequirements",
        json!({"teeRequired": true, "teeType": "tdx"}),
    );
    let mutated = mutated_value(&object(&v));
    let node_affinity = json!({"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "intel.feature.node.kubernetes.io/tdx", "operator": "In", "values": ["true"]}]}
    ]}});
    assert_eq!(
        mutated["spec"]["scheduling"],
        json!({"affinity": {"nodeAffinity": node_affinity}, "nodeAffinity": node_affinity})
    );
}

#[test]
fn the_users_gpu_resources_and_tolerations_are_kept() {
    let mut v = value(COMPLEX_PERFORMER);
    set(
        &mut v,
        "/spec/resources/limits/nvidia.com~1nvidia-a100",
        json!("1"),
    );
    set(
        &mut v,
        "/spec/scheduling/tolerations/0",
        json!({"key": "nvidia.com/gpu", "operator": "Exists"}),
    );
    let mutated = mutated_value(&object(&v));
    // The user's limit wins, and is mirrored to requests (extended resources need both equal).
    assert_eq!(
        mutated["spec"]["resources"]["limits"]["nvidia.com/nvidia-a100"],
        json!("1")
    );
    assert_eq!(
        mutated["spec"]["resources"]["requests"]["nvidia.com/nvidia-a100"],
        json!("1")
    );
    assert_eq!(
        mutated["spec"]["scheduling"]["tolerations"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn the_profile_decides_the_label_keys() {
    let profile = HardwareProfile::from_yaml(
        "gpuTypeLabel: nvidia.com/gpu.product\ngpuTolerationKey: example.com/gpu\n",
    )
    .unwrap();
    let performer = object(&value(COMPLEX_PERFORMER));
    let mutated = performer.mutate(None, &context(&profile)).to_value();
    let expressions = &mutated["spec"]["scheduling"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        ["nodeSelectorTerms"][0]["matchExpressions"];
    assert_eq!(
        expressions[1],
        json!({"key": "nvidia.com/gpu.product", "operator": "In", "values": ["nvidia-a100"]})
    );
    assert_eq!(
        mutated["spec"]["scheduling"]["tolerations"][1]["key"],
        json!("example.com/gpu")
    );
}

#[test]
fn an_unscheduled_performer_inherits_the_executor_default_scheduling() {
    let executor = object(&value(MAIN_EXECUTOR));
    let HourglassObject::Executor(executor) = executor else {
        unreachable!()
    };
    let inherited: SchedulingConfig = executor
        .spec
        .config
        .kubernetes
        .unwrap()
        .default_scheduling
        .unwrap();
    let profile = HardwareProfile::default();
    let with_executor = MutationContext {
        profile: &profile,
        executor_scheduling: Some(&inherited),
    };

    let minimal = object(&value(MINIMAL_PERFORMER))
        .mutate(None, &with_executor)
        .to_value();
    assert_eq!(
        minimal["spec"]["scheduling"]["tolerations"][0]["value"],
        json!("avs-workloads")
    );

    // A performer with scheduling of its own keeps exactly that.
    let mut v = value(MINIMAL_PERFORMER);
    set(&mut v, "/spec/scheduling/runtimeClass", json!("kata"));
    let own = object(&v).mutate(None, &with_executor).to_value();
    assert_eq!(own["spec"]["scheduling"], json!({"runtimeClass": "kata"}));
}

#[test]
fn mutation_is_idempotent_and_never_removes() {
    let profile = HardwareProfile::default();
    for yaml in [
        MINIMAL_EXECUTOR,
        MAIN_EXECUTOR,
        MINIMAL_PERFORMER,
        COMPLEX_PERFORMER,
    ] {
        let raw = value(yaml);
        let first = review(&object(&raw), None, &context(&profile));
        assert!(!first.patch.0.is_empty(), "every example needs defaults");
        for operation in &first.patch.0 {
            assert!(
                !matches!(operation, json_patch::PatchOperation::Remove(_)),
                "mutation removed something: {operation:?}"
            );
        }
        let second = review(&first.mutated, None, &context(&profile));
        assert!(
            second.patch.0.is_empty(),
            "second mutation patched: {:?}",
            second.patch
        );
        assert_eq!(second.mutated, first.mutated);
    }
}

#[test]
fn the_patch_applies_to_what_the_user_sent() {
    let profile = HardwareProfile::default();
    for yaml in [MINIMAL_EXECUTOR, MINIMAL_PERFORMER, COMPLEX_PERFORMER] {
        let raw = value(yaml);
        let outcome = review(&object(&raw), None, &context(&profile));
        assert_eq!(apply_patch(&raw, &outcome), outcome.mutated.to_value());
    }
}

#[test]
fn the_round_trip_through_the_types_adds_no_operations() {
    // Quantities written as numbers come back from the types as strings, and
    // a field the types do not know is dropped; neither may show up in the patch.
    let mut raw = value(COMPLEX_PERFORMER);
    set(&mut raw, "/spec/resources/requests/cpu", json!(2));
    set(&mut raw, "/spec/somethingNew", json!({"a": 1}));
    let profile = HardwareProfile::default();
    let outcome = review(&object(&raw), None, &context(&profile));
    let patched = apply_patch(&raw, &outcome);
    assert_eq!(
        patched["spec"]["resources"]["requests"]["cpu"],
        json!(2),
        "user's number untouched"
    );
    assert_eq!(
        patched["spec"]["somethingNew"],
        json!({"a": 1}),
        "unknown field untouched"
    );
    assert_eq!(
        patched["spec"]["resources"]["requests"]["nvidia.com/nvidia-a100"],
        json!("2")
    );
}

#[test]
fn the_patch_is_the_whole_diff_and_empty_only_when_nothing_changed() {
    let profile = HardwareProfile::default();
    let original = object(&value(COMPLEX_PERFORMER));
    let mutated = original.mutate(None, &context(&profile));
    assert_ne!(original, mutated);
    let patch = patch::diff(&original, &mutated);
    assert!(!patch.0.is_empty());
    assert_eq!(
        patch,
        json_patch::diff(&original.to_value(), &mutated.to_value())
    );
    // Reviewed again as the mutation left it (an update, a reinvocation).
    let again = review(&mutated, None, &context(&profile));
    assert_eq!(again.mutated, mutated);
    assert!(again.patch.0.is_empty());
}

#[test]
fn an_object_needing_nothing_gets_an_empty_patch() {
    let profile = HardwareProfile::default();
    let done = object(&value(COMPLEX_PERFORMER)).mutate(None, &context(&profile));
    assert!(patch::diff(&done, &done).0.is_empty());
}

/// One-call mode trusts the mutating webhook's verdict, taken on the object
/// before mutation: the mutation must never turn a valid object invalid.
#[test]
fn a_valid_object_stays_valid_once_mutated() {
    let profile = HardwareProfile::default();
    for yaml in [
        MINIMAL_EXECUTOR,
        MAIN_EXECUTOR,
        MINIMAL_PERFORMER,
        COMPLEX_PERFORMER,
    ] {
        let first = review(&object(&value(yaml)), None, &context(&profile));
        assert!(first.verdict.is_allowed(), "{yaml}");
        let again = first.mutated.validate(None);
        assert!(
            again.is_allowed(),
            "the mutated object breaks a rule: {}",
            again.denial_message()
        );
    }
}
