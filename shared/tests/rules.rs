//! One failing case per rule, each with its exact field path; several
//! violations at once; the UPDATE rule; warnings.

mod common;

use common::*;
use serde_json::{Value, json};

struct Case {
    fixture: &'static str,
    pointer: &'static str,
    bad: Value,
    path: &'static str,
    needle: &'static str,
}

fn case(
    fixture: &'static str,
    pointer: &'static str,
    bad: Value,
    path: &'static str,
    needle: &'static str,
) -> Case {
    Case {
        fixture,
        pointer,
        bad,
        path,
        needle,
    }
}

fn performer_cases() -> Vec<Case> {
    let p = COMPLEX_PERFORMER;
    vec![
        case(
            p,
            "/spec/avsAddress",
            json!("0x1234"),
            "spec.avsAddress",
            "0x followed by 40 hex characters",
        ),
        case(
            p,
            "/spec/avsAddress",
            json!("1234567890abcdef1234567890abcdef12345678"),
            "spec.avsAddress",
            "0x followed by 40",
        ),
        case(
            p,
            "/spec/avsAddress",
            json!("0x5FbDB2315678afecb367f032d93F642f64180aA3"),
            "spec.avsAddress",
            "EIP-55",
        ),
        case(
            p,
            "/spec/avsAddress",
            json!(""),
            "spec.avsAddress",
            "is required",
        ),
        case(
            p,
            "/spec/image",
            json!("MyAvs/Performer:v2"),
            "spec.image",
            "must be lowercase",
        ),
        case(
            p,
            "/spec/image",
            json!("myavs/performer:v2@sha256:123"),
            "spec.image",
            "digest",
        ),
        case(p, "/spec/image", json!(""), "spec.image", "is required"),
        case(
            p,
            "/spec/config/grpcPort",
            json!(0),
            "spec.config.grpcPort",
            "expected 1-65535",
        ),
        case(
            p,
            "/spec/config/grpcPort",
            json!(70000),
            "spec.config.grpcPort",
            "expected 1-65535",
        ),
        case(
            p,
            "/spec/hardwareRequirements/gpuCount",
            json!(-1),
            "spec.hardwareRequirements.gpuCount",
            "expected 0 or more",
        ),
        case(
            p,
            "/spec/hardwareRequirements/teeType",
            json!(null),
            "spec.hardwareRequirements.teeType",
            "required when teeRequired is true",
        ),
        case(
            p,
            "/spec/hardwareRequirements/teeType",
            json!("trustzone"),
            "spec.hardwareRequirements.teeType",
            "expected sgx, sev or tdx",
        ),
        // Found by fuzzing: the mutation turned it into a node-affinity
        // expression with an empty key, which /validate then refused.
        case(
            p,
            "/spec/hardwareRequirements/customLabels/",
            json!("2.0"),
            "spec.hardwareRequirements.customLabels[]",
            "node label key",
        ),
        case(
            p,
            "/spec/config/environment/1BAD",
            json!("x"),
            "spec.config.environment[1BAD]",
            "not a valid environment variable name",
        ),
        case(
            p,
            "/spec/resources/requests/cpu",
            json!("16"),
            "spec.resources.requests[cpu]",
            "above the limit 8",
        ),
        case(
            p,
            "/spec/resources/limits/memory",
            json!("lots"),
            "spec.resources.limits[memory]",
            "not a valid quantity",
        ),
        case(
            p,
            "/spec/imagePullPolicy",
            json!("Sometimes"),
            "spec.imagePullPolicy",
            "Always, Never or IfNotPresent",
        ),
        case(
            p,
            "/spec/executorRef",
            json!("Main_Executor"),
            "spec.executorRef",
            "not a valid object name",
        ),
        case(
            p,
            "/spec/config/environmentFrom",
            json!([{"name": "TOKEN", "valueFrom": {}}]),
            "spec.config.environmentFrom[0].valueFrom",
            "exactly one of",
        ),
        case(
            p,
            "/spec/scheduling/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/0/matchExpressions/0/operator",
            json!("Equals"),
            "spec.scheduling.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator",
            "expected In, NotIn",
        ),
        case(
            p,
            "/spec/scheduling/tolerations/0/effect",
            json!("NoRun"),
            "spec.scheduling.tolerations[0].effect",
            "expected NoSchedule",
        ),
        case(
            p,
            "/spec/imagePullSecrets/0/name",
            json!("Private Registry"),
            "spec.imagePullSecrets[0].name",
            "not a valid object name",
        ),
        // The operator's Pod and Service are named performer-<name>.
        case(
            p,
            "/metadata/name",
            json!("a".repeat(54)),
            "metadata.name",
            "cannot name the operator's Pod and Service",
        ),
        case(
            p,
            "/metadata/name",
            json!("complex.performer"),
            "metadata.name",
            "(no '.')",
        ),
        case(
            p,
            "/spec/image",
            json!("myavs/performer:"),
            "spec.image",
            "empty tag after ':'; give a tag (myavs/performer:v1.2.0), or a digest after '@'",
        ),
        case(
            p,
            "/spec/executorRef",
            json!(format!("{}.{}", "e".repeat(40), "e".repeat(30))),
            "spec.executorRef",
            "mirrored into the label hourglass.eigenlayer.io/executor",
        ),
        case(
            p,
            "/spec/hardwareRequirements/gpuType",
            json!("NVIDIA A100"),
            "spec.hardwareRequirements.gpuType",
            "not a valid label value",
        ),
        case(
            p,
            "/spec/scheduling/nodeSelector/bad key",
            json!("x"),
            "spec.scheduling.nodeSelector[bad key]",
            "not a valid label key",
        ),
        case(
            p,
            "/spec/scheduling/affinity",
            json!({"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 0, "preference": {"matchExpressions": [{"key": "zone", "operator": "Exists"}]}}
            ]}}),
            "spec.scheduling.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight",
            "expected 1-100",
        ),
        case(
            p,
            "/spec/scheduling/affinity",
            json!({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}}}),
            "spec.scheduling.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms",
            "at least one node selector term",
        ),
        case(
            p,
            "/spec/scheduling/affinity",
            json!({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchFields": [{"key": "metadata.labels", "operator": "In", "values": ["a"]}]}
            ]}}}),
            "spec.scheduling.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].key",
            "can only match metadata.name",
        ),
        case(
            p,
            "/spec/scheduling/affinity",
            json!({"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": "avs"}}, "topologyKey": ""}
            ]}}),
            "spec.scheduling.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey",
            "is required",
        ),
        case(
            p,
            "/spec/scheduling/affinity",
            json!({"podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 10, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                    "labelSelector": {"matchExpressions": [{"key": "app", "operator": "Exists", "values": ["x"]}]}}}
            ]}}),
            "spec.scheduling.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchExpressions[0].values",
            "must be empty with operator Exists",
        ),
        case(
            p,
            "/spec/scheduling/affinity",
            json!({"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                {"topologyKey": "zone", "matchLabelKeys": ["pod-template-hash"]}
            ]}}),
            "spec.scheduling.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].matchLabelKeys",
            "must be empty when labelSelector is not set",
        ),
        case(
            p,
            "/spec/scheduling/tolerations/0/tolerationSeconds",
            json!(30),
            "spec.scheduling.tolerations[0].tolerationSeconds",
            "only applies to effect NoExecute",
        ),
        case(
            p,
            "/spec/scheduling/tolerations/0/value",
            json!("not/a/label"),
            "spec.scheduling.tolerations[0].value",
            "not a valid label value",
        ),
    ]
}

