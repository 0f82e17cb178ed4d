//! What every answer of the webhook's review handling must look like,
//! whatever bytes come in. The `review_handler` fuzz target and
//! `webhook/tests/fuzz_regressions.rs` (`#[path]`-included) both call
//! [`ReviewHarness::check`], so a crash input replayed by the test fails on
//! the same assertion.
//!
//! The body goes through the real router, in process, on a current-thread
//! runtime: the handler is async (body limits, the executor cache), and
//! the router is the narrowest entry point that answers with HTTP.
//!
//! When the body is a JSON object whose `request.uid` is a non-empty string,
//! the answer must be a 200 AdmissionReview with that uid; otherwise a 4xx
//! with `{"error": "..."}`. A patch comes with its type, as base64 of a JSON
//! Patch that applies to `request.object`, and mutating the patched object
//! adds nothing more.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hourglass_shared::{HourglassExecutor, HourglassObject, ObjectKind};
use hourglass_webhook::{AppState, StaticExecutors, router};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

/// The namespace the seeds' reviews name; the main executor lives there, so
/// a performer naming it inherits its default scheduling.
pub const NAMESPACE: &str = "hourglass-fuzz";

/// Kubernetes shows admission warnings of up to this many characters.
const MAX_WARNING_CHARS: usize = 120;

const JSON: &str = "application/json";

/// A router with the main executor in its cache, and a runtime to drive it.
pub struct ReviewHarness {
    runtime: tokio::runtime::Runtime,
    router: Router,
}

/// One answer: HTTP status, content type and the body as JSON (`Null` if it is not JSON).
struct Answer {
    status: StatusCode,
    content_type: String,
    json: Value,
}

/// Who the body says it is, when it names a review to answer.
struct ReviewIdentity {
    uid: String,
    /// The apiVersion the answer must carry.
    api_version: &'static str,
}

impl Default for ReviewHarness {
    fn default() -> Self {
        Self::new()
    }
}

