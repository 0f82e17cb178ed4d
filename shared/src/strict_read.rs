//! Reading one of our objects from its text in one pass, refusing the two
//! ways in which serde reads an object whose round trip does not keep its
//! shape (`object::Mismatch`), so that no second look at the text is needed.
//!
//! A deserializer wrapped around serde_json's, passed down to every value:
//! - a struct is read only from a JSON object. serde's derived `Deserialize`
//!   (ours) also reads a struct from an array of its fields in order;
//!   k8s-openapi's types read only objects already.
//! - k8s-openapi fills in a required field that the object leaves out or
//!   sets to null (`nodeSelectorTerms` becomes `[]`). Such fields, by the
//!   struct name k8s-openapi gives serde, are in [`REQUIRED_FIELDS`]; a
//!   struct that lacks one, or gives one twice, is refused. Our own types
//!   fill nothing in: a field they need and do not get is a serde error.
//!
//! Refusing is always safe: the caller then takes the reference way
//! (`Value`, then `object::parse_typed`), which names the field. What this
//! reads must be what that way reads; the tests hold the two together.
//!
//! Only serde_json is ever wrapped, so the visitor methods forwarded are the
//! ones serde_json calls.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The required fields of the k8s-openapi structs our types hold (below the
/// object's root), by the name each gives serde. Checked against
/// k8s-openapi, and for completeness against our CRD schemas, by tests.
pub(crate) const REQUIRED_FIELDS: &[(&str, &[&str])] = &[
    (
        "Condition",
        // lastTransitionTime is required too, but a Time has no default:
        // k8s-openapi refuses the condition without it.
        &["message", "reason", "status", "type"],
    ),
    ("ConfigMapKeySelector", &["key", "name"]),
    ("LabelSelectorRequirement", &["key", "operator"]),
    ("LocalObjectReference", &["name"]),
    ("NodeSelector", &["nodeSelectorTerms"]),
    ("NodeSelectorRequirement", &["key", "operator"]),
    ("OwnerReference", &["apiVersion", "kind", "name", "uid"]),
    ("PodAffinityTerm", &["topologyKey"]),
    ("PreferredSchedulingTerm", &["preference", "weight"]),
    ("ResourceClaim", &["name"]),
    ("SecretKeySelector", &["key", "name"]),
    ("WeightedPodAffinityTerm", &["podAffinityTerm", "weight"]),
];

fn required_fields(name: &str) -> &'static [&'static str] {
    REQUIRED_FIELDS
        .iter()
        .find(|(struct_name, _)| *struct_name == name)
        .map_or(&[], |(_, fields)| fields)
}

/// `T` read from `text` when the reference way would read the same `T`
/// from it and find its shape kept; `None` otherwise (see the module).
pub(crate) fn from_str<T: de::DeserializeOwned>(text: &str) -> Option<T> {
    let mut json = serde_json::Deserializer::from_str(text);
    let value = deserialize(&mut json).ok()?;
    json.end().ok()?;
    Some(value)
}

/// `T` read from the object `deserializer` is at, as [`from_str`] reads it
/// (an error wherever `from_str` gives `None`): for an object inside a
/// larger text, read without first finding where it ends.
pub(crate) fn deserialize<'de, T: de::Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    T::deserialize(Strict {
        inner: deserializer,
        root: true,
        given: None,
    })
}

/// Refused where the shape would not be kept; the message is never shown.
fn refused<E: de::Error>() -> E {
    E::custom("the round trip would change the object's shape")
}

/// The wrapped deserializer of one value. `given`, when set, is marked when
/// the value turns out to be other than null (a required field's value).
struct Strict<'g, D> {
    inner: D,
    /// The object's root: apiVersion, kind and metadata may be left out
    /// there, the apiserver fills them in.
    root: bool,
    given: Option<&'g Cell<bool>>,
}

impl<'g, D> Strict<'g, D> {
    fn wrap<V>(&self, visitor: V) -> Wrap<'g, V> {
        Wrap {
            visitor,
            given: self.given,
        }
    }
}

/// A nested value: not the root, nothing to mark.
fn nested<'g, D>(inner: D) -> Strict<'g, D> {
    Strict {
        inner,
        root: false,
        given: None,
    }
}

