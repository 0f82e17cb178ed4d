//! A running etcd + kube-apiserver on loopback: started with
//! [`ControlPlane::start`] (or [`ControlPlane::start_with`] options), or the
//! one a test binary shares, with our CRDs and webhook installed once
//! ([`ControlPlane::shared`], [`ControlPlane::with_crds`],
//! [`ControlPlane::with_webhook`]).
//!
//! - `options.rs`: what can be asked for and what a start reports
//! - `launch.rs`: the binaries, ports, PKI and processes of one start
//! - `shared.rs`: the control plane a test binary shares, and its fixtures
//! - `kubectl_commands.rs`: kubectl aimed at it

mod kubectl_commands;
mod launch;
mod options;
mod shared;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use tempfile::TempDir;

use crate::KUBERNETES_VERSION;
use crate::client;
use crate::error::HarnessError;
use crate::etcd::EtcdBinary;
use crate::kubectl::Kubectl;
use crate::process::ChildProcess;
use launch::{Binaries, Launched, launch_with_retries};
pub use options::{ControlPlaneOptions, EtcdSource, ProcessIds, StartTimings};

/// Set to keep the run directory (kubeconfig, PKI, logs, etcd data) after the
/// control plane stops; it is removed otherwise. A failed start always keeps
/// it, since its error message points at the logs inside.
pub const KEEP_RUN_DIR_ENV: &str = "HOURGLASS_KEEP_CONTROL_PLANE";

/// What [`ControlPlane::stop`] tears down, in this order.
#[derive(Debug)]
struct Running {
    apiserver: Option<ChildProcess>,
    etcd: Option<ChildProcess>,
    run_dir: Option<TempDir>,
}

/// etcd and kube-apiserver on free loopback ports, with a fresh data
/// directory, PKI from `hourglass-certs` and an admin kubeconfig. Both
/// processes stop when this is dropped (also while unwinding from a panic) and
/// die with the test binary if it is killed.
#[derive(Debug)]
pub struct ControlPlane {
    running: Mutex<Running>,
    run_dir: PathBuf,
    pids: ProcessIds,
    server_url: String,
    kubeconfig_path: PathBuf,
    ca_pem: String,
    binaries: Binaries,
    timings: StartTimings,
}

impl ControlPlane {
    /// Starts a control plane of its own, building or installing what is
    /// missing first. Prefer [`ControlPlane::shared`] in tests.
    pub fn start() -> Result<ControlPlane, HarnessError> {
        ControlPlane::start_with(&ControlPlaneOptions::default())
    }

    /// [`ControlPlane::start`] with `options`: for a suite that needs the
    /// apiserver configured differently from the shared one.
    pub fn start_with(options: &ControlPlaneOptions) -> Result<ControlPlane, HarnessError> {
        let began = Instant::now();
        let binaries = Binaries::obtain(options.etcd)?;
        let binaries_took = began.elapsed();
        let launched = launch_with_retries(&binaries, options)?;
        let timings = StartTimings {
            binaries: binaries_took,
            etcd: launched.started.etcd_took,
            apiserver: launched.started.apiserver_took,
            total: began.elapsed(),
        };
        let control_plane = ControlPlane::assemble(launched, binaries, timings);
        control_plane.log_ready();
        Ok(control_plane)
    }

    fn assemble(launched: Launched, binaries: Binaries, timings: StartTimings) -> ControlPlane {
        let Launched { started, run_dir } = launched;
        let pids = ProcessIds {
            etcd: started.etcd.pid(),
            apiserver: started.apiserver.pid(),
        };
        ControlPlane {
            run_dir: run_dir.path().to_path_buf(),
            running: Mutex::new(Running {
                apiserver: Some(started.apiserver),
                etcd: Some(started.etcd),
                run_dir: Some(run_dir),
            }),
            pids,
            server_url: started.server_url,
            kubeconfig_path: started.kubeconfig_path,
            ca_pem: started.ca_pem,
            binaries,
            timings,
        }
    }

    fn log_ready(&self) {
        let kept = if keep_run_dir() {
            "kept"
        } else {
            "removed at exit unless HOURGLASS_KEEP_CONTROL_PLANE=1"
        };
        eprintln!(
            "hourglass-e2e: control plane ready at {} in {:.1}s (kube-apiserver {KUBERNETES_VERSION}, etcd {} at {}, {}); kubeconfig and logs in {} ({kept})",
            self.server_url,
            self.timings.total.as_secs_f64(),
            self.binaries.etcd.version,
            self.binaries.etcd.path.display(),
            self.binaries.kubectl,
            self.run_dir.display(),
        );
    }

    /// `https://127.0.0.1:<port>`
    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    /// The admin kubeconfig (client certificate with O=system:masters).
    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig_path
    }

    /// The CA that signed the apiserver's serving certificate and the admin's
    /// client certificate.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// A kube client with admin rights, built from the kubeconfig. Build one
    /// per test: a client stops working when the runtime that built it ends.
    pub async fn kube_client(&self) -> Result<kube::Client, HarnessError> {
        client::from_kubeconfig(&self.kubeconfig_path).await
    }

    /// The kubectl the harness chose, and where it came from.
    pub fn kubectl_info(&self) -> &Kubectl {
        &self.binaries.kubectl
    }

    pub fn kubectl_path(&self) -> &Path {
        &self.binaries.kubectl.path
    }

    /// The etcd binary and its version.
    pub fn etcd_info(&self) -> &EtcdBinary {
        &self.binaries.etcd
    }

    /// The cached kube-apiserver binary.
    pub fn apiserver_binary(&self) -> &Path {
        &self.binaries.apiserver
    }

    /// Kubeconfig, PKI, logs and etcd data of this control plane.
    pub fn run_dir(&self) -> &Path {
        &self.run_dir
    }

    pub fn apiserver_log(&self) -> PathBuf {
        self.run_dir.join("kube-apiserver.log")
    }

    pub fn etcd_log(&self) -> PathBuf {
        self.run_dir.join("etcd.log")
    }

    pub fn pids(&self) -> ProcessIds {
        self.pids
    }

    pub fn timings(&self) -> StartTimings {
        self.timings
    }

    /// Stops the apiserver, then etcd (SIGTERM, SIGKILL after a grace
    /// period), and removes the run directory unless
    /// `HOURGLASS_KEEP_CONTROL_PLANE` is set. Idempotent; later kubectl or
    /// client calls fail.
    pub fn stop(&self) {
        let mut running = self
            .running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(mut apiserver) = running.apiserver.take() {
            apiserver.stop();
        }
        if let Some(mut etcd) = running.etcd.take() {
            etcd.stop();
        }
        if let Some(dir) = running.run_dir.take()
            && keep_run_dir()
        {
            let _ = dir.keep();
        }
    }
}

impl Drop for ControlPlane {
    fn drop(&mut self) {
        self.stop();
    }
}

fn keep_run_dir() -> bool {
    std::env::var_os(KEEP_RUN_DIR_ENV).is_some_and(|value| !value.is_empty() && value != "0")
}
