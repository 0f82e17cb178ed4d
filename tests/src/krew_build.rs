//! krew, the kubectl plugin manager, built once from the Go module proxy into
//! the cache as `kubectl-krew` (the name kubectl dispatches `kubectl krew` to),
//! so the suites can install our plugin the way users do.
//!
//! `sigs.k8s.io/krew` has no `replace` directives, so `go install
//! <package>@<version>` builds it as it is. No version is stamped: an
//! unstamped krew counts as a development build and never looks for a newer
//! release on the network (the suites also set `KREW_NO_UPGRADE_CHECK`).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::cache;
use crate::error::{HarnessError, log_tail};
use crate::kubernetes_build::{WRAPPER_PREFIX, go_command, remove_leftovers};

/// The krew release built.
pub const KREW_VERSION: &str = "v0.5.0";

const KREW_PACKAGE: &str = "sigs.k8s.io/krew/cmd/krew";

/// The cached `kubectl-krew` at [`KREW_VERSION`], built first if missing.
/// Parallel callers wait on a lock file and reuse the result.
pub fn ensure_krew() -> Result<PathBuf, HarnessError> {
    let dir = cache::cache_root()?.join(format!("krew-{KREW_VERSION}"));
    std::fs::create_dir_all(&dir)
        .map_err(|e| HarnessError::io(format!("create {}", dir.display()), e))?;
    let binary = dir.join("kubectl-krew");
    if cache::is_executable(&binary) {
        return Ok(binary);
    }
    let _lock = cache::lock(
        &dir.join("build.lock"),
        &format!("waiting for another process building krew {KREW_VERSION}..."),
    )?;
    if !cache::is_executable(&binary) {
        remove_leftovers(&dir);
        build(&dir, &binary)?;
    }
    Ok(binary)
}

fn build(dir: &Path, binary: &Path) -> Result<(), HarnessError> {
    let log = dir.join("krew.build.log");
    let go = cache::find_on_path("go").ok_or_else(|| HarnessError::GoMissing {
        command: "krew".to_string(),
        version: KREW_VERSION.to_string(),
        cache: dir.to_path_buf(),
    })?;
    eprintln!(
        "hourglass-e2e: building krew {KREW_VERSION} from the Go module proxy (about 2 minutes, once)..."
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
            &format!("{KREW_PACKAGE}@{KREW_VERSION}"),
        ])
        .stdout(out)
        .stderr(err)
        .status()
        .map_err(|e| HarnessError::io(format!("run {}", go.display()), e))?;
    if !status.success() {
        return Err(HarnessError::BuildFailed {
            command: "krew".to_string(),
            version: KREW_VERSION.to_string(),
            detail: format!("`go install` {status}: {}", log_tail(&log, 3)),
            log,
        });
    }
    std::fs::rename(work.path().join("krew"), binary)
        .map_err(|e| HarnessError::io(format!("move the new krew to {}", binary.display()), e))?;
    eprintln!(
        "hourglass-e2e: built {} in {:.0}s",
        binary.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
