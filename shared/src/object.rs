//! One of our two kinds, parsed from JSON with the path of any field that
//! does not fit the type.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::constants::{
    API_GROUP, EXECUTOR_KIND, EXECUTOR_PLURAL, EXECUTOR_SHORT_NAME, GROUP_VERSION, PERFORMER_KIND,
    PERFORMER_PLURAL, PERFORMER_SHORT_NAME,
};
use crate::executor::HourglassExecutor;
use crate::performer::Performer;
use crate::strict_read;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    Executor,
    Performer,
}

impl ObjectKind {
    pub fn from_kind(kind: &str) -> Option<Self> {
        match kind {
            EXECUTOR_KIND => Some(ObjectKind::Executor),
            PERFORMER_KIND => Some(ObjectKind::Performer),
            _ => None,
        }
    }

    /// The kind as the apiserver names its resource: `kubectl get
    /// <name>` takes the singular (the kind in lower case), the plural,
    /// the short name and `<plural>.<group>`, in any case.
    pub fn from_resource_name(name: &str) -> Option<Self> {
        let name = name.to_ascii_lowercase();
        [ObjectKind::Executor, ObjectKind::Performer]
            .into_iter()
            .find(|kind| {
                name == kind.as_str().to_ascii_lowercase()
                    || name == kind.plural()
                    || name == kind.short_name()
                    || name == format!("{}.{API_GROUP}", kind.plural())
            })
    }

    pub fn plural(self) -> &'static str {
        match self {
            ObjectKind::Executor => EXECUTOR_PLURAL,
            ObjectKind::Performer => PERFORMER_PLURAL,
        }
    }

    pub fn short_name(self) -> &'static str {
        match self {
            ObjectKind::Executor => EXECUTOR_SHORT_NAME,
            ObjectKind::Performer => PERFORMER_SHORT_NAME,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Executor => EXECUTOR_KIND,
            ObjectKind::Performer => PERFORMER_KIND,
        }
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An object that is not one of ours, or does not fit its type.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct ParseError {
    /// Field path where parsing failed, empty for the whole object.
    pub path: String,
    pub message: String,
}

impl ParseError {
    fn render(&self) -> String {
        if self.path.is_empty() {
            self.message.clone()
        } else {
            format!("{}: {}", self.path, self.message)
        }
    }
}

// One object per review, moved a few times: boxing would buy nothing measurable.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum HourglassObject {
    Executor(HourglassExecutor),
    Performer(Performer),
}

impl HourglassObject {
    /// Parses an object, choosing the type by its `apiVersion` and `kind`.
    pub fn from_value(value: &Value) -> Result<Self, ParseError> {
        let kind_text = value
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let api_version = value
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let kind = ObjectKind::from_kind(kind_text).filter(|_| api_version == GROUP_VERSION);
        match kind {
            Some(kind) => Self::from_value_as(kind, value),
            None => Err(ParseError {
                path: String::new(),
                message: format!(
                    "{api_version}/{kind_text} is not an Hourglass object; expected apiVersion {GROUP_VERSION} with kind {EXECUTOR_KIND} or {PERFORMER_KIND}"
                ),
            }),
        }
    }

    /// Parses an object as the given kind (the admission request names it).
    pub fn from_value_as(kind: ObjectKind, value: &Value) -> Result<Self, ParseError> {
        Ok(match kind {
            ObjectKind::Executor => HourglassObject::Executor(parse_typed(value)?),
            ObjectKind::Performer => HourglassObject::Performer(parse_typed(value)?),
        })
    }

    /// What [`from_value_as`](Self::from_value_as) reads from `text` (an
    /// object's JSON), without building a `Value` of what was sent: `Some`
    /// only when that is certain. `None` when the text does not fit the type,
    /// when the round trip would change its shape (see `round_trip_mismatch`)
    /// or when a key is given twice where that could matter; the caller then
    /// parses `text` into a `Value` and calls `from_value_as`, which says
    /// exactly what is wrong.
    pub fn from_json_str_as(kind: ObjectKind, text: &str) -> Option<Self> {
        Some(match kind {
            ObjectKind::Executor => HourglassObject::Executor(parse_typed_text(text)?),
            ObjectKind::Performer => HourglassObject::Performer(parse_typed_text(text)?),
        })
    }

