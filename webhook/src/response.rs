//! The AdmissionReview we answer with, written by hand for its wire format.
//!
//! kube-core's `AdmissionResponse` serializes `patch` as a JSON array of
//! numbers; the apiserver expects the `[]byte` encoding of Go's JSON, a base64
//! string. Here the patch is a base64 string, and `patch` and `patchType` are
//! both present or both absent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use crate::review::ReviewVersion;

/// `status.code` of a denial for broken rules: the object is refused.
pub const DENIED_CODE: u16 = 403;
/// `status.code` of a denial for a review we cannot read.
pub const BAD_REQUEST_CODE: u16 = 400;

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

    /// Refuses the object: `code` 403 for broken rules, 400 for an unreadable review.
    pub fn deny(uid: impl Into<String>, code: u16, message: impl Into<String>) -> Self {
        let reason = match code {
            BAD_REQUEST_CODE => "BadRequest",
            DENIED_CODE => "Forbidden",
            _ => "InternalError",
        };
        AdmissionResponseOut {
            uid: uid.into(),
            allowed: false,
            status: Some(StatusOut {
                status: "Failure",
                code,
                reason,
                message: message.into(),
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

impl IntoResponse for AdmissionReviewOut {
    fn into_response(self) -> Response {
        axum::Json(self).into_response()
    }
}

/// A request we could not read far enough to find its `uid`: HTTP status
/// and `{"error": "..."}`.
#[derive(Debug, Clone)]
pub struct HttpError {
    pub status: StatusCode,
    pub message: String,
}

impl HttpError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        HttpError {
            status,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        HttpError::new(StatusCode::BAD_REQUEST, message)
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        json_error(self.status, &self.message)
    }
}

/// `{"error": message}` with `status`.
pub fn json_error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
}
