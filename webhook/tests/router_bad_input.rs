//! Input that is not a usable review never crashes the server and never
//! gets an empty answer: a denial when the uid is known, otherwise HTTP 400
//! (or 413, 408) with `{"error": ...}`; and a panic becomes a 500.

mod common;

use std::time::Duration;

use axum::body::Body;
use common::*;
use futures::stream;
use hourglass_webhook::{ExecutorLookup, ExecutorLookupResult, Limits, MAX_BODY_BYTES};
use serde_json::{Value, json};

fn assert_http_error(answer: &Answer, status: u16, needle: &str) {
    assert_eq!(
        answer.status,
        status,
        "{}",
        String::from_utf8_lossy(&answer.raw)
    );
    assert!(
        answer.content_type.starts_with("application/json"),
        "{}",
        answer.content_type
    );
    let error = answer.json["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", answer.json));
    assert!(error.contains(needle), "{error:?} lacks {needle:?}");
}

fn assert_denied(answer: &Answer, code: u16, needle: &str) {
    assert_eq!(answer.status, 200);
    let response = answer.response();
    assert_eq!(response["uid"], UID, "{}", answer.json);
    assert_eq!(response["allowed"], false);
    assert_eq!(response["status"]["code"], code);
    assert!(
        answer.message().contains(needle),
        "{} lacks {needle:?}",
        answer.message()
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_400() {
    let answer = call_raw(
        state(),
        "/validate",
        Some("application/json"),
        Body::from("{not json"),
    )
    .await;
    assert_http_error(&answer, 400, "not JSON");
    let answer = call_raw(
        state(),
        "/mutate",
        Some("application/json"),
        Body::from("[1, 2]"),
    )
    .await;
    assert_http_error(&answer, 400, "not an AdmissionReview");
}

#[tokio::test]
async fn a_wrong_content_type_is_refused() {
    let performer = example("minimal-performer.yaml");
    let body = review(Operation::Create, Some(&performer), None).to_string();
    // The body names a uid: a denial the apiserver can show.
    let answer = call_raw(
        state(),
        "/validate",
        Some("text/plain"),
        Body::from(body.clone()),
    )
    .await;
    assert_denied(&answer, 400, "Content-Type must be application/json");
    // No uid to answer to: a 400.
    let answer = call_raw(
        state(),
        "/validate",
        Some("application/yaml"),
        Body::from("kind: x"),
    )
    .await;
    assert_http_error(&answer, 400, "Content-Type must be application/json");
    let answer = call_raw(state(), "/mutate", None, Body::from("{}")).await;
    assert_http_error(&answer, 400, "Content-Type");
    // Parameters are fine.
    let answer = call_raw(
        state(),
        "/validate",
        Some("application/json; charset=utf-8"),
        Body::from(body),
    )
    .await;
    assert!(answer.allowed());
}

#[tokio::test]
async fn a_review_without_request_or_uid_is_a_400() {
    let envelope = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"});
    let answer = call(state(), "/validate", &envelope).await;
    assert_http_error(&answer, 400, "no request");

    let performer = example("minimal-performer.yaml");
    let mut body = review(Operation::Create, Some(&performer), None);
    body["request"].as_object_mut().unwrap().remove("uid");
    let answer = call(state(), "/mutate", &body).await;
    assert_http_error(&answer, 400, "request.uid");
}

#[tokio::test]
async fn an_unknown_kind_is_denied_naming_it() {
    let mut pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}});
    pod["metadata"]["namespace"] = json!(NAMESPACE);
    let mut body = review(Operation::Create, Some(&pod), None);
    body["request"]["kind"] = json!({"group": "", "version": "v1", "kind": "Pod"});
    for path in ["/validate", "/mutate"] {
        let answer = call(state(), path, &body).await;
        assert_denied(&answer, 400, "Kind=Pod is not served here");
    }
}

