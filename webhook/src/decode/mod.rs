//! From the bytes the apiserver sends to a typed [`ReviewRequest`]: content
//! type, JSON, AdmissionReview envelope, then the request, in that order.
//! What cannot be judged comes back as a typed [`Refusal`] saying what is
//! wrong and whether a `uid` is known to answer to; `response` alone turns
//! it into HTTP (400) or an AdmissionReview denial (400 or 403).
//!
//! Two ways, one answer. [`decode`] first reads the body in one pass
//! straight into the typed request (`direct`: the envelope's strings
//! borrowed from the body, the object typed from its own text, no `Value`
//! of anything). That way only ever answers with a request it is sure of;
//! anything else (a refusal, a field of the wrong type, a key given twice)
//! goes the reference way, [`decode_via_value`], which parses the body into
//! a `Value` and says exactly what is wrong and where. A test holds the two
//! to the same answer on every fixture, hostile row and fuzz seed.

mod direct;

use hourglass_shared::constants::{API_GROUP, API_VERSION};
use hourglass_shared::{HourglassObject, ObjectKind, Operation};
use serde::Deserialize;
use serde_json::Value;

use crate::request::{ReviewRequest, ReviewVersion, operation_from_name};

/// Why a body is not a review the rules can judge.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// Nothing names a review to answer: no usable `request.uid`.
    NoUid { message: String },
    /// The review names its uid, so it can be answered, but not judged.
    Unjudgeable(UnjudgeableReview),
}

/// A review with a uid that the rules cannot judge.
#[derive(Debug, Clone, PartialEq)]
pub struct UnjudgeableReview {
    pub version: ReviewVersion,
    pub uid: String,
    pub problem: Problem,
    pub message: String,
    /// What could be read, for the metrics and the log.
    pub kind: Option<ObjectKind>,
    pub operation: Option<Operation>,
}

/// What is wrong with an unjudgeable review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The review itself: content type, envelope or request fields. Not
    /// the user's doing; the apiserver (or whoever sent it) sent it wrong.
    MalformedReview,
    /// The user's object: a field of the wrong JSON type. Refused like a
    /// broken rule, naming the field.
    ObjectDoesNotFitType,
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
pub fn decode(content_type: Option<&str>, body: &[u8]) -> Result<ReviewRequest, Refusal> {
    if is_json_content_type(content_type)
        && let Some(request) = direct::decode(body)
    {
        return Ok(request);
    }
    decode_via_value(content_type, body)
}

