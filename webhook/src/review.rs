//! From the bytes the apiserver sends to a typed request: content type, JSON,
//! AdmissionReview envelope, then the request, in that order. Every failure
//! after the `uid` is known becomes a denial the apiserver can show; before
//! that, an HTTP 400.

use std::fmt;

use hourglass_shared::constants::{API_GROUP, API_VERSION};
use hourglass_shared::{HourglassObject, ObjectKind, Operation};
use serde::Deserialize;
use serde_json::Value;

use crate::response::{BAD_REQUEST_CODE, DENIED_CODE};

/// The AdmissionReview versions we read and answer in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewVersion {
    V1,
    V1Beta1,
}

impl ReviewVersion {
    pub fn api_version(self) -> &'static str {
        match self {
            ReviewVersion::V1 => "admission.k8s.io/v1",
            ReviewVersion::V1Beta1 => "admission.k8s.io/v1beta1",
        }
    }

    fn from_api_version(text: &str) -> Option<Self> {
        match text {
            "admission.k8s.io/v1" => Some(ReviewVersion::V1),
            "admission.k8s.io/v1beta1" => Some(ReviewVersion::V1Beta1),
            _ => None,
        }
    }
}

/// One admission request, decoded and typed.
#[derive(Debug)]
pub struct ReviewRequest {
    pub version: ReviewVersion,
    pub uid: String,
    pub kind: ObjectKind,
    pub operation: Operation,
    pub name: String,
    pub namespace: String,
    pub dry_run: bool,
    /// The object on CREATE and UPDATE; `None` on DELETE and CONNECT.
    pub object: Option<HourglassObject>,
    /// The stored object on UPDATE.
    pub old_object: Option<HourglassObject>,
    /// Set when the stored object no longer fits our type: the checks that
    /// compare with it are skipped, and the user is told.
    pub old_object_problem: Option<String>,
}

impl ReviewRequest {
    /// An UPDATE of an object that is being deleted: the only changes left
    /// are its finalizers going away, and refusing them (say, because the
    /// stored object predates a rule) would leave it stuck in deletion.
    pub fn is_finishing_deletion(&self) -> bool {
        self.operation == Operation::Update
            && self
                .object
                .as_ref()
                .is_some_and(|object| object.metadata().deletion_timestamp.is_some())
    }
}

