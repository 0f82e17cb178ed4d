//! Building one binary of the workspace to a path of our choosing.
//!
//! `cargo rustc ... -- <flags> --emit link=<path>` passes the extra flags to
//! the final crate only and writes the executable where we say. Static
//! linking (`-C target-feature=+crt-static`) and stripping happen at the
//! link, so the dependencies compiled for a plain `cargo build -p <package>`
//! are reused as they are: a static webhook costs one link (seconds) instead
//! of a second compile of the whole dependency tree in another target
//! directory, which `RUSTFLAGS` would force. The usual binary in
//! `target/<profile>/` is left alone.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{ReleaseError, Result};
use crate::project::workspace_root;

/// The Cargo profile of a build: tests use `Dev` (its dependencies are
/// already compiled for the suites), releases use `Release`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    Dev,
    Release,
}

/// What to build and how.
#[derive(Clone, Debug)]
pub struct BinaryBuild<'a> {
    pub package: &'a str,
    pub bin: &'a str,
    pub profile: Profile,
    /// A Rust target triple; `None` builds for the host.
    pub target: Option<&'a str>,
    /// Link the C runtime statically (glibc or musl), for an image without libc.
    pub static_crt: bool,
}

impl BinaryBuild<'_> {
    /// Builds the binary (stripped of symbols and debug info) to `output`.
    pub fn run(&self, output: &Path) -> Result<PathBuf> {
        if let Some(parent) = output.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| ReleaseError::io("create the directory", parent, e))?;
        }
        let args = self.cargo_args(output);
        run_cargo(&args)?;
        if !output.is_file() {
            return Err(ReleaseError::Command {
                command: format!("cargo {}", args.join(" ")),
                detail: format!("it succeeded but wrote no {}", output.display()),
            });
        }
        Ok(output.to_path_buf())
    }

    fn cargo_args(&self, output: &Path) -> Vec<String> {
        let mut args: Vec<String> = ["rustc", "--quiet", "--locked", "--package", self.package]
            .map(String::from)
            .into();
        args.extend(["--bin".to_string(), self.bin.to_string()]);
        if self.profile == Profile::Release {
            args.push("--release".into());
        }
        if let Some(target) = self.target {
            args.extend(["--target".to_string(), target.to_string()]);
        }
        args.push("--".into());
        if self.static_crt {
            args.extend(["-C".to_string(), "target-feature=+crt-static".to_string()]);
        }
        // Symbols and debug info are for debugging at home, not for shipping:
        // a stripped dev build of the webhook is 34 MB instead of 206 MB.
        args.extend(["-C".to_string(), "strip=symbols".to_string()]);
        args.extend(["--emit".to_string(), format!("link={}", output.display())]);
        args
    }
}

/// Runs cargo with `args` in the workspace; returns its stdout, or an error
/// with the last lines of its stderr.
pub(crate) fn run_cargo<S: AsRef<str>>(args: &[S]) -> Result<Vec<u8>> {
    let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    let shown = format!("cargo {}", args.join(" "));
    let output = Command::new(cargo())
        .args(&args)
        .current_dir(workspace_root())
        .output()
        .map_err(|e| ReleaseError::Command {
            command: shown.clone(),
            detail: e.to_string(),
        })?;
    if !output.status.success() {
        return Err(ReleaseError::Command {
            command: shown,
            detail: last_lines(&String::from_utf8_lossy(&output.stderr), 6),
        });
    }
    Ok(output.stdout)
}

/// The cargo running us (`CARGO` under `cargo run` and `cargo test`), else PATH's.
fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// The host's target triple, from `rustc -vV`.
pub fn host_target() -> Result<String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let output = Command::new(&rustc)
        .arg("-vV")
        .output()
        .map_err(|e| ReleaseError::Command {
            command: format!("{rustc} -vV"),
            detail: e.to_string(),
        })?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_string)
        .ok_or_else(|| ReleaseError::Command {
            command: format!("{rustc} -vV"),
            detail: "no `host:` line".into(),
        })
}

pub(crate) fn last_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(count)..].join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_release_flags_go_to_the_final_crate_only() {
        let build = BinaryBuild {
            package: "hourglass-webhook",
            bin: "hourglass-webhook",
            profile: Profile::Release,
            target: Some("x86_64-unknown-linux-gnu"),
            static_crt: true,
        };
        let args = build.cargo_args(Path::new("/out/hourglass-webhook"));
        let split = args.iter().position(|a| a == "--").unwrap();
        let (cargo_side, rustc_side) = args.split_at(split);
        assert!(cargo_side.contains(&"--release".to_string()));
        assert!(cargo_side.contains(&"--locked".to_string()));
        assert!(rustc_side.contains(&"target-feature=+crt-static".to_string()));
        assert_eq!(rustc_side.last().unwrap(), "link=/out/hourglass-webhook");
    }
}
