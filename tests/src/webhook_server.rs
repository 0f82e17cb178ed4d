//! Our webhook binary on loopback TLS, with certificates from `hourglass-certs`,
//! registered with the control plane the way envtest does it: the webhook
//! configurations of `manifests/webhook/` with their `clientConfig` rewritten
//! to `url: https://127.0.0.1:<port>/...` plus the CA bundle.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine as _;
use hourglass_certs::{CertificateAuthority, IssuedCert, ServingCertSpec};
use tempfile::TempDir;

use crate::control_plane::ControlPlane;
use crate::error::{HarnessError, log_tail};
use crate::manifests::{manifest_path, read_manifest};
use crate::plain_http::plain_http_get;
use crate::ports::free_loopback_ports;
use crate::process::ChildProcess;
use crate::workspace_binary::{BuildProfile, workspace_binary_with};

const READY_TIMEOUT: Duration = Duration::from_secs(30);
const CERT_VALIDITY: Duration = Duration::from_secs(24 * 3600);

/// A serving certificate, its private key and the CA certificate that
/// signed it, as PEM.
#[derive(Clone, Debug)]
pub struct ServingPair {
    pub serving: IssuedCert,
    pub ca_pem: String,
}

/// A running `hourglass-webhook`, stopped on drop.
#[derive(Debug)]
pub struct WebhookServer {
    process: Option<ChildProcess>,
    tls_port: u16,
    admin_port: u16,
    ca_pem: String,
    dir: TempDir,
}

impl WebhookServer {
    /// Starts the webhook with a fresh CA and a serving certificate for
    /// 127.0.0.1, watching executors through the control plane's admin kubeconfig.
    pub fn start(control_plane: &ControlPlane) -> Result<Self, HarnessError> {
        Self::start_with(control_plane, BuildProfile::Debug)
    }

    /// Like [`WebhookServer::start`], with the webhook compiled in `profile`
    /// (the benchmarks measure the release build).
    pub fn start_with(
        control_plane: &ControlPlane,
        profile: BuildProfile,
    ) -> Result<Self, HarnessError> {
        let pki = |e: hourglass_certs::CertError| HarnessError::Pki(e.to_string());
        let ca = CertificateAuthority::generate("hourglass-webhook-test-ca", CERT_VALIDITY)
            .map_err(pki)?;
        let serving = ca
            .issue_serving(&ServingCertSpec::for_localhost().with_validity(CERT_VALIDITY))
            .map_err(pki)?;
        let pair = ServingPair {
            serving,
            ca_pem: ca.cert_pem().to_string(),
        };
        Self::spawn(
            control_plane,
            profile,
            &pair,
            IpAddr::V4(Ipv4Addr::LOCALHOST),
        )
    }

    /// Starts the webhook (debug build) with a certificate made elsewhere,
    /// e.g. the one `kubectl hourglass install` stored in its Secret, with
    /// its TLS listener on `tls_ip` (a free port) and its admin port on
    /// loopback. [`WebhookServer::register`] assumes 127.0.0.1: with another
    /// address, route the apiserver to it yourself (Endpoints of a Service).
    pub fn start_serving(
        control_plane: &ControlPlane,
        pair: &ServingPair,
        tls_ip: IpAddr,
    ) -> Result<Self, HarnessError> {
        Self::spawn(control_plane, BuildProfile::Debug, pair, tls_ip)
    }

    fn spawn(
        control_plane: &ControlPlane,
        profile: BuildProfile,
        pair: &ServingPair,
        tls_ip: IpAddr,
    ) -> Result<Self, HarnessError> {
        let binary = workspace_binary_with("hourglass-webhook", "hourglass-webhook", profile)?;
        let dir = tempfile::Builder::new()
            .prefix("hourglass-webhook-")
            .tempdir()
            .map_err(|e| HarnessError::io("create the webhook's temporary directory", e))?;
        let (cert, key) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
        pair.serving
            .write(&cert, &key)
            .map_err(|e| HarnessError::Pki(e.to_string()))?;

        // A port free on loopback is as good as free on the other address:
        // a listener on 0.0.0.0 would have taken both.
        let [tls_port, admin_port] = free_loopback_ports::<2>()?;
        let mut command = Command::new(&binary);
        command
            .arg(format!(
                "--tls-listen={}",
                SocketAddr::new(tls_ip, tls_port)
            ))
            .arg(format!("--admin-listen=127.0.0.1:{admin_port}"))
            .arg(format!("--tls-cert={}", cert.display()))
            .arg(format!("--tls-key={}", key.display()))
            .arg(format!(
                "--kubeconfig={}",
                control_plane.kubeconfig_path().display()
            ))
            .arg("--log-format=text")
            .env("RUST_LOG", "info");
        let log = dir.path().join("webhook.log");
        let process = ChildProcess::spawn("hourglass-webhook", command, &log)?;
        let mut server = WebhookServer {
            process: Some(process),
            tls_port,
            admin_port,
            ca_pem: pair.ca_pem.clone(),
            dir,
        };
        server.wait_ready()?;
        Ok(server)
    }

