//! The one-pass way: the body read straight into borrowed envelope structs,
//! the object typed where it stands in the body. It answers only when it is
//! sure the reference decoder (`decode_via_value`) would answer the same
//! request; `None` sends the body that way.

use std::borrow::Cow;
use std::fmt;

use hourglass_shared::constants::{API_GROUP, API_VERSION};
use hourglass_shared::{HourglassObject, ObjectKind, Operation};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use crate::request::{ReviewRequest, ReviewVersion, operation_from_name};

/// The AdmissionReview. Derived: a key given twice is an error here, so such
/// a body goes the reference way, where the last one counts.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    #[serde(borrow)]
    api_version: Option<Text<'a>>,
    #[serde(borrow)]
    kind: Option<Text<'a>>,
    #[serde(borrow)]
    request: Option<Request<'a>>,
}

/// The AdmissionRequest, with the objects typed (see [`RequestVisitor`]).
#[derive(Default)]
struct Request<'a> {
    uid: Option<Text<'a>>,
    kind: Option<Kind<'a>>,
    operation: Option<Text<'a>>,
    name: Option<Text<'a>>,
    namespace: Option<Text<'a>>,
    dry_run: Option<bool>,
    object: Option<Box<HourglassObject>>,
    old_object: Option<Box<HourglassObject>>,
}

/// A string borrowed from the body, or owned when JSON escapes in it had
/// to be undone. serde's own `Cow<str>` is always owned except as a
/// derived struct's field marked `borrow`, so every key of the request and
/// every string of the envelope used to be a fresh allocation.
#[derive(Default)]
struct Text<'a>(Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(text)))
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(text.to_owned())))
            }
        }

        deserializer.deserialize_str(TextVisitor)
    }
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

impl<'a> Request<'a> {
    /// The type the request's objects are read as: known once `kind` is,
    /// which the apiserver writes before `object`.
    fn object_kind(&self) -> Option<ObjectKind> {
        let gvk = self.kind.as_ref()?;
        if gvk.group != API_GROUP || gvk.version != API_VERSION {
            return None;
        }
        ObjectKind::from_kind(&gvk.kind)
    }

    fn operation(&self) -> Option<Operation> {
        operation_from_name(self.operation.as_deref()?)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Request<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RequestVisitor(std::marker::PhantomData))
    }
}

/// Reads the request's fields, and `object` and `oldObject` straight into
/// their type, as far as the operation needs them (CREATE the object,
/// UPDATE both; DELETE and CONNECT neither). An object that comes before
/// the request's `kind` (the apiserver writes `kind` first, and sorted
/// keys have it first too), one that does not read in one pass, or a field
/// given twice is an error: the body goes the reference way.
struct RequestVisitor<'a>(std::marker::PhantomData<Request<'a>>);

impl<'de: 'a, 'a> Visitor<'de> for RequestVisitor<'a> {
    type Value = Request<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an AdmissionRequest")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Request<'a>, A::Error> {
        fn once<T, E: de::Error>(slot: &mut Option<T>, value: T) -> Result<(), E> {
            match slot.replace(value) {
                None => Ok(()),
                Some(_) => Err(E::custom("a field given twice")),
            }
        }
        let mut request = Request::default();
        let (mut object_seen, mut old_object_seen) = (false, false);
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match &*key {
                "uid" => {
                    let uid = map.next_value::<Option<Text<'de>>>()?;
                    once(&mut request.uid, uid.unwrap_or_default())?;
                }
                "kind" => {
                    let kind = map.next_value::<Option<Kind<'de>>>()?;
                    match kind {
                        Some(kind) => once(&mut request.kind, kind)?,
                        None => return Err(de::Error::custom("request.kind is null")),
                    }
                }
                "operation" => {
                    let operation = map.next_value::<Option<Text<'de>>>()?;
                    match operation {
                        Some(operation) => once(&mut request.operation, operation)?,
                        None => return Err(de::Error::custom("request.operation is null")),
                    }
                }
                "name" => {
                    let name = map.next_value::<Option<Text<'de>>>()?;
                    once(&mut request.name, name.unwrap_or_default())?;
                }
                "namespace" => {
                    let namespace = map.next_value::<Option<Text<'de>>>()?;
                    once(&mut request.namespace, namespace.unwrap_or_default())?;
                }
                "dryRun" => {
                    let dry_run = map.next_value::<Option<bool>>()?;
                    once(&mut request.dry_run, dry_run.unwrap_or(false))?;
                }
                "object" | "oldObject" => {
                    let old = &*key == "oldObject";
                    let seen = if old {
                        &mut old_object_seen
                    } else {
                        &mut object_seen
                    };
                    if std::mem::replace(seen, true) {
                        return Err(de::Error::custom("a field given twice"));
                    }
                    // Before the operation is known (keys in sorted order,
                    // as a `Value` writes them), both are read.
                    let needed = match request.operation() {
                        Some(Operation::Create) => !old,
                        Some(Operation::Update) | None => true,
                        Some(Operation::Delete | Operation::Connect) => false,
                    };
                    if !needed {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    }
                    let Some(kind) = request.object_kind() else {
                        return Err(de::Error::custom("an object before its kind"));
                    };
                    let object = map.next_value_seed(ObjectSeed(kind))?;
                    if old {
                        request.old_object = object;
                    } else {
                        request.object = object;
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(request)
    }
}

/// An object of the given kind, or null. Boxed as soon as it is read (see
/// `ReviewRequest::object`).
struct ObjectSeed(ObjectKind);

impl<'de> DeserializeSeed<'de> for ObjectSeed {
    type Value = Option<Box<HourglassObject>>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed {
    type Value = Option<Box<HourglassObject>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} or null", self.0)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        HourglassObject::deserialize_as(self.0, deserializer).map(|object| Some(Box::new(object)))
    }
}

/// The request, when the body is a review the rules can judge and every
/// field reads without doubt; `None` otherwise.
pub(super) fn decode(body: &[u8]) -> Option<ReviewRequest> {
    // serde's derived `Envelope` would also read an array of its fields;
    // the reference way refuses anything but an object.
    if body.trim_ascii_start().first() != Some(&b'{') {
        return None;
    }
    // Read as text after one UTF-8 check of the whole: serde_json then
    // checks no string on its own, as it must when reading bytes. The
    // check says nothing of where a body is not UTF-8; the reference way,
    // which such a body goes, does.
    let text = simdutf8::basic::from_utf8(body).ok()?;
    let envelope: Envelope<'_> = serde_json::from_str(text).ok()?;
    let version = ReviewVersion::from_api_version(envelope.api_version.as_deref()?)?;
    if envelope.kind.as_deref()? != "AdmissionReview" {
        return None;
    }
    let request = envelope.request?;
    let kind = request.object_kind()?;
    let operation = request.operation()?;
    let uid = request.uid.filter(|uid| !uid.is_empty())?;

    let mut decoded = ReviewRequest {
        version,
        uid: uid.0.into_owned(),
        kind,
        operation,
        name: request
            .name
            .map(|name| name.0.into_owned())
            .unwrap_or_default(),
        namespace: request
            .namespace
            .map(|namespace| namespace.0.into_owned())
            .unwrap_or_default(),
        dry_run: request.dry_run.unwrap_or(false),
        object: None,
        old_object: None,
        old_object_problem: None,
    };
    if matches!(operation, Operation::Delete | Operation::Connect) {
        return Some(decoded);
    }
    decoded.set_object(request.object?);
    if operation == Operation::Update {
        // A stored object that does not fit is reported by the reference way.
        decoded.old_object = Some(request.old_object?);
    }
    Some(decoded)
}
