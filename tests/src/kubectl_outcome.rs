//! Running kubectl (or the plugin through it) when a test wants to see a
//! refusal: the exit status with both streams, instead of an error.

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
}
