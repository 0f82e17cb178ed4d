//! Recognisers for the string formats the API and our flags use. Each
//! returns what is wrong in words a user can act on, so the rules only add
//! the field path.
//!
//! Character classes that are ASCII only are checked over bytes: every
//! byte of a non-ASCII character is 0x80 or above and fails such a class
//! just as the character would, and the bytes need no UTF-8 decoding
//! (`chars()` on the review's names was a measurable share of the rules).

pub mod duration;
pub mod endpoint;
pub mod ethereum;
pub mod image;
pub mod labels;
pub mod names;
pub mod quantity;
