//! Our kubectl plugin, `kubectl-hourglass`, run as users run it, against a
//! control plane: the real binary with `--kubeconfig`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::control_plane::ControlPlane;
use crate::error::HarnessError;
use crate::kubectl_outcome::Outcome;
use crate::workspace_binary::workspace_binary;

/// The `kubectl-hourglass` binary, aimed at one control plane.
#[derive(Clone, Debug)]
pub struct Plugin {
    binary: PathBuf,
    kubeconfig: PathBuf,
}

impl Plugin {
    /// Builds the plugin (once per test process) and aims it at `control_plane`.
    pub fn for_control_plane(control_plane: &ControlPlane) -> Result<Plugin, HarnessError> {
        Ok(Plugin::with_kubeconfig(
            workspace_binary("kubectl-hourglass", "kubectl-hourglass")?,
            control_plane.kubeconfig_path(),
        ))
    }

    /// The plugin at `binary`, reading `kubeconfig` (which may point nowhere,
    /// to see how the plugin fails).
    pub fn with_kubeconfig(binary: PathBuf, kubeconfig: &Path) -> Plugin {
        Plugin {
            binary,
            kubeconfig: kubeconfig.to_path_buf(),
        }
    }

    pub fn binary(&self) -> &Path {
        &self.binary
    }

    /// `kubectl-hourglass --kubeconfig <path> ARGS...`. `KUBECONFIG` is
    /// removed so only the flag can be what reaches the control plane, and
    /// `NO_COLOR` set so output is plain whatever the terminal.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .env_remove("KUBECONFIG")
            .env("NO_COLOR", "1");
        command
    }

    /// Runs the plugin with `args` (and `stdin`) to the end.
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Outcome {
        Outcome::of(self.command(args), stdin)
    }
}
