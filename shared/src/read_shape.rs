//! The shape of a typed object as `serde_json::to_value` would write it
//! (objects with their keys, arrays with their length, nulls, and scalars
//! without their text), built without a `Value`.
//!
//! Why: the one-pass decoding of a review checks the text as sent against
//! the same object read by our types (`object::ShapeCheck`), and needs only
//! this much of the read object. Writing a whole `Value` for it (a `String`
//! per key and per scalar, a `BTreeMap` per object, then dropping it all)
//! was a fifth of the webhook's CPU per review under load; a tree of
//! `Vec`s after it was still some thirty allocations per review. So the
//! shape is flat: one array of nodes in preorder, each knowing where its
//! subtree ends, and map keys written into one string, both reused from
//! review to review on the same thread ([`with_shape_of`]).

use std::cell::RefCell;
use std::fmt::{self, Write as _};

use serde::ser::{self, Serialize};

/// What one node of a serialized object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `null`: `None`, `()`, a unit struct, or a float that is not finite
    /// (`to_value` writes those as null too).
    Null,
    /// A string, number or boolean.
    Scalar,
    Array,
    Object,
}

/// The key a node has in its object: a struct field's name, a map key's
/// text (a range of [`Shape::keys`]), or none (the root, array items).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    None,
    Field(&'static str),
    Written { start: u32, end: u32 },
}

#[derive(Debug, Clone, Copy)]
struct Node {
    kind: Kind,
    key: Key,
    /// Index one past the node's subtree: its next sibling, if any.
    end: u32,
    /// A map entry whose key was written again later: `Value` keeps the
    /// key's first place and its last value; here the later entry stands
    /// and this one is skipped.
    replaced: bool,
}

/// A serialized object's shape: nodes in preorder, the root first.
#[derive(Debug, Default)]
pub(crate) struct Shape {
    nodes: Vec<Node>,
    keys: String,
}

/// A node of a [`Shape`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NodeId(u32);

/// One entry of an object node: its place among the object's entries
/// (counting replaced ones, so that places are stable) and its value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub(crate) at: usize,
    pub(crate) value: NodeId,
}

impl Shape {
    pub(crate) fn root(&self) -> NodeId {
        NodeId(0)
    }

    pub(crate) fn kind(&self, node: NodeId) -> Kind {
        self.nodes[node.0 as usize].kind
    }

    pub(crate) fn is_null(&self, node: NodeId) -> bool {
        self.kind(node) == Kind::Null
    }

    /// The node's children in order, replaced entries left out, with their
    /// places (see [`Entry`]).
    pub(crate) fn children(&self, node: NodeId) -> impl Iterator<Item = Entry> + '_ {
        let end = self.nodes[node.0 as usize].end;
        let mut next = node.0 + 1;
        let mut at = 0;
        std::iter::from_fn(move || {
            while next < end {
                let child = next;
                let place = at;
                next = self.nodes[child as usize].end;
                at += 1;
                if !self.nodes[child as usize].replaced {
                    return Some(Entry {
                        at: place,
                        value: NodeId(child),
                    });
                }
            }
            None
        })
    }

    /// How many places the node's children take, replaced ones included.
    pub(crate) fn places(&self, node: NodeId) -> usize {
        let end = self.nodes[node.0 as usize].end;
        let mut next = node.0 + 1;
        let mut count = 0;
        while next < end {
            next = self.nodes[next as usize].end;
            count += 1;
        }
        count
    }

    /// The entry of object `node` under `key`.
    pub(crate) fn entry(&self, node: NodeId, key: &str) -> Option<Entry> {
        self.children(node)
            .find(|entry| self.key(entry.value) == Some(key))
    }

    fn key(&self, node: NodeId) -> Option<&str> {
        match self.nodes[node.0 as usize].key {
            Key::None => None,
            key => Some(self.key_text(key)),
        }
    }

    /// A key's text; empty for none.
    fn key_text(&self, key: Key) -> &str {
        match key {
            Key::None => "",
            Key::Field(name) => name,
            Key::Written { start, end } => &self.keys[start as usize..end as usize],
        }
    }

    fn clear(&mut self) {
        self.nodes.clear();
        self.keys.clear();
    }

    /// Adds a node that has no children yet, returning its index.
    fn open(&mut self, kind: Kind, key: Key) -> u32 {
        let at = self.nodes.len() as u32;
        self.nodes.push(Node {
            kind,
            key,
            end: at + 1,
            replaced: false,
        });
        at
    }

    /// Ends node `at`'s subtree at the last node written.
    fn close(&mut self, at: u32) {
        self.nodes[at as usize].end = self.nodes.len() as u32;
    }
}

