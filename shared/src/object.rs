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
use crate::read_shape::{Kind, NodeId, Shape, with_shape_of};

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
    /// or when a key is given twice; the caller then parses `text` into a
    /// `Value` and calls `from_value_as`, which says exactly what is wrong.
    pub fn from_json_str_as(kind: ObjectKind, text: &str) -> Option<Self> {
        Some(match kind {
            ObjectKind::Executor => HourglassObject::Executor(parse_typed_text(text)?),
            ObjectKind::Performer => HourglassObject::Performer(parse_typed_text(text)?),
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

/// `parse_typed` on the text of an object, when it would succeed. The
/// typed value is read straight from the text (no path tracking: an error
/// only sends the caller to `parse_typed`, which names the field), then
/// checked against the text for every [`Mismatch`] `parse_typed` refuses.
fn parse_typed_text<T: DeserializeOwned + Serialize>(text: &str) -> Option<T> {
    if !text.trim_start().starts_with('{') {
        return None;
    }
    let typed: T = serde_json::from_str(text).ok()?;
    let fits = with_shape_of(&typed, |read| {
        let mut sent = serde_json::Deserializer::from_str(text);
        let seed = ShapeCheck {
            read,
            node: read.root(),
            root: true,
        };
        serde::de::DeserializeSeed::deserialize(seed, &mut sent).is_ok()
    })?;
    fits.then_some(typed)
}

/// Walks the text as sent beside `read` (the same object through our types,
/// serialized) and fails on the first place where `round_trip_mismatch`
/// would find a [`Mismatch`]. A key given twice also fails: `Value` keeps
/// the last one, and rather than follow that here the caller takes the
/// `Value` way.
struct ShapeCheck<'r> {
    read: &'r Shape,
    /// The node of `read` that the text's value at hand is checked against.
    node: NodeId,
    root: bool,
}

/// Whether a value of the text was `null`, which counts as left out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sent {
    Null,
    Given,
}

impl<'de> serde::de::DeserializeSeed<'de> for ShapeCheck<'_> {
    type Value = Sent;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Sent, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// A key of the text, borrowed when it has no escapes.
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> serde::de::Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(key)))
            }
            fn visit_str<E>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(key.to_string())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

impl<'de> serde::de::Visitor<'de> for ShapeCheck<'_> {
    type Value = Sent;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Sent, E> {
        Ok(Sent::Null)
    }

    fn visit_none<E>(self) -> Result<Sent, E> {
        Ok(Sent::Null)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Sent, E> {
        Ok(Sent::Given)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Sent, E> {
        Ok(Sent::Given)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Sent, E> {
        Ok(Sent::Given)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Sent, E> {
        Ok(Sent::Given)
    }

    fn visit_str<E>(self, _: &str) -> Result<Sent, E> {
        Ok(Sent::Given)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Sent, A::Error> {
        match self.read.kind(self.node) {
            Kind::Object => Err(serde::de::Error::custom("an array where an object is read")),
            Kind::Array => {
                let mut items = self.read.children(self.node);
                loop {
                    let more = match items.next() {
                        Some(item) => seq
                            .next_element_seed(ShapeCheck {
                                read: self.read,
                                node: item.value,
                                root: false,
                            })?
                            .is_some(),
                        None => seq.next_element::<serde::de::IgnoredAny>()?.is_some(),
                    };
                    if !more {
                        return Ok(Sent::Given);
                    }
                }
            }
            Kind::Null | Kind::Scalar => {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Sent::Given)
            }
        }
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Sent, A::Error> {
        if self.read.kind(self.node) != Kind::Object {
            while map
                .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                .is_some()
            {}
            return Ok(Sent::Given);
        }
        // Which of the read object's entries the text gives, and which of
        // those not as null; a read key given twice fails (see above).
        let mut sent = SentEntries::new(self.read.places(self.node));
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            match self.read.entry(self.node, key.as_ref()) {
                Some(entry) => {
                    let given = map.next_value_seed(ShapeCheck {
                        read: self.read,
                        node: entry.value,
                        root: false,
                    })?;
                    if !sent.record(entry.at, given) {
                        return Err(serde::de::Error::custom("a key given twice"));
                    }
                }
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        if !self.root {
            let missing = self
                .read
                .children(self.node)
                .any(|entry| !self.read.is_null(entry.value) && !sent.given(entry.at));
            if missing {
                return Err(serde::de::Error::custom("a field the round trip fills in"));
            }
        }
        Ok(Sent::Given)
    }
}

/// For each entry of a read object: whether the text had its key, and
/// whether with a value other than null. Bit masks for the usual object of
/// at most 128 entries, so that the check allocates nothing for it.
enum SentEntries {
    Few { seen: u128, given: u128 },
    Many(Vec<Option<Sent>>),
}

impl SentEntries {
    fn new(entries: usize) -> Self {
        if entries <= 128 {
            SentEntries::Few { seen: 0, given: 0 }
        } else {
            SentEntries::Many(vec![None; entries])
        }
    }

    /// False when entry `at` was already seen.
    fn record(&mut self, at: usize, sent: Sent) -> bool {
        match self {
            SentEntries::Few { seen, given } => {
                let bit = 1u128 << at;
                if *seen & bit != 0 {
                    return false;
                }
                *seen |= bit;
                if sent == Sent::Given {
                    *given |= bit;
                }
                true
            }
            SentEntries::Many(entries) => entries[at].replace(sent).is_none(),
        }
    }

    fn given(&self, at: usize) -> bool {
        match self {
            SentEntries::Few { given, .. } => given & (1u128 << at) != 0,
            SentEntries::Many(entries) => entries[at] == Some(Sent::Given),
        }
    }
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
        // A key given twice: `Value` keeps the last, so the text is left to it.
        let base = performer(json!({})).to_string();
        for (from, to) in [
            ("\"image\":", "\"image\":\"x:v1\",\"image\":"),
            ("\"metadata\":{", "\"metadata\":{\"name\":\"q\","),
        ] {
            let text = base.replacen(from, to, 1);
            assert_ne!(text, base);
            let (direct, reference) = read_both(&text);
            assert_eq!(direct, None, "{text}");
            assert!(reference.is_ok(), "{text}");
        }
        // A map of more than 128 keys (checked without bit masks): read
        // when every key is given once, left to `Value` with one twice.
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
        assert_eq!(direct, None);
        assert!(reference.is_ok());
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
