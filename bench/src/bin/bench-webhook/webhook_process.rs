//! The servers bench-webhook drives, each a process on loopback with the
//! same serving certificate (a fresh CA from hourglass-certs) and its own
//! free ports: our release webhook (no executor watch: no cluster is
//! involved), optionally another webhook binary to compare with (main's,
//! say), the floor server and the controller-runtime peer.

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

/// What a server is, for the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// This checkout's webhook.
    Ours,
    /// The webhook binary of `--compare-binary` (main's, before a change).
    Before,
    /// Our serving stack answering a canned review without decoding it.
    Floor,
    /// controller-runtime's webhook server with a typed Go handler.
    Peer,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Ours => "ours",
            Role::Before => "before",
            Role::Floor => "floor",
            Role::Peer => "peer",
        }
    }

    /// Whether the server counts its answers in hourglass metrics.
    pub fn counts_answers(self) -> bool {
        matches!(self, Role::Ours | Role::Before)
    }
}

/// The directory every server's certificate and logs go in.
pub struct Workspace {
    dir: TempDir,
    cert: PathBuf,
    key: PathBuf,
}

impl Workspace {
    pub fn new() -> Result<Self, String> {
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
        Ok(Workspace { dir, cert, key })
    }

    /// A scratch file in the temporary directory.
    pub fn scratch(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

pub struct BenchServer {
    pub role: Role,
    process: ChildProcess,
    tls_port: u16,
    /// Readiness and metrics (not the peer's: it has neither).
    admin_port: Option<u16>,
    log: PathBuf,
}

impl BenchServer {
    /// Our release webhook (`binary`, or built if needed) at `log_level`.
    pub fn ours(
        workspace: &Workspace,
        binary: Option<&Path>,
        log_level: &str,
    ) -> Result<Self, String> {
        let binary = match binary {
            Some(binary) => binary.to_path_buf(),
            None => workspace_binary_with(
                "hourglass-webhook",
                "hourglass-webhook",
                BuildProfile::Release,
            )
            .map_err(|e| e.to_string())?,
        };
        Self::webhook(Role::Ours, &binary, workspace, log_level)
    }

    /// Another build of the webhook (`--compare-binary`), run the same way.
    pub fn before(workspace: &Workspace, binary: &Path, log_level: &str) -> Result<Self, String> {
        Self::webhook(Role::Before, binary, workspace, log_level)
    }

    fn webhook(
        role: Role,
        binary: &Path,
        workspace: &Workspace,
        log_level: &str,
    ) -> Result<Self, String> {
        let [tls_port, admin_port] = free_loopback_ports::<2>().map_err(|e| e.to_string())?;
        let mut command = Command::new(binary);
        command
            .arg(format!("--tls-listen=127.0.0.1:{tls_port}"))
            .arg(format!("--admin-listen=127.0.0.1:{admin_port}"))
            .arg(format!("--tls-cert={}", workspace.cert.display()))
            .arg(format!("--tls-key={}", workspace.key.display()))
            .arg("--no-executor-watch")
            .arg("--log-format=json")
            .arg(format!("--log-level={log_level}"))
            .env_remove("RUST_LOG");
        Self::spawn(role, command, workspace, tls_port, Some(admin_port))
    }

    /// The floor server answering `validate_answer` and `mutate_answer`.
    pub fn floor(
        workspace: &Workspace,
        validate_answer: &Path,
        mutate_answer: &Path,
    ) -> Result<Self, String> {
        let binary = workspace_binary_with(
            "hourglass-bench",
            "bench-floor-server",
            BuildProfile::Release,
        )
        .map_err(|e| e.to_string())?;
        let [tls_port, admin_port] = free_loopback_ports::<2>().map_err(|e| e.to_string())?;
        let mut command = Command::new(binary);
        command
            .arg(format!("--tls-listen=127.0.0.1:{tls_port}"))
            .arg(format!("--admin-listen=127.0.0.1:{admin_port}"))
            .arg(format!("--tls-cert={}", workspace.cert.display()))
            .arg(format!("--tls-key={}", workspace.key.display()))
            .arg(format!("--validate-answer={}", validate_answer.display()))
            .arg(format!("--mutate-answer={}", mutate_answer.display()));
        Self::spawn(Role::Floor, command, workspace, tls_port, Some(admin_port))
    }

    /// The controller-runtime peer, built once into the cache.
    pub fn peer(workspace: &Workspace) -> Result<Self, String> {
        let binary = hourglass_bench::peer::ensure_built()?;
        let [tls_port] = free_loopback_ports::<1>().map_err(|e| e.to_string())?;
        let cert_dir = workspace
            .cert
            .parent()
            .ok_or("the certificate has no directory")?;
        let mut command = Command::new(binary);
        command
            .arg(format!("--port={tls_port}"))
            .arg(format!("--cert-dir={}", cert_dir.display()));
        Self::spawn(Role::Peer, command, workspace, tls_port, None)
    }

    fn spawn(
        role: Role,
        command: Command,
        workspace: &Workspace,
        tls_port: u16,
        admin_port: Option<u16>,
    ) -> Result<Self, String> {
        let log = workspace.scratch(&format!("{}.log", role.name()));
        let process = ChildProcess::spawn(&format!("bench server {}", role.name()), command, &log)
            .map_err(|e| e.to_string())?;
        let mut server = BenchServer {
            role,
            process,
            tls_port,
            admin_port,
            log,
        };
        server.wait_ready()?;
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.tls_port)
    }

    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The Prometheus text of the admin port.
    pub fn metrics(&self) -> Result<String, String> {
        let port = self.admin_port.ok_or("this server has no admin port")?;
        match plain_http_get(port, "/metrics").map_err(|e| e.to_string())? {
            (200, body) => Ok(body),
            (status, body) => Err(format!("/metrics answered {status}: {body}")),
        }
    }

    /// SIGTERM, then reap.
    pub fn stop(&mut self) {
        self.process.stop();
    }

    fn ready(&self) -> bool {
        match self.admin_port {
            Some(port) => matches!(plain_http_get(port, "/ready"), Ok((200, _))),
            None => std::net::TcpStream::connect(("127.0.0.1", self.tls_port)).is_ok(),
        }
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let began = Instant::now();
        loop {
            self.process.fail_if_exited().map_err(|e| e.to_string())?;
            if self.ready() {
                return Ok(());
            }
            if began.elapsed() > READY_TIMEOUT {
                return Err(format!(
                    "the {} server was not ready within {}s (log: {})",
                    self.role.name(),
                    READY_TIMEOUT.as_secs(),
                    self.log.display()
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
    // tls.crt and tls.key: the names controller-runtime's server reads too.
    let (cert, key) = (dir.join("tls.crt"), dir.join("tls.key"));
    serving.write(&cert, &key).map_err(pki)?;
    Ok((cert, key))
}