/// Nodes and key bytes a thread keeps between reviews; a larger shape (a
/// hostile review's) is dropped after use rather than kept.
const KEPT_NODES: usize = 4096;
const KEPT_KEY_BYTES: usize = 64 * 1024;

thread_local! {
    static REUSED: RefCell<Shape> = RefCell::new(Shape::default());
}

/// `f` of the shape `serde_json::to_value(value)` would have; `None` where
/// `to_value` fails (a map key that is not a string, number or boolean).
pub(crate) fn with_shape_of<T: Serialize + ?Sized, R>(
    value: &T,
    f: impl FnOnce(&Shape) -> R,
) -> Option<R> {
    let write = |shape: &mut Shape| {
        shape.clear();
        value.serialize(ShapeWriter::new(shape, Key::None)).ok()?;
        Some(f(shape))
    };
    REUSED.with(|reused| match reused.try_borrow_mut() {
        Ok(mut shape) => {
            let result = write(&mut shape);
            if shape.nodes.capacity() > KEPT_NODES || shape.keys.capacity() > KEPT_KEY_BYTES {
                *shape = Shape::default();
            }
            result
        }
        // In use further up this thread's stack: a shape of its own.
        Err(_) => write(&mut Shape::default()),
    })
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

/// Writes one value, under `key`, at the end of `shape`.
struct ShapeWriter<'s> {
    shape: &'s mut Shape,
    key: Key,
}

impl<'s> ShapeWriter<'s> {
    fn new(shape: &'s mut Shape, key: Key) -> Self {
        ShapeWriter { shape, key }
    }

    fn leaf(self, kind: Kind) -> Result<(), NoShape> {
        self.shape.open(kind, self.key);
        Ok(())
    }

    /// Opens an array or object; for a variant, inside the object that
    /// wraps it (`{"Variant": ...}`).
    fn compound(self, kind: Kind, variant: Option<&'static str>) -> Compound<'s> {
        let wrapper = variant.map(|_| self.shape.open(Kind::Object, self.key));
        let key = variant.map_or(self.key, Key::Field);
        let node = self.shape.open(kind, key);
        Compound {
            shape: self.shape,
            node,
            wrapper,
            next_key: None,
            last_key: None,
            unsorted: false,
        }
    }
}

/// An array or object being written.
struct Compound<'s> {
    shape: &'s mut Shape,
    node: u32,
    wrapper: Option<u32>,
    /// A map key written, waiting for its value.
    next_key: Option<Key>,
    /// The previous map key, while the keys come in increasing order (as
    /// from a `BTreeMap`): then a new key cannot repeat an earlier one, and
    /// the entries need not be searched.
    last_key: Option<Key>,
    /// A key came out of order: from then on every key is searched for.
    unsorted: bool,
}

impl Compound<'_> {
    fn item<T: Serialize + ?Sized>(&mut self, key: Key, value: &T) -> Result<(), NoShape> {
        value.serialize(ShapeWriter::new(self.shape, key))
    }

    fn finish(self) -> Result<(), NoShape> {
        self.shape.close(self.node);
        if let Some(wrapper) = self.wrapper {
            self.shape.close(wrapper);
        }
        Ok(())
    }

    /// A map entry's key: when it was written before in this map, that
    /// entry is marked replaced (see [`Node::replaced`]).
    fn map_key(&mut self, key: Key) {
        if !self.unsorted {
            let increasing = self
                .last_key
                .is_none_or(|last| self.shape.key_text(last) < self.shape.key_text(key));
            if increasing {
                self.last_key = Some(key);
                return;
            }
            self.unsorted = true;
        }
        let mut next = self.node + 1;
        let end = self.shape.nodes.len() as u32;
        while next < end {
            let entry = self.shape.nodes[next as usize];
            if !entry.replaced && self.shape.key_text(entry.key) == self.shape.key_text(key) {
                self.shape.nodes[next as usize].replaced = true;
            }
            next = entry.end;
        }
    }
}

