//! The listings compared, as a user would type them, and one measured run
//! of each.

use std::path::{Path, PathBuf};
use std::process::Command;

use hourglass_bench::child_usage::ChildUsage;
use hourglass_bench::isolated_measure::measure_isolated;
use hourglass_e2e::{ControlPlane, Outcome};

/// The commands compared, as a user would type them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listing {
    /// `kubectl-hourglass status -A`: the binary kubectl execs for a plugin.
    PluginStatus,
    /// `kubectl hourglass status -A`: through kubectl's plugin dispatch.
    DispatchedStatus,
    /// `kubectl get performers,hourglassexecutors,pods -A`.
    KubectlGet,
}

impl Listing {
    pub const ALL: [Listing; 3] = [
        Listing::PluginStatus,
        Listing::DispatchedStatus,
        Listing::KubectlGet,
    ];

    pub fn describe(self) -> &'static str {
        match self {
            Listing::PluginStatus => "kubectl-hourglass status -A",
            Listing::DispatchedStatus => "kubectl hourglass status -A (dispatch)",
            Listing::KubectlGet => "kubectl get performers,hourglassexecutors,pods -A",
        }
    }
}

/// How to run the commands against one control plane.
pub struct Runner<'a> {
    pub control_plane: &'a ControlPlane,
    pub plugin: PathBuf,
}

impl Runner<'_> {
    fn command(&self, listing: Listing) -> Command {
        match listing {
            Listing::PluginStatus => {
                let mut command = Command::new(&self.plugin);
                command
                    .env("KUBECONFIG", self.control_plane.kubeconfig_path())
                    .args(["status", "-A"]);
                command
            }
            Listing::DispatchedStatus => {
                let mut command = self.control_plane.kubectl();
                let plugin_dir = self.plugin.parent().unwrap_or(Path::new("."));
                let path = format!(
                    "{}:{}",
                    plugin_dir.display(),
                    std::env::var("PATH").unwrap_or_default()
                );
                command
                    .env("PATH", path)
                    .args(["hourglass", "status", "-A"]);
                command
            }
            Listing::KubectlGet => {
                let mut command = self.control_plane.kubectl();
                command.args(["get", "performers,hourglassexecutors,pods", "-A"]);
                command
            }
        }
    }

    /// One measured run; status exits 2 when something is unhealthy, which
    /// the fleet has on purpose.
    pub fn measure(&self, listing: Listing) -> Result<ChildUsage, String> {
        let usage = measure_isolated(&self.command(listing))?;
        let expected: &[i32] = match listing {
            Listing::KubectlGet => &[0],
            _ => &[0, 2],
        };
        if usage.code.is_none_or(|code| !expected.contains(&code)) {
            return Err(format!(
                "{} ended with {:?}",
                listing.describe(),
                usage.code
            ));
        }
        Ok(usage)
    }
}

/// Both listings must show the whole fleet, or the comparison is moot.
pub fn check_outputs(runner: &Runner, executors: usize, performers: usize) -> Result<(), String> {
    for listing in [Listing::PluginStatus, Listing::KubectlGet] {
        let outcome = Outcome::of(runner.command(listing), None);
        let performer_lines = outcome
            .stdout
            .lines()
            .filter(|line| line.contains("performer-"))
            .count();
        let executor_lines = outcome
            .stdout
            .lines()
            .filter(|line| line.contains("executor-") && !line.contains("performer-"))
            .count();
        if performer_lines < performers || executor_lines < executors {
            return Err(format!(
                "{} showed {performer_lines} performer and {executor_lines} executor lines, expected {performers} and {executors}; stderr: {}",
                listing.describe(),
                outcome.stderr.trim()
            ));
        }
    }
    Ok(())
}
