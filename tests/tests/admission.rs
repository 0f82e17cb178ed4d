//! The webhook through a real apiserver: its answers are accepted, its
//! patches applied, its denials and warnings shown by kubectl.

use std::time::{Duration, Instant};

use hourglass_e2e::{ControlPlane, Outcome, TestNamespace, example_text};
use serde_json::{Value, json};

fn example_json(name: &str) -> Value {
    serde_yaml_ng::from_str(&example_text(name)).unwrap()
}

fn apply(namespace: &str, manifest: &str) -> Outcome {
    ControlPlane::with_webhook()
        .kubectl_outcome(&["apply", "-n", namespace, "-f", "-"], Some(manifest))
}

fn get(namespace: &str, resource: &str, name: &str) -> Value {
    let outcome = ControlPlane::with_webhook().kubectl_outcome(
        &["get", "-n", namespace, resource, name, "-o", "json"],
        None,
    );
    outcome.assert_success();
    serde_json::from_str(&outcome.stdout).unwrap()
}

/// Sets a JSON pointer in a copy of `value` (parents must exist).
fn with(mut value: Value, pointer: &str, new: Value) -> String {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = value
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("{parent} missing"));
    match target {
        Value::Array(items) => items[key.parse::<usize>().unwrap()] = new,
        Value::Object(map) => {
            map.insert(key.to_string(), new);
        }
        other => panic!("{parent} is {other}"),
    }
    value.to_string()
}

#[test]
fn spec_examples_are_admitted_with_defaults() {
    let namespace = TestNamespace::create(ControlPlane::with_webhook()).unwrap();
    let ns = namespace.name();
    apply(ns, &example_text("minimal-executor.yaml")).assert_success();
    apply(ns, &example_text("minimal-performer.yaml")).assert_success();

    let executor = get(ns, "hourglassexecutor", "minimal-executor");
    assert_eq!(executor["spec"]["replicas"], json!(1));
    assert_eq!(
        executor["spec"]["config"]["performerMode"],
        json!("kubernetes")
    );
    assert_eq!(executor["spec"]["config"]["logLevel"], json!("info"));
    assert_eq!(
        executor["spec"]["config"]["kubernetes"]["namespace"],
        json!("default")
    );

    let performer = get(ns, "performer", "minimal-performer");
    assert_eq!(performer["spec"]["config"]["grpcPort"], json!(9090));
    assert_eq!(performer["spec"]["imagePullPolicy"], json!("IfNotPresent"));
}

