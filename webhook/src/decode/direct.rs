//! The one-pass way: the body read straight into borrowed envelope structs,
//! the object typed where it stands in the body, its shape as sent recorded
//! in the same pass (`HourglassObject::deserialize_as`). It answers only when it is sure
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

/// The review's request. Read by hand rather than derived so that the
/// object is typed where it stands in the body, in the same pass, when
/// `kind` comes before it (as the apiserver writes it); otherwise its text
/// is kept and typed afterwards. A key given twice is an error, as derived.
#[derive(Default)]
struct Request<'a> {
    uid: Option<Cow<'a, str>>,
    kind: Option<Kind<'a>>,
    operation: Option<Cow<'a, str>>,
    name: Option<Cow<'a, str>>,
    namespace: Option<Cow<'a, str>>,
    dry_run: Option<bool>,
    object: Option<SentObject<'a>>,
    old_object: Option<SentObject<'a>>,
}

/// A string of the body, borrowed when it has no escapes (`Cow`'s own
/// `Deserialize` always copies; derived fields borrow with `serde(borrow)`).
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> serde::de::Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(text)))
            }
            fn visit_str<E>(self, text: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(text.to_string())))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// The value at the map's next value as an optional string.
fn next_text<'de, A: serde::de::MapAccess<'de>>(
    map: &mut A,
) -> Result<Option<Cow<'de, str>>, A::Error> {
    Ok(map.next_value::<Option<Text<'de>>>()?.map(|text| text.0))
}

/// An object of the request: read already, or its text.
enum SentObject<'a> {
    /// `None` where the round trip would change its shape. Boxed: moved
    /// through the envelope's layers, the object (over a kilobyte) was
    /// copied at each.
    Read(Option<Box<HourglassObject>>),
    Text(&'a RawValue),
}

impl SentObject<'_> {
    fn read_as(self, kind: ObjectKind) -> Option<HourglassObject> {
        match self {
            SentObject::Read(object) => object.map(|object| *object),
            SentObject::Text(text) => HourglassObject::from_json_str_as(kind, text.get()),
        }
    }
}

/// Reads an object as `kind` where it stands; `null` is no object.
struct ObjectSeed(ObjectKind);

impl<'de> serde::de::DeserializeSeed<'de> for ObjectSeed {
    type Value = Option<SentObject<'de>>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ObjectSeed {
    type Value = Option<SentObject<'de>>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object or null")
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        let object = HourglassObject::deserialize_as(self.0, deserializer)?;
        Ok(Some(SentObject::Read(object.map(Box::new))))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Request<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RequestVisitor)
    }
}

struct RequestVisitor;

impl<'de> serde::de::Visitor<'de> for RequestVisitor {
    type Value = Request<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an admission request")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Request<'de>, A::Error> {
        // Each key's bit once seen: a key given twice is an error, as derived.
        let mut seen = 0u8;
        let mut first = |bit: u8, key: &'static str| {
            let again = seen & bit != 0;
            seen |= bit;
            match again {
                false => Ok(()),
                true => Err(<A::Error as serde::de::Error>::duplicate_field(key)),
            }
        };
        let mut request = Request::default();
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            match key.as_ref() {
                "uid" => {
                    first(1, "uid")?;
                    request.uid = next_text(&mut map)?;
                }
                "kind" => {
                    first(2, "kind")?;
                    request.kind = map.next_value()?;
                }
                "operation" => {
                    first(4, "operation")?;
                    request.operation = next_text(&mut map)?;
                }
                "name" => {
                    first(8, "name")?;
                    request.name = next_text(&mut map)?;
                }
                "namespace" => {
                    first(16, "namespace")?;
                    request.namespace = next_text(&mut map)?;
                }
                "dryRun" => {
                    first(32, "dryRun")?;
                    request.dry_run = map.next_value()?;
                }
                "object" => {
                    first(64, "object")?;
                    request.object = read_object(&mut map, request.kind.as_ref())?;
                }
                "oldObject" => {
                    first(128, "oldObject")?;
                    request.old_object = read_object(&mut map, request.kind.as_ref())?;
                }
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(request)
    }
}

/// The object at the map's next value: typed there when `kind` names one of
/// ours, its text otherwise; `None` for `null`, as derived.
fn read_object<'de, A: serde::de::MapAccess<'de>>(
    map: &mut A,
    kind: Option<&Kind<'de>>,
) -> Result<Option<SentObject<'de>>, A::Error> {
    match kind.and_then(Kind::ours) {
        Some(kind) => map.next_value_seed(ObjectSeed(kind)),
        None => Ok(map.next_value::<Option<&RawValue>>()?.map(SentObject::Text)),
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

impl Kind<'_> {
    /// The kind, when it is one of ours.
    fn ours(&self) -> Option<ObjectKind> {
        if self.group != API_GROUP || self.version != API_VERSION {
            return None;
        }
        ObjectKind::from_kind(&self.kind)
    }
}

/// The request, when the body is a review the rules can judge and every
/// field reads without doubt; `None` otherwise.
pub(super) fn decode(body: &[u8]) -> Option<ReviewRequest> {
    // UTF-8 checked once for the whole body: reading from a slice checks
    // every string again as it goes.
    let text = std::str::from_utf8(body).ok()?;
    let envelope: Envelope<'_> = serde_json::from_str(text).ok()?;
    let version = ReviewVersion::from_api_version(envelope.api_version.as_deref()?)?;
    if envelope.kind.as_deref()? != "AdmissionReview" {
        return None;
    }
    let request = envelope.request?;
    let uid = request.uid.filter(|uid| !uid.is_empty())?;
    let kind = request.kind?.ours()?;
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
    decoded.set_object(request.object?.read_as(kind)?);
    if operation == Operation::Update {
        // A stored object that does not fit is reported by the reference way.
        decoded.old_object = Some(request.old_object?.read_as(kind)?);
    }
    Some(decoded)
}
