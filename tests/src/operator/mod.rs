//! Stand-ins for the Hourglass operator.
mod go_json;
pub mod go_quantity;
pub mod upstream_performer;
