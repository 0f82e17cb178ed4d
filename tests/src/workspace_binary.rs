//! Binaries of this workspace (the webhook, the plugin) for the suites.
//!
//! A test binary can only name its own package's executables through
//! `CARGO_BIN_EXE_*`, so the suites build the others with the cargo that runs
//! them; an up-to-date build costs a fraction of a second.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use crate::error::{HarnessError, one_line};

/// How a workspace binary is compiled: the suites use debug builds (shared
/// with `cargo test`), the benchmarks measure release builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BuildProfile {
    Debug,
    Release,
}

impl BuildProfile {
    fn directory(self) -> &'static str {
        match self {
            BuildProfile::Debug => "debug",
            BuildProfile::Release => "release",
        }
    }
}

/// Builds `bin` of `package` in debug (once per test process) and returns its path.
pub fn workspace_binary(package: &str, bin: &str) -> Result<PathBuf, HarnessError> {
    workspace_binary_with(package, bin, BuildProfile::Debug)
}

/// Builds `bin` of `package` with `profile` (once per process) and returns its path.
pub fn workspace_binary_with(
    package: &str,
    bin: &str,
    profile: BuildProfile,
) -> Result<PathBuf, HarnessError> {
    static BUILT: Mutex<BTreeMap<(String, BuildProfile), PathBuf>> = Mutex::new(BTreeMap::new());
    let mut built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let key = (bin.to_string(), profile);
    if let Some(path) = built.get(&key) {
        return Ok(path.clone());
    }
    let workspace = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut args = vec!["build", "--quiet", "--package", package, "--bin", bin];
    if profile == BuildProfile::Release {
        args.push("--release");
    }
    let output = Command::new(&cargo)
        .args(&args)
        .current_dir(&workspace)
        .output()
        .map_err(|source| HarnessError::Io {
            what: format!("run `{cargo} {}`", args.join(" ")),
            source,
        })?;
    if !output.status.success() {
        return Err(HarnessError::WorkspaceBuild {
            bin: bin.to_string(),
            detail: one_line(&String::from_utf8_lossy(&output.stderr), 5),
        });
    }
    let path = target_dir(&workspace).join(profile.directory()).join(bin);
    built.insert(key, path.clone());
    Ok(path)
}

/// The workspace's root directory (this crate lives in `tests/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

fn target_dir(workspace: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                workspace.join(dir)
            }
        })
        .unwrap_or_else(|| workspace.join("target"))
}
