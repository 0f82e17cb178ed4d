//! The one-pass way: the body read straight into borrowed envelope structs
//! and the object typed from its own text. It answers only when it is sure
//! the reference decoder (`decode_via_value`) would answer the same request;
//! `None` sends the body that way.

use std::borrow::Cow;

use hourglass_shared::constants::{API_GROUP, API_VERSION};
use hourglass_shared::{HourglassObject, ObjectKind, Operation};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::request::{ReviewRequest, ReviewVersion, operation_from_name};

/// The AdmissionReview. Derived: a key given twice is an error here, so such
/// a body goes the reference way, where the last one counts.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    #[serde(borrow)]
    api_version: Option<Cow<'a, str>>,
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    request: Option<Request<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request<'a> {
    #[serde(borrow)]
    uid: Option<Cow<'a, str>>,
    #[serde(borrow)]
    kind: Option<Kind<'a>>,
    #[serde(borrow)]
    operation: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    namespace: Option<Cow<'a, str>>,
    #[serde(default)]
    dry_run: Option<bool>,
    #[serde(default, borrow)]
    object: Option<&'a RawValue>,
    #[serde(default, borrow)]
    old_object: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Kind<'a> {
    #[serde(default, borrow)]
    group: Cow<'a, str>,
    #[serde(default, borrow)]
    version: Cow<'a, str>,
    #[serde(default, borrow)]
    kind: Cow<'a, str>,
}

/// The request, when the body is a review the rules can judge and every
/// field reads without doubt; `None` otherwise.
pub(super) fn decode(body: &[u8]) -> Option<ReviewRequest> {
    let envelope: Envelope<'_> = serde_json::from_slice(body).ok()?;
    let version = ReviewVersion::from_api_version(envelope.api_version.as_deref()?)?;
    if envelope.kind.as_deref()? != "AdmissionReview" {
        return None;
    }
    let request = envelope.request?;
    let uid = request.uid.filter(|uid| !uid.is_empty())?;
    let gvk = request.kind?;
    if gvk.group != API_GROUP || gvk.version != API_VERSION {
        return None;
    }
    let kind = ObjectKind::from_kind(&gvk.kind)?;
    let operation = operation_from_name(request.operation.as_deref()?)?;

    let mut decoded = ReviewRequest {
        version,
        uid: uid.into_owned(),
        kind,
        operation,
        name: request.name.map(Cow::into_owned).unwrap_or_default(),
        namespace: request.namespace.map(Cow::into_owned).unwrap_or_default(),
        dry_run: request.dry_run.unwrap_or(false),
        object: None,
        old_object: None,
        old_object_problem: None,
    };
    if matches!(operation, Operation::Delete | Operation::Connect) {
        return Some(decoded);
    }
    let object = HourglassObject::from_json_str_as(kind, request.object?.get())?;
    decoded.set_object(object);
    if operation == Operation::Update {
        // A stored object that does not fit is reported by the reference way.
        decoded.old_object = Some(HourglassObject::from_json_str_as(
            kind,
            request.old_object?.get(),
        )?);
    }
    Some(decoded)
}
