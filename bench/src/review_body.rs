//! The request body the benchmark sends: the Complex Performer example in an
//! `admission.k8s.io/v1` AdmissionReview, built by the webhook's own
//! `review_fixture` (the builder its tests and fuzz seeds use), so the
//! benchmark sends what the apiserver sends on a create; and the floor
//! server's canned answers, the webhook's own answers to that review.

use std::sync::Arc;

use crate::examples::example;
use axum::body::Body;
use hourglass_shared::Operation;
use hourglass_webhook::executor_cache::NoExecutors;
use hourglass_webhook::review_fixture::ReviewFixture;
use hourglass_webhook::{AppState, router};
use serde_json::{Value, json};
use tower::ServiceExt as _;

/// The namespace the review names; any will do, the webhook only reports it.
const NAMESPACE: &str = "bench";

/// The CREATE review of `manifests/examples/complex-performer.yaml`.
pub fn complex_performer_create() -> Result<Value, String> {
    let mut performer = example("complex-performer.yaml").map_err(|e| e.to_string())?;
    performer["metadata"]["namespace"] = json!(NAMESPACE);
    Ok(
        ReviewFixture::new(Operation::Create, Some(&performer), None)
            .namespace(NAMESPACE)
            .to_json(),
    )
}

/// The CREATE review of the Complex Performer padded with an annotation to
/// `total` bytes: what the hostile table's near-limit rows send.
pub fn padded_create(total: usize) -> Result<Vec<u8>, String> {
    let with_padding = |text: String| -> Result<Vec<u8>, String> {
        let mut performer = example("complex-performer.yaml").map_err(|e| e.to_string())?;
        performer["metadata"]["namespace"] = json!(NAMESPACE);
        performer["metadata"]["annotations"] = json!({ "bench.example/padding": text });
        let review = ReviewFixture::new(Operation::Create, Some(&performer), None)
            .namespace(NAMESPACE)
            .to_json();
        Ok(review.to_string().into_bytes())
    };
    let base = with_padding(String::new())?.len();
    with_padding("x".repeat(total.saturating_sub(base)))
}

/// The answers of /validate and /mutate to `review`, byte for byte what the
/// webhook binary sends with `--no-executor-watch` (the same state: no
/// executors, no references known, the default hardware profile).
pub fn canned_answers(review: &Value) -> Result<(Vec<u8>, Vec<u8>), String> {
    // Timers: the handler bounds the body read in time.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    let answer = |path: &str| {
        runtime.block_on(async {
            let request = axum::http::Request::post(path)
                .header("content-type", "application/json")
                .body(Body::from(review.to_string()))
                .map_err(|e| e.to_string())?;
            let response = router(AppState::new(Arc::new(NoExecutors)))
                .oneshot(request)
                .await
                .map_err(|e| e.to_string())?;
            if !response.status().is_success() {
                return Err(format!("{path} answered {}", response.status()));
            }
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .map_err(|e| e.to_string())?;
            Ok(bytes.to_vec())
        })
    };
    Ok((answer("/validate")?, answer("/mutate")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_review_wraps_the_complex_performer() {
        let review = complex_performer_create().unwrap();
        let request = &review["request"];
        assert_eq!(request["kind"]["kind"], "Performer");
        assert_eq!(request["resource"]["resource"], "performers");
        assert_eq!(request["name"], "complex-performer");
        assert_eq!(request["namespace"], NAMESPACE);
        assert_eq!(request["object"]["metadata"]["namespace"], NAMESPACE);
        assert!(request["object"]["spec"]["hardwareRequirements"].is_object());
    }

    #[test]
    fn the_padded_review_has_the_asked_for_size() {
        let size = 256 * 1024;
        assert_eq!(padded_create(size).unwrap().len(), size);
    }

    #[test]
    fn the_canned_answers_admit_the_review() {
        let review = complex_performer_create().unwrap();
        let (validate, mutate) = canned_answers(&review).unwrap();
        let validate: Value = serde_json::from_slice(&validate).unwrap();
        let mutate: Value = serde_json::from_slice(&mutate).unwrap();
        assert_eq!(validate["response"]["allowed"], true, "{validate}");
        assert_eq!(validate["response"]["uid"], review["request"]["uid"]);
        assert_eq!(mutate["response"]["allowed"], true, "{mutate}");
        assert_eq!(mutate["response"]["patchType"], "JSONPatch", "{mutate}");
    }
}
