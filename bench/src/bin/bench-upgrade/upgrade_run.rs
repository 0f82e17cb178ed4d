//! The upgrades measured, as a user would type them, and one observed run:
//! its wall time, CPU and peak memory from the kernel, and the requests it
//! made from the apiserver's audit log.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use hourglass_bench::audit_log::{RequestCounts, count_requests, lines_since};
use hourglass_bench::child_usage::ChildUsage;
use hourglass_bench::isolated_measure::measure_isolated;

use crate::fleet::{BULK_SELECTOR, NEW_IMAGE};

/// How the plugin's requests start their `User-Agent`.
pub const PLUGIN_AGENT: &str = "kubectl-hourglass/";
/// Each performer's deadline, in both kinds of run.
const TIMEOUT: &str = "10m";
/// How long the audit log may lag the plugin's exit. In blocking mode the
/// apiserver writes a request's line before it finishes the response, so
/// this is a margin, not a known delay.
const SETTLE: Duration = Duration::from_secs(2);

/// One measured run and the requests it made.
pub struct Observed {
    pub usage: ChildUsage,
    pub requests: RequestCounts,
}

/// Runs the plugin against one namespace, reading the audit log between
/// runs so each run's requests are its own.
pub struct Upgrader {
    pub plugin: PathBuf,
    pub kubeconfig: PathBuf,
    pub namespace: String,
    pub audit_log: PathBuf,
    /// Where the audit log's unread part starts.
    read_to: u64,
}

impl Upgrader {
    pub fn new(plugin: PathBuf, kubeconfig: &Path, namespace: &str, audit_log: &Path) -> Self {
        Upgrader {
            plugin,
            kubeconfig: kubeconfig.to_path_buf(),
            namespace: namespace.to_string(),
            audit_log: audit_log.to_path_buf(),
            read_to: 0,
        }
    }

    /// `performer upgrade NAME --image NEW`: one performer, no question asked.
    pub fn single(&mut self, name: &str) -> Result<Observed, String> {
        self.observe(&[name], &format!("performer upgrade {name}"))
    }

    /// `performer upgrade -l avs=bench --max-parallel N --yes`.
    pub fn bulk(&mut self, max_parallel: u16) -> Result<Observed, String> {
        let parallel = max_parallel.to_string();
        self.observe(
            &["-l", BULK_SELECTOR, "--max-parallel", &parallel, "--yes"],
            &format!("performer upgrade -l {BULK_SELECTOR}"),
        )
    }

    fn command(&self, selection: &[&str]) -> Command {
        let mut command = Command::new(&self.plugin);
        command
            .env("KUBECONFIG", &self.kubeconfig)
            .args(["performer", "upgrade"])
            .args(selection)
            .args([
                "-n",
                &self.namespace,
                "--image",
                NEW_IMAGE,
                "--timeout",
                TIMEOUT,
            ]);
        command
    }

    /// Skips what the log holds so far, runs the command, and counts the
    /// plugin's requests logged from then until the log has settled.
    fn observe(&mut self, selection: &[&str], what: &str) -> Result<Observed, String> {
        std::thread::sleep(SETTLE);
        self.read_to = lines_since(&self.audit_log, self.read_to)?.1;
        let usage = measure_isolated(&self.command(selection))?;
        if usage.code != Some(0) {
            return Err(format!(
                "`kubectl-hourglass {what}` ended with {:?} after {:.1}s",
                usage.code,
                usage.wall.as_secs_f64()
            ));
        }
        std::thread::sleep(SETTLE);
        let (text, end) = lines_since(&self.audit_log, self.read_to)?;
        self.read_to = end;
        let requests = count_requests(&text, PLUGIN_AGENT);
        if requests.total() == 0 {
            return Err(format!(
                "no request of `kubectl-hourglass {what}` in the audit log {} ({} lines of other clients in its stretch): does the plugin send `User-Agent: {PLUGIN_AGENT}...`?",
                self.audit_log.display(),
                requests.lines
            ));
        }
        Ok(Observed { usage, requests })
    }
}