impl ReviewHarness {
    pub fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a current-thread runtime starts");
        let main_executor: HourglassExecutor =
            serde_yaml_ng::from_str(include_str!("../../manifests/examples/main-executor.yaml"))
                .expect("the main executor example parses");
        let executors = StaticExecutors::new().with(NAMESPACE, &main_executor);
        ReviewHarness {
            runtime,
            router: router(AppState::new(Arc::new(executors))),
        }
    }

    /// Sends `body` to `/validate` and `/mutate` as JSON, and to `/validate`
    /// with a wrong content type, checking every answer.
    pub fn check(&self, body: &[u8]) {
        let sent: Option<Value> = serde_json::from_slice(body).ok();
        let identity = sent.as_ref().and_then(review_identity);
        for path in ["/validate", "/mutate"] {
            let answer = self.post(path, Some(JSON), body);
            match (&identity, &sent) {
                (Some(identity), Some(sent)) => {
                    let response = check_review_answer(path, identity, &answer, body);
                    if let Some(patch) = check_patch(path, response, body) {
                        self.check_patched(sent, &patch, body);
                    }
                }
                _ => check_error_answer(path, &answer, body),
            }
        }

        // A review in the wrong content type is still answered (refused)
        // when its uid can be read.
        let answer = self.post("/validate", Some("text/plain"), body);
        match &identity {
            Some(identity) => {
                let response =
                    check_review_answer("/validate (text/plain)", identity, &answer, body);
                assert_eq!(
                    response["allowed"],
                    json!(false),
                    "a review sent as text/plain must be refused\n{}",
                    shown(body)
                );
                assert_eq!(
                    response["status"]["code"],
                    json!(400),
                    "a review sent as text/plain is a bad request\n{}",
                    shown(body)
                );
            }
            None => check_error_answer("/validate (text/plain)", &answer, body),
        }
    }

    /// The object with `patch` applied must parse as its kind, and mutating
    /// it again must admit it with nothing more to add.
    fn check_patched(&self, sent: &Value, patch: &json_patch::Patch, body: &[u8]) {
        let request = &sent["request"];
        let mut object = request["object"].clone();
        json_patch::patch(&mut object, patch).unwrap_or_else(|error| {
            panic!(
                "/mutate: the patch does not apply to request.object: {error}\npatch: {}\n{}",
                serde_json::to_string(patch).unwrap_or_default(),
                shown(body)
            )
        });
        let kind = request["kind"]["kind"]
            .as_str()
            .and_then(ObjectKind::from_kind)
            .expect("a patched review named one of our kinds");
        if let Err(error) = HourglassObject::from_value_as(kind, &object) {
            panic!(
                "/mutate: the patched object no longer parses: {error}\n{}",
                shown(body)
            );
        }
        let mut again = sent.clone();
        again["request"]["object"] = object;
        let again_body = again.to_string();
        let answer = self.post("/mutate", Some(JSON), again_body.as_bytes());
        let identity = review_identity(&again).expect("the same uid as before");
        let response = check_review_answer("/mutate (patched)", &identity, &answer, body);
        assert_eq!(
            response["allowed"],
            json!(true),
            "/mutate refuses the object it patched itself: {}\n{}",
            response["status"]["message"],
            shown(body)
        );
        assert!(
            response.get("patch").is_none(),
            "/mutate is not idempotent: the patched object gets another patch {}\n{}",
            response["patch"],
            shown(body)
        );
    }

    fn post(&self, path: &str, content_type: Option<&str>, body: &[u8]) -> Answer {
        let mut request = Request::builder().method("POST").uri(path);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let request = request
            .body(Body::from(body.to_vec()))
            .expect("a request with a fixed method, path and header");
        self.runtime.block_on(async {
            let response = self
                .router
                .clone()
                .oneshot(request)
                .await
                .unwrap_or_else(|never| match never {});
            let status = response.status();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let bytes = response
                .into_body()
                .collect()
                .await
                .expect("an in-memory body reads")
                .to_bytes();
            Answer {
                status,
                content_type,
                json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            }
        })
    }
}

/// The uid and answer version of a body that is a JSON object with
/// `request.uid` a non-empty string.
fn review_identity(sent: &Value) -> Option<ReviewIdentity> {
    let uid = sent
        .as_object()?
        .get("request")?
        .as_object()?
        .get("uid")?
        .as_str()?;
    if uid.is_empty() {
        return None;
    }
    let api_version = match sent.get("apiVersion").and_then(Value::as_str) {
        Some("admission.k8s.io/v1beta1") => "admission.k8s.io/v1beta1",
        _ => "admission.k8s.io/v1",
    };
    Some(ReviewIdentity {
        uid: uid.to_string(),
        api_version,
    })
}