    /// [`from_json_str_as`](Self::from_json_str_as) on the object that
    /// `deserializer` (serde_json's, inside a larger text such as an
    /// AdmissionReview) is at: an error wherever that gives `None`.
    pub fn deserialize_as<'de, D: serde::Deserializer<'de>>(
        kind: ObjectKind,
        deserializer: D,
    ) -> Result<Self, D::Error> {
        Ok(match kind {
            ObjectKind::Executor => {
                HourglassObject::Executor(strict_read::deserialize(deserializer)?)
            }
            ObjectKind::Performer => {
                HourglassObject::Performer(strict_read::deserialize(deserializer)?)
            }
        })
    }

    pub fn kind(&self) -> ObjectKind {
        match self {
            HourglassObject::Executor(_) => ObjectKind::Executor,
            HourglassObject::Performer(_) => ObjectKind::Performer,
        }
    }

    pub fn name(&self) -> Option<&str> {
        self.metadata().name.as_deref()
    }

    pub fn namespace(&self) -> Option<&str> {
        self.metadata().namespace.as_deref()
    }

    pub fn metadata(&self) -> &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
        match self {
            HourglassObject::Executor(executor) => &executor.metadata,
            HourglassObject::Performer(performer) => &performer.metadata,
        }
    }

    pub fn to_value(&self) -> Value {
        // Our types serialize to JSON maps with string keys; this cannot fail.
        let serialized = match self {
            HourglassObject::Executor(executor) => serde_json::to_value(executor),
            HourglassObject::Performer(performer) => serde_json::to_value(performer),
        };
        serialized.unwrap_or(Value::Null)
    }
}

fn parse_typed<T: DeserializeOwned + Serialize>(value: &Value) -> Result<T, ParseError> {
    let typed: T = serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let message = error.inner().to_string();
        ParseError {
            path: if path == "." { String::new() } else { path },
            message: format!(
                "{message}; the object does not fit the {} schema",
                kind_of(value)
            ),
        }
    })?;
    if let Ok(read) = serde_json::to_value(&typed)
        && let Some((path, mismatch)) = round_trip_mismatch(value, &read, true)
    {
        let message = match mismatch {
            Mismatch::ArrayForObject => "invalid type: array, expected an object",
            Mismatch::MissingRequired => "is required",
        };
        return Err(ParseError {
            path,
            message: format!(
                "{message}; the object does not fit the {} schema",
                kind_of(value)
            ),
        });
    }
    Ok(typed)
}

/// `parse_typed` on the text of an object, when it would succeed: read in
/// one pass by `strict_read`, which refuses every [`Mismatch`] on the way
/// (no path tracking: a refusal only sends the caller to `parse_typed`,
/// which names the field).
fn parse_typed_text<T: DeserializeOwned>(text: &str) -> Option<T> {
    strict_read::from_str(text)
}

/// Where the object as sent and the same object read by our types differ in
/// shape. The mutation works on what our types read, and its patch must
/// apply to what was sent; the apiserver checks the CRD schema only after
/// the mutating webhooks, so these objects do reach us.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mismatch {
    /// serde's derived Deserialize also reads a struct from a JSON array of
    /// its fields in order (`[]` is a struct with every field left out).
    ArrayForObject,
    /// k8s-openapi fills in a required field the object leaves out (or sets
    /// to null), e.g. `nodeSelectorTerms` becomes `[]`; a patch adding
    /// `.../nodeSelectorTerms/0` would then have no parent to go into.
    MissingRequired,
}