/// Deserializer methods that hand the value to the inner deserializer with
/// the visitor wrapped, their other arguments passed on as they are.
macro_rules! forward_wrapped {
    ($($method:ident($($arg:ident: $type:ty),*)),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(
                self,
                $($arg: $type,)*
                visitor: V,
            ) -> Result<V::Value, D::Error> {
                let wrapped = self.wrap(visitor);
                self.inner.$method($($arg,)* wrapped)
            }
        )*
    };
}

impl<'de, 'g, D: Deserializer<'de>> Deserializer<'de> for Strict<'g, D> {
    type Error = D::Error;

    forward_wrapped!(
        deserialize_any(),
        deserialize_bool(),
        deserialize_i8(),
        deserialize_i16(),
        deserialize_i32(),
        deserialize_i64(),
        deserialize_i128(),
        deserialize_u8(),
        deserialize_u16(),
        deserialize_u32(),
        deserialize_u64(),
        deserialize_u128(),
        deserialize_f32(),
        deserialize_f64(),
        deserialize_char(),
        deserialize_str(),
        deserialize_string(),
        deserialize_bytes(),
        deserialize_byte_buf(),
        deserialize_option(),
        deserialize_unit(),
        deserialize_seq(),
        deserialize_map(),
        deserialize_identifier(),
        deserialize_ignored_any(),
        deserialize_unit_struct(name: &'static str),
        deserialize_newtype_struct(name: &'static str),
        deserialize_tuple(len: usize),
        deserialize_tuple_struct(name: &'static str, len: usize),
        deserialize_enum(name: &'static str, variants: &'static [&'static str]),
    );

    /// A struct from an object only, its required fields checked.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let required = if self.root {
            &[]
        } else {
            required_fields(name)
        };
        let visitor = self.wrap(visitor);
        self.inner
            .deserialize_map(StructVisitor { visitor, required })
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// A visitor whose nested values are read strictly too, marking `given`
/// on any value but null.
struct Wrap<'g, V> {
    visitor: V,
    given: Option<&'g Cell<bool>>,
}

impl<V> Wrap<'_, V> {
    fn mark(&self) {
        if let Some(given) = self.given {
            given.set(true);
        }
    }
}

macro_rules! forward_visits {
    ($($method:ident($type:ty)),* $(,)?) => {
        $(
            fn $method<E: de::Error>(self, value: $type) -> Result<V::Value, E> {
                self.mark();
                self.visitor.$method(value)
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    forward_visits!(
        visit_bool(bool),
        visit_i64(i64),
        visit_i128(i128),
        visit_u64(u64),
        visit_u128(u128),
        visit_f64(f64),
        visit_str(&str),
        visit_borrowed_str(&'de str),
        visit_string(String),
        visit_bytes(&[u8]),
        visit_borrowed_bytes(&'de [u8]),
        visit_byte_buf(Vec<u8>),
    );

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, inner: D) -> Result<V::Value, D::Error> {
        self.mark();
        self.visitor.visit_some(nested(inner))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, inner: D) -> Result<V::Value, D::Error> {
        self.mark();
        self.visitor.visit_newtype_struct(nested(inner))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.mark();
        self.visitor.visit_seq(Elements(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.mark();
        self.visitor.visit_map(Entries {
            map,
            required: &[],
            given: Given::default(),
            pending: None,
        })
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        // serde_json hands an enum's variant over without a wrapper to read
        // it strictly by; none of our types holds such an enum, so refuse.
        let _ = data;
        Err(refused())
    }
}

/// The visitor of a struct: its entries tracked for the required fields,
/// which must all have been given, not as null, once.
struct StructVisitor<'g, V> {
    visitor: Wrap<'g, V>,
    required: &'static [&'static str],
}

impl<'de, V: Visitor<'de>> Visitor<'de> for StructVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.mark();
        let given = Given::default();
        let mut entries = Entries {
            map,
            required: self.required,
            given,
            pending: None,
        };
        let value = self.visitor.visitor.visit_map(&mut entries)?;
        if entries.given.all(self.required.len()) {
            Ok(value)
        } else {
            Err(refused())
        }
    }
}

/// Which required fields were given (bit per field) and which were seen;
/// a test keeps every entry of [`REQUIRED_FIELDS`] within the bits.
#[derive(Default)]
struct Given {
    seen: u8,
    given: u8,
}

impl Given {
    fn all(&self, count: usize) -> bool {
        let all = (1u8 << count) - 1;
        self.given & all == all
    }
}

struct Entries<A> {
    map: A,
    required: &'static [&'static str],
    given: Given,
    /// The required field whose key was just read, until its value is.
    pending: Option<usize>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Entries<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        if self.required.is_empty() {
            return self.map.next_key_seed(seed);
        }
        let field = Cell::new(None);
        let key = self.map.next_key_seed(KeySeed {
            seed,
            required: self.required,
            field: &field,
        })?;
        if let Some(at) = field.get() {
            let bit = 1u8 << at;
            if self.given.seen & bit != 0 {
                return Err(refused());
            }
            self.given.seen |= bit;
        }
        self.pending = field.get();
        Ok(key)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        match self.pending.take() {
            Some(at) => {
                let given = Cell::new(false);
                let value = self.map.next_value_seed(Nested {
                    seed,
                    given: Some(&given),
                })?;
                if given.get() {
                    self.given.given |= 1u8 << at;
                }
                Ok(value)
            }
            None => self.map.next_value_seed(Nested { seed, given: None }),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

struct Elements<A>(A);

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Elements<A> {
    type Error = A::Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, A::Error> {
        self.0.next_element_seed(Nested { seed, given: None })
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// A nested value's seed, reading it strictly.
struct Nested<'g, S> {
    seed: S,
    given: Option<&'g Cell<bool>>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Nested<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, inner: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Strict {
            inner,
            root: false,
            given: self.given,
        })
    }
}

/// A key's seed noting which required field, if any, the key names.
struct KeySeed<'f, K> {
    seed: K,
    required: &'static [&'static str],
    field: &'f Cell<Option<usize>>,
}

impl<'de, K: DeserializeSeed<'de>> DeserializeSeed<'de> for KeySeed<'_, K> {
    type Value = K::Value;

    fn deserialize<D: Deserializer<'de>>(self, inner: D) -> Result<K::Value, D::Error> {
        self.seed.deserialize(KeyReader {
            inner,
            required: self.required,
            field: self.field,
        })
    }
}

