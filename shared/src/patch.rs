//! The patch a mutating webhook returns: the JSON diff of the object before
//! and after mutation.
//!
//! Both sides go through the Rust types, so a difference can only come from
//! the mutation itself, never from the round trip (a quantity written as a
//! number and read back as a string, a field the type does not know). Every
//! parent of a patched path therefore exists in what the user sent (parsing
//! refuses an object whose shape the round trip would change: see
//! `round_trip_mismatch` in `object.rs`), and an object that needs nothing
//! gets an empty patch.
//!
//! Only what changed becomes a `Value`: both sides are serialized to text,
//! fields whose text is the same on both sides (most of the object) are left
//! out of the diff, down to the fields of `spec` and `metadata`. A field left
//! out would have given no operation, and `json_patch::diff` visits the rest
//! in the same order, so the patch is the diff of the whole objects.

use std::collections::BTreeMap;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::object::HourglassObject;

/// Levels of objects below the root whose unchanged fields are left out:
/// the root's fields, then those of `spec` and `metadata`.
const NARROWED_LEVELS: u8 = 2;

pub fn diff(original: &HourglassObject, mutated: &HourglassObject) -> json_patch::Patch {
    changed_parts(original, mutated)
        .map(|(left, right)| json_patch::diff(&left, &right))
        .unwrap_or_else(|| whole_diff(original, mutated))
}

/// The diff of the whole objects, each made a `Value`: what [`diff`] gives.
pub fn whole_diff(original: &HourglassObject, mutated: &HourglassObject) -> json_patch::Patch {
    json_patch::diff(&original.to_value(), &mutated.to_value())
}

/// Both objects with the fields that serialize the same on both sides left
/// out; `None` when the text cannot be split (then the whole diff is taken).
fn changed_parts(original: &HourglassObject, mutated: &HourglassObject) -> Option<(Value, Value)> {
    let left = original.to_json_text()?;
    let right = mutated.to_json_text()?;
    if left == right {
        return Some((Value::Null, Value::Null));
    }
    changed_fields(&left, &right, NARROWED_LEVELS)
}

/// The fields of two JSON objects whose text differs, as two objects;
/// objects on both sides are narrowed the same way `levels` deep.
fn changed_fields(left: &str, right: &str, levels: u8) -> Option<(Value, Value)> {
    // Keys are borrowed: a key with escapes fails to parse, and the caller
    // takes the whole diff.
    let left_fields: BTreeMap<&str, &RawValue> = serde_json::from_str(left).ok()?;
    let right_fields: BTreeMap<&str, &RawValue> = serde_json::from_str(right).ok()?;
    let mut left_out = Map::new();
    let mut right_out = Map::new();
    let keys = left_fields.keys().chain(right_fields.keys().filter(|key| !left_fields.contains_key(*key)));
    for key in keys {
        let left = left_fields.get(key).map(|raw| raw.get());
        let right = right_fields.get(key).map(|raw| raw.get());
        match (left, right) {
            (Some(left), Some(right)) if left == right => {}
            (Some(left), Some(right))
                if levels > 0 && left.starts_with('{') && right.starts_with('{') =>
            {
                let (left, right) = changed_fields(left, right, levels - 1)?;
                left_out.insert((*key).to_string(), left);
                right_out.insert((*key).to_string(), right);
            }
            (left, right) => {
                if let Some(left) = left {
                    left_out.insert((*key).to_string(), serde_json::from_str(left).ok()?);
                }
                if let Some(right) = right {
                    right_out.insert((*key).to_string(), serde_json::from_str(right).ok()?);
                }
            }
        }
    }
    Some((Value::Object(left_out), Value::Object(right_out)))
}
