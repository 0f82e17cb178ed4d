//! The benchmark commands of hourglass and what they share. Benchmarks are
//! commands that print their figures and the machine they ran on, never
//! timed tests; run them on a quiet machine:
//!
//! ```sh
//! cargo run --release -p hourglass-bench --bin bench-webhook     # the webhook beside its floor and a controller-runtime peer, h2load over HTTP/2 + TLS
//! cargo run --release -p hourglass-bench --bin bench-decode      # in process: the one-pass decoder against the reference decoder and a bare tokenizer; the whole review against the floor's handler
//! cargo run --release -p hourglass-bench --bin bench-apiserver   # performer creates: no webhook, ours, ours in one call, CEL rules in the CRD
//! cargo run --release -p hourglass-bench --bin bench-plugin      # `kubectl hourglass status -A` vs `kubectl get` at scale
//! cargo run --release -p hourglass-bench --bin bench-upgrade     # `performer upgrade -l` of 200 performers: wall time against one-at-a-time, API requests per performer
//! ```
//!
//! They run on the control-plane harness of `hourglass-e2e` (etcd and
//! kube-apiserver on loopback, our webhook, the stand-ins). Layout:
//!
//! - `src/bin/<command>/`: each command, its flags (`args.rs`, clap) and
//!   what only it needs
//! - objects: `examples.rs` (copies of the spec's examples), `fleet.rs`
//!   (the plugin benchmark's executors and performers), `cel_crd/` (our
//!   rules as CEL in the Performer CRD), `crd_install.rs`,
//!   `admission_variant.rs` (schema only, our webhook with two calls or
//!   one, CEL)
//! - yardsticks: `peer.rs` (the controller-runtime peer of `bench/peer/`,
//!   built once from the Go module proxy) and `floor_router.rs` (the
//!   floor's canned answer, served by the `bench-floor-server` binary and
//!   called in process by bench-decode)
//! - load: `create_load.rs` (a fixed number of requests in flight),
//!   `review_body.rs` (the AdmissionReview bench-webhook sends and
//!   bench-decode reads, and the floor's canned answers)
//! - measurement: `latency.rs`, `process_cpu.rs`, `child_usage.rs`,
//!   `isolated_measure.rs` (a child's peak memory measured from a small
//!   process), `webhook_metrics.rs` (the webhook's own review time),
//!   `audit_log.rs` (one client's requests counted from the apiserver's
//!   audit log), `machine.rs` (the machine line the commands print)

pub mod admission_variant;
pub mod audit_log;
pub mod cel_crd;
pub mod child_usage;
pub mod crd_install;
pub mod create_load;
pub mod examples;
pub mod fleet;
pub mod floor_router;
pub mod isolated_measure;
pub mod latency;
pub mod machine;
pub mod peer;
pub mod process_cpu;
pub mod review_body;
pub mod webhook_metrics;
