//! The shape of a typed object as `serde_json::to_value` would write it
//! (objects with their keys, arrays with their length, nulls, and scalars
//! without their text), built without a `Value`.
//!
//! Why: the one-pass decoding of a review checks the text as sent against
//! the same object read by our types (`object::ShapeCheck`), and needs only
//! this much of the read object. Writing a whole `Value` for it (a `String`
//! per key and per scalar, a `BTreeMap` per object, then dropping it all)
//! was a fifth of the webhook's CPU per review under load. Struct field
//! names are borrowed (`&'static str`); only map keys are copied.

use std::borrow::Cow;
use std::fmt;

use serde::ser::{self, Serialize};

/// One node of a serialized object.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Shape {
    /// `null`: `None`, `()`, a unit struct, or a float that is not finite
    /// (`to_value` writes those as null too).
    Null,
    /// A string, number or boolean.
    Scalar,
    Array(Vec<Shape>),
    /// Keys in the order written; a key written twice keeps its first
    /// place and its last value, as `Value`'s map does.
    Object(Vec<(Cow<'static, str>, Shape)>),
}

impl Shape {
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Shape::Null)
    }
}

/// Where `key` is among an object's entries.
pub(crate) fn position(entries: &[(Cow<'static, str>, Shape)], key: &str) -> Option<usize> {
    entries.iter().position(|(name, _)| name.as_ref() == key)
}

/// The shape `serde_json::to_value(value)` would have; `None` where
/// `to_value` fails (a map key that is not a string, number or boolean).
pub(crate) fn shape_of<T: Serialize + ?Sized>(value: &T) -> Option<Shape> {
    value.serialize(ShapeWriter).ok()
}

/// Any error: the caller only needs to know there is one.
#[derive(Debug)]
pub(crate) struct NoShape;

impl fmt::Display for NoShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no JSON shape")
    }
}

impl std::error::Error for NoShape {}

impl ser::Error for NoShape {
    fn custom<T: fmt::Display>(_: T) -> Self {
        NoShape
    }
}

struct ShapeWriter;

/// An object's entries, with the one key of a variant wrapping them
/// (`{"Variant": {...}}`) when there is one.
struct ObjectWriter {
    entries: Vec<(Cow<'static, str>, Shape)>,
    next_key: Option<String>,
    variant: Option<&'static str>,
}

/// An array's items, with the variant key as for objects.
struct ArrayWriter {
    items: Vec<Shape>,
    variant: Option<&'static str>,
}

fn wrapped(variant: Option<&'static str>, shape: Shape) -> Shape {
    match variant {
        Some(variant) => Shape::Object(vec![(Cow::Borrowed(variant), shape)]),
        None => shape,
    }
}

impl ObjectWriter {
    fn new(variant: Option<&'static str>, len: Option<usize>) -> Self {
        ObjectWriter {
            entries: Vec::with_capacity(len.unwrap_or(0)),
            next_key: None,
            variant,
        }
    }

    /// A map entry; a key written again replaces the value in place.
    fn insert(&mut self, key: Cow<'static, str>, shape: Shape) {
        match self.entries.iter_mut().find(|(name, _)| *name == key) {
            Some((_, existing)) => *existing = shape,
            None => self.entries.push((key, shape)),
        }
    }

    fn finish(self) -> Shape {
        wrapped(self.variant, Shape::Object(self.entries))
    }
}

impl ser::Serializer for ShapeWriter {
    type Ok = Shape;
    type Error = NoShape;
    type SerializeSeq = ArrayWriter;
    type SerializeTuple = ArrayWriter;
    type SerializeTupleStruct = ArrayWriter;
    type SerializeTupleVariant = ArrayWriter;
    type SerializeMap = ObjectWriter;
    type SerializeStruct = ObjectWriter;
    type SerializeStructVariant = ObjectWriter;

