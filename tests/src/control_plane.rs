//! A running etcd + kube-apiserver on loopback, and the one a test binary
//! shares between its tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::KUBERNETES_VERSION;
use crate::apiserver::{self, ApiserverConfig};
use crate::error::{HarnessError, one_line};
use crate::etcd::{self, EtcdBinary, EtcdConfig};
use crate::kubectl::{self, Kubectl};
use crate::kubernetes_build::{KubeCommand, ensure_built};
use crate::ports::free_loopback_ports;
use crate::process::ChildProcess;
use crate::{client, etcd_build, kubeconfig, pki};

/// Set to keep the run directory (kubeconfig, PKI, logs, etcd data) after the
/// control plane stops; it is removed otherwise. A failed start always keeps
/// it, since its error message points at the logs inside.
pub const KEEP_RUN_DIR_ENV: &str = "HOURGLASS_KEEP_CONTROL_PLANE";

const ETCD_TIMEOUT: Duration = Duration::from_secs(30);
/// About 2.5 s on an idle machine; generous for a machine busy compiling.
const APISERVER_TIMEOUT: Duration = Duration::from_secs(90);
/// Starts tried when a picked port is taken before our child binds it.
const PORT_ATTEMPTS: u32 = 3;

/// How long each part of [`ControlPlane::start`] took.
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

/// The binaries a control plane runs.
#[derive(Clone, Debug)]
struct Binaries {
    etcd: EtcdBinary,
    apiserver: PathBuf,
    kubectl: Kubectl,
}

impl Binaries {
    fn obtain(etcd: EtcdSource) -> Result<Self, HarnessError> {
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
        let mut attempt = 1;
        loop {
            match launch(&binaries, options) {
                Ok(launched) => {
                    let timings = StartTimings {
                        binaries: binaries_took,
                        etcd: launched.started.etcd_took,
                        apiserver: launched.started.apiserver_took,
                        total: began.elapsed(),
                    };
                    let control_plane = ControlPlane::assemble(launched, binaries, timings);
                    control_plane.log_ready();
                    return Ok(control_plane);
                }
                Err(err) if err.is_port_conflict() && attempt < PORT_ATTEMPTS => {
                    eprintln!("hourglass-e2e: a port was taken during start-up, retrying: {err}");
                    attempt += 1;
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// The control plane of this test binary, started by the first test that
    /// asks and stopped when the binary exits (an `atexit` hook; if the binary
    /// is killed, the kernel's parent-death signal). Panics with the one-line
    /// reason if it cannot be started, in every test that asks.
    pub fn shared() -> &'static ControlPlane {
        match ControlPlane::try_shared() {
            Ok(control_plane) => control_plane,
            Err(err) => panic!("{err}"),
        }
    }

    /// [`ControlPlane::shared`], returning the start-up error instead of
    /// panicking. A failed start is not retried by later callers.
    pub fn try_shared() -> Result<&'static ControlPlane, &'static HarnessError> {
        SHARED
            .get_or_init(|| {
                register_exit_hook();
                ControlPlane::start()
            })
            .as_ref()
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

    /// `kubectl` with `KUBECONFIG` pointing at the admin kubeconfig. The
    /// environment variable rather than `--kubeconfig`, because kubectl
    /// refuses flags placed before a plugin's name (`kubectl hourglass ...`),
    /// and the plugin reads the same variable.
    pub fn kubectl(&self) -> Command {
        let mut cmd = Command::new(&self.binaries.kubectl.path);
        cmd.env("KUBECONFIG", &self.kubeconfig_path);
        cmd
    }

    /// Runs kubectl with `args` (and `stdin`, if any) and returns its stdout,
    /// or an error with its exit status and stderr.
    pub fn run_kubectl(&self, args: &[&str], stdin: Option<&[u8]>) -> Result<String, HarnessError> {
        use std::io::Write as _;
        let failed = |detail: String| HarnessError::Kubectl {
            args: args.join(" "),
            detail,
        };
        let mut child = self
            .kubectl()
            .args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| failed(format!("cannot run {}: {e}", self.kubectl_path().display())))?;
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(input)
                .map_err(|e| failed(format!("cannot write its stdin: {e}")))?;
        }
        let output = child
            .wait_with_output()
            .map_err(|e| failed(format!("cannot wait for it: {e}")))?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(failed(format!(
                "{}: {}",
                output.status,
                one_line(&String::from_utf8_lossy(&output.stderr), 3)
            )))
        }
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

static SHARED: OnceLock<Result<ControlPlane, HarnessError>> = OnceLock::new();

/// Statics are never dropped, so the shared control plane is stopped from
/// libc's `atexit`, which runs when libtest's `main` returns or calls
/// `process::exit`, after every test has finished.
fn register_exit_hook() {
    extern "C" fn stop_shared() {
        if let Some(Ok(control_plane)) = SHARED.get() {
            control_plane.stop();
        }
    }
    // SAFETY: registers a plain function with no captured state; it only
    // reads a static that lives for the whole process.
    let registered = unsafe { libc::atexit(stop_shared) };
    if registered != 0 {
        eprintln!(
            "hourglass-e2e: could not register the exit hook; the control plane will be killed by the parent-death signal instead of stopped"
        );
    }
}

fn keep_run_dir() -> bool {
    std::env::var_os(KEEP_RUN_DIR_ENV).is_some_and(|value| !value.is_empty() && value != "0")
}

/// A started etcd and apiserver and their run directory, not yet wrapped in
/// a [`ControlPlane`]. Field order is drop order: processes before the
/// directory they write to.
struct Launched {
    started: Started,
    run_dir: TempDir,
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

/// Field order is drop order on a failure: the apiserver stops before etcd.
struct Started {
    apiserver: ChildProcess,
    etcd: ChildProcess,
    server_url: String,
    kubeconfig_path: PathBuf,
    ca_pem: String,
    etcd_took: Duration,
    apiserver_took: Duration,
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
