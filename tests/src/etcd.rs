//! etcd: finding it (installing Debian's `etcd-server` when it is missing),
//! its command line, and waiting for it to be healthy.
//!
//! Debian's etcd 3.4 is accepted by the pinned kube-apiserver (it only logs
//! that RequestWatchProgress is unsupported). The harness installs it itself
//! when it runs as root, so the README's `cargo test` works on a fresh machine
//! of this kind with nothing beyond the image, and `.ci/run` needs no step of
//! its own; anywhere else it fails with one line saying how to install it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::cache;
use crate::debian_package::DebianPackage;
use crate::error::{HarnessError, log_tail, one_line};
use crate::plain_http::plain_http_get_within;
use crate::process::ChildProcess;

/// Where Debian's `etcd-server` puts the binary, for when /usr/bin is not on
/// PATH.
const DEBIAN_ETCD: &str = "/usr/bin/etcd";

/// An etcd binary and the version it reports.
#[derive(Clone, Debug)]
pub struct EtcdBinary {
    pub path: PathBuf,
    /// e.g. `3.4.23`
    pub version: String,
}

/// etcd from PATH (or /usr/bin/etcd), installed with apt-get first if it is
/// missing and we are root.
pub fn find_or_install() -> Result<EtcdBinary, HarnessError> {
    let path = match locate() {
        Some(path) => path,
        None => install()?,
    };
    let version = version_of(&path)?;
    Ok(EtcdBinary { path, version })
}

fn locate() -> Option<PathBuf> {
    cache::find_on_path("etcd").or_else(|| {
        let debian = PathBuf::from(DEBIAN_ETCD);
        cache::is_executable(&debian).then_some(debian)
    })
}

fn install() -> Result<PathBuf, HarnessError> {
    DebianPackage {
        what: "etcd",
        install_args: &["etcd-server"],
        locate: &locate,
        missing: &|reason| HarnessError::EtcdMissing { reason },
    }
    .find_or_install()
}

pub(crate) fn version_of(path: &Path) -> Result<String, HarnessError> {
    let output = Command::new(path)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| HarnessError::io(format!("run `{} --version`", path.display()), e))?;
    let text = String::from_utf8_lossy(&output.stdout);
    Ok(parse_version(&text).unwrap_or_else(|| one_line(&text, 1)))
}

/// `etcd Version: 3.4.23` -> `3.4.23`
fn parse_version(text: &str) -> Option<String> {
    text.lines()
        .find_map(|line| line.strip_prefix("etcd Version:"))
        .map(|version| version.trim().to_string())
}

/// Loopback ports and data directory of one etcd member.
#[derive(Clone, Debug)]
pub struct EtcdConfig {
    pub data_dir: PathBuf,
    pub client_port: u16,
    /// Unused by a single member, but etcd always binds one; left to its
    /// default (2380) parallel test binaries would collide.
    pub peer_port: u16,
}

impl EtcdConfig {
    pub fn client_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.client_port)
    }

    fn peer_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.peer_port)
    }
}

/// The command line of a single-member etcd on loopback.
pub fn command(binary: &EtcdBinary, config: &EtcdConfig) -> Command {
    let mut cmd = Command::new(&binary.path);
    let client = config.client_url();
    let peer = config.peer_url();
    cmd.arg("--name=hourglass")
        .arg(format!("--data-dir={}", config.data_dir.display()))
        .arg(format!("--listen-client-urls={client}"))
        .arg(format!("--advertise-client-urls={client}"))
        .arg(format!("--listen-peer-urls={peer}"))
        .arg(format!("--initial-advertise-peer-urls={peer}"))
        .arg(format!("--initial-cluster=hourglass={peer}"))
        .arg("--initial-cluster-state=new")
        .arg("--logger=zap")
        .arg("--log-outputs=stderr");
    // Settings from the environment (ETCD_NAME, ETCD_DATA_DIR, ...) would
    // conflict with the flags: etcd refuses to start when both are given.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ETCD_") {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// Polls `GET /health` until etcd says it is healthy, failing early if the
/// process exits.
pub fn wait_healthy(
    process: &mut ChildProcess,
    config: &EtcdConfig,
    timeout: Duration,
) -> Result<(), HarnessError> {
    let deadline = Instant::now() + timeout;
    loop {
        process.fail_if_exited()?;
        let last = match health(config.client_port) {
            Ok(true) => return Ok(()),
            Ok(false) => String::from("/health answered but not healthy"),
            Err(err) => err.to_string(),
        };
        if Instant::now() >= deadline {
            return Err(HarnessError::NotReady {
                name: "etcd".into(),
                seconds: timeout.as_secs(),
                detail: format!("GET {}/health: {last}", config.client_url()),
                tail: log_tail(process.log_path(), 5),
                log: process.log_path().to_path_buf(),
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One `GET /health`: whether etcd answered and says it is healthy.
fn health(port: u16) -> Result<bool, HarnessError> {
    let (status, body) = plain_http_get_within(port, "/health", Duration::from_secs(1))?;
    Ok(status != 0 && body.contains("\"health\":\"true\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_version_line() {
        let text = "etcd Version: 3.4.23\nGit SHA: Not provided\nGo Version: go1.19.8\n";
        assert_eq!(parse_version(text).as_deref(), Some("3.4.23"));
        assert_eq!(parse_version("something else"), None);
    }

    #[test]
    fn binds_only_loopback_with_its_own_peer_port() {
        let binary = EtcdBinary {
            path: "/usr/bin/etcd".into(),
            version: "3.4.23".into(),
        };
        let config = EtcdConfig {
            data_dir: "/tmp/d".into(),
            client_port: 1111,
            peer_port: 2222,
        };
        let cmd = command(&binary, &config);
        let args: Vec<String> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert!(args.contains(&"--listen-client-urls=http://127.0.0.1:1111".to_string()));
        assert!(args.contains(&"--listen-peer-urls=http://127.0.0.1:2222".to_string()));
        assert!(args.contains(&"--data-dir=/tmp/d".to_string()));
    }
}