impl<'s> ser::Serializer for ShapeWriter<'s> {
    type Ok = ();
    type Error = NoShape;
    type SerializeSeq = Compound<'s>;
    type SerializeTuple = Compound<'s>;
    type SerializeTupleStruct = Compound<'s>;
    type SerializeTupleVariant = Compound<'s>;
    type SerializeMap = Compound<'s>;
    type SerializeStruct = Compound<'s>;
    type SerializeStructVariant = Compound<'s>;

    fn serialize_bool(self, _: bool) -> Result<(), NoShape> {
        self.leaf(Kind::Scalar)
    }
    fn serialize_i8(self, _: i8) -> Result<(), NoShape> {
        self.leaf(Kind::Scalar)
    }
    fn serialize_i16(self, _: i16) -> Result<(), NoShape> {
        self.leaf(Kind::Scalar)
    }
    fn serialize_i32(self, _: i32) -> Result<(), NoShape> {
        self.leaf(Kind::Scalar)
    }
    fn serialize_i64(self, _: i64) -> Result<(), NoShape> {
        self.leaf(Kind::Scalar)
    }
    fn serialize_i128(self, _: i128) -> Result<(), NoShape> {
        self.leaf(Kind::Scalar)
    }
    fn serialize_u8(self, _: u8) -> Result<(), NoShape> {
        self.leaf(Kind::Scalar)
    }
    fn serialize_u16(self, _: u16) -> Result<(), NoShape> {
        self.leaf(Kind::Scalar)
    }
    fn serialize_u32(self, _: u32) -> Result<(), NoShape> {
        self.leaf(Kind::Scalar)
    }
    fn serialize_u64(self, _: u64) -> Result<(), NoShape> {
        self.leaf(Kind::Scalar)
    }
    fn serialize_u128(self, _: u128) -> Result<(), NoShape> {
        self.leaf(Kind::Scalar)
    }
    fn serialize_f32(self, value: f32) -> Result<(), NoShape> {
        self.serialize_f64(f64::from(value))
    }
    fn serialize_f64(self, value: f64) -> Result<(), NoShape> {
        self.leaf(if value.is_finite() {
            Kind::Scalar
        } else {
            Kind::Null
        })
    }
    fn serialize_char(self, _: char) -> Result<(), NoShape> {
        self.leaf(Kind::Scalar)
    }
    fn serialize_str(self, _: &str) -> Result<(), NoShape> {
        self.leaf(Kind::Scalar)
    }
    /// `to_value` writes bytes as an array of numbers.
    fn serialize_bytes(self, bytes: &[u8]) -> Result<(), NoShape> {
        let array = self.compound(Kind::Array, None);
        for _ in bytes {
            array.shape.open(Kind::Scalar, Key::None);
        }
        array.finish()
    }
    fn serialize_none(self) -> Result<(), NoShape> {
        self.leaf(Kind::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), NoShape> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), NoShape> {
        self.leaf(Kind::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), NoShape> {
        self.leaf(Kind::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), NoShape> {
        self.leaf(Kind::Scalar)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), NoShape> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), NoShape> {
        let wrapper = self.shape.open(Kind::Object, self.key);
        value.serialize(ShapeWriter::new(self.shape, Key::Field(variant)))?;
        self.shape.close(wrapper);
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'s>, NoShape> {
        Ok(self.compound(Kind::Array, None))
    }
    fn serialize_tuple(self, _: usize) -> Result<Compound<'s>, NoShape> {
        Ok(self.compound(Kind::Array, None))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound<'s>, NoShape> {
        Ok(self.compound(Kind::Array, None))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'s>, NoShape> {
        Ok(self.compound(Kind::Array, Some(variant)))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'s>, NoShape> {
        Ok(self.compound(Kind::Object, None))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'s>, NoShape> {
        Ok(self.compound(Kind::Object, None))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'s>, NoShape> {
        Ok(self.compound(Kind::Object, Some(variant)))
    }
}

/// The four ways serde writes an array, all alike here.
macro_rules! array_writer {
    ($trait:ident, $method:ident) => {
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = NoShape;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), NoShape> {
                self.item(Key::None, value)
            }
            fn end(self) -> Result<(), NoShape> {
                self.finish()
            }
        }
    };
}