    fn serialize_bool(self, _: bool) -> Result<Shape, NoShape> {
        Ok(Shape::Scalar)
    }
    fn serialize_i8(self, _: i8) -> Result<Shape, NoShape> {
        Ok(Shape::Scalar)
    }
    fn serialize_i16(self, _: i16) -> Result<Shape, NoShape> {
        Ok(Shape::Scalar)
    }
    fn serialize_i32(self, _: i32) -> Result<Shape, NoShape> {
        Ok(Shape::Scalar)
    }
    fn serialize_i64(self, _: i64) -> Result<Shape, NoShape> {
        Ok(Shape::Scalar)
    }
    fn serialize_i128(self, _: i128) -> Result<Shape, NoShape> {
        Ok(Shape::Scalar)
    }
    fn serialize_u8(self, _: u8) -> Result<Shape, NoShape> {
        Ok(Shape::Scalar)
    }
    fn serialize_u16(self, _: u16) -> Result<Shape, NoShape> {
        Ok(Shape::Scalar)
    }
    fn serialize_u32(self, _: u32) -> Result<Shape, NoShape> {
        Ok(Shape::Scalar)
    }
    fn serialize_u64(self, _: u64) -> Result<Shape, NoShape> {
        Ok(Shape::Scalar)
    }
    fn serialize_u128(self, _: u128) -> Result<Shape, NoShape> {
        Ok(Shape::Scalar)
    }
    fn serialize_f32(self, value: f32) -> Result<Shape, NoShape> {
        self.serialize_f64(f64::from(value))
    }
    fn serialize_f64(self, value: f64) -> Result<Shape, NoShape> {
        Ok(if value.is_finite() {
            Shape::Scalar
        } else {
            Shape::Null
        })
    }
    fn serialize_char(self, _: char) -> Result<Shape, NoShape> {
        Ok(Shape::Scalar)
    }
    fn serialize_str(self, _: &str) -> Result<Shape, NoShape> {
        Ok(Shape::Scalar)
    }
    /// `to_value` writes bytes as an array of numbers.
    fn serialize_bytes(self, bytes: &[u8]) -> Result<Shape, NoShape> {
        Ok(Shape::Array(vec![Shape::Scalar; bytes.len()]))
    }
    fn serialize_none(self) -> Result<Shape, NoShape> {
        Ok(Shape::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Shape, NoShape> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Shape, NoShape> {
        Ok(Shape::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Shape, NoShape> {
        Ok(Shape::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<Shape, NoShape> {
        Ok(Shape::Scalar)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Shape, NoShape> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Shape, NoShape> {
        Ok(wrapped(Some(variant), value.serialize(self)?))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<ArrayWriter, NoShape> {
        Ok(ArrayWriter {
            items: Vec::with_capacity(len.unwrap_or(0)),
            variant: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<ArrayWriter, NoShape> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<ArrayWriter, NoShape> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<ArrayWriter, NoShape> {
        Ok(ArrayWriter {
            items: Vec::with_capacity(len),
            variant: Some(variant),
        })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<ObjectWriter, NoShape> {
        Ok(ObjectWriter::new(None, len))
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<ObjectWriter, NoShape> {
        Ok(ObjectWriter::new(None, Some(len)))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<ObjectWriter, NoShape> {
        Ok(ObjectWriter::new(Some(variant), Some(len)))
    }
}

impl ArrayWriter {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), NoShape> {
        self.items.push(value.serialize(ShapeWriter)?);
        Ok(())
    }

    fn finish(self) -> Shape {
        wrapped(self.variant, Shape::Array(self.items))
    }
}

/// The four ways serde writes an array, all alike here.
macro_rules! array_writer {
    ($trait:ident, $method:ident) => {
        impl ser::$trait for ArrayWriter {
            type Ok = Shape;
            type Error = NoShape;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), NoShape> {
                self.push(value)
            }
            fn end(self) -> Result<Shape, NoShape> {
                Ok(self.finish())
            }
        }
    };
}

array_writer!(SerializeSeq, serialize_element);
array_writer!(SerializeTuple, serialize_element);
array_writer!(SerializeTupleStruct, serialize_field);
array_writer!(SerializeTupleVariant, serialize_field);

impl ser::SerializeMap for ObjectWriter {
    type Ok = Shape;
    type Error = NoShape;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), NoShape> {
        self.next_key = Some(key.serialize(MapKeyWriter)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), NoShape> {
        let key = self.next_key.take().ok_or(NoShape)?;
        let shape = value.serialize(ShapeWriter)?;
        self.insert(Cow::Owned(key), shape);
        Ok(())
    }
    fn end(self) -> Result<Shape, NoShape> {
        Ok(self.finish())
    }
}

impl ser::SerializeStruct for ObjectWriter {
    type Ok = Shape;
    type Error = NoShape;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), NoShape> {
        // A struct writes each field once (`flatten` goes through
        // `SerializeMap`), so there is nothing to look for.
        let shape = value.serialize(ShapeWriter)?;
        self.entries.push((Cow::Borrowed(key), shape));
        Ok(())
    }
    fn end(self) -> Result<Shape, NoShape> {
        Ok(self.finish())
    }
}

impl ser::SerializeStructVariant for ObjectWriter {
    type Ok = Shape;
    type Error = NoShape;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), NoShape> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result<Shape, NoShape> {
        Ok(self.finish())
    }
}

/// A map key as `to_value` writes it: strings as they are, numbers and
/// booleans as their text, unit variants by name; anything else fails.
struct MapKeyWriter;

impl MapKeyWriter {
    fn text(value: impl ToString) -> Result<String, NoShape> {
        Ok(value.to_string())
    }
}

impl ser::Serializer for MapKeyWriter {
    type Ok = String;
    type Error = NoShape;
    type SerializeSeq = ser::Impossible<String, NoShape>;
    type SerializeTuple = ser::Impossible<String, NoShape>;
    type SerializeTupleStruct = ser::Impossible<String, NoShape>;
    type SerializeTupleVariant = ser::Impossible<String, NoShape>;
    type SerializeMap = ser::Impossible<String, NoShape>;
    type SerializeStruct = ser::Impossible<String, NoShape>;
    type SerializeStructVariant = ser::Impossible<String, NoShape>;

    fn serialize_bool(self, value: bool) -> Result<String, NoShape> {
        Self::text(value)
    }
    fn serialize_i8(self, value: i8) -> Result<String, NoShape> {
        Self::text(value)
    }
    fn serialize_i16(self, value: i16) -> Result<String, NoShape> {
        Self::text(value)
    }
    fn serialize_i32(self, value: i32) -> Result<String, NoShape> {
        Self::text(value)
    }
    fn serialize_i64(self, value: i64) -> Result<String, NoShape> {
        Self::text(value)
    }
    fn serialize_i128(self, value: i128) -> Result<String, NoShape> {
        Self::text(value)
    }
    fn serialize_u8(self, value: u8) -> Result<String, NoShape> {
        Self::text(value)
    }
    fn serialize_u16(self, value: u16) -> Result<String, NoShape> {
        Self::text(value)
    }
    fn serialize_u32(self, value: u32) -> Result<String, NoShape> {
        Self::text(value)
    }
    fn serialize_u64(self, value: u64) -> Result<String, NoShape> {
        Self::text(value)
    }
    fn serialize_u128(self, value: u128) -> Result<String, NoShape> {
        Self::text(value)
    }
    /// Floats as keys: rare enough that the reference way may have them.
    fn serialize_f32(self, _: f32) -> Result<String, NoShape> {
        Err(NoShape)
    }
    fn serialize_f64(self, _: f64) -> Result<String, NoShape> {
        Err(NoShape)
    }
    fn serialize_char(self, value: char) -> Result<String, NoShape> {
        Self::text(value)
    }
    fn serialize_str(self, value: &str) -> Result<String, NoShape> {
        Self::text(value)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, NoShape> {
        Err(NoShape)
    }
    fn serialize_none(self) -> Result<String, NoShape> {
        Err(NoShape)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<String, NoShape> {
        Err(NoShape)
    }
    fn serialize_unit(self) -> Result<String, NoShape> {
        Err(NoShape)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, NoShape> {
        Err(NoShape)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String, NoShape> {
        Self::text(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String, NoShape> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, NoShape> {
        Err(NoShape)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, NoShape> {
        Err(NoShape)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, NoShape> {
        Err(NoShape)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, NoShape> {
        Err(NoShape)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, NoShape> {
        Err(NoShape)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, NoShape> {
        Err(NoShape)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, NoShape> {
        Err(NoShape)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, NoShape> {
        Err(NoShape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde_json::{Value, json};

    /// The shape of a `Value`, for comparing with what `shape_of` builds.
    fn shape_of_value(value: &Value) -> Shape {
        match value {
            Value::Null => Shape::Null,
            Value::Bool(_) | Value::Number(_) | Value::String(_) => Shape::Scalar,
            Value::Array(items) => Shape::Array(items.iter().map(shape_of_value).collect()),
            Value::Object(entries) => Shape::Object(
                entries
                    .iter()
                    .map(|(key, value)| (Cow::Owned(key.clone()), shape_of_value(value)))
                    .collect(),
            ),
        }
    }

    /// Objects compared as sets of keys: `Value` sorts its keys, the shape
    /// keeps the order written.
    fn same(a: &Shape, b: &Shape) -> bool {
        match (a, b) {
            (Shape::Array(a), Shape::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
            }
            (Shape::Object(a), Shape::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(key, a)| position(b, key).is_some_and(|at| same(a, &b[at].1)))
            }
            _ => a == b,
        }
    }

    fn assert_like_to_value<T: Serialize>(value: &T) {
        let expected = shape_of_value(&serde_json::to_value(value).unwrap());
        let shape = shape_of(value).unwrap();
        assert!(same(&shape, &expected), "{shape:?}\n!=\n{expected:?}");
    }

    /// The API reference's examples, and a performer with every scheduling
    /// field the rules read (pod affinity, weighted terms, label selectors).
    #[test]
    fn our_objects_have_the_shape_to_value_gives_them() {
        let examples = [
            include_str!("../../manifests/examples/complex-performer.yaml"),
            include_str!("../../manifests/examples/minimal-performer.yaml"),
            include_str!("../../manifests/examples/main-executor.yaml"),
            include_str!("../../manifests/examples/minimal-executor.yaml"),
        ];
        let mut objects: Vec<Value> = examples
            .iter()
            .map(|text| serde_yaml_ng::from_str(text).unwrap())
            .collect();
        let mut scheduled = objects[0].clone();
        scheduled["spec"]["scheduling"]["affinity"] = json!({
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "a", "operator": "Exists"}],
                     "matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n"]}]}
                ]},
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 5, "preference": {"matchExpressions": [{"key": "b", "operator": "DoesNotExist"}]}}
                ]
            },
            "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "podAffinityTerm": {
                    "topologyKey": "zone",
                    "labelSelector": {"matchLabels": {"app": "x"},
                                      "matchExpressions": [{"key": "k", "operator": "In", "values": ["v"]}]},
                    "namespaces": ["a"], "matchLabelKeys": ["pod-template-hash"]
                }}]
            }
        });
        scheduled["metadata"]["labels"] = json!({"a": "b", "c": ""});
        scheduled["metadata"]["ownerReferences"] =
            json!([{"apiVersion": "v1", "kind": "ConfigMap", "name": "c", "uid": "u"}]);
        objects.push(scheduled);
        for value in &objects {
            match crate::HourglassObject::from_value(value).unwrap() {
                crate::HourglassObject::Performer(performer) => assert_like_to_value(&performer),
                crate::HourglassObject::Executor(executor) => assert_like_to_value(&executor),
            }
        }
    }

    #[test]
    fn nulls_variants_bytes_and_repeated_keys_are_written_as_to_value_writes_them() {
        #[derive(Serialize)]
        enum Variant {
            Unit,
            Newtype(u8),
            Tuple(u8, u8),
            Struct { a: Option<u8> },
        }
        #[derive(Serialize)]
        struct Unit;
        #[derive(Serialize)]
        struct All {
            none: Option<String>,
            unit: (),
            unit_struct: Unit,
            nan: f64,
            variants: Vec<Variant>,
            #[serde(with = "serde_bytes_like")]
            bytes: Vec<u8>,
            map: std::collections::BTreeMap<u32, Value>,
        }
        mod serde_bytes_like {
            pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(v)
            }
        }
        assert_like_to_value(&All {
            none: None,
            unit: (),
            unit_struct: Unit,
            nan: f64::NAN,
            variants: vec![
                Variant::Unit,
                Variant::Newtype(1),
                Variant::Tuple(1, 2),
                Variant::Struct { a: None },
            ],
            bytes: vec![1, 2, 3],
            map: [(7, json!({"a": [1, {"b": null}]}))].into(),
        });

        struct Repeated;
        impl Serialize for Repeated {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut map = s.serialize_map(None)?;
                map.serialize_entry("k", &json!({"first": 1}))?;
                map.serialize_entry("other", &1)?;
                map.serialize_entry("k", &Value::Null)?;
                map.end()
            }
        }
        assert_like_to_value(&Repeated);
    }

    #[test]
    fn a_map_key_to_value_refuses_gives_no_shape() {
        let map: std::collections::BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into();
        assert!(serde_json::to_value(&map).is_err());
        assert!(shape_of(&map).is_none());
    }
}
