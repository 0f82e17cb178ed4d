//! The shape of an object's text as sent (objects with their keys, arrays
//! with their items, nulls, scalars without their text), recorded while our
//! types read that text: one pass over the text gives both the typed object
//! and what was sent.
//!
//! Why: the one-pass decoding of a review compares the text as sent with
//! the same object read by our types (`object::fits`, against
//! `read_shape`). Reading the text a second time for it was two fifths of
//! the cost of reading an object. The recording is a `Deserializer` around
//! serde_json's that notes what each visit saw and hands everything on
//! unchanged, so the typed object is exactly what serde_json alone reads.
//!
//! Only what the types read is recorded: a value they skip (an unknown
//! key's) or read as an enum is [`Sent::Unrecorded`], and the comparison
//! gives up on it wherever the read object has an object or an array.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// One node of the text as sent.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Sent<'de> {
    /// `null`.
    Null,
    /// A string, number or boolean.
    Scalar,
    /// Skipped by the types, or read through a way not recorded (an enum).
    Unrecorded,
    Array(Vec<Sent<'de>>),
    /// Entries in the order sent, a key given twice twice. The key is
    /// `None` when the types read it as something other than a string.
    Object(Vec<(Option<Cow<'de, str>>, Sent<'de>)>),
}

/// Reads a `T` from `deserializer` and records what the text had.
pub(crate) fn read_recording<'de, T, D>(deserializer: D) -> Result<(T, Sent<'de>), D::Error>
where
    T: de::Deserialize<'de>,
    D: Deserializer<'de>,
{
    let mut sent = Sent::Unrecorded;
    let value = T::deserialize(Recording {
        inner: deserializer,
        slot: &mut sent,
    })?;
    Ok((value, sent))
}

/// A deserializer that records, in `slot`, the shape of the value read.
struct Recording<'s, 'de, D> {
    inner: D,
    slot: &'s mut Sent<'de>,
}

/// The visitor below a [`Recording`]: notes what it is shown, then shows it
/// to the types' own visitor.
struct RecordingVisitor<'s, 'de, V> {
    inner: V,
    slot: &'s mut Sent<'de>,
}

impl<'s, 'de, D: Deserializer<'de>> Recording<'s, 'de, D> {
    fn split<V>(self, visitor: V) -> (D, RecordingVisitor<'s, 'de, V>) {
        (
            self.inner,
            RecordingVisitor {
                inner: visitor,
                slot: self.slot,
            },
        )
    }
}

/// Deserializer methods that pass the call on with the visitor wrapped by
/// the wrapper's `split`.
macro_rules! pass_on {
    ($($method:ident($($arg:ident: $type:ty),*);)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, $($arg: $type,)* visitor: V) -> Result<V::Value, D::Error> {
                let (inner, visitor) = self.split(visitor);
                inner.$method($($arg,)* visitor)
            }
        )*
    };
}

