//! The release webhook binary on loopback for the benchmark: a fresh CA and
//! serving certificate from hourglass-certs, its own free ports, no
//! executor watch (no cluster is involved), and the admin port to read its
//! metrics.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use hourglass_certs::{CertificateAuthority, ServingCertSpec};
use hourglass_e2e::{
    BuildProfile, ChildProcess, free_loopback_ports, plain_http_get, workspace_binary_with,
};
use tempfile::TempDir;

const READY_TIMEOUT: Duration = Duration::from_secs(30);
const CERT_VALIDITY: Duration = Duration::from_secs(24 * 3600);

pub struct BenchWebhook {
    process: ChildProcess,
    tls_port: u16,
    admin_port: u16,
    dir: TempDir,
}

impl BenchWebhook {
    /// Builds the release binary if needed and starts it at `log_level`.
    pub fn start(log_level: &str) -> Result<Self, String> {
        let binary = workspace_binary_with(
            "hourglass-webhook",
            "hourglass-webhook",
            BuildProfile::Release,
        )
        .map_err(|e| e.to_string())?;
        let dir = tempfile::Builder::new()
            .prefix("hourglass-bench-webhook-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        // The certificates get a directory of their own: the webhook watches
        // the directory of its certificate, and a log written next to it
        // would wake the reloader on every line.
        let cert_dir = dir.path().join("tls");
        std::fs::create_dir(&cert_dir)
            .map_err(|e| format!("cannot create {}: {e}", cert_dir.display()))?;
        let (cert, key) = write_serving_pair(&cert_dir)?;
        let [tls_port, admin_port] = free_loopback_ports::<2>().map_err(|e| e.to_string())?;

        let mut command = Command::new(binary);
        command
            .arg(format!("--tls-listen=127.0.0.1:{tls_port}"))
            .arg(format!("--admin-listen=127.0.0.1:{admin_port}"))
            .arg(format!("--tls-cert={}", cert.display()))
            .arg(format!("--tls-key={}", key.display()))
            .arg("--no-executor-watch")
            .arg("--log-format=json")
            .arg(format!("--log-level={log_level}"))
            .env_remove("RUST_LOG");
        let log = dir.path().join("webhook.log");
        let process =
            ChildProcess::spawn("hourglass-webhook", command, &log).map_err(|e| e.to_string())?;
        let mut webhook = BenchWebhook {
            process,
            tls_port,
            admin_port,
            dir,
        };
        webhook.wait_ready()?;
        Ok(webhook)
    }

    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.tls_port)
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("webhook.log")
    }

    /// A scratch file in the webhook's temporary directory.
    pub fn scratch(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The Prometheus text of the admin port.
    pub fn metrics(&self) -> Result<String, String> {
        match plain_http_get(self.admin_port, "/metrics").map_err(|e| e.to_string())? {
            (200, body) => Ok(body),
            (status, body) => Err(format!("/metrics answered {status}: {body}")),
        }
    }

    /// SIGTERM, then reap.
    pub fn stop(&mut self) {
        self.process.stop();
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let began = Instant::now();
        loop {
            self.process.fail_if_exited().map_err(|e| e.to_string())?;
            if let Ok((200, _)) = plain_http_get(self.admin_port, "/ready") {
                return Ok(());
            }
            if began.elapsed() > READY_TIMEOUT {
                return Err(format!(
                    "the webhook's /ready was not 200 within {}s (log: {})",
                    READY_TIMEOUT.as_secs(),
                    self.log_path().display()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn write_serving_pair(dir: &Path) -> Result<(PathBuf, PathBuf), String> {
    let pki = |e: hourglass_certs::CertError| format!("hourglass-certs: {e}");
    let ca = CertificateAuthority::generate("hourglass-bench-ca", CERT_VALIDITY).map_err(pki)?;
    let serving = ca
        .issue_serving(&ServingCertSpec::for_localhost().with_validity(CERT_VALIDITY))
        .map_err(pki)?;
    let (cert, key) = (dir.join("tls.crt"), dir.join("tls.key"));
    serving.write(&cert, &key).map_err(pki)?;
    Ok((cert, key))
}
