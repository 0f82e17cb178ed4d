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

use crate::object::HourglassObject;

pub fn diff(original: &HourglassObject, mutated: &HourglassObject) -> json_patch::Patch {
    // An object the mutation leaves as it is (an update of one it already
    // mutated, a reinvocation, one written from our own output) needs no
    // patch, and equal typed objects serialize alike: compared as they
    // are, not serialized and diffed (two Values and the diff were most of
    // a /mutate review's CPU).
    if original == mutated {
        return json_patch::Patch(Vec::new());
    }
    json_patch::diff(&original.to_value(), &mutated.to_value())
}
