//! Pieces the benchmark commands (`bench-apiserver`, `bench-plugin`) share:
//! objects derived from the spec's examples, CRD variants, a concurrent
//! create driver, latency summaries and child-process resource usage.
//! Benchmarks are commands that print their figures, never timed tests.

pub mod admission_variant;
pub mod cel_crd;
pub mod child_usage;
pub mod crd_install;
pub mod create_load;
pub mod examples;
pub mod flags;
pub mod fleet;
pub mod isolated_measure;
pub mod latency;
pub mod process_cpu;
pub mod webhook_metrics;