/// Why a request could not be turned into a [`ReviewRequest`].
#[derive(Debug, Clone, PartialEq)]
pub enum DecodeError {
    /// No `uid` to answer to: HTTP 400 with a JSON error.
    NoUid { message: String },
    /// A `uid` is known: answer with a denial.
    Deny {
        version: ReviewVersion,
        uid: String,
        code: u16,
        message: String,
        /// What we could read, for the metrics and the log.
        kind: Option<ObjectKind>,
        operation: Option<Operation>,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::NoUid { message } | DecodeError::Deny { message, .. } => {
                f.write_str(message)
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestFields {
    kind: Option<GroupVersionKind>,
    operation: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    dry_run: Option<bool>,
    #[serde(default)]
    object: Option<Value>,
    #[serde(default)]
    old_object: Option<Value>,
}

#[derive(Deserialize)]
struct GroupVersionKind {
    #[serde(default)]
    group: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    kind: String,
}

/// Whether `content_type` is JSON (`application/json`, any parameters).
pub fn is_json_content_type(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// Decodes a review body. `content_type` is the request's header value.
pub fn decode(content_type: Option<&str>, body: &[u8]) -> Result<ReviewRequest, DecodeError> {
    let json: Result<Value, _> = serde_json::from_slice(body);
    if !is_json_content_type(content_type) {
        let message = format!(
            "Content-Type must be application/json, got {}",
            content_type.map_or_else(|| "none".to_string(), |value| format!("{value:?}"))
        );
        // Answer the review if the body still names one.
        return Err(match json.ok().as_ref().and_then(envelope_uid) {
            Some((version, uid)) => deny(version, uid, BAD_REQUEST_CODE, message),
            None => DecodeError::NoUid { message },
        });
    }
    let mut review = json.map_err(|error| DecodeError::NoUid {
        message: format!("the body is not JSON: {error}"),
    })?;
    if !review.is_object() {
        return Err(DecodeError::NoUid {
            message: "the body is not an AdmissionReview: expected a JSON object".to_string(),
        });
    }
    let request = match review.get("request") {
        Some(request) if request.is_object() => request,
        Some(_) => return Err(no_uid("request must be an object")),
        None => return Err(no_uid("the AdmissionReview has no request")),
    };
    let uid = match request.get("uid") {
        Some(Value::String(uid)) if !uid.is_empty() => uid.clone(),
        _ => return Err(no_uid("request.uid is missing or not a string")),
    };

    let api_version = review
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(version) = ReviewVersion::from_api_version(api_version) else {
        return Err(deny(
            ReviewVersion::V1,
            uid,
            BAD_REQUEST_CODE,
            format!(
                "apiVersion {api_version:?} is not supported; send admission.k8s.io/v1 (or v1beta1)"
            ),
        ));
    };
    let envelope_kind = review
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if envelope_kind != "AdmissionReview" {
        return Err(deny(
            version,
            uid,
            BAD_REQUEST_CODE,
            format!("kind {envelope_kind:?} is not AdmissionReview"),
        ));
    }

    // Taken, not cloned: the request holds the object (and on UPDATE the old
    // one too), the bulk of the body, and the envelope is not read again.
    let request = review
        .get_mut("request")
        .map(Value::take)
        .unwrap_or_default();
    let fields: RequestFields = match serde_json::from_value(request) {
        Ok(fields) => fields,
        Err(error) => {
            return Err(deny(
                version,
                uid,
                BAD_REQUEST_CODE,
                format!("request does not fit admission.k8s.io AdmissionRequest: {error}"),
            ));
        }
    };

    let kind = match fields.kind.as_ref().map(our_kind) {
        Some(Ok(kind)) => kind,
        Some(Err(message)) => return Err(deny(version, uid, BAD_REQUEST_CODE, message)),
        None => {
            return Err(deny(
                version,
                uid,
                BAD_REQUEST_CODE,
                "request.kind is missing".to_string(),
            ));
        }
    };
    let operation = match fields.operation.as_deref() {
        Some("CREATE") => Operation::Create,
        Some("UPDATE") => Operation::Update,
        Some("DELETE") => Operation::Delete,
        Some("CONNECT") => Operation::Connect,
        other => {
            return Err(DecodeError::Deny {
                version,
                uid,
                code: BAD_REQUEST_CODE,
                message: format!(
                    "request.operation {:?} is not CREATE, UPDATE, DELETE or CONNECT",
                    other.unwrap_or_default()
                ),
                kind: Some(kind),
                operation: None,
            });
        }
    };

    let mut decoded = ReviewRequest {
        version,
        uid,
        kind,
        operation,
        name: fields.name.unwrap_or_default(),
        namespace: fields.namespace.unwrap_or_default(),
        dry_run: fields.dry_run.unwrap_or(false),
        object: None,
        old_object: None,
        old_object_problem: None,
    };
    if matches!(operation, Operation::Delete | Operation::Connect) {
        // Nothing to check: the objects are not even read.
        return Ok(decoded);
    }

    let deny_here = |decoded: &ReviewRequest, code, message| DecodeError::Deny {
        version,
        uid: decoded.uid.clone(),
        code,
        message,
        kind: Some(kind),
        operation: Some(operation),
    };
    let object = match fields.object {
        Some(object) if object.is_object() => object,
        _ => {
            return Err(deny_here(
                &decoded,
                BAD_REQUEST_CODE,
                "request.object is missing or not an object".to_string(),
            ));
        }
    };
    let object = HourglassObject::from_value_as(kind, &object)
        // A field of the wrong type: the user's object is refused, naming it.
        .map_err(|error| deny_here(&decoded, DENIED_CODE, error.to_string()))?;
    if decoded.name.is_empty()
        && let Some(name) = object.name()
    {
        decoded.name = name.to_string();
    }
    if decoded.namespace.is_empty()
        && let Some(namespace) = object.namespace()
    {
        decoded.namespace = namespace.to_string();
    }
    decoded.object = Some(object);

    if operation == Operation::Update {
        match fields.old_object {
            Some(old) if old.is_object() => match HourglassObject::from_value_as(kind, &old) {
                Ok(old) => decoded.old_object = Some(old),
                Err(error) => decoded.old_object_problem = Some(error.to_string()),
            },
            _ => {
                decoded.old_object_problem = Some("request.oldObject is missing".to_string());
            }
        }
    }
    Ok(decoded)
}

fn our_kind(gvk: &GroupVersionKind) -> Result<ObjectKind, String> {
    let kind = ObjectKind::from_kind(&gvk.kind)
        .filter(|_| gvk.group == API_GROUP && gvk.version == API_VERSION);
    kind.ok_or_else(|| {
        format!(
            "request.kind {}/{}, Kind={} is not served here; expected {API_GROUP}/{API_VERSION} HourglassExecutor or Performer",
            gvk.group, gvk.version, gvk.kind
        )
    })
}

fn no_uid(message: &str) -> DecodeError {
    DecodeError::NoUid {
        message: message.to_string(),
    }
}

fn deny(version: ReviewVersion, uid: String, code: u16, message: String) -> DecodeError {
    DecodeError::Deny {
        version,
        uid,
        code,
        message,
        kind: None,
        operation: None,
    }
}

/// The version and uid of whatever JSON came in, if it names them.
fn envelope_uid(review: &Value) -> Option<(ReviewVersion, String)> {
    let uid = review.get("request")?.get("uid")?.as_str()?;
    if uid.is_empty() {
        return None;
    }
    let version = review
        .get("apiVersion")
        .and_then(Value::as_str)
        .and_then(ReviewVersion::from_api_version)
        .unwrap_or(ReviewVersion::V1);
    Some((version, uid.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        assert!(is_json_content_type(Some("application/json")));
        assert!(is_json_content_type(Some(
            "Application/JSON; charset=utf-8"
        )));
        assert!(!is_json_content_type(Some("text/plain")));
        assert!(!is_json_content_type(Some("application/yaml")));
        assert!(!is_json_content_type(None));
    }

    #[test]
    fn delete_needs_no_object() {
        let body = serde_json::json!({
            "apiVersion": "admission.k8s.io/v1",
            "kind": "AdmissionReview",
            "request": {
                "uid": "u1",
                "kind": {"group": API_GROUP, "version": API_VERSION, "kind": "Performer"},
                "operation": "DELETE",
                "name": "p",
                "namespace": "ns",
                "object": null,
                "oldObject": {"not": "a performer"}
            }
        });
        let request = decode(Some("application/json"), body.to_string().as_bytes()).unwrap();
        assert_eq!(request.operation, Operation::Delete);
        assert!(request.object.is_none());
        assert_eq!(request.namespace, "ns");
    }
}