array_writer!(SerializeSeq, serialize_element);
array_writer!(SerializeTuple, serialize_element);
array_writer!(SerializeTupleStruct, serialize_field);
array_writer!(SerializeTupleVariant, serialize_field);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = NoShape;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), NoShape> {
        let start = self.shape.keys.len();
        key.serialize(MapKeyWriter(&mut self.shape.keys))?;
        let key = Key::Written {
            start: start as u32,
            end: self.shape.keys.len() as u32,
        };
        self.map_key(key);
        self.next_key = Some(key);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), NoShape> {
        let key = self.next_key.take().ok_or(NoShape)?;
        self.item(key, value)
    }
    fn end(self) -> Result<(), NoShape> {
        self.finish()
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = NoShape;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), NoShape> {
        // A struct writes each field once (`flatten` goes through
        // `SerializeMap`), so there is nothing to look for.
        self.item(Key::Field(key), value)
    }
    fn end(self) -> Result<(), NoShape> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = NoShape;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), NoShape> {
        self.item(Key::Field(key), value)
    }
    fn end(self) -> Result<(), NoShape> {
        self.finish()
    }
}

/// A map key as `to_value` writes it, appended to the shape's key text:
/// strings as they are, numbers and booleans as their text, unit variants
/// by name; anything else fails.
struct MapKeyWriter<'k>(&'k mut String);

impl MapKeyWriter<'_> {
    fn text(self, value: impl fmt::Display) -> Result<(), NoShape> {
        write!(self.0, "{value}").map_err(|_| NoShape)
    }
}

