//! The input formats and invariants of the fuzz targets. The same files are
//! `#[path]`-included by `shared/tests/fuzz_regressions.rs` and
//! `webhook/tests/fuzz_regressions.rs`, which replay the seeds and every
//! crash ever found through the same checks in the normal test run.

pub mod object_from_bytes;
pub mod replay;
pub mod review_invariants;
pub mod rules_invariants;
