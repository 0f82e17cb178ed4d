//! A Go command built once from the Go module proxy into the cache with
//! `go install <package>@<version>`, for tools whose modules carry no
//! `replace` directives (krew, helm): built as released, with no version
//! stamp. Parallel callers wait on a lock file and reuse the result.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::cache;
use crate::error::{HarnessError, log_tail};
use crate::kubernetes_build::{WRAPPER_PREFIX, go_command, remove_leftovers};

/// One tool to build.
pub(crate) struct GoTool {
    /// How messages name it, and the cache directory `<name>-<version>`.
    pub name: &'static str,
    pub version: &'static str,
    /// The package `go install` builds, e.g. `sigs.k8s.io/krew/cmd/krew`.
    pub package: &'static str,
    /// The file name `go install` writes (the package's last element).
    pub built_as: &'static str,
    /// The name it is kept under in the cache (kubectl dispatches
    /// `kubectl krew` to `kubectl-krew`).
    pub cached_as: &'static str,
    /// How long a build takes here, for the one line said before it.
    pub duration_hint: &'static str,
}

/// The cached binary of `tool`, built first if missing.
pub(crate) fn ensure(tool: &GoTool) -> Result<PathBuf, HarnessError> {
    let dir = cache::cache_root()?.join(format!("{}-{}", tool.name, tool.version));
    std::fs::create_dir_all(&dir)
        .map_err(|e| HarnessError::io(format!("create {}", dir.display()), e))?;
    let binary = dir.join(tool.cached_as);
    if cache::is_executable(&binary) {
        return Ok(binary);
    }
    let _lock = cache::lock(
        &dir.join("build.lock"),
        &format!(
            "waiting for another process building {} {}...",
            tool.name, tool.version
        ),
    )?;
    if !cache::is_executable(&binary) {
        remove_leftovers(&dir);
        build(tool, &dir, &binary)?;
    }
    Ok(binary)
}

fn build(tool: &GoTool, dir: &Path, binary: &Path) -> Result<(), HarnessError> {
    let log = dir.join(format!("{}.build.log", tool.name));
    let go = cache::find_on_path("go").ok_or_else(|| HarnessError::GoMissing {
        command: tool.name.to_string(),
        version: tool.version.to_string(),
        cache: dir.to_path_buf(),
    })?;
    eprintln!(
        "hourglass-e2e: building {} {} from the Go module proxy ({}, once)...",
        tool.name, tool.version, tool.duration_hint
    );
    let started = Instant::now();
    // GOBIN inside a directory of the cache, then one rename: a reader never
    // sees a half-written binary, and an interrupted build leaves only a
    // directory that the next build removes.
    let work = tempfile::Builder::new()
        .prefix(WRAPPER_PREFIX)
        .tempdir_in(dir)
        .map_err(|e| HarnessError::io(format!("create a directory in {}", dir.display()), e))?;
    let out =
        File::create(&log).map_err(|e| HarnessError::io(format!("create {}", log.display()), e))?;
    let err = out
        .try_clone()
        .map_err(|e| HarnessError::io(format!("open {}", log.display()), e))?;
    let status = go_command(&go, work.path())
        .env("GOBIN", work.path())
        .args([
            "install",
            "-trimpath",
            &format!("{}@{}", tool.package, tool.version),
        ])
        .stdout(out)
        .stderr(err)
        .status()
        .map_err(|e| HarnessError::io(format!("run {}", go.display()), e))?;
    if !status.success() {
        return Err(HarnessError::BuildFailed {
            command: tool.name.to_string(),
            version: tool.version.to_string(),
            detail: format!("`go install` {status}: {}", log_tail(&log, 3)),
            log,
        });
    }
    std::fs::rename(work.path().join(tool.built_as), binary).map_err(|e| {
        HarnessError::io(
            format!("move the new {} to {}", tool.name, binary.display()),
            e,
        )
    })?;
    eprintln!(
        "hourglass-e2e: built {} in {:.0}s",
        binary.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