/// The reference decoder: the body parsed into a `Value`, then read field
/// by field, every problem named. [`decode`] gives the same answer.
pub fn decode_via_value(content_type: Option<&str>, body: &[u8]) -> Result<ReviewRequest, Refusal> {
    let json: Result<Value, _> = serde_json::from_slice(body);
    if !is_json_content_type(content_type) {
        let message = format!(
            "Content-Type must be application/json, got {}",
            content_type.map_or_else(|| "none".to_string(), |value| format!("{value:?}"))
        );
        // Answer the review if the body still names one.
        return Err(match json.ok().as_ref().and_then(envelope_uid) {
            Some((version, uid)) => malformed(version, uid, message),
            None => Refusal::NoUid { message },
        });
    }
    let mut review = json.map_err(|error| Refusal::NoUid {
        message: format!("the body is not JSON: {error}"),
    })?;
    if !review.is_object() {
        return Err(no_uid(
            "the body is not an AdmissionReview: expected a JSON object",
        ));
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
        return Err(malformed(
            ReviewVersion::V1,
            uid,
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
        return Err(malformed(
            version,
            uid,
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
            return Err(malformed(
                version,
                uid,
                format!("request does not fit admission.k8s.io AdmissionRequest: {error}"),
            ));
        }
    };

    let kind = match fields.kind.as_ref().map(our_kind) {
        Some(Ok(kind)) => kind,
        Some(Err(message)) => return Err(malformed(version, uid, message)),
        None => {
            return Err(malformed(
                version,
                uid,
                "request.kind is missing".to_string(),
            ));
        }
    };
    let Some(operation) = fields.operation.as_deref().and_then(operation_from_name) else {
        return Err(Refusal::Unjudgeable(UnjudgeableReview {
            version,
            uid,
            problem: Problem::MalformedReview,
            message: format!(
                "request.operation {:?} is not CREATE, UPDATE, DELETE or CONNECT",
                fields.operation.unwrap_or_default()
            ),
            kind: Some(kind),
            operation: None,
        }));
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

    let refuse = |decoded: &ReviewRequest, problem, message| {
        Refusal::Unjudgeable(UnjudgeableReview {
            version,
            uid: decoded.uid.clone(),
            problem,
            message,
            kind: Some(kind),
            operation: Some(operation),
        })
    };
    let object = match fields.object {
        Some(object) if object.is_object() => object,
        _ => {
            return Err(refuse(
                &decoded,
                Problem::MalformedReview,
                "request.object is missing or not an object".to_string(),
            ));
        }
    };
    let object = HourglassObject::from_value_as(kind, &object)
        .map_err(|error| refuse(&decoded, Problem::ObjectDoesNotFitType, error.to_string()))?;
    decoded.set_object(Box::new(object));

    if operation == Operation::Update {
        match fields.old_object {
            Some(old) if old.is_object() => match HourglassObject::from_value_as(kind, &old) {
                Ok(old) => decoded.old_object = Some(Box::new(old)),
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

fn no_uid(message: &str) -> Refusal {
    Refusal::NoUid {
        message: message.to_string(),
    }
}

/// A malformed review whose kind and operation were not read yet.
fn malformed(version: ReviewVersion, uid: String, message: String) -> Refusal {
    Refusal::Unjudgeable(UnjudgeableReview {
        version,
        uid,
        problem: Problem::MalformedReview,
        message,
        kind: None,
        operation: None,
    })
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

    /// An UPDATE review whose request has `kind` before or after the
    /// objects; the rest as the apiserver writes it.
    fn update_review(kind_first: bool) -> String {
        let performer = |image: &str| {
            serde_json::json!({
                "apiVersion": "hourglass.eigenlayer.io/v1alpha1",
                "kind": "Performer",
                "metadata": {"name": "p", "namespace": "ns"},
                "spec": {
                    "avsAddress": "0x1234567890abcdef1234567890abcdef12345678",
                    "image": image,
                    "scheduling": {"tolerations": [{"key": "gpu", "operator": "Exists"}]},
                }
            })
        };
        let kind = format!(
            r#""kind":{{"group":"{API_GROUP}","version":"{API_VERSION}","kind":"Performer"}}"#
        );
        let objects = format!(
            r#""object":{},"oldObject":{}"#,
            performer("avs:v2"),
            performer("avs:v1")
        );
        let (first, second) = if kind_first {
            (&kind, &objects)
        } else {
            (&objects, &kind)
        };
        format!(
            r#"{{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{{"uid":"u1",{first},"operation":"UPDATE",{second},"dryRun":false}}}}"#
        )
    }

    /// The one-pass way answers itself (rather than sending the body the
    /// reference way, which would make it pointless) when the request's
    /// `kind` comes before the objects, as the apiserver writes it (and as
    /// sorted keys have it), and answers as the reference way does. With
    /// the objects first it cannot know their type: the reference way.
    #[test]
    fn the_one_pass_way_answers_a_plain_review_itself() {
        for kind_first in [true, false] {
            let body = update_review(kind_first);
            let direct = direct::decode(body.as_bytes());
            let reference = decode_via_value(Some("application/json"), body.as_bytes()).unwrap();
            if kind_first {
                assert_eq!(direct.as_ref(), Some(&reference), "{body}");
            } else {
                assert_eq!(direct, None, "{body}");
                let decoded = decode(Some("application/json"), body.as_bytes());
                assert_eq!(decoded.as_ref(), Ok(&reference));
            }
            let Some(HourglassObject::Performer(performer)) = reference.object.as_deref() else {
                panic!("{:?}", reference.object);
            };
            assert_eq!(performer.spec.image, "avs:v2");
            assert!(reference.old_object.is_some());
        }
    }

    /// The reviews the benchmarks send (written by `ReviewFixture`, keys
    /// sorted, so `object` before `operation`) are answered in one pass.
    #[test]
    fn the_one_pass_way_answers_the_fixture_reviews_itself() {
        use crate::review_fixture::ReviewFixture;
        let performer = serde_json::json!({
            "apiVersion": "hourglass.eigenlayer.io/v1alpha1",
            "kind": "Performer",
            "metadata": {"name": "p"},
            "spec": {"avsAddress": "0x0000000000000000000000000000000000000001", "image": "a:1"}
        });
        for (operation, old) in [
            (Operation::Create, None),
            (Operation::Update, Some(&performer)),
        ] {
            let body = ReviewFixture::new(operation, Some(&performer), old)
                .to_json()
                .to_string();
            let reference = decode_via_value(Some("application/json"), body.as_bytes()).unwrap();
            assert_eq!(direct::decode(body.as_bytes()), Some(reference), "{body}");
        }
    }

    /// An AdmissionReview written as an array of its fields: serde's
    /// derived structs would read it, the reference way refuses it.
    #[test]
    fn a_review_that_is_not_an_object_goes_the_reference_way() {
        let body = update_review(true);
        let request = &body[body.find("{\"uid\"").unwrap()..body.len() - 1];
        let array = format!(r#"["admission.k8s.io/v1","AdmissionReview",{request}]"#);
        assert_eq!(direct::decode(array.as_bytes()), None);
        assert!(matches!(
            decode(Some("application/json"), array.as_bytes()),
            Err(Refusal::NoUid { .. })
        ));
        // And a request that is an array.
        let fields = r#"["u1",{"group":"hourglass.eigenlayer.io","version":"v1alpha1","kind":"Performer"},"CREATE"]"#;
        let array = format!(
            r#"{{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{fields}}}"#
        );
        assert_eq!(direct::decode(array.as_bytes()), None);
        assert!(decode(Some("application/json"), array.as_bytes()).is_err());
    }

    /// A key of the request given twice goes the reference way, where the
    /// last one counts.
    #[test]
    fn a_request_key_given_twice_goes_the_reference_way() {
        let body = update_review(true).replacen(r#""uid":"u1","#, r#""uid":"u0","uid":"u1","#, 1);
        assert_eq!(direct::decode(body.as_bytes()), None);
        let reference = decode_via_value(Some("application/json"), body.as_bytes()).unwrap();
        assert_eq!(reference.uid, "u1");
    }
}