fn executor_cases() -> Vec<Case> {
    let e = MAIN_EXECUTOR;
    vec![
        case(
            e,
            "/spec/image",
            json!("hourglass/executor:v1 beta"),
            "spec.image",
            "white space",
        ),
        case(
            e,
            "/spec/replicas",
            json!(0),
            "spec.replicas",
            "expected 1 or more",
        ),
        case(
            e,
            "/spec/config/aggregatorEndpoint",
            json!("aggregator.example.com"),
            "spec.config.aggregatorEndpoint",
            "no port",
        ),
        case(
            e,
            "/spec/config/aggregatorEndpoint",
            json!("aggregator.example.com:99999"),
            "spec.config.aggregatorEndpoint",
            "1-65535",
        ),
        case(
            e,
            "/spec/config/aggregatorEndpoint",
            json!("grpc://agg:9090"),
            "spec.config.aggregatorEndpoint",
            "URL scheme",
        ),
        case(
            e,
            "/spec/config/chains",
            json!([]),
            "spec.config.chains",
            "at least one chain",
        ),
        case(
            e,
            "/spec/config/chains/1/name",
            json!("ethereum"),
            "spec.config.chains[1].name",
            "already used by chains[0]",
        ),
        case(
            e,
            "/spec/config/chains/1/rpc",
            json!("ftp://mainnet.base.org"),
            "spec.config.chains[1].rpc",
            "scheme \"ftp\"",
        ),
        case(
            e,
            "/spec/config/chains/0/chainId",
            json!(0),
            "spec.config.chains[0].chainId",
            "positive number",
        ),
        case(
            e,
            "/spec/config/chains/1/taskMailboxAddress",
            json!("0x..."),
            "spec.config.chains[1].taskMailboxAddress",
            "0x followed by 40",
        ),
        case(
            e,
            "/spec/config/performerMode",
            json!("podman"),
            "spec.config.performerMode",
            "docker or kubernetes",
        ),
        case(
            e,
            "/spec/config/logLevel",
            json!("verbose"),
            "spec.config.logLevel",
            "debug, info, warn or error",
        ),
        case(
            e,
            "/spec/config/kubernetes/namespace",
            json!("My_Namespace"),
            "spec.config.kubernetes.namespace",
            "not a valid namespace name",
        ),
        case(
            e,
            "/spec/config/operatorKeys",
            json!({}),
            "spec.config.operatorKeys",
            "is required",
        ),
        case(
            e,
            "/spec/resources",
            json!({"requests": {"memory": "2Gi"}, "limits": {"memory": "1Gi"}}),
            "spec.resources.requests[memory]",
            "above the limit 1Gi",
        ),
        case(
            e,
            "/spec/tolerations",
            json!([{"key": "a", "operator": "Exists", "value": "b"}]),
            "spec.tolerations[0].value",
            "must be empty with operator Exists",
        ),
        case(
            e,
            "/spec/nodeSelector",
            json!({"disktype": "ssd!"}),
            "spec.nodeSelector[disktype]",
            "not a valid label value",
        ),
        case(
            e,
            "/spec/config/kubernetes/defaultScheduling/tolerations/0/operator",
            json!("Maybe"),
            "spec.config.kubernetes.defaultScheduling.tolerations[0].operator",
            "Exists or Equal",
        ),
    ]
}

