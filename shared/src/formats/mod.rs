//! Recognisers for the string formats the API and our flags use. Each
//! returns what is wrong in words a user can act on, so the rules only add
//! the field path.

pub mod duration;
pub mod endpoint;
pub mod ethereum;
pub mod image;
pub mod labels;
pub mod names;
pub mod quantity;