#[tokio::test]
async fn an_unsupported_review_version_or_operation_is_denied() {
    let performer = example("minimal-performer.yaml");
    let mut body = review(Operation::Create, Some(&performer), None);
    body["apiVersion"] = json!("admission.k8s.io/v2");
    let answer = call(state(), "/validate", &body).await;
    assert_eq!(answer.json["apiVersion"], "admission.k8s.io/v1");
    assert_denied(&answer, 400, "admission.k8s.io/v2");

    let mut body = review(Operation::Create, Some(&performer), None);
    body["request"]["operation"] = json!("PATCH");
    let answer = call(state(), "/validate", &body).await;
    assert_denied(&answer, 400, "\"PATCH\"");
}

#[tokio::test]
async fn a_missing_object_is_denied() {
    let performer = example("minimal-performer.yaml");
    let mut body = review(Operation::Create, Some(&performer), None);
    body["request"]["object"] = Value::Null;
    let answer = call(state(), "/mutate", &body).await;
    assert_denied(&answer, 400, "request.object is missing");
}

#[tokio::test]
async fn an_object_that_does_not_fit_the_type_is_denied_naming_the_field() {
    let mut performer = example("minimal-performer.yaml");
    performer["spec"]["image"] = json!({"repository": "myavs/performer", "tag": "latest"});
    for path in ["/validate", "/mutate"] {
        let answer = call(
            state(),
            path,
            &review(Operation::Create, Some(&performer), None),
        )
        .await;
        assert_denied(
            &answer,
            403,
            "spec.image: invalid type: map, expected a string",
        );
    }
}

#[tokio::test]
async fn a_body_over_7_mib_is_a_413() {
    // Declared by Content-Length: refused before reading.
    let big = vec![b' '; MAX_BODY_BYTES + 1];
    let answer = call_raw(
        state(),
        "/validate",
        Some("application/json"),
        Body::from(big),
    )
    .await;
    assert_http_error(&answer, 413, "larger than");
    // Streamed without a length: refused while reading.
    let chunks = (0..8).map(|_| Ok::<_, std::io::Error>(vec![b' '; 1024 * 1024]));
    let answer = call_raw(
        state(),
        "/mutate",
        Some("application/json"),
        Body::from_stream(stream::iter(chunks)),
    )
    .await;
    assert_http_error(&answer, 413, "larger than");
}

#[tokio::test]
async fn a_body_that_never_ends_times_out() {
    let limits = Limits {
        body_read_timeout: Duration::from_millis(200),
        ..Limits::default()
    };
    let pending = stream::pending::<Result<Vec<u8>, std::io::Error>>();
    let answer = call_raw(
        state().with_limits(limits),
        "/validate",
        Some("application/json"),
        Body::from_stream(pending),
    )
    .await;
    assert_http_error(&answer, 408, "did not arrive");
}

#[tokio::test]
async fn unknown_paths_and_methods_get_json_errors() {
    let answer = call(state(), "/admit", &json!({})).await;
    assert_http_error(&answer, 404, "POST /validate");
    let response = tower::ServiceExt::oneshot(
        hourglass_webhook::router(state()),
        axum::http::Request::get("/validate")
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 405);
}

/// An executor cache that panics: a stand-in for any bug below the handler.
struct PanickingLookup;

impl ExecutorLookup for PanickingLookup {
    fn lookup(&self, _namespace: &str, _name: &str) -> ExecutorLookupResult {
        panic!("injected failure in the executor cache");
    }
}

#[tokio::test]
async fn a_panic_is_answered_with_a_500_and_the_server_goes_on() {
    let state = state_with(PanickingLookup);
    let mut performer = example("minimal-performer.yaml");
    performer["spec"]["executorRef"] = json!("main-executor");
    let body = review(Operation::Create, Some(&performer), None);
    let answer = call(state.clone(), "/mutate", &body).await;
    assert_http_error(&answer, 500, "internal error");
    // The same router state keeps answering.
    let other = example("minimal-performer.yaml");
    let answer = call(
        state.clone(),
        "/mutate",
        &review(Operation::Create, Some(&other), None),
    )
    .await;
    assert!(answer.allowed());
    let metrics = state.metrics.encode();
    assert!(
        metrics.contains("hourglass_webhook_in_flight_reviews 0"),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"hourglass_webhook_http_errors_total{endpoint="mutate",code="500"} 1"#),
        "{metrics}"
    );
}