#[test]
fn each_rule_reports_its_own_path_and_only_that() {
    for case in performer_cases().into_iter().chain(executor_cases()) {
        let object = with(case.fixture, case.pointer, case.bad.clone());
        let verdict = object.validate(None);
        assert_eq!(
            verdict.violations.len(),
            1,
            "{} = {}: expected exactly one violation, got {:#?}",
            case.pointer,
            case.bad,
            verdict.violations
        );
        let violation = &verdict.violations[0];
        assert_eq!(violation.path, case.path, "{} = {}", case.pointer, case.bad);
        assert!(
            violation.message.contains(case.needle),
            "{} = {}: {:?} should contain {:?}",
            case.pointer,
            case.bad,
            violation.message,
            case.needle
        );
    }
}

#[test]
fn several_violations_are_all_reported_at_once() {
    let mut v = value(MAIN_EXECUTOR);
    set(&mut v, "/spec/replicas", json!(0));
    set(&mut v, "/spec/config/aggregatorEndpoint", json!("nowhere"));
    set(&mut v, "/spec/config/chains/1/name", json!("ethereum"));
    set(&mut v, "/spec/config/chains/1/chainId", json!(-5));
    set(&mut v, "/spec/config/performerMode", json!("podman"));
    let verdict = object(&v).validate(None);
    let paths: Vec<&str> = verdict.violations.iter().map(|v| v.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "spec.replicas",
            "spec.config.aggregatorEndpoint",
            "spec.config.chains[1].name",
            "spec.config.chains[1].chainId",
            "spec.config.performerMode",
        ]
    );
    let message = verdict.denial_message();
    assert!(
        message.starts_with("5 violations: spec.replicas: "),
        "{message}"
    );
    for path in paths {
        assert!(message.contains(path), "{message} should name {path}");
    }
}

#[test]
fn update_cannot_change_the_avs_address() {
    let old = object(&value(COMPLEX_PERFORMER));
    let new = with(
        COMPLEX_PERFORMER,
        "/spec/avsAddress",
        json!("0xabcdef1234567890abcdef1234567890abcdef12"),
    );
    let verdict = new.validate(Some(&old));
    assert_eq!(verdict.violations.len(), 1, "{:?}", verdict.violations);
    assert_eq!(verdict.violations[0].path, "spec.avsAddress");
    assert!(
        verdict.violations[0]
            .message
            .contains("create a new performer"),
        "{}",
        verdict.violations[0].message
    );
    // Everything else may change, and the same object on CREATE is fine.
    assert!(new.validate(None).violations.is_empty());
    let retagged = with(
        COMPLEX_PERFORMER,
        "/spec/image",
        json!("myavs/performer:v2.1.0"),
    );
    assert!(retagged.validate(Some(&old)).violations.is_empty());
}