    pub fn tls_port(&self) -> u16 {
        self.tls_port
    }

    pub fn admin_port(&self) -> u16 {
        self.admin_port
    }

    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The certificate and key files it serves and reloads: write a new
    /// pair there to play kubelet updating a Secret volume.
    pub fn tls_files(&self) -> (PathBuf, PathBuf) {
        (
            self.dir.path().join("tls.crt"),
            self.dir.path().join("tls.key"),
        )
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("webhook.log")
    }

    /// `GET` on the admin port; returns the status code and body.
    pub fn admin_get(&self, path: &str) -> Result<(u16, String), HarnessError> {
        plain_http_get(self.admin_port, path)
    }

    /// Stops the webhook (SIGTERM, then SIGKILL after a grace period).
    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.stop();
        }
    }

    /// Registers the validating and mutating configurations of
    /// `manifests/webhook/` with this server's URL and CA, then waits until
    /// the apiserver really calls it (configurations reach the admission
    /// plugin through an informer, a moment after they are stored).
    pub fn register(&self, control_plane: &ControlPlane) -> Result<(), HarnessError> {
        self.register_files(
            control_plane,
            &["50-validating-webhook.yaml", "60-mutating-webhook.yaml"],
        )
    }

    /// One-call mode (`kubectl hourglass install --one-call`): only the
    /// mutating configuration, which runs every rule too, is registered.
    pub fn register_one_call(&self, control_plane: &ControlPlane) -> Result<(), HarnessError> {
        self.register_files(control_plane, &["60-mutating-webhook.yaml"])
    }

    fn register_files(
        &self,
        control_plane: &ControlPlane,
        files: &[&str],
    ) -> Result<(), HarnessError> {
        for file in files {
            let configuration = self.local_configuration(file)?;
            control_plane.run_kubectl(
                &["apply", "-f", "-"],
                Some(configuration.to_string().as_bytes()),
            )?;
        }
        self.wait_until_called(control_plane)
    }

    fn local_configuration(&self, file: &str) -> Result<serde_json::Value, HarnessError> {
        let relative = format!("manifests/webhook/{file}");
        let mut configuration = read_manifest(&relative)?;
        let ca_bundle = base64::engine::general_purpose::STANDARD.encode(&self.ca_pem);
        let webhooks = configuration
            .get_mut("webhooks")
            .and_then(serde_json::Value::as_array_mut)
            .ok_or_else(|| HarnessError::Manifest {
                path: manifest_path(&relative),
                detail: "no webhooks list".into(),
            })?;
        for webhook in webhooks {
            let service_path = webhook["clientConfig"]["service"]["path"]
                .as_str()
                .unwrap_or("/")
                .to_string();
            webhook["clientConfig"] = serde_json::json!({
                "url": format!("https://127.0.0.1:{}{service_path}", self.tls_port),
                "caBundle": ca_bundle,
            });
        }
        Ok(configuration)
    }

    fn wait_until_called(&self, control_plane: &ControlPlane) -> Result<(), HarnessError> {
        let probe = serde_json::json!({
            "apiVersion": "hourglass.eigenlayer.io/v1alpha1",
            "kind": "Performer",
            "metadata": {"name": "webhook-registration-probe", "namespace": "default"},
            "spec": {"avsAddress": "0x12", "image": "probe/probe:v1"},
        })
        .to_string();
        let began = Instant::now();
        loop {
            let answer = control_plane.run_kubectl(
                &["create", "--dry-run=server", "-f", "-"],
                Some(probe.as_bytes()),
            );
            match answer {
                Err(HarnessError::Kubectl { detail, .. })
                    if detail.contains("denied the request") =>
                {
                    return Ok(());
                }
                other if began.elapsed() > READY_TIMEOUT => {
                    return Err(HarnessError::WebhookNotReady {
                        detail: format!(
                            "the apiserver did not call it within {}s: {other:?}",
                            READY_TIMEOUT.as_secs()
                        ),
                        log: self.log_path(),
                    });
                }
                _ => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }

    fn wait_ready(&mut self) -> Result<(), HarnessError> {
        let began = Instant::now();
        loop {
            if let Some(process) = self.process.as_mut() {
                process.fail_if_exited()?;
            }
            if let Ok((200, _)) = self.admin_get("/ready") {
                return Ok(());
            }
            if began.elapsed() > READY_TIMEOUT {
                return Err(HarnessError::WebhookNotReady {
                    detail: format!(
                        "/ready was not 200 after {}s; last log lines: {}",
                        READY_TIMEOUT.as_secs(),
                        log_tail(&self.log_path(), 5)
                    ),
                    log: self.log_path(),
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for WebhookServer {
    fn drop(&mut self) {
        self.stop();
    }
}
