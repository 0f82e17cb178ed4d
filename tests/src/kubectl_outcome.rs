//! Running kubectl (or the plugin through it) when a test wants to see a
//! refusal: the exit status with both streams, instead of an error, and the
//! assertions the suites make on it (accepted, refused naming something, a
//! warning on the way).

use std::io::Write as _;
use std::process::{Command, Stdio};

/// What a command printed and how it ended.
#[derive(Debug)]
pub struct Outcome {
    pub success: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// Runs `command`, feeding it `stdin` if given.
    pub fn of(mut command: Command, stdin: Option<&str>) -> Outcome {
        command
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => panic!("cannot run {command:?}: {e}"),
        };
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take())
            && let Err(e) = pipe.write_all(input.as_bytes())
        {
            panic!("cannot write the stdin of {command:?}: {e}");
        }
        let output = match child.wait_with_output() {
            Ok(output) => output,
            Err(e) => panic!("cannot wait for {command:?}: {e}"),
        };
        Outcome {
            success: output.status.success(),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Panics with both streams unless the command succeeded.
    #[track_caller]
    pub fn assert_success(&self) -> &Self {
        assert!(
            self.success,
            "command failed ({:?}):\nstdout: {}\nstderr: {}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    /// Panics with both streams unless the command failed.
    #[track_caller]
    pub fn assert_failure(&self) -> &Self {
        assert!(
            !self.success,
            "command succeeded but should not have:\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    /// Panics with both streams unless the command failed and its stderr
    /// contains `needle`: a refusal, and the reason it must give.
    #[track_caller]
    pub fn assert_failure_containing(&self, needle: &str) -> &Self {
        self.assert_failure().assert_stderr_contains(needle)
    }

    /// Panics with both streams unless stderr contains `needle`, whether
    /// the command succeeded (a warning) or not (a refusal's reason).
    #[track_caller]
    pub fn assert_stderr_contains(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr does not contain {needle:?} ({:?}):\nstdout: {}\nstderr: {}",
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(script: &str) -> Outcome {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        Outcome::of(command, None)
    }

    #[test]
    fn a_refusal_is_checked_for_its_reason() {
        let refused = shell("echo 'denied the request: spec.image' >&2; exit 1");
        refused.assert_failure_containing("spec.image");
        let wrong_reason = std::panic::catch_unwind(|| {
            refused.assert_failure_containing("spec.avsAddress");
        });
        assert!(wrong_reason.is_err());
        let accepted = shell("echo 'Warning: spec.image' >&2");
        accepted
            .assert_success()
            .assert_stderr_contains("Warning: spec.image");
        assert!(
            std::panic::catch_unwind(|| {
                accepted.assert_failure_containing("Warning");
            })
            .is_err()
        );
    }
}