/// The first [`Mismatch`] between `sent` and `read` (`sent` through our
/// types and serialized back), with its field path. At the root, fields the
/// types always write (`apiVersion`, `kind`, `metadata`) may be left out:
/// the apiserver fills them in and the mutation never patches them.
fn round_trip_mismatch(sent: &Value, read: &Value, root: bool) -> Option<(String, Mismatch)> {
    match (sent, read) {
        (Value::Array(_), Value::Object(_)) => Some((String::new(), Mismatch::ArrayForObject)),
        (Value::Object(sent), Value::Object(read)) => read.iter().find_map(
            |(key, read)| match sent.get(key).filter(|sent| !sent.is_null()) {
                Some(sent) => {
                    let (below, mismatch) = round_trip_mismatch(sent, read, false)?;
                    Some((join_key(key, &below), mismatch))
                }
                None if root || read.is_null() => None,
                None => Some((key.clone(), Mismatch::MissingRequired)),
            },
        ),
        (Value::Array(sent), Value::Array(read)) => {
            sent.iter()
                .zip(read)
                .enumerate()
                .find_map(|(index, (sent, read))| {
                    let (below, mismatch) = round_trip_mismatch(sent, read, false)?;
                    let index = format!("[{index}]");
                    Some((join_key(&index, &below).replacen(".[", "[", 1), mismatch))
                })
        }
        _ => None,
    }
}

/// `key` followed by the path below it, in kubectl's notation.
fn join_key(key: &str, below: &str) -> String {
    match below.chars().next() {
        None => key.to_string(),
        Some('[') => format!("{key}{below}"),
        Some(_) => format!("{key}.{below}"),
    }
}

