//! Stand-ins for the Hourglass operator, which cannot run here (no image
//! registry, no kubelet, no scheduler). Each reproduces a contract someone
//! else wrote, named in its top comment:
//! - [`UpstreamOperator`]: what the operator users run does, from its code
//!   (hourglass-monorepo master 11f1554);
//! - [`DocumentedOperator`]: what its API reference promises
//!   (`shared/spec/operator-api-reference.md`, hourglass-monorepo 5f0df78).
//!
//! Both build the performer's pod and service in one place (`pod`,
//! `service`), and run in the same controller-runtime-shaped loop.

mod contract;
mod controller;
mod documented;
pub(crate) mod documented_performer;
mod go_json;
pub(crate) mod go_quantity;
mod owner;
mod performer_kind;
pub(crate) mod pod;
mod pod_health;
mod real_upstream;
mod reconcile_error;
mod service;
mod upstream;
pub(crate) mod upstream_performer;
mod work_queue;

pub use contract::{OperatorContract, RunningOperator};
pub use controller::OperatorTiming;
pub use documented::{
    DOCUMENTED_DEFAULT_GRPC_PORT, DOCUMENTED_OPERATOR_FIELD_MANAGER, DocumentedOperator,
};
pub use real_upstream::UPSTREAM_OPERATOR_BINARY_ENV;
pub use reconcile_error::ReconcileError;
pub use upstream::{
    PERFORMER_FINALIZER, UPSTREAM_DEFAULT_GRPC_PORT, UPSTREAM_FIELD_MANAGER, UpstreamOperator,
};
