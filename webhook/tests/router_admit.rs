//! Reviews that are admitted: the exact wire format of an allowed answer,
//! warnings, patches (base64 JSON Patch that applies), DELETE, v1beta1, and
//! the executor's default scheduling.

mod common;

use common::*;
use hourglass_shared::HourglassExecutor;
use hourglass_webhook::StaticExecutors;
use serde_json::{Value, json};

fn apply(object: &Value, patch: &json_patch::Patch) -> Value {
    let mut patched = object.clone();
    json_patch::patch(&mut patched, patch).expect("the patch applies to the object as sent");
    patched
}

#[tokio::test]
async fn minimal_performer_is_allowed_with_a_base64_patch_of_defaults() {
    let performer = example("minimal-performer.yaml");
    let answer = call(
        state(),
        "/mutate",
        &review(Operation::Create, Some(&performer), None),
    )
    .await;

    assert_eq!(answer.status, 200);
    assert!(answer.content_type.starts_with("application/json"));
    assert_eq!(answer.json["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(answer.json["kind"], "AdmissionReview");
    let response = answer.response();
    assert_eq!(response["uid"], UID);
    assert_eq!(response["allowed"], true);
    assert!(response.get("status").is_none(), "{response}");
    // The wire format: a base64 string (not kube-core's array of numbers) and its type.
    assert!(response["patch"].is_string(), "{response}");
    assert_eq!(response["patchType"], "JSONPatch");

    let patched = apply(&performer, &answer.patch().unwrap());
    assert_eq!(patched["spec"]["config"]["grpcPort"], 9090);
    assert_eq!(patched["spec"]["imagePullPolicy"], "IfNotPresent");
    // Nothing the user wrote is touched.
    assert_eq!(patched["spec"]["image"], performer["spec"]["image"]);
    assert_eq!(patched["metadata"], performer["metadata"]);
}

#[tokio::test]
async fn the_complex_performer_gets_gpu_and_tee_scheduling() {
    let performer = example("complex-performer.yaml");
    let executors = StaticExecutors::new();
    let answer = call(
        state_with(executors),
        "/mutate",
        &review(Operation::Create, Some(&performer), None),
    )
    .await;
    assert!(answer.allowed(), "{}", answer.json);
    let patched = apply(&performer, &answer.patch().unwrap());
    let spec = &patched["spec"];
    // The resource the operator requests for a typed GPU.
    assert_eq!(spec["resources"]["limits"]["nvidia.com/nvidia-a100"], "2");
    assert_eq!(spec["resources"]["limits"]["cpu"], "8");
    // Where the operator that runs today reads it (and mirrored where the
    // documented one did).
    let node_affinity = &spec["scheduling"]["affinity"]["nodeAffinity"];
    assert_eq!(node_affinity, &spec["scheduling"]["nodeAffinity"]);
    let terms = &node_affinity["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
        [0]["matchExpressions"];
    let keys: Vec<&str> = terms
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].as_str().unwrap())
        .collect();
    assert!(
        keys.contains(&"intel.feature.node.kubernetes.io/sgx"),
        "{keys:?}"
    );
    assert!(keys.contains(&"accelerator"), "{keys:?}");
    // The webhook's answer never changes identity or status; it only
    // labels the performer with its executor.
    let mut metadata = performer["metadata"].clone();
    metadata["labels"] = serde_json::json!({"hourglass.eigenlayer.io/executor": "main-executor"});
    assert_eq!(patched["metadata"], metadata);
}

#[tokio::test]
async fn warnings_are_passed_on() {
    let executor = example("minimal-executor.yaml");
    for path in ["/mutate", "/validate"] {
        let answer = call(
            state(),
            path,
            &review(Operation::Create, Some(&executor), None),
        )
        .await;
        assert!(answer.allowed(), "{path}: {}", answer.json);
        let warnings = answer.warnings();
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with("spec.image:") && w.contains(":latest")),
            "{path}: {warnings:?}"
        );
        assert!(
            warnings.iter().all(|w| w.chars().count() <= 120),
            "{warnings:?}"
        );
    }
}

#[tokio::test]
async fn an_object_that_needs_nothing_gets_neither_patch_nor_patch_type() {
    let performer = example("minimal-performer.yaml");
    let first = call(
        state(),
        "/mutate",
        &review(Operation::Create, Some(&performer), None),
    )
    .await;
    let mutated = apply(&performer, &first.patch().unwrap());
    // Reinvocation (or a second webhook call) sees the mutated object.
    let again = call(
        state(),
        "/mutate",
        &review(Operation::Create, Some(&mutated), None),
    )
    .await;
    assert!(again.allowed());
    let response = again.response().as_object().unwrap();
    assert!(!response.contains_key("patch"), "{response:?}");
    assert!(!response.contains_key("patchType"), "{response:?}");
}

#[tokio::test]
async fn validate_never_patches() {
    let performer = example("minimal-performer.yaml");
    let answer = call(
        state(),
        "/validate",
        &review(Operation::Create, Some(&performer), None),
    )
    .await;
    assert!(answer.allowed());
    let response = answer.response().as_object().unwrap();
    assert!(!response.contains_key("patch") && !response.contains_key("patchType"));
}