#[test]
fn update_accepts_a_case_only_change_of_the_address() {
    let old = with(
        COMPLEX_PERFORMER,
        "/spec/avsAddress",
        json!("0x5fbdb2315678afecb367f032d93f642f64180aa3"),
    );
    let new = with(
        COMPLEX_PERFORMER,
        "/spec/avsAddress",
        json!("0x5FbDB2315678afecb367f032d93F642f64180aa3"),
    );
    assert!(new.validate(Some(&old)).violations.is_empty());
}

#[test]
fn warnings_are_given_and_fit_in_120_characters() {
    let long_tag = "v".repeat(120);
    let cases = [
        (
            with(
                COMPLEX_PERFORMER,
                "/spec/hardwareRequirements/gpuType",
                json!(null),
            ),
            "spec.hardwareRequirements.gpuType: not set",
        ),
        (
            with(
                COMPLEX_PERFORMER,
                "/spec/hardwareRequirements/teeRequired",
                json!(false),
            ),
            "spec.hardwareRequirements.teeType: is set but teeRequired is not true",
        ),
        (
            with(COMPLEX_PERFORMER, "/spec/image", json!("myavs/performer")),
            "spec.image: \"myavs/performer\" has no tag",
        ),
        (
            with(
                COMPLEX_PERFORMER,
                "/spec/scheduling/priorityClassName",
                json!("high"),
            ),
            "spec.scheduling.priorityClassName: the Hourglass operator does not copy it to the pod",
        ),
        (
            with(
                COMPLEX_PERFORMER,
                "/spec/resources/limits/nvidia.com~1gpu",
                json!("2"),
            ),
            "spec.resources: nvidia.com/gpu is requested besides nvidia.com/nvidia-a100; the pod needs nodes with both",
        ),
        (
            with(
                COMPLEX_PERFORMER,
                "/spec/image",
                json!("myavs/performer:latest"),
            ),
            "uses :latest",
        ),
        (
            with(COMPLEX_PERFORMER, "/spec/version", json!("v2.0.1")),
            "spec.version: \"v2.0.1\" differs from the image tag \"v2.0.0\"",
        ),
        (
            with(
                COMPLEX_PERFORMER,
                "/spec/image",
                json!(format!("myavs/{}", "p".repeat(200))),
            ),
            "has no tag",
        ),
        (
            with(COMPLEX_PERFORMER, "/spec/version", json!(long_tag)),
            "differs from the image tag",
        ),
        (
            object(&value(MAIN_EXECUTOR)),
            "spec.config.operatorKeys: private keys in plain text",
        ),
    ];
    for (object, needle) in cases {
        let verdict = object.validate(None);
        assert!(verdict.violations.is_empty(), "{:?}", verdict.violations);
        assert!(
            verdict.warnings.iter().any(|w| w.contains(needle)),
            "{:?} should contain {needle:?}",
            verdict.warnings
        );
        for warning in &verdict.warnings {
            assert!(
                warning.chars().count() <= 120,
                "{} characters: {warning}",
                warning.chars().count()
            );
        }
    }
}

#[test]
fn a_digest_pinned_image_needs_no_tag() {
    let digest = format!("myavs/performer@sha256:{}", "a".repeat(64));
    let mut v = value(MINIMAL_PERFORMER);
    set(&mut v, "/spec/image", json!(digest));
    let verdict = object(&v).validate(None);
    assert!(
        verdict.violations.is_empty() && verdict.warnings.is_empty(),
        "{verdict:?}"
    );
}

#[test]
fn objects_that_do_not_fit_the_type_name_the_field() {
    let mut v = value(COMPLEX_PERFORMER);
    set(
        &mut v,
        "/spec/image",
        json!({"repository": "myavs/performer", "tag": "v2"}),
    );
    let error = hourglass_shared::HourglassObject::from_value(&v).unwrap_err();
    assert_eq!(error.path, "spec.image");
    assert!(
        error.message.contains("expected a string"),
        "{}",
        error.message
    );

    let mut v = value(MAIN_EXECUTOR);
    set(&mut v, "/spec/config/chains/1/chainId", json!("8453"));
    let error = hourglass_shared::HourglassObject::from_value(&v).unwrap_err();
    assert_eq!(error.path, "spec.config.chains[1].chainId");

    let error =
        hourglass_shared::HourglassObject::from_value(&json!({"apiVersion": "v1", "kind": "Pod"}))
            .unwrap_err();
    assert!(
        error.message.contains("not an Hourglass object"),
        "{}",
        error.message
    );
}