impl ser::Serializer for MapKeyWriter<'_> {
    type Ok = ();
    type Error = NoShape;
    type SerializeSeq = ser::Impossible<(), NoShape>;
    type SerializeTuple = ser::Impossible<(), NoShape>;
    type SerializeTupleStruct = ser::Impossible<(), NoShape>;
    type SerializeTupleVariant = ser::Impossible<(), NoShape>;
    type SerializeMap = ser::Impossible<(), NoShape>;
    type SerializeStruct = ser::Impossible<(), NoShape>;
    type SerializeStructVariant = ser::Impossible<(), NoShape>;

    fn serialize_bool(self, value: bool) -> Result<(), NoShape> {
        self.text(value)
    }
    fn serialize_i8(self, value: i8) -> Result<(), NoShape> {
        self.text(value)
    }
    fn serialize_i16(self, value: i16) -> Result<(), NoShape> {
        self.text(value)
    }
    fn serialize_i32(self, value: i32) -> Result<(), NoShape> {
        self.text(value)
    }
    fn serialize_i64(self, value: i64) -> Result<(), NoShape> {
        self.text(value)
    }
    fn serialize_i128(self, value: i128) -> Result<(), NoShape> {
        self.text(value)
    }
    fn serialize_u8(self, value: u8) -> Result<(), NoShape> {
        self.text(value)
    }
    fn serialize_u16(self, value: u16) -> Result<(), NoShape> {
        self.text(value)
    }
    fn serialize_u32(self, value: u32) -> Result<(), NoShape> {
        self.text(value)
    }
    fn serialize_u64(self, value: u64) -> Result<(), NoShape> {
        self.text(value)
    }
    fn serialize_u128(self, value: u128) -> Result<(), NoShape> {
        self.text(value)
    }
    /// Floats as keys: rare enough that the reference way may have them.
    fn serialize_f32(self, _: f32) -> Result<(), NoShape> {
        Err(NoShape)
    }
    fn serialize_f64(self, _: f64) -> Result<(), NoShape> {
        Err(NoShape)
    }
    fn serialize_char(self, value: char) -> Result<(), NoShape> {
        self.text(value)
    }
    fn serialize_str(self, value: &str) -> Result<(), NoShape> {
        self.0.push_str(value);
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), NoShape> {
        Err(NoShape)
    }
    fn serialize_none(self) -> Result<(), NoShape> {
        Err(NoShape)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), NoShape> {
        Err(NoShape)
    }
    fn serialize_unit(self) -> Result<(), NoShape> {
        Err(NoShape)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), NoShape> {
        Err(NoShape)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), NoShape> {
        self.text(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), NoShape> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), NoShape> {
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

    /// A shape as a tree, for comparing.
    #[derive(Debug, PartialEq)]
    enum Tree {
        Null,
        Scalar,
        Array(Vec<Tree>),
        Object(Vec<(String, Tree)>),
    }

    fn tree(shape: &Shape, node: NodeId) -> Tree {
        match shape.kind(node) {
            Kind::Null => Tree::Null,
            Kind::Scalar => Tree::Scalar,
            Kind::Array => Tree::Array(
                shape
                    .children(node)
                    .map(|entry| tree(shape, entry.value))
                    .collect(),
            ),
            Kind::Object => Tree::Object(
                shape
                    .children(node)
                    .map(|entry| {
                        let key = shape.key(entry.value).unwrap().to_string();
                        (key, tree(shape, entry.value))
                    })
                    .collect(),
            ),
        }
    }

    fn shape_tree<T: Serialize + ?Sized>(value: &T) -> Option<Tree> {
        with_shape_of(value, |shape| tree(shape, shape.root()))
    }

    /// The shape of a `Value`, for comparing with what `with_shape_of` builds.
    fn tree_of_value(value: &Value) -> Tree {
        match value {
            Value::Null => Tree::Null,
            Value::Bool(_) | Value::Number(_) | Value::String(_) => Tree::Scalar,
            Value::Array(items) => Tree::Array(items.iter().map(tree_of_value).collect()),
            Value::Object(entries) => Tree::Object(
                entries
                    .iter()
                    .map(|(key, value)| (key.clone(), tree_of_value(value)))
                    .collect(),
            ),
        }
    }

    /// Objects compared as sets of keys: `Value` sorts its keys, the shape
    /// keeps the order written.
    fn same(a: &Tree, b: &Tree) -> bool {
        match (a, b) {
            (Tree::Array(a), Tree::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
            }
            (Tree::Object(a), Tree::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(key, a)| b.iter().any(|(other, b)| other == key && same(a, b)))
            }
            _ => a == b,
        }
    }

    fn assert_like_to_value<T: Serialize>(value: &T) {
        let expected = tree_of_value(&serde_json::to_value(value).unwrap());
        let shape = shape_tree(value).unwrap();
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
        assert!(shape_tree(&map).is_none());
    }

    /// A map whose keys come as given, not sorted.
    struct InOrder(Vec<(&'static str, Value)>);

    impl Serialize for InOrder {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut map = s.serialize_map(Some(self.0.len()))?;
            for (key, value) in &self.0 {
                map.serialize_entry(key, value)?;
            }
            map.end()
        }
    }

    #[test]
    fn a_key_repeated_after_the_order_breaks_keeps_its_last_value() {
        // Sorted up to "c", then "b" breaks the order, and "c" again must
        // still be found among the entries written before.
        let map = InOrder(vec![
            ("a", json!(1)),
            ("c", json!([1, 2])),
            ("b", json!(null)),
            ("c", json!({"x": 1})),
            ("d", json!(1)),
        ]);
        assert_like_to_value(&map);
        let places = with_shape_of(&map, |shape| shape.places(shape.root())).unwrap();
        assert_eq!(places, 5, "the replaced entry keeps its place");
    }

    #[test]
    fn entries_are_found_by_key_with_their_places() {
        let value = json!({"b": {"inner": [1, null]}, "a": 1, "c": null});
        with_shape_of(&value, |shape| {
            let root = shape.root();
            let inner = shape.entry(root, "b").unwrap();
            assert_eq!(shape.kind(inner.value), Kind::Object);
            let list = shape.entry(inner.value, "inner").unwrap();
            assert_eq!(shape.kind(list.value), Kind::Array);
            let items: Vec<Kind> = shape
                .children(list.value)
                .map(|entry| shape.kind(entry.value))
                .collect();
            assert_eq!(items, [Kind::Scalar, Kind::Null]);
            assert!(shape.is_null(shape.entry(root, "c").unwrap().value));
            assert!(shape.entry(root, "missing").is_none());
            let places: Vec<usize> = shape.children(root).map(|entry| entry.at).collect();
            assert_eq!(places, [0, 1, 2]);
        })
        .unwrap();
    }

    #[test]
    fn a_shape_taken_while_another_is_in_use_is_its_own() {
        let outer = json!({"outer": 1});
        let inner = json!([1, 2, 3]);
        let (outer_tree, inner_tree) = with_shape_of(&outer, |shape| {
            let inner_tree = shape_tree(&inner).unwrap();
            (tree(shape, shape.root()), inner_tree)
        })
        .unwrap();
        assert_eq!(outer_tree, tree_of_value(&outer));
        assert_eq!(inner_tree, tree_of_value(&inner));
    }
}
