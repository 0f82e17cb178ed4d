//! The documented rules, one entry point per kind. Each returns every
//! violation at once, with its field path, plus the warnings.

mod affinity;
mod common;
mod executor;
mod performer;
mod scheduling;

pub use executor::validate_executor;
pub use performer::validate_performer;
