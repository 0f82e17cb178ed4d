//! Starting etcd and kube-apiserver in a fresh run directory: the binaries
//! they run, free ports, PKI, the admin kubeconfig, and a retry when a port
//! was taken between picking it and binding it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::options::{ControlPlaneOptions, EtcdSource};
use crate::apiserver::{self, ApiserverConfig};
use crate::error::HarnessError;
use crate::etcd::{self, EtcdBinary, EtcdConfig};
use crate::kubectl::{self, Kubectl};
use crate::kubernetes_build::{KubeCommand, ensure_built};
use crate::ports::free_loopback_ports;
use crate::process::ChildProcess;
use crate::{etcd_build, kubeconfig, pki};

const ETCD_TIMEOUT: Duration = Duration::from_secs(30);
/// About 2.5 s on an idle machine; generous for a machine busy compiling.
const APISERVER_TIMEOUT: Duration = Duration::from_secs(90);
/// Starts tried when a picked port is taken before our child binds it.
const PORT_ATTEMPTS: u32 = 3;

/// The binaries a control plane runs.
#[derive(Clone, Debug)]
pub(super) struct Binaries {
    pub(super) etcd: EtcdBinary,
    pub(super) apiserver: PathBuf,
    pub(super) kubectl: Kubectl,
}

impl Binaries {
    pub(super) fn obtain(etcd: EtcdSource) -> Result<Self, HarnessError> {
        Ok(Binaries {
            etcd: match etcd {
                EtcdSource::System => etcd::find_or_install()?,
                EtcdSource::Built => etcd_build::ensure_built()?,
            },
            apiserver: ensure_built(KubeCommand::KubeApiserver)?,
            kubectl: kubectl::select()?,
        })
    }
}

/// A started etcd and apiserver and their run directory, not yet wrapped in
/// a [`super::ControlPlane`]. Field order is drop order: processes before
/// the directory they write to.
pub(super) struct Launched {
    pub(super) started: Started,
    pub(super) run_dir: TempDir,
}

/// Field order is drop order on a failure: the apiserver stops before etcd.
pub(super) struct Started {
    pub(super) apiserver: ChildProcess,
    pub(super) etcd: ChildProcess,
    pub(super) server_url: String,
    pub(super) kubeconfig_path: PathBuf,
    pub(super) ca_pem: String,
    pub(super) etcd_took: Duration,
    pub(super) apiserver_took: Duration,
}

/// [`launch`], tried again with new ports when the last try lost a port to
/// another process.
pub(super) fn launch_with_retries(
    binaries: &Binaries,
    options: &ControlPlaneOptions,
) -> Result<Launched, HarnessError> {
    let mut attempt = 1;
    loop {
        match launch(binaries, options) {
            Err(err) if err.is_port_conflict() && attempt < PORT_ATTEMPTS => {
                eprintln!("hourglass-e2e: a port was taken during start-up, retrying: {err}");
                attempt += 1;
            }
            launched => return launched,
        }
    }
}

/// One try at starting both processes in a fresh run directory. On failure
/// the processes are stopped but the directory is kept for its logs.
fn launch(binaries: &Binaries, options: &ControlPlaneOptions) -> Result<Launched, HarnessError> {
    let run_dir = tempfile::Builder::new()
        .prefix("hourglass-control-plane-")
        .tempdir()
        .map_err(|e| HarnessError::io("create a temporary directory for the control plane", e))?;
    match launch_in(run_dir.path(), binaries, options) {
        Ok(started) => Ok(Launched { started, run_dir }),
        Err(err) => {
            let _ = run_dir.keep();
            Err(err)
        }
    }
}

fn launch_in(
    dir: &Path,
    binaries: &Binaries,
    options: &ControlPlaneOptions,
) -> Result<Started, HarnessError> {
    let began = Instant::now();
    let [etcd_client_port, etcd_peer_port, secure_port] = free_loopback_ports::<3>()?;

    let pki_dir = dir.join("pki");
    std::fs::create_dir(&pki_dir)
        .map_err(|e| HarnessError::io(format!("create {}", pki_dir.display()), e))?;
    let pki = pki::generate(&pki_dir)?;

    let etcd_config = EtcdConfig {
        data_dir: dir.join("etcd-data"),
        client_port: etcd_client_port,
        peer_port: etcd_peer_port,
    };
    let mut etcd = ChildProcess::spawn(
        "etcd",
        etcd::command(&binaries.etcd, &etcd_config),
        &dir.join("etcd.log"),
    )?;
    etcd::wait_healthy(&mut etcd, &etcd_config, ETCD_TIMEOUT)?;
    let etcd_took = began.elapsed();

    let began = Instant::now();
    let server_url = format!("https://127.0.0.1:{secure_port}");
    let kubeconfig_path = dir.join("kubeconfig");
    kubeconfig::write(&kubeconfig_path, &server_url, &pki)?;
    let ca_pem = pki.ca_pem.clone();
    let apiserver_config = ApiserverConfig {
        binary: binaries.apiserver.clone(),
        etcd_url: etcd_config.client_url(),
        secure_port,
        cert_dir: pki_dir,
        pki,
        extra_flags: options.extra_apiserver_flags.clone(),
    };
    let mut apiserver = ChildProcess::spawn(
        "kube-apiserver",
        apiserver::command(&apiserver_config),
        &dir.join("kube-apiserver.log"),
    )?;
    apiserver::wait_ready(&mut apiserver, &kubeconfig_path, APISERVER_TIMEOUT)?;
    Ok(Started {
        apiserver,
        etcd,
        server_url,
        kubeconfig_path,
        ca_pem,
        etcd_took,
        apiserver_took: began.elapsed(),
    })
}
