//! Every answer of the TLS port, and the one place that decides what a
//! refusal looks like on the wire: an AdmissionReview (admitted, denied by
//! the rules, or denied because it cannot be judged) when a `uid` is known,
//! otherwise an HTTP error with `{"error": "..."}`.
//!
//! The AdmissionReview is written by hand for its wire format: kube-core's
//! `AdmissionResponse` serializes `patch` as a JSON array of numbers, while
//! the apiserver expects the `[]byte` encoding of Go's JSON, a base64
//! string. Here the patch is a base64 string, and `patch` and `patchType`
//! are both present or both absent.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use crate::body::BodyRefusal;
use crate::decode::{Problem, UnjudgeableReview};
use crate::request::ReviewVersion;

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionReviewOut {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub response: AdmissionResponseOut,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionResponseOut {
    pub uid: String,
    pub allowed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub patch: Option<PatchOut>,
}

/// `metav1.Status` as the apiserver reads it from a denial.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct StatusOut {
    /// Always "Failure": only denials carry a status.
    pub status: &'static str,
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
}

/// Both or neither: a patch without its type is refused by the apiserver.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PatchOut {
    /// The JSON Patch document, base64 (standard alphabet, padded).
    pub patch: String,
    pub patch_type: &'static str,
}

/// Why an object is denied, as `status.code` and `status.reason` say it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DenialStatus {
    /// A review we cannot read: 400 BadRequest.
    BadRequest,
    /// The object is refused (broken rules, or a field of the wrong type):
    /// 403 Forbidden.
    Forbidden,
}

impl DenialStatus {
    fn code(self) -> u16 {
        match self {
            DenialStatus::BadRequest => 400,
            DenialStatus::Forbidden => 403,
        }
    }

    fn reason(self) -> &'static str {
        match self {
            DenialStatus::BadRequest => "BadRequest",
            DenialStatus::Forbidden => "Forbidden",
        }
    }
}

impl AdmissionResponseOut {
    pub fn allow(uid: impl Into<String>) -> Self {
        AdmissionResponseOut {
            uid: uid.into(),
            allowed: true,
            status: None,
            warnings: Vec::new(),
            patch: None,
        }
    }

    /// Refuses the object for the rules it breaks: 403 Forbidden.
    pub fn deny(uid: impl Into<String>, message: impl Into<String>) -> Self {
        Self::denial(uid.into(), DenialStatus::Forbidden, message.into())
    }

    fn denial(uid: String, status: DenialStatus, message: String) -> Self {
        AdmissionResponseOut {
            uid,
            allowed: false,
            status: Some(StatusOut {
                status: "Failure",
                code: status.code(),
                reason: status.reason(),
                message,
            }),
            warnings: Vec::new(),
            patch: None,
        }
    }

    pub fn with_warnings(mut self, warnings: Vec<String>) -> Self {
        self.warnings = warnings;
        self
    }

    /// Attaches `patch` unless it is empty: an object that needs nothing gets
    /// neither `patch` nor `patchType`.
    pub fn with_patch(mut self, patch: &json_patch::Patch) -> Self {
        if patch.0.is_empty() {
            self.patch = None;
            return self;
        }
        // A Patch is a list of operations on JSON values: it always serializes.
        let bytes = serde_json::to_vec(patch).unwrap_or_default();
        self.patch = Some(PatchOut {
            patch: STANDARD.encode(bytes),
            patch_type: "JSONPatch",
        });
        self
    }

    pub fn is_mutated(&self) -> bool {
        self.patch.is_some()
    }

    pub fn into_review(self, version: ReviewVersion) -> AdmissionReviewOut {
        AdmissionReviewOut {
            api_version: version.api_version(),
            kind: "AdmissionReview",
            response: self,
        }
    }
}

impl AdmissionReviewOut {
    /// The answer to a review that names its uid but cannot be judged: 400
    /// BadRequest for a malformed review, 403 Forbidden for an object that
    /// does not fit its type (the user's mistake, refused like a broken rule).
    pub fn refusal(review: UnjudgeableReview) -> Self {
        let status = match review.problem {
            Problem::MalformedReview => DenialStatus::BadRequest,
            Problem::ObjectDoesNotFitType => DenialStatus::Forbidden,
        };
        AdmissionResponseOut::denial(review.uid, status, review.message).into_review(review.version)
    }
}

impl IntoResponse for AdmissionReviewOut {
    fn into_response(self) -> Response {
        // Written at once into a buffer the size of a usual answer (a few
        // warnings), rather than grown from axum::Json's 128 bytes.
        let mut body = Vec::with_capacity(ANSWER_CAPACITY);
        match serde_json::to_writer(&mut body, &self) {
            Ok(()) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
            // Strings, numbers and booleans only: this cannot fail.
            Err(_) => HttpError::panicked().into_response(),
        }
    }
}

/// Bytes reserved for an AdmissionReview answer.
const ANSWER_CAPACITY: usize = 1024;

/// An answer without an AdmissionReview, for a request with no uid to
/// answer to: HTTP status and `{"error": "..."}`.
#[derive(Debug, Clone)]
pub struct HttpError {
    pub status: StatusCode,
    pub message: String,
}

impl HttpError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        HttpError {
            status,
            message: message.into(),
        }
    }

    /// A body that names no review (`Refusal::NoUid`): 400.
    pub fn no_uid(message: impl Into<String>) -> Self {
        HttpError::new(StatusCode::BAD_REQUEST, message)
    }

    /// A body refused while it was read: 413 too large, 408 too slow, 400 broken.
    pub fn body(refusal: &BodyRefusal) -> Self {
        let status = match refusal {
            BodyRefusal::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            BodyRefusal::TooSlow { .. } => StatusCode::REQUEST_TIMEOUT,
            BodyRefusal::Broken { .. } => StatusCode::BAD_REQUEST,
        };
        HttpError::new(status, refusal.to_string())
    }

    /// A path other than `/validate` and `/mutate`: 404.
    pub fn not_found() -> Self {
        HttpError::new(
            StatusCode::NOT_FOUND,
            "not found: this server answers POST /validate and POST /mutate",
        )
    }

    /// A method other than POST: 405.
    pub fn method_not_allowed() -> Self {
        HttpError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed: send admission reviews with POST",
        )
    }

    /// A review that panicked: 500, the details in the log only.
    pub fn panicked() -> Self {
        HttpError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error while answering the review; the webhook logged the details",
        )
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(serde_json::json!({ "error": self.message })),
        )
            .into_response()
    }
}