#[test]
fn the_complex_performer_gets_hardware_scheduling() {
    let namespace = TestNamespace::create(ControlPlane::with_webhook()).unwrap();
    let ns = namespace.name();
    apply(ns, &example_text("complex-performer.yaml")).assert_success();
    let spec = get(ns, "performer", "complex-performer")["spec"].clone();
    // A typed GPU, under the resource name the operator requests for it.
    assert_eq!(
        spec["resources"]["requests"]["nvidia.com/nvidia-a100"],
        json!("2")
    );
    assert_eq!(
        spec["resources"]["limits"]["nvidia.com/nvidia-a100"],
        json!("2")
    );
    assert_eq!(
        spec["resources"]["limits"]["cpu"],
        json!("8"),
        "the user's limits are kept"
    );
    assert_eq!(
        spec["scheduling"]["tolerations"],
        json!([
            {"key": "dedicated", "operator": "Equal", "value": "avs-workloads", "effect": "NoSchedule"},
            {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
        ])
    );
    // Where today's operator reads node affinity, mirrored where the
    // documented one did.
    assert_eq!(
        spec["scheduling"]["nodeAffinity"],
        spec["scheduling"]["affinity"]["nodeAffinity"]
    );
    assert_eq!(
        spec["scheduling"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
            ["nodeSelectorTerms"],
        json!([{"matchExpressions": [
            {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]},
            {"key": "accelerator", "operator": "In", "values": ["nvidia-a100"]},
            {"key": "intel.feature.node.kubernetes.io/sgx", "operator": "In", "values": ["true"]},
            {"key": "intel.sgx.version", "operator": "In", "values": ["2.0"]},
        ]}])
    );
}

#[test]
fn each_documented_rule_is_refused_naming_the_field() {
    let namespace = TestNamespace::create(ControlPlane::with_webhook()).unwrap();
    let ns = namespace.name();
    let performer = example_json("complex-performer.yaml");
    let executor = example_json("main-executor.yaml");
    let cases: Vec<(Value, &str, Value, &str)> = vec![
        (
            executor.clone(),
            "/spec/image",
            json!("Hourglass/Executor:v1"),
            "spec.image",
        ),
        (
            executor.clone(),
            "/spec/replicas",
            json!(0),
            "spec.replicas",
        ),
        (
            executor.clone(),
            "/spec/config/aggregatorEndpoint",
            json!("aggregator.example.com"),
            "spec.config.aggregatorEndpoint",
        ),
        (
            executor.clone(),
            "/spec/config/chains",
            json!([]),
            "spec.config.chains",
        ),
        (
            executor.clone(),
            "/spec/config/chains/1/name",
            json!("ethereum"),
            "spec.config.chains[1].name",
        ),
        (
            executor.clone(),
            "/spec/config/performerMode",
            json!("podman"),
            "spec.config.performerMode",
        ),
        (
            executor.clone(),
            "/spec/config/chains/0/taskMailboxAddress",
            json!("0x..."),
            "spec.config.chains[0].taskMailboxAddress",
        ),
        (
            performer.clone(),
            "/spec/avsAddress",
            json!("0x1234"),
            "spec.avsAddress",
        ),
        (
            performer.clone(),
            "/spec/image",
            json!("myavs/performer:v2.0.0@sha256:00"),
            "spec.image",
        ),
        (
            performer.clone(),
            "/spec/config/grpcPort",
            json!(70000),
            "spec.config.grpcPort",
        ),
        (
            performer.clone(),
            "/spec/hardwareRequirements/gpuCount",
            json!(-1),
            "spec.hardwareRequirements.gpuCount",
        ),
        (
            performer.clone(),
            "/spec/hardwareRequirements/teeType",
            json!(""),
            "spec.hardwareRequirements.teeType",
        ),
    ];
    for (object, pointer, bad, path) in cases {
        let outcome = apply(ns, &with(object, pointer, bad.clone()));
        outcome.assert_failure();
        assert!(
            outcome.stderr.contains("denied the request") && outcome.stderr.contains(path),
            "{pointer} = {bad}: {}",
            outcome.stderr
        );
    }
}

#[test]
fn several_violations_come_back_in_one_message() {
    let namespace = TestNamespace::create(ControlPlane::with_webhook()).unwrap();
    let mut performer = example_json("complex-performer.yaml");
    performer["spec"]["avsAddress"] = json!("0x1234");
    performer["spec"]["config"]["grpcPort"] = json!(0);
    performer["spec"]["hardwareRequirements"]["teeType"] = json!("trustzone");
    performer["spec"]["resources"]["requests"]["cpu"] = json!("64");
    let outcome = apply(namespace.name(), &performer.to_string());
    outcome.assert_failure();
    let denial: Vec<&str> = outcome
        .stderr
        .lines()
        .filter(|l| l.contains("denied the request"))
        .collect();
    assert_eq!(denial.len(), 1, "{}", outcome.stderr);
    for path in [
        "spec.avsAddress",
        "spec.config.grpcPort",
        "spec.hardwareRequirements.teeType",
        "spec.resources.requests[cpu]",
    ] {
        assert!(
            denial[0].contains(path),
            "{path} missing from {}",
            denial[0]
        );
    }
    assert!(denial[0].contains("4 violations"), "{}", denial[0]);
}

#[test]
fn changing_the_avs_address_is_refused() {
    let control_plane = ControlPlane::with_webhook();
    let namespace = TestNamespace::create(control_plane).unwrap();
    let ns = namespace.name();
    apply(ns, &example_text("complex-performer.yaml")).assert_success();
    let outcome = control_plane.kubectl_outcome(
        &[
            "patch",
            "-n",
            ns,
            "performer",
            "complex-performer",
            "--type=merge",
            "-p",
            r#"{"spec":{"avsAddress":"0xabcdef1234567890abcdef1234567890abcdef12"}}"#,
        ],
        None,
    );
    outcome
        .assert_failure_containing("spec.avsAddress: cannot change")
        .assert_stderr_contains("create a new performer");
    // An upgrade of the image is an ordinary update.
    control_plane
        .kubectl_outcome(
            &[
                "patch",
                "-n",
                ns,
                "performer",
                "complex-performer",
                "--type=merge",
                "-p",
                r#"{"spec":{"image":"myavs/performer:v2.1.0","version":"v2.1.0"}}"#,
            ],
            None,
        )
        .assert_success();
}

#[test]
fn status_writes_are_not_sent_to_the_webhook() {
    let control_plane = ControlPlane::with_webhook();
    let namespace = TestNamespace::create(control_plane).unwrap();
    let ns = namespace.name();
    apply(ns, &example_text("complex-performer.yaml")).assert_success();
    control_plane.kubectl_outcome(
        &["patch", "-n", ns, "performer", "complex-performer", "--subresource=status", "--type=merge", "-p",
          r#"{"status":{"phase":"Running","ready":true,"grpcEndpoint":"performer-complex-performer.ns.svc:9090"}}"#],
        None,
    )
    .assert_success();
    let performer = get(ns, "performer", "complex-performer");
    assert_eq!(performer["status"]["phase"], json!("Running"));
}

#[test]
fn server_dry_run_runs_admission_without_storing() {
    let control_plane = ControlPlane::with_webhook();
    let namespace = TestNamespace::create(control_plane).unwrap();
    let ns = namespace.name();
    let outcome = control_plane.kubectl_outcome(
        &[
            "create",
            "-n",
            ns,
            "--dry-run=server",
            "-o",
            "json",
            "-f",
            "-",
        ],
        Some(&example_text("complex-performer.yaml")),
    );
    outcome.assert_success();
    let dry: Value = serde_json::from_str(&outcome.stdout).unwrap();
    assert_eq!(
        dry["spec"]["resources"]["limits"]["nvidia.com/nvidia-a100"],
        json!("2"),
        "mutated in the dry run"
    );
    let stored =
        control_plane.kubectl_outcome(&["get", "-n", ns, "performer", "complex-performer"], None);
    stored.assert_failure_containing("NotFound");

    let refused = control_plane.kubectl_outcome(
        &["create", "-n", ns, "--dry-run=server", "-f", "-"],
        Some(&with(
            example_json("complex-performer.yaml"),
            "/spec/avsAddress",
            json!("0x1"),
        )),
    );
    refused.assert_failure_containing("spec.avsAddress");
}

#[test]
fn server_side_apply_goes_through_admission() {
    let control_plane = ControlPlane::with_webhook();
    let namespace = TestNamespace::create(control_plane).unwrap();
    let ns = namespace.name();
    control_plane
        .kubectl_outcome(
            &["apply", "--server-side", "-n", ns, "-f", "-"],
            Some(&example_text("complex-performer.yaml")),
        )
        .assert_success();
    let performer = get(ns, "performer", "complex-performer");
    assert_eq!(
        performer["spec"]["resources"]["requests"]["nvidia.com/nvidia-a100"],
        json!("2")
    );
    // Re-applying the same manifest is a no-op, not a fight over fields.
    control_plane
        .kubectl_outcome(
            &["apply", "--server-side", "-n", ns, "-f", "-"],
            Some(&example_text("complex-performer.yaml")),
        )
        .assert_success();
}

#[test]
fn warnings_reach_kubectl() {
    let namespace = TestNamespace::create(ControlPlane::with_webhook()).unwrap();
    let outcome = apply(namespace.name(), &example_text("minimal-executor.yaml"));
    outcome
        .assert_success()
        .assert_stderr_contains("Warning: spec.image: \"hourglass/executor:latest\" uses :latest")
        .assert_stderr_contains("Warning: spec.config.operatorKeys");
}

#[test]
fn a_performer_inherits_its_executors_default_scheduling() {
    let namespace = TestNamespace::create(ControlPlane::with_webhook()).unwrap();
    let ns = namespace.name();
    apply(ns, &example_text("main-executor.yaml")).assert_success();
    // The webhook reads executors from a watch-fed cache, so the new one shows
    // up there a moment later; try fresh performers until it has.
    let began = Instant::now();
    for attempt in 0.. {
        let name = format!("inherits-{attempt}");
        let performer = json!({
            "apiVersion": "hourglass.eigenlayer.io/v1alpha1",
            "kind": "Performer",
            "metadata": {"name": name},
            "spec": {"avsAddress": "0x1234567890abcdef1234567890abcdef12345678", "image": "myavs/performer:v1", "executorRef": "main-executor"},
        });
        let outcome = apply(ns, &performer.to_string());
        outcome.assert_success();
        let stored = get(ns, "performer", &name);
        if stored["spec"]["scheduling"]["tolerations"][0]["value"] == json!("avs-workloads") {
            assert!(!outcome.stderr.contains("not found"), "{}", outcome.stderr);
            return;
        }
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "never inherited: {stored}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_missing_executor_is_a_warning() {
    let namespace = TestNamespace::create(ControlPlane::with_webhook()).unwrap();
    let outcome = apply(namespace.name(), &example_text("complex-performer.yaml"));
    outcome
        .assert_success()
        .assert_stderr_contains("Warning: spec.executorRef")
        .assert_stderr_contains("main-executor");
}
