//! The real upstream operator, when a binary of it is at hand: with
//! `HOURGLASS_UPSTREAM_OPERATOR=/path/to/manager` (built by you from
//! Layr-Labs/hourglass-monorepo `hourglass-operator/cmd`), the suites'
//! upstream-contract tests run against it instead of the stand-in.
//!
//! It watches every namespace (its `main.go` has no namespace flag), so one
//! process serves the whole test binary, and only the tests meant for the
//! upstream operator may run beside it: select them by name, e.g.
//! `cargo test -p hourglass-e2e --test plugin_upgrade -- upstream_operator`.
//! Nothing here is needed for, or run by, `cargo test --workspace`.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use crate::control_plane::ControlPlane;
use crate::ports::free_loopback_ports;
use crate::process::ChildProcess;

/// The variable naming a real upstream operator binary.
pub const UPSTREAM_OPERATOR_BINARY_ENV: &str = "HOURGLASS_UPSTREAM_OPERATOR";

/// The operator binary, when the variable names one.
pub fn binary() -> Option<PathBuf> {
    std::env::var_os(UPSTREAM_OPERATOR_BINARY_ENV)
        .filter(|path| !path.is_empty())
        .map(PathBuf::from)
}

/// The one operator process of this test binary, started on first use
/// against the shared control plane. Panics, saying why, if it cannot start.
pub fn shared(binary: PathBuf) -> &'static RealUpstream {
    static RUNNING: OnceLock<RealUpstream> = OnceLock::new();
    RUNNING.get_or_init(|| RealUpstream::start(binary))
}

#[derive(Debug)]
pub struct RealUpstream {
    _process: ChildProcess,
    log: PathBuf,
}

impl RealUpstream {
    fn start(binary: PathBuf) -> RealUpstream {
        let control_plane = ControlPlane::shared();
        let [probe_port] = free_loopback_ports::<1>()
            .unwrap_or_else(|e| panic!("the upstream operator needs a port: {e}"));
        let log = control_plane.run_dir().join("upstream-operator.log");
        let mut command = Command::new(&binary);
        command
            .arg("--metrics-bind-address=0")
            .arg(format!(
                "--health-probe-bind-address=127.0.0.1:{probe_port}"
            ))
            .env("KUBECONFIG", control_plane.kubeconfig_path());
        let process =
            ChildProcess::spawn("hourglass-operator", command, &log).unwrap_or_else(|e| {
                panic!(
                    "{UPSTREAM_OPERATOR_BINARY_ENV}={}: cannot start it: {e}",
                    binary.display()
                )
            });
        eprintln!(
            "hourglass-e2e: the real upstream operator {} runs (log {})",
            binary.display(),
            log.display()
        );
        RealUpstream {
            _process: process,
            log,
        }
    }

    /// Reconcile errors controller-runtime logged so far.
    pub fn errors(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|line| line.contains("Reconciler error"))
            .map(str::to_string)
            .collect()
    }
}
