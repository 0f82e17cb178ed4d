//! Reviews that are refused by the rules: every violation in one message,
//! status code 403, from /mutate and from /validate alike.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn several_violations_are_all_named_in_one_denial() {
    let mut performer = example("complex-performer.yaml");
    performer["spec"]["avsAddress"] = json!("0x1234");
    performer["spec"]["config"]["grpcPort"] = json!(0);
    performer["spec"]["hardwareRequirements"]["teeType"] = json!("trustzone");
    for path in ["/mutate", "/validate"] {
        let answer = call(
            state(),
            path,
            &review(Operation::Create, Some(&performer), None),
        )
        .await;
        assert_eq!(answer.status, 200);
        let response = answer.response();
        assert_eq!(response["uid"], UID);
        assert_eq!(response["allowed"], false);
        assert_eq!(response["status"]["code"], 403);
        assert_eq!(response["status"]["status"], "Failure");
        assert_eq!(response["status"]["reason"], "Forbidden");
        let message = answer.message();
        assert!(message.starts_with("3 violations: "), "{path}: {message}");
        for field in [
            "spec.avsAddress:",
            "spec.config.grpcPort:",
            "spec.hardwareRequirements.teeType:",
        ] {
            assert!(
                message.contains(field),
                "{path}: {field} missing from {message}"
            );
        }
        // A refused object is never patched.
        let response = response.as_object().unwrap();
        assert!(!response.contains_key("patch") && !response.contains_key("patchType"));
    }
}

#[tokio::test]
async fn executor_rules_are_checked_too() {
    let mut executor = example("main-executor.yaml");
    executor["spec"]["replicas"] = json!(0);
    executor["spec"]["config"]["chains"][1]["name"] = json!("ethereum");
    let answer = call(
        state(),
        "/validate",
        &review(Operation::Create, Some(&executor), None),
    )
    .await;
    assert!(!answer.allowed());
    let message = answer.message();
    assert!(message.contains("spec.replicas"), "{message}");
    assert!(message.contains("spec.config.chains[1].name"), "{message}");
}

#[tokio::test]
async fn changing_the_avs_address_on_update_is_refused() {
    let old = example("complex-performer.yaml");
    let mut new = old.clone();
    new["spec"]["avsAddress"] = json!("0xabcdef1234567890abcdef1234567890abcdef12");
    for path in ["/mutate", "/validate"] {
        let answer = call(
            state(),
            path,
            &review(Operation::Update, Some(&new), Some(&old)),
        )
        .await;
        assert!(!answer.allowed(), "{path}");
        assert_eq!(answer.response()["status"]["code"], 403);
        let message = answer.message();
        assert!(
            message.contains("spec.avsAddress: cannot change"),
            "{message}"
        );
    }
    // The same object is fine on CREATE: the rule needs the old object.
    let answer = call(
        state(),
        "/validate",
        &review(Operation::Create, Some(&new), None),
    )
    .await;
    assert!(answer.allowed(), "{}", answer.json);
}

#[tokio::test]
async fn an_unreadable_stored_object_skips_the_comparison_with_a_warning() {
    let mut old = example("complex-performer.yaml");
    old["spec"]["image"] = json!({"repository": "myavs/performer", "tag": "v1"});
    let new = example("complex-performer.yaml");
    let answer = call(
        state(),
        "/validate",
        &review(Operation::Update, Some(&new), Some(&old)),
    )
    .await;
    assert!(answer.allowed(), "{}", answer.json);
    assert!(
        answer
            .warnings()
            .iter()
            .any(|w| w.contains("immutable fields were not compared")),
        "{:?}",
        answer.warnings()
    );
}

#[tokio::test]
async fn an_object_being_deleted_can_lose_its_finalizers_even_if_invalid() {
    // Stored before a rule existed: it would be refused today.
    let mut old = example("complex-performer.yaml");
    old["spec"]["config"]["grpcPort"] = json!(0);
    old["metadata"]["finalizers"] = json!(["hourglass.eigenlayer.io/cleanup"]);
    old["metadata"]["deletionTimestamp"] = json!("2026-11-22T08:00:00Z");
    let mut new = old.clone();
    new["metadata"]["finalizers"] = json!([]);
    for path in ["/mutate", "/validate"] {
        let answer = call(
            state(),
            path,
            &review(Operation::Update, Some(&new), Some(&old)),
        )
        .await;
        assert_eq!(
            answer.json["response"],
            json!({"uid": UID, "allowed": true}),
            "{path}"
        );
    }
    // Without the deletion, the same update is refused.
    new["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("deletionTimestamp");
    old["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("deletionTimestamp");
    let answer = call(
        state(),
        "/validate",
        &review(Operation::Update, Some(&new), Some(&old)),
    )
    .await;
    assert!(!answer.allowed());
}
