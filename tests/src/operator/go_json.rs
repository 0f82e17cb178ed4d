//! How Go's `encoding/json` treats the field kinds of the upstream
//! operator's types, for serde: what `omitempty` leaves out, and what a JSON
//! `null` decodes to.
//!
//! Go omits an `omitempty` field when it is `false`, `0`, `""`, or a nil or
//! empty map or slice; a pointer only when nil (a pointer to an empty struct
//! is written as `{}`); a struct field never. Decoding `null` into a string,
//! number, bool or struct leaves its zero value; into a map, slice or
//! pointer, nil. Keys of unknown fields are ignored (serde's default too).

use serde::{Deserialize, Deserializer};

/// `#[serde(deserialize_with = "null_as_zero")]` on a non-pointer field:
/// `null` gives the zero value, as Go leaves it.
pub(crate) fn null_as_zero<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Go's `omitempty` for `bool`.
pub(crate) fn is_false(value: &bool) -> bool {
    !*value
}

/// Go's `omitempty` for integers.
pub(crate) fn is_zero(value: &i32) -> bool {
    *value == 0
}