fn kind_of(value: &Value) -> &str {
    value
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("Hourglass")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn performer(spec_extra: Value) -> Value {
        let mut value = json!({
            "apiVersion": GROUP_VERSION,
            "kind": PERFORMER_KIND,
            "metadata": {"name": "p"},
            "spec": {
                "avsAddress": "0x1234567890abcdef1234567890abcdef12345678",
                "image": "myavs/performer:v1",
            }
        });
        for (key, field) in spec_extra.as_object().into_iter().flatten() {
            value["spec"][key] = field.clone();
        }
        value
    }

    // Found by the rules_and_mutation fuzz target: `scheduling: []` parsed
    // as an empty SchedulingConfig, inherited the executor's scheduling, and
    // the patch `add /spec/scheduling/tolerations` failed on the array.
    #[test]
    fn an_array_where_an_object_belongs_is_refused_with_its_path() {
        let error = HourglassObject::from_value(&performer(json!({"scheduling": []}))).unwrap_err();
        assert_eq!(error.path, "spec.scheduling");
        assert!(error.message.contains("expected an object"), "{error}");

        let nested = json!({"scheduling": {"tolerations": [{"key": "a"}, ["k", "Exists"]]}});
        let error = HourglassObject::from_value(&performer(nested)).unwrap_err();
        assert_eq!(error.path, "spec.scheduling.tolerations[1]");

        let fine = json!({"scheduling": {"tolerations": [{"key": "a", "operator": "Exists"}]}});
        assert!(HourglassObject::from_value(&performer(fine)).is_ok());
    }

    // Found by the rules_and_mutation fuzz target: a misspelt
    // `nodeSelectorTerms` was read as `[]`, and the GPU mutation's
    // `add .../nodeSelectorTerms/0` had no parent in the object as sent.
    #[test]
    fn a_required_field_left_out_or_null_is_refused_with_its_path() {
        for terms in [json!({}), json!({"nodeSelectorTerms": null})] {
            let scheduling =
                json!({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": terms}});
            let error = HourglassObject::from_value(&performer(json!({"scheduling": scheduling})))
                .unwrap_err();
            assert_eq!(
                error.path,
                "spec.scheduling.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"
            );
            assert!(error.message.starts_with("is required"), "{error}");
        }
        let no_operator = json!({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
            {"nodeSelectorTerms": [{"matchExpressions": [{"key": "zone"}]}]}}});
        let error = HourglassObject::from_value(&performer(json!({"scheduling": no_operator})))
            .unwrap_err();
        assert_eq!(
            error.path,
            "spec.scheduling.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator"
        );
    }

    /// `from_json_str_as` gives what `from_value_as` gives, or nothing.
    fn read_both(text: &str) -> (Option<HourglassObject>, Result<HourglassObject, ParseError>) {
        let value: Value = serde_json::from_str(text).unwrap();
        (
            HourglassObject::from_json_str_as(ObjectKind::Performer, text),
            HourglassObject::from_value_as(ObjectKind::Performer, &value),
        )
    }

    #[test]
    fn the_text_is_read_without_a_value_only_when_the_value_way_agrees() {
        let fine = [
            json!({}),
            json!({"scheduling": {"tolerations": [{"key": "a", "operator": "Exists"}]}}),
            json!({"version": null, "config": {"environment": {"A": "é\"\u{e9}"}}}),
            json!({"scheduling": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
                {"nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}]}}}}),
        ];
        for spec in fine {
            let text = performer(spec).to_string();
            let (direct, reference) = read_both(&text);
            assert_eq!(direct, Some(reference.unwrap()), "{text}");
        }
        let refused = [
            json!({"scheduling": []}),
            json!({"scheduling": {"tolerations": [{"key": "a"}, ["k", "Exists"]]}}),
            json!({"scheduling": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {}}}}),
            json!({"scheduling": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
                {"nodeSelectorTerms": null}}}}),
            json!({"scheduling": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
                {"nodeSelectorTerms": [{"matchExpressions": [{"key": "zone"}]}]}}}}),
            json!({"image": 7}),
            json!({"config": {"grpcPort": "9090"}}),
        ];
        for spec in refused {
            let text = performer(spec).to_string();
            let (direct, reference) = read_both(&text);
            assert_eq!(direct, None, "{text}");
            assert!(reference.is_err(), "{text}");
        }
        // A key given twice: `Value` keeps the last. Our derived types
        // refuse a field given twice, so the text is left to `Value`;
        // k8s-openapi's types and maps keep the last too, and agree.
        let base = performer(json!({})).to_string();
        let twice = |from: &str, to: &str| {
            let text = base.replacen(from, to, 1);
            assert_ne!(text, base);
            text
        };
        let text = twice("\"image\":", "\"image\":\"x:v1\",\"image\":");
        let (direct, reference) = read_both(&text);
        assert_eq!(direct, None, "{text}");
        assert!(reference.is_ok(), "{text}");
        let text = twice("\"metadata\":{", "\"metadata\":{\"name\":\"q\",");
        let (direct, reference) = read_both(&text);
        let reference = reference.unwrap();
        assert_eq!(reference.name(), Some("p"));
        assert_eq!(direct, Some(reference), "{text}");
        // A required field given twice is left to `Value`: its last value
        // may be null, which the round trip fills in.
        let requirement = |operator: &str| {
            performer(json!({"scheduling": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
                {"nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": operator}]}]}}}}))
            .to_string()
        };
        for (last, refused) in [("null", true), ("\"NotIn\"", false)] {
            let text = requirement("In").replacen(
                "\"operator\":\"In\"",
                &format!("\"operator\":\"In\",\"operator\":{last}"),
                1,
            );
            let (direct, reference) = read_both(&text);
            assert_eq!(direct, None, "{text}");
            assert_eq!(reference.is_err(), refused, "{text}");
        }
        // A large map: read when every key is given once, and with one
        // given twice the last counts, as in `Value`.
        let mut labelled = performer(json!({}));
        labelled["metadata"]["labels"] = (0..200)
            .map(|i| (format!("l{i}"), json!("v")))
            .collect::<serde_json::Map<_, _>>()
            .into();
        let text = labelled.to_string();
        let (direct, reference) = read_both(&text);
        assert_eq!(direct, Some(reference.unwrap()), "{text}");
        let twice = text.replacen("\"l0\":", "\"l7\":\"w\",\"l0\":", 1);
        assert_ne!(twice, text);
        let (direct, reference) = read_both(&twice);
        let reference = reference.unwrap();
        assert_eq!(reference.metadata().labels.as_ref().unwrap()["l7"], "v");
        assert_eq!(direct, Some(reference));
        // Not an object at all.
        assert_eq!(
            HourglassObject::from_json_str_as(ObjectKind::Performer, "[]"),
            None
        );
    }

    #[test]
    fn the_apiserver_fills_in_api_version_and_kind_so_they_may_be_left_out() {
        let mut value = performer(json!({}));
        let map = value.as_object_mut().unwrap();
        map.remove("kind");
        map.remove("apiVersion");
        assert!(HourglassObject::from_value_as(ObjectKind::Performer, &value).is_ok());
    }
}
