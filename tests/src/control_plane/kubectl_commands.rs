//! kubectl aimed at a control plane: as a command to finish yourself, run
//! to its stdout (an error when it fails), or run to its [`Outcome`] (for a
//! test that wants to see a refusal).

use std::io::Write as _;
use std::process::{Command, Stdio};

use super::ControlPlane;
use crate::error::{HarnessError, one_line};
use crate::kubectl_outcome::Outcome;

impl ControlPlane {
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

    /// Runs kubectl with `args` (and `stdin`) to the end and returns how it
    /// ended with both streams, whether it succeeded or not: assert on it
    /// with [`Outcome::assert_success`], [`Outcome::assert_failure_containing`]
    /// and the like.
    pub fn kubectl_outcome(&self, args: &[&str], stdin: Option<&str>) -> Outcome {
        let mut command = self.kubectl();
        command.args(args);
        Outcome::of(command, stdin)
    }
}
