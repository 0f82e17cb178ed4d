//! How a control plane is asked for, and what it reports about its start.

use std::time::Duration;

/// How a control plane of its own differs from the default one.
#[derive(Clone, Debug, Default)]
pub struct ControlPlaneOptions {
    /// Extra kube-apiserver flags, after the harness's own, e.g.
    /// `--enable-aggregator-routing=true` so webhook Services are called
    /// through their Endpoints (nothing routes a ClusterIP here).
    pub extra_apiserver_flags: Vec<String>,
    /// Which etcd runs underneath.
    pub etcd: EtcdSource,
}

/// Where the control plane's etcd comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EtcdSource {
    /// Debian's `etcd-server` (3.4), installed when missing: what the
    /// suites run on.
    #[default]
    System,
    /// etcd [`crate::BUILT_ETCD_VERSION`] built from the Go module proxy:
    /// with watch progress requests, so the apiserver serves consistent
    /// lists from its cache as production clusters do.
    Built,
}

/// How long each part of [`super::ControlPlane::start`] took.
#[derive(Clone, Copy, Debug)]
pub struct StartTimings {
    /// Finding, installing or building etcd, kube-apiserver and kubectl.
    pub binaries: Duration,
    /// PKI, etcd started and healthy.
    pub etcd: Duration,
    /// kube-apiserver started until `/readyz` says ok.
    pub apiserver: Duration,
    pub total: Duration,
}

/// Process ids of the control plane's children.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcessIds {
    pub etcd: u32,
    pub apiserver: u32,
}
