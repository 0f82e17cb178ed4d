//! A real control plane for end-to-end tests, offered as a library the way
//! envtest is: etcd and kube-apiserver on loopback, an admin kubeconfig,
//! kubectl, our CRDs and webhook installed once per test binary, a namespace
//! per test, and assertions on what kubectl said.
//!
//! ```no_run
//! use hourglass_e2e::{ControlPlane, TestNamespace, with_temp_ns};
//!
//! # async fn example() {
//! // The shared control plane, with our CRDs and our webhook registered.
//! let control_plane = ControlPlane::with_webhook();
//! let namespace = TestNamespace::create(control_plane).unwrap();
//! control_plane
//!     .kubectl_outcome(&["create", "-n", namespace.name(), "-f", "-"], Some("..."))
//!     .assert_failure_containing("denied the request");
//! with_temp_ns(|client, namespace| async move {
//!     // create objects in `namespace` with `client`
//! })
//! .await;
//! # }
//! ```
//!
//! No controllers, kubelet or scheduler run there. Stand-ins play the other
//! side, each reproducing a contract someone else wrote:
//! [`UpstreamOperator`] (the Hourglass operator's code at 11f1554),
//! [`DocumentedOperator`] (its API reference), [`SimulatedKubelet`] (pod
//! status as kubelet and kube-scheduler write it).
//!
//! kube-apiserver (and kubectl, if the machine has none close to the pinned
//! release) is built once from the Go module proxy into a cache directory
//! outside the repository; etcd is Debian's `etcd-server`, installed on
//! first use when running as root. Anything that cannot be had fails with one
//! line saying how to fix it; nothing is skipped.
//!
//! Where things are:
//! - `control_plane/`: [`ControlPlane`]: starting one, the shared one and its
//!   fixtures ([`ControlPlane::with_crds`], [`ControlPlane::with_webhook`]),
//!   kubectl aimed at it
//! - `etcd.rs`, `etcd_build.rs`, `apiserver.rs`, `kubernetes_build.rs`,
//!   `helm_build.rs`, `krew_build.rs`,
//!   `kubectl.rs`, `cache.rs`: finding, installing or building the binaries
//! - `pki.rs`, `kubeconfig.rs`, `client.rs`: credentials and kube clients
//! - `process.rs`, `ports.rs`, `plain_http.rs`: children that cannot outlive
//!   the binary, free ports, the one plain HTTP GET (probes, metrics)
//! - `crds.rs`, `webhook_server.rs`, `cluster_objects.rs`: what goes onto a
//!   control plane (our CRDs, our webhook binary, objects a test assumes);
//!   `manifests.rs` reads `manifests/`
//! - `namespace.rs`: a namespace per test ([`TestNamespace`], [`with_temp_ns`])
//! - `kubectl_outcome.rs`, `plugin.rs`: running kubectl and our plugin to an
//!   [`Outcome`], and asserting on it
//! - `workspace_binary.rs`: building this workspace's binaries for the suites
//! - `operator/`, `kubelet/`: the stand-ins
//! - `bin/demo.rs`: the README's first command
//!
//! The benchmarks build on this crate from their own, `hourglass-bench`
//! (`bench/`).

mod apiserver;
pub mod cache;
mod cert_manager_crds;
mod client;
mod cluster_objects;
mod control_plane;
mod crds;
mod debian_package;
mod error;
mod etcd;
mod etcd_build;
mod go_install;
mod helm_build;
mod interrupt;
mod krew_build;
mod kubeconfig;
mod kubectl;
mod kubectl_outcome;
mod kubelet;
mod kubernetes_build;
mod manifests;
mod namespace;
mod node_address;
mod operator;
mod pki;
mod plain_http;
mod plugin;
mod ports;
mod process;
mod skopeo;
mod webhook_server;
mod workspace_binary;

pub use cert_manager_crds::{CERT_MANAGER_VERSION, cert_manager_crds};
pub use cluster_objects::ensure_runtime_class;
pub use control_plane::{
    ControlPlane, ControlPlaneOptions, EtcdSource, KEEP_RUN_DIR_ENV, ProcessIds, StartTimings,
};
pub use crds::{CRD_NAMES, install_crds};
pub use error::HarnessError;
pub use etcd::EtcdBinary;
pub use etcd_build::BUILT_ETCD_VERSION;
pub use helm_build::{HELM_VERSION, ensure_helm};
pub use interrupt::interrupt_when_ready;
pub use krew_build::{KREW_VERSION, ensure_krew};
pub use kubectl::{Kubectl, KubectlSource};
pub use kubectl_outcome::Outcome;
pub use kubelet::{
    IMAGE_PULL_BACK_OFF_AFTER, KUBELET_FIELD_MANAGER, NO_GPU_NODE_MESSAGE, PodOutcome, PodPolicy,
    SimulatedKubelet,
};
pub use kubernetes_build::{KubeCommand, ensure_built};
pub use manifests::{example_path, example_text, manifest_path, read_manifest};
pub use namespace::{TEMPORARY_LABEL, TestNamespace, with_temp_ns};
pub use node_address::node_ip;
pub use operator::documented_performer::DocumentedPerformer;
pub use operator::go_quantity::GoQuantity;
pub use operator::pod::{
    APP_LABEL, AVS_LABEL, GRPC_PORT_NAME, PERFORMER_CONTAINER, PERFORMER_LABEL, performer_pod_name,
};
pub use operator::upstream_performer::{
    GoResourceRequirements, UpstreamEnvValueFrom, UpstreamEnvVarSource,
    UpstreamHardwareRequirements, UpstreamPerformer, UpstreamPerformerConfig,
    UpstreamPerformerSpec, UpstreamPerformerStatus, UpstreamScheduling,
};
pub use operator::{
    DOCUMENTED_DEFAULT_GRPC_PORT, DOCUMENTED_OPERATOR_FIELD_MANAGER, DocumentedOperator,
    OperatorContract, OperatorTiming, PERFORMER_FINALIZER, ReconcileError, RunningOperator,
    UPSTREAM_DEFAULT_GRPC_PORT, UPSTREAM_FIELD_MANAGER, UPSTREAM_OPERATOR_BINARY_ENV,
    UpstreamOperator,
};
pub use plain_http::plain_http_get;
pub use plugin::Plugin;
pub use ports::free_loopback_ports;
pub use process::ChildProcess;
pub use skopeo::find_or_install_skopeo;
pub use webhook_server::{ServingPair, WebhookServer};
pub use workspace_binary::{BuildProfile, workspace_binary, workspace_binary_with, workspace_root};

/// The pinned Kubernetes release: inside k8s-openapi 0.29's supported range
/// (1.33 to 1.37), and the workspace's `v1_33` feature.
pub const KUBERNETES_VERSION: &str = "v1.33.13";