#[tokio::test]
async fn delete_and_connect_are_admitted_untouched() {
    let performer = example("complex-performer.yaml");
    for operation in [Operation::Delete, Operation::Connect] {
        for path in ["/mutate", "/validate"] {
            let mut body = review(operation, None, Some(&performer));
            // Even an old object that would be refused on CREATE does not matter.
            body["request"]["oldObject"]["spec"]["avsAddress"] = json!("nonsense");
            let answer = call(state(), path, &body).await;
            assert_eq!(answer.status, 200);
            assert_eq!(
                answer.json["response"],
                json!({"uid": UID, "allowed": true}),
                "{operation:?} {path}"
            );
        }
    }
}

#[tokio::test]
async fn an_update_that_keeps_the_avs_address_is_allowed() {
    let old = example("complex-performer.yaml");
    let mut new = old.clone();
    new["spec"]["image"] = json!("myavs/performer:v2.1.0");
    new["spec"]["version"] = json!("v2.1.0");
    let answer = call(
        state(),
        "/validate",
        &review(Operation::Update, Some(&new), Some(&old)),
    )
    .await;
    assert!(answer.allowed(), "{}", answer.json);
}

#[tokio::test]
async fn v1beta1_is_answered_in_v1beta1() {
    let performer = example("minimal-performer.yaml");
    let mut body = review(Operation::Create, Some(&performer), None);
    body["apiVersion"] = json!("admission.k8s.io/v1beta1");
    let answer = call(state(), "/mutate", &body).await;
    assert_eq!(answer.json["apiVersion"], "admission.k8s.io/v1beta1");
    assert_eq!(answer.json["kind"], "AdmissionReview");
    assert!(answer.allowed());
    assert!(answer.patch().is_some());
}

#[tokio::test]
async fn dry_run_is_answered_like_any_other_request() {
    let performer = example("minimal-performer.yaml");
    let mut body = review(Operation::Create, Some(&performer), None);
    body["request"]["dryRun"] = json!(true);
    let answer = call(state(), "/mutate", &body).await;
    assert!(answer.allowed());
    assert!(answer.patch().is_some());
}

#[tokio::test]
async fn the_apiservers_timeout_query_is_ignored() {
    let performer = example("minimal-performer.yaml");
    let answer = call(
        state(),
        "/validate?timeout=5s",
        &review(Operation::Create, Some(&performer), None),
    )
    .await;
    assert!(answer.allowed());
}

fn performer_naming(executor: &str) -> Value {
    let mut performer = example("minimal-performer.yaml");
    performer["spec"]["executorRef"] = json!(executor);
    performer
}

#[tokio::test]
async fn a_performer_without_scheduling_inherits_its_executors_default() {
    let executor: HourglassExecutor =
        serde_json::from_value(example("main-executor.yaml")).unwrap();
    let executors = StaticExecutors::new().with(NAMESPACE, &executor);
    let performer = performer_naming("main-executor");
    let answer = call(
        state_with(executors),
        "/mutate",
        &review(Operation::Create, Some(&performer), None),
    )
    .await;
    assert!(answer.allowed(), "{}", answer.json);
    assert!(answer.warnings().iter().all(|w| !w.contains("executorRef")));
    let patched = apply(&performer, &answer.patch().unwrap());
    assert_eq!(
        patched["spec"]["scheduling"]["tolerations"],
        json!([{"key": "dedicated", "operator": "Equal", "value": "avs-workloads", "effect": "NoSchedule"}])
    );
}

#[tokio::test]
async fn an_executor_in_another_namespace_is_not_used() {
    let executor: HourglassExecutor =
        serde_json::from_value(example("main-executor.yaml")).unwrap();
    let executors = StaticExecutors::new().with("elsewhere", &executor);
    let performer = performer_naming("main-executor");
    let answer = call(
        state_with(executors),
        "/mutate",
        &review(Operation::Create, Some(&performer), None),
    )
    .await;
    assert!(answer.allowed());
    let patched = apply(&performer, &answer.patch().unwrap());
    assert!(patched["spec"].get("scheduling").is_none(), "{patched}");
}

#[tokio::test]
async fn a_missing_executor_is_admitted_with_a_warning() {
    let performer = performer_naming("main-executor");
    let answer = call(
        state(),
        "/mutate",
        &review(Operation::Create, Some(&performer), None),
    )
    .await;
    assert!(answer.allowed(), "{}", answer.json);
    let warnings = answer.warnings();
    let warning = warnings
        .iter()
        .find(|w| w.starts_with("spec.executorRef:"))
        .unwrap_or_else(|| panic!("{warnings:?}"));
    assert!(
        warning.starts_with(&format!(
            "spec.executorRef: executor \"main-executor\" not found in namespace \"{NAMESPACE}\";"
        )),
        "{warning}"
    );
    assert!(warning.chars().count() <= 120, "{warning}");

    // Long names are shortened, never the advice cut off.
    let long = "x".repeat(200);
    let performer = performer_naming(&long);
    let answer = call(
        state(),
        "/mutate",
        &review(Operation::Create, Some(&performer), None),
    )
    .await;
    let warning = answer
        .warnings()
        .into_iter()
        .find(|w| w.starts_with("spec.executorRef:"))
        .unwrap();
    assert!(warning.chars().count() <= 120, "{warning}");
    assert!(
        warning.ends_with("no default scheduling inherited"),
        "{warning}"
    );
}