/// The methods of `Deserializer` that [`pass_on!`] writes for both wrappers.
macro_rules! pass_on_all {
    () => {
        pass_on! {
            deserialize_any();
            deserialize_bool();
            deserialize_i8();
            deserialize_i16();
            deserialize_i32();
            deserialize_i64();
            deserialize_i128();
            deserialize_u8();
            deserialize_u16();
            deserialize_u32();
            deserialize_u64();
            deserialize_u128();
            deserialize_f32();
            deserialize_f64();
            deserialize_char();
            deserialize_str();
            deserialize_string();
            deserialize_bytes();
            deserialize_byte_buf();
            deserialize_option();
            deserialize_unit();
            deserialize_unit_struct(name: &'static str);
            deserialize_newtype_struct(name: &'static str);
            deserialize_seq();
            deserialize_tuple(len: usize);
            deserialize_tuple_struct(name: &'static str, len: usize);
            deserialize_map();
            deserialize_struct(name: &'static str, fields: &'static [&'static str]);
            deserialize_identifier();
        }

        fn is_human_readable(&self) -> bool {
            self.inner.is_human_readable()
        }
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Recording<'_, 'de, D> {
    type Error = D::Error;

    pass_on_all!();

    /// Skipped: serde_json then shows the visitor a unit, which is not what
    /// was sent.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        *self.slot = Sent::Unrecorded;
        self.inner.deserialize_ignored_any(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        *self.slot = Sent::Unrecorded;
        self.inner.deserialize_enum(name, variants, visitor)
    }
}

/// Visitor methods that note `$shape` and pass the value on.
macro_rules! note_and_pass_on {
    ($shape:expr; $($method:ident($($value:ident: $type:ty)?);)*) => {
        $(
            fn $method<E: de::Error>(self, $($value: $type)?) -> Result<V::Value, E> {
                *self.slot = $shape;
                self.inner.$method($($value)?)
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for RecordingVisitor<'_, 'de, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    note_and_pass_on! { Sent::Scalar;
        visit_bool(value: bool);
        visit_i8(value: i8);
        visit_i16(value: i16);
        visit_i32(value: i32);
        visit_i64(value: i64);
        visit_i128(value: i128);
        visit_u8(value: u8);
        visit_u16(value: u16);
        visit_u32(value: u32);
        visit_u64(value: u64);
        visit_u128(value: u128);
        visit_f32(value: f32);
        visit_f64(value: f64);
        visit_char(value: char);
        visit_str(value: &str);
        visit_borrowed_str(value: &'de str);
        visit_string(value: String);
        visit_bytes(value: &[u8]);
        visit_borrowed_bytes(value: &'de [u8]);
        visit_byte_buf(value: Vec<u8>);
    }

    note_and_pass_on! { Sent::Null;
        visit_none();
        visit_unit();
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(Recording {
            inner: deserializer,
            slot: self.slot,
        })
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<V::Value, D::Error> {
        self.inner.visit_newtype_struct(Recording {
            inner: deserializer,
            slot: self.slot,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        let mut recording = RecordingSeq {
            inner: seq,
            items: Vec::new(),
        };
        let value = self.inner.visit_seq(&mut recording);
        *self.slot = Sent::Array(recording.items);
        value
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        let mut recording = RecordingMap {
            inner: map,
            entries: Vec::new(),
        };
        let value = self.inner.visit_map(&mut recording);
        *self.slot = Sent::Object(recording.entries);
        value
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        *self.slot = Sent::Unrecorded;
        self.inner.visit_enum(data)
    }
}

/// An array's items as the types read them.
struct RecordingSeq<'de, A> {
    inner: A,
    items: Vec<Sent<'de>>,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for RecordingSeq<'de, A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        let mut item = Sent::Unrecorded;
        let value = self.inner.next_element_seed(RecordingSeed {
            inner: seed,
            slot: &mut item,
        })?;
        if value.is_some() {
            self.items.push(item);
        }
        Ok(value)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// An object's entries as the types read them.
struct RecordingMap<'de, A> {
    inner: A,
    entries: Vec<(Option<Cow<'de, str>>, Sent<'de>)>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for RecordingMap<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let mut key = None;
        let value = self.inner.next_key_seed(KeySeed {
            inner: seed,
            key: &mut key,
        })?;
        if value.is_some() {
            self.entries.push((key, Sent::Unrecorded));
        }
        Ok(value)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        match self.entries.last_mut() {
            Some((_, slot)) => self
                .inner
                .next_value_seed(RecordingSeed { inner: seed, slot }),
            // serde's contract has a key first; pass a misuse on unrecorded.
            None => self.inner.next_value_seed(seed),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// A seed whose value is recorded in `slot`.
struct RecordingSeed<'s, 'de, S> {
    inner: S,
    slot: &'s mut Sent<'de>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for RecordingSeed<'_, 'de, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.inner.deserialize(Recording {
            inner: deserializer,
            slot: self.slot,
        })
    }
}

/// A key's seed: the key's text is kept in `key` when read as a string.
struct KeySeed<'k, 'de, S> {
    inner: S,
    key: &'k mut Option<Cow<'de, str>>,
}

struct KeyDeserializer<'k, 'de, D> {
    inner: D,
    key: &'k mut Option<Cow<'de, str>>,
}

struct KeyVisitor<'k, 'de, V> {
    inner: V,
    key: &'k mut Option<Cow<'de, str>>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for KeySeed<'_, 'de, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.inner.deserialize(KeyDeserializer {
            inner: deserializer,
            key: self.key,
        })
    }
}

impl<'k, 'de, D: Deserializer<'de>> KeyDeserializer<'k, 'de, D> {
    fn split<V>(self, visitor: V) -> (D, KeyVisitor<'k, 'de, V>) {
        (
            self.inner,
            KeyVisitor {
                inner: visitor,
                key: self.key,
            },
        )
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for KeyDeserializer<'_, 'de, D> {
    type Error = D::Error;

    pass_on_all!();

    pass_on! {
        deserialize_ignored_any();
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
    }
}

/// Visitor methods passed on without noting a key.
macro_rules! pass_on_visit {
    ($($method:ident($type:ty);)*) => {
        $(
            fn $method<E: de::Error>(self, value: $type) -> Result<V::Value, E> {
                self.inner.$method(value)
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for KeyVisitor<'_, 'de, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<V::Value, E> {
        *self.key = Some(Cow::Borrowed(key));
        self.inner.visit_borrowed_str(key)
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<V::Value, E> {
        *self.key = Some(Cow::Owned(key.to_string()));
        self.inner.visit_str(key)
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<V::Value, E> {
        *self.key = Some(Cow::Owned(key.clone()));
        self.inner.visit_string(key)
    }

    pass_on_visit! {
        visit_bool(bool);
        visit_i8(i8);
        visit_i16(i16);
        visit_i32(i32);
        visit_i64(i64);
        visit_i128(i128);
        visit_u8(u8);
        visit_u16(u16);
        visit_u32(u32);
        visit_u64(u64);
        visit_u128(u128);
        visit_f32(f32);
        visit_f64(f64);
        visit_char(char);
        visit_bytes(&[u8]);
        visit_borrowed_bytes(&'de [u8]);
        visit_byte_buf(Vec<u8>);
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(deserializer)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<V::Value, D::Error> {
        self.inner.visit_newtype_struct(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.inner.visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(map)
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.inner.visit_enum(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::Value;

    fn record<'de, T: de::Deserialize<'de>>(text: &'de str) -> (T, Sent<'de>) {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        read_recording(&mut deserializer).unwrap()
    }

    /// Read as a `Value` (which visits everything), the recording is the
    /// text itself: keys in the order sent, a key given twice twice.
    #[test]
    fn a_value_read_records_the_whole_text() {
        let text = r#"{"b": [1, "x", null, {}], "a": {"k": true, "k": 2.5}, "n": null}"#;
        let (value, sent): (Value, Sent) = record(text);
        assert_eq!(value, serde_json::from_str::<Value>(text).unwrap());
        let key = |k: &'static str| Some(Cow::Borrowed(k));
        assert_eq!(
            sent,
            Sent::Object(vec![
                (
                    key("b"),
                    Sent::Array(vec![
                        Sent::Scalar,
                        Sent::Scalar,
                        Sent::Null,
                        Sent::Object(vec![])
                    ])
                ),
                (
                    key("a"),
                    Sent::Object(vec![(key("k"), Sent::Scalar), (key("k"), Sent::Scalar)])
                ),
                (key("n"), Sent::Null),
            ])
        );
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Typed {
        name: Option<String>,
        #[serde(default)]
        items: Vec<Item>,
        mode: Option<Mode>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Item {
        key: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Mode {
        Fast,
    }

    /// Read by a type, the typed value is serde_json's own; what the type
    /// skips (an unknown key's value) or reads as an enum is unrecorded, a
    /// key with an escape is copied, and an array read as a struct is an
    /// array.
    #[test]
    fn a_typed_read_records_what_the_type_reads() {
        let text = r#"{"na\u006de": "n", "unknown": {"deep": [1]}, "items": [{"key": "k"}, ["k2"]], "mode": "fast"}"#;
        let (typed, sent): (Typed, Sent) = record(text);
        assert_eq!(typed, serde_json::from_str::<Typed>(text).unwrap());
        assert_eq!(typed.items[1].key, "k2");
        let Sent::Object(entries) = sent else {
            panic!("{sent:?}");
        };
        let keys: Vec<_> = entries.iter().map(|(key, _)| key.clone()).collect();
        assert_eq!(
            keys,
            [
                Some(Cow::Owned("name".to_string())),
                Some(Cow::Borrowed("unknown")),
                Some(Cow::Borrowed("items")),
                Some(Cow::Borrowed("mode")),
            ]
        );
        assert!(matches!(keys[0], Some(Cow::Owned(_))));
        assert_eq!(entries[0].1, Sent::Scalar);
        assert_eq!(entries[1].1, Sent::Unrecorded);
        assert_eq!(
            entries[2].1,
            Sent::Array(vec![
                Sent::Object(vec![(Some(Cow::Borrowed("key")), Sent::Scalar)]),
                Sent::Array(vec![Sent::Scalar]),
            ])
        );
        assert_eq!(entries[3].1, Sent::Unrecorded);
    }

    /// A type that refuses the text fails the same way with the recording.
    #[test]
    fn a_refused_text_is_refused_alike() {
        let text = r#"{"items": [{"key": 7}]}"#;
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let recorded = read_recording::<Typed, _>(&mut deserializer).unwrap_err();
        let plain = serde_json::from_str::<Typed>(text).unwrap_err();
        assert_eq!(recorded.to_string(), plain.to_string());
    }
}
