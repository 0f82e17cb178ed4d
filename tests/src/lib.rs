//! A real control plane for end-to-end tests: etcd and kube-apiserver on
//! loopback, an admin kubeconfig, kubectl, and a namespace per test.
//!
//! ```no_run
//! use hourglass_e2e::{ControlPlane, with_temp_ns};
//!
//! # async fn example() {
//! let control_plane = ControlPlane::shared();
//! let ready = control_plane.run_kubectl(&["get", "--raw", "/readyz"], None).unwrap();
//! assert_eq!(ready, "ok");
//! with_temp_ns(|client, namespace| async move {
//!     // create objects in `namespace` with `client`
//! })
//! .await;
//! # }
//! ```
//!
//! kube-apiserver (and kubectl, if the machine has none close to the pinned
//! release) is built once from the Go module proxy into a cache directory
//! outside the repository; etcd is Debian's `etcd-server`, installed on
//! first use when running as root. Anything that cannot be had fails with one
//! line saying how to fix it; nothing is skipped.

mod apiserver;
pub mod bench;
pub mod cache;
mod client;
mod control_plane;
mod crds;
mod debian_package;
mod error;
mod etcd;
mod etcd_build;
mod krew_build;
mod kubeconfig;
mod kubectl;
mod kubectl_outcome;
mod kubernetes_build;
mod namespace;
mod operator_stand_in;
mod pki;
mod plugin;
mod ports;
mod process;
mod skopeo;
mod webhook_server;
mod workspace_binary;

pub use control_plane::{
    ControlPlane, ControlPlaneOptions, EtcdSource, KEEP_RUN_DIR_ENV, ProcessIds, StartTimings,
};
pub use crds::{CRD_NAMES, install_crds};
pub use error::HarnessError;
pub use etcd::EtcdBinary;
pub use etcd_build::BUILT_ETCD_VERSION;
pub use krew_build::{KREW_VERSION, ensure_krew};
pub use kubectl::{Kubectl, KubectlSource};
pub use kubectl_outcome::Outcome;
pub use kubernetes_build::{KubeCommand, ensure_built};
pub use namespace::{TEMPORARY_LABEL, TestNamespace, with_temp_ns};
pub use operator_stand_in::{OPERATOR_FIELD_MANAGER, OperatorStandIn};
pub use plugin::Plugin;
pub use ports::free_loopback_ports;
pub use process::ChildProcess;
pub use skopeo::find_or_install_skopeo;
pub use webhook_server::{ServingPair, WebhookServer, plain_http_get};
pub use workspace_binary::{BuildProfile, workspace_binary, workspace_binary_with, workspace_root};

/// The pinned Kubernetes release: inside k8s-openapi 0.29's supported range
/// (1.33 to 1.37), and the workspace's `v1_33` feature.
pub const KUBERNETES_VERSION: &str = "v1.33.13";
