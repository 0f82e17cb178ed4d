//! kube-apiserver: its command line and waiting for `/readyz`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::error::{HarnessError, error_chain, log_tail, one_line};
use crate::pki::Pki;
use crate::process::ChildProcess;

/// Everything the apiserver's flags need.
#[derive(Clone, Debug)]
pub struct ApiserverConfig {
    pub binary: PathBuf,
    pub etcd_url: String,
    pub secure_port: u16,
    /// For `--cert-dir`; unused while certificate files are given, but the
    /// apiserver would otherwise default to a path under /var/run.
    pub cert_dir: PathBuf,
    pub pki: Pki,
    /// Appended after the harness's own flags (a later flag wins).
    pub extra_flags: Vec<String>,
}

/// Proxy variables the apiserver must not inherit: Go's HTTP client honours
/// them for webhook calls, and a proxy cannot reach a webhook on this machine.
const PROXY_VARIABLES: &[&str] = &[
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
];

/// The issuer written into service-account tokens.
const SERVICE_ACCOUNT_ISSUER: &str = "https://kubernetes.default.svc.cluster.local";

/// The command line of an apiserver on loopback with no controllers behind
/// it:
/// - `--endpoint-reconciler-type=none`: with `--advertise-address=127.0.0.1`
///   the default reconciler logs errors about the loopback range;
/// - `--disable-admission-plugins=ServiceAccount`: no controller creates the
///   `default` ServiceAccount, so Pods would be refused;
/// - the three service-account flags are required to start at all.
///
/// The proxy variables of the environment are removed (see [`PROXY_VARIABLES`]).
pub fn command(config: &ApiserverConfig) -> Command {
    let pki = &config.pki;
    let mut cmd = Command::new(&config.binary);
    cmd.arg(format!("--etcd-servers={}", config.etcd_url))
        .arg("--bind-address=127.0.0.1")
        .arg("--advertise-address=127.0.0.1")
        .arg(format!("--secure-port={}", config.secure_port))
        .arg(format!("--cert-dir={}", config.cert_dir.display()))
        .arg(format!(
            "--tls-cert-file={}",
            pki.serving_cert_file.display()
        ))
        .arg(format!(
            "--tls-private-key-file={}",
            pki.serving_key_file.display()
        ))
        .arg(format!("--client-ca-file={}", pki.ca_cert_file.display()))
        .arg("--service-cluster-ip-range=10.0.0.0/24")
        .arg(format!("--service-account-issuer={SERVICE_ACCOUNT_ISSUER}"))
        .arg(format!(
            "--service-account-key-file={}",
            pki.service_account_public_key_file.display()
        ))
        .arg(format!(
            "--service-account-signing-key-file={}",
            pki.service_account_key_file.display()
        ))
        .arg("--authorization-mode=RBAC")
        .arg("--disable-admission-plugins=ServiceAccount")
        .arg("--endpoint-reconciler-type=none")
        .args(&config.extra_flags);
    for variable in PROXY_VARIABLES {
        cmd.env_remove(variable);
    }
    cmd
}

/// Polls `GET /readyz` with the admin credentials of `kubeconfig` until it
/// answers `ok`, failing early if the process exits and with the end of its
/// log on timeout.
///
/// The probe goes through a kube client built from the kubeconfig file, so a
/// ready control plane also proves the kubeconfig works. It runs on a thread
/// of its own with its own runtime: start-up is synchronous and may be called
/// from inside a test's tokio runtime, where blocking on another is refused.
pub fn wait_ready(
    process: &mut ChildProcess,
    kubeconfig: &Path,
    timeout: Duration,
) -> Result<(), HarnessError> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| poll_readyz(process, kubeconfig, timeout))
            .join()
            .unwrap_or_else(|_| {
                Err(HarnessError::Client {
                    kubeconfig: kubeconfig.to_path_buf(),
                    detail: "the /readyz probe panicked".into(),
                })
            })
    })
}

fn poll_readyz(
    process: &mut ChildProcess,
    kubeconfig: &Path,
    timeout: Duration,
) -> Result<(), HarnessError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| HarnessError::io("start a tokio runtime for the /readyz probe", e))?;
    runtime.block_on(async {
        let client = crate::client::from_kubeconfig(kubeconfig).await?;
        let deadline = Instant::now() + timeout;
        loop {
            process.fail_if_exited()?;
            let probe = tokio::time::timeout(Duration::from_secs(2), readyz(&client)).await;
            let last = match probe {
                Ok(Ok(body)) if body.trim() == "ok" => return Ok(()),
                Ok(Ok(body)) => one_line(&body, 3),
                Ok(Err(err)) => error_chain(&err),
                Err(_) => String::from("no answer within 2s"),
            };
            if Instant::now() >= deadline {
                return Err(HarnessError::NotReady {
                    name: process.name().to_string(),
                    seconds: timeout.as_secs(),
                    detail: format!("GET /readyz: {last}"),
                    tail: log_tail(process.log_path(), 5),
                    log: process.log_path().to_path_buf(),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
}

async fn readyz(client: &kube::Client) -> Result<String, kube::Error> {
    let request = http::Request::get("/readyz")
        .body(Vec::new())
        .map_err(kube::Error::HttpError)?;
    client.request_text(request).await
}