/// A 200 AdmissionReview answering `identity`; returns its `response`.
fn check_review_answer<'a>(
    path: &str,
    identity: &ReviewIdentity,
    answer: &'a Answer,
    body: &[u8],
) -> &'a Value {
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "{path}: a review with a uid must be answered with 200, got {} {}\n{}",
        answer.status,
        answer.json,
        shown(body)
    );
    assert_json_content_type(path, answer, body);
    let review = &answer.json;
    assert_eq!(
        review["apiVersion"],
        json!(identity.api_version),
        "{path}: answer in the wrong apiVersion: {review}\n{}",
        shown(body)
    );
    assert_eq!(
        review["kind"],
        json!("AdmissionReview"),
        "{path}: answer is not an AdmissionReview: {review}\n{}",
        shown(body)
    );
    let response = &review["response"];
    assert_eq!(
        response["uid"],
        json!(identity.uid),
        "{path}: answer for another uid: {review}\n{}",
        shown(body)
    );
    match response["allowed"].as_bool() {
        Some(true) => assert!(
            response.get("status").is_none(),
            "{path}: an admission with a failure status: {review}\n{}",
            shown(body)
        ),
        Some(false) => {
            let status = &response["status"];
            assert!(
                matches!(status["code"].as_u64(), Some(400 | 403)),
                "{path}: a refusal needs code 400 or 403: {review}\n{}",
                shown(body)
            );
            assert_eq!(status["status"], json!("Failure"), "{path}: {review}");
            assert!(
                status["message"]
                    .as_str()
                    .is_some_and(|message| !message.trim().is_empty()),
                "{path}: a refusal must say why: {review}\n{}",
                shown(body)
            );
            assert!(
                response.get("patch").is_none() && response.get("patchType").is_none(),
                "{path}: a refusal with a patch: {review}\n{}",
                shown(body)
            );
        }
        None => panic!(
            "{path}: response.allowed is not a boolean: {review}\n{}",
            shown(body)
        ),
    }
    if let Some(warnings) = response.get("warnings") {
        let warnings = warnings
            .as_array()
            .unwrap_or_else(|| panic!("{path}: warnings is not a list: {review}\n{}", shown(body)));
        for warning in warnings {
            let text = warning.as_str().unwrap_or_else(|| {
                panic!(
                    "{path}: a warning is not a string: {review}\n{}",
                    shown(body)
                )
            });
            let length = text.chars().count();
            assert!(
                length <= MAX_WARNING_CHARS,
                "{path}: warning of {length} characters (at most {MAX_WARNING_CHARS}): {text:?}\n{}",
                shown(body)
            );
        }
    }
    response
}

/// `patch` and `patchType` both present or both absent; the patch is
/// standard base64 of a non-empty JSON Patch. Returns the decoded patch.
fn check_patch(path: &str, response: &Value, body: &[u8]) -> Option<json_patch::Patch> {
    let (patch, patch_type) = (response.get("patch"), response.get("patchType"));
    assert_eq!(
        patch.is_some(),
        patch_type.is_some(),
        "{path}: patch and patchType must come together: {response}\n{}",
        shown(body)
    );
    let encoded = patch?;
    assert_eq!(
        path,
        "/mutate",
        "{path}: only /mutate patches: {response}\n{}",
        shown(body)
    );
    assert_eq!(patch_type, Some(&json!("JSONPatch")), "{path}: {response}");
    let bytes = encoded
        .as_str()
        .and_then(|text| STANDARD.decode(text).ok())
        .unwrap_or_else(|| {
            panic!(
                "{path}: the patch is not a standard base64 string: {response}\n{}",
                shown(body)
            )
        });
    let patch: json_patch::Patch = serde_json::from_slice(&bytes).unwrap_or_else(|error| {
        panic!(
            "{path}: the patch is not a JSON Patch ({error}): {}\n{}",
            String::from_utf8_lossy(&bytes),
            shown(body)
        )
    });
    assert!(
        !patch.0.is_empty(),
        "{path}: an empty patch must be left out\n{}",
        shown(body)
    );
    Some(patch)
}

/// A 4xx with `{"error": "..."}`.
fn check_error_answer(path: &str, answer: &Answer, body: &[u8]) {
    assert!(
        answer.status.is_client_error(),
        "{path}: a body that names no review must get a 4xx, got {} {}\n{}",
        answer.status,
        answer.json,
        shown(body)
    );
    assert_json_content_type(path, answer, body);
    assert!(
        answer.json["error"]
            .as_str()
            .is_some_and(|message| !message.trim().is_empty()),
        "{path}: a 4xx must carry {{\"error\": \"...\"}}, got {}\n{}",
        answer.json,
        shown(body)
    );
}

fn assert_json_content_type(path: &str, answer: &Answer, body: &[u8]) {
    assert!(
        answer.content_type.starts_with(JSON),
        "{path}: answered with content type {:?}\n{}",
        answer.content_type,
        shown(body)
    );
}

/// The input in a failure message, cut so a huge one stays readable.
fn shown(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let cut: String = text.chars().take(4000).collect();
    format!("body: {cut}")
}
