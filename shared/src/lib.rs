//! The Hourglass custom resources and everything that can be said about them
//! without talking to a cluster: their types, the documented rules, defaults
//! and the translation of hardware requirements into scheduling.
//!
//! Nothing here does I/O. The webhook's `/mutate` and `kubectl hourglass
//! validate` call [`review`] (defaults, hardware terms, then the rules);
//! `/validate` calls the rules alone ([`HourglassObject::validate`]), as
//! it runs after every mutation. The rules are the same functions in all
//! three, so the answers agree by construction.

pub mod constants;
pub mod crd;
pub mod executor;
pub mod formats;
pub mod hardware;
pub mod mutate;
pub mod object;
pub mod patch;
pub mod performer;
pub mod references;
pub mod review;
pub mod scheduling;
pub mod status;
mod strict_read;
pub mod upgrade_history;
pub mod validate;
pub mod violation;
pub mod workload;

pub use executor::{HourglassExecutor, HourglassExecutorSpec};
pub use hardware::HardwareProfile;
pub use object::{HourglassObject, ObjectKind, ParseError};
pub use performer::{Performer, PerformerSpec};
pub use review::{Operation, ReviewOutcome, review};
pub use scheduling::SchedulingConfig;
pub use violation::{Verdict, Violation};