struct KeyReader<'f, D> {
    inner: D,
    required: &'static [&'static str],
    field: &'f Cell<Option<usize>>,
}

macro_rules! forward_key {
    ($($method:ident),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
                self.inner.$method(KeyVisitor {
                    visitor,
                    required: self.required,
                    field: self.field,
                })
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for KeyReader<'_, D> {
    type Error = D::Error;

    forward_key!(
        deserialize_any,
        deserialize_str,
        deserialize_string,
        deserialize_identifier,
    );

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct
        enum ignored_any
    }
}

struct KeyVisitor<'f, V> {
    visitor: V,
    required: &'static [&'static str],
    field: &'f Cell<Option<usize>>,
}

impl<V> KeyVisitor<'_, V> {
    fn note(&self, key: &str) {
        self.field
            .set(self.required.iter().position(|field| *field == key));
    }
}

impl<'de, V: Visitor<'de>> Visitor<'de> for KeyVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<V::Value, E> {
        self.note(key);
        self.visitor.visit_str(key)
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<V::Value, E> {
        self.note(key);
        self.visitor.visit_borrowed_str(key)
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<V::Value, E> {
        self.note(&key);
        self.visitor.visit_string(key)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use k8s_openapi::api::core::v1::{
        ConfigMapKeySelector, LocalObjectReference, NodeSelector, NodeSelectorRequirement,
        PodAffinityTerm, PreferredSchedulingTerm, ResourceClaim, SecretKeySelector,
        WeightedPodAffinityTerm,
    };
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
        Condition, LabelSelectorRequirement, OwnerReference,
    };
    use serde::Deserialize as _;
    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use serde_json::{Value, json};

    use super::*;

    /// A value below the root, where required fields are checked.
    #[derive(serde::Deserialize, Debug)]
    struct Held<T> {
        held: T,
    }

    fn held<T: DeserializeOwned>(value: Value) -> Option<T> {
        from_str::<Held<T>>(&json!({ "held": value }).to_string()).map(|held| held.held)
    }

    /// The fields k8s-openapi writes for `T` read from `given` (the
    /// fields it cannot do without) beyond those: the ones it fills in.
    fn filled_in<T: DeserializeOwned + Serialize>(given: &Value) -> (BTreeSet<String>, Value) {
        let read: T = serde_json::from_value(given.clone()).unwrap();
        let written = serde_json::to_value(read).unwrap();
        let keys = written
            .as_object()
            .unwrap()
            .iter()
            .filter(|(key, value)| !value.is_null() && given.get(key).is_none())
            .map(|(key, _)| key.clone())
            .collect();
        (keys, written)
    }

    fn check<T: DeserializeOwned + Serialize + fmt::Debug>(name: &str) {
        check_given::<T>(name, json!({}));
    }

    fn check_given<T: DeserializeOwned + Serialize + fmt::Debug>(name: &str, given: Value) {
        let (filled, written) = filled_in::<T>(&given);
        let listed: BTreeSet<String> = required_fields(name)
            .iter()
            .map(|field| field.to_string())
            .collect();
        assert_eq!(
            listed, filled,
            "{name}: REQUIRED_FIELDS against k8s-openapi"
        );
        // The name is the one k8s-openapi gives serde: left out, refused;
        // all given (the filled-in values written back), read.
        assert!(held::<T>(given).is_none(), "{name}");
        assert!(held::<T>(written.clone()).is_some(), "{name}: {written}");
        for field in &filled {
            let mut without = written.clone();
            without.as_object_mut().unwrap().remove(field);
            assert!(held::<T>(without).is_none(), "{name} without {field}");
            let mut null = written.clone();
            null[field] = Value::Null;
            assert!(held::<T>(null).is_none(), "{name} with {field} null");
        }
    }

    #[test]
    fn the_required_fields_are_those_k8s_openapi_fills_in() {
        let time = json!({"lastTransitionTime": "2026-11-30T00:00:00Z"});
        check_given::<Condition>("Condition", time);
        check::<ConfigMapKeySelector>("ConfigMapKeySelector");
        check::<LabelSelectorRequirement>("LabelSelectorRequirement");
        check::<LocalObjectReference>("LocalObjectReference");
        check::<NodeSelector>("NodeSelector");
        check::<NodeSelectorRequirement>("NodeSelectorRequirement");
        check::<OwnerReference>("OwnerReference");
        check::<PodAffinityTerm>("PodAffinityTerm");
        check::<PreferredSchedulingTerm>("PreferredSchedulingTerm");
        check::<ResourceClaim>("ResourceClaim");
        check::<SecretKeySelector>("SecretKeySelector");
        check::<WeightedPodAffinityTerm>("WeightedPodAffinityTerm");
        assert_eq!(REQUIRED_FIELDS.len(), 12, "every entry is checked above");
        for (name, fields) in REQUIRED_FIELDS {
            assert!(
                fields.len() < u8::BITS as usize,
                "{name}: more fields than Given holds"
            );
        }
    }

    /// Every object in our CRD schemas with required fields is one of ours
    /// (serde refuses it without them) or in `REQUIRED_FIELDS`: a
    /// k8s-openapi type added to our types without its entry fails here.
    #[test]
    fn every_required_field_of_our_schemas_is_known() {
        fn required_sets(schema: &Value, root: bool, sets: &mut BTreeSet<Vec<String>>) {
            match schema {
                Value::Object(map) => {
                    if !root && let Some(Value::Array(required)) = map.get("required") {
                        // A Condition's lastTransitionTime: k8s-openapi
                        // refuses a condition without it (see above).
                        let mut set: Vec<String> = required
                            .iter()
                            .filter_map(|field| field.as_str().map(str::to_string))
                            .filter(|field| field != "lastTransitionTime")
                            .collect();
                        set.sort();
                        sets.insert(set);
                    }
                    for value in map.values() {
                        required_sets(value, false, sets);
                    }
                }
                Value::Array(items) => {
                    for item in items {
                        required_sets(item, false, sets);
                    }
                }
                _ => {}
            }
        }
        let mut found = BTreeSet::new();
        for (_, crd) in crate::crd::crds() {
            for version in &crd.spec.versions {
                let schema = version.schema.as_ref().unwrap().open_api_v3_schema.as_ref();
                required_sets(&serde_json::to_value(schema).unwrap(), true, &mut found);
            }
        }
        let catalogued: BTreeSet<Vec<String>> = REQUIRED_FIELDS
            .iter()
            .map(|(_, fields)| {
                let mut set: Vec<String> = fields.iter().map(|field| field.to_string()).collect();
                set.sort();
                set
            })
            .collect();
        // Ours: spec and the executor's config and chains, and an
        // environmentFrom entry with its valueFrom; a missing one is a
        // serde error, so nothing is filled in.
        let ours = [
            vec!["avsAddress", "image"],
            vec!["config", "image"],
            vec!["aggregatorEndpoint", "chains", "operatorKeys"],
            vec!["chainId", "name", "rpc", "taskMailboxAddress"],
            vec!["name", "valueFrom"],
        ];
        let ours: BTreeSet<Vec<String>> = ours
            .iter()
            .map(|set| set.iter().map(|field| field.to_string()).collect())
            .collect();
        let unknown: Vec<_> = found
            .difference(&catalogued)
            .filter(|set| !ours.contains(*set))
            .collect();
        assert!(
            unknown.is_empty(),
            "required fields of our schemas that REQUIRED_FIELDS does not know: {unknown:?}"
        );
        // And the schemas hold them: the check above looks at something.
        assert!(found.contains(&vec!["nodeSelectorTerms".to_string()]));
        assert!(found.iter().any(|set| ours.contains(set)));
    }

    #[test]
    fn a_struct_is_read_from_an_object_only() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Pair {
            a: Option<u8>,
            b: Option<u8>,
        }
        assert_eq!(
            from_str::<Pair>(r#"{"a":1}"#),
            Some(Pair {
                a: Some(1),
                b: None
            })
        );
        // serde_json alone reads a struct from an array of its fields.
        assert!(serde_json::from_str::<Pair>("[1,2]").is_ok());
        assert_eq!(from_str::<Pair>("[1,2]"), None);
        assert_eq!(from_str::<Pair>("[]"), None);
        assert_eq!(from_str::<Vec<Pair>>(r#"[{"a":1},[2]]"#), None);
        assert_eq!(
            from_str::<Option<Vec<Pair>>>(r#"[{"b":2}]"#),
            Some(Some(vec![Pair {
                a: None,
                b: Some(2)
            }]))
        );
        // Trailing text is refused, as serde_json does.
        assert_eq!(from_str::<Pair>(r#"{"a":1} x"#), None);
    }

    #[test]
    fn a_required_field_is_checked_below_the_root_only() {
        let terms = json!({"nodeSelectorTerms": []});
        assert!(held::<NodeSelector>(terms.clone()).is_some());
        assert!(held::<NodeSelector>(json!({"other": 1})).is_none());
        // At the root, where the apiserver fills fields in, not checked.
        assert!(from_str::<NodeSelector>("{}").is_some());
        // Given twice, even with the same value: the reference way decides.
        let twice = r#"{"held":{"nodeSelectorTerms":[],"nodeSelectorTerms":[]}}"#;
        assert!(from_str::<Held<NodeSelector>>(twice).is_none());
    }

    #[test]
    fn every_example_is_read_in_one_pass_as_the_value_way_reads_it() {
        use crate::object::{HourglassObject, ObjectKind};
        let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../manifests/examples");
        let mut read = 0;
        for entry in std::fs::read_dir(examples).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for document in serde_yaml_ng::Deserializer::from_str(&text) {
                let value = Value::deserialize(document).unwrap();
                let Some(kind) = value["kind"].as_str().and_then(ObjectKind::from_kind) else {
                    continue;
                };
                let reference = HourglassObject::from_value_as(kind, &value).unwrap();
                let direct = HourglassObject::from_json_str_as(kind, &value.to_string());
                assert_eq!(direct, Some(reference), "{}", path.display());
                read += 1;
            }
        }
        assert!(read >= 4, "{read} examples");
    }
}
