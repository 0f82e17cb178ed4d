//! Helm, built once from the Go module proxy into the cache, so the chart
//! suites run `helm lint`, `helm template`, `helm install/upgrade/uninstall`
//! with the real tool. Debian has no helm package.
//!
//! `helm.sh/helm/v3` has no `replace` directives, so `go install
//! <package>@<version>` builds it as released. Its version stamp is left
//! out (it only feeds `helm version`); the suites run with `HELM_*` homes in
//! a temporary directory, so nothing of the user's helm configuration is read.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::cache;
use crate::error::{HarnessError, log_tail};
use crate::kubernetes_build::{WRAPPER_PREFIX, go_command, remove_leftovers};

/// The Helm release built.
pub const HELM_VERSION: &str = "v3.22.0";

const HELM_PACKAGE: &str = "helm.sh/helm/v3/cmd/helm";

/// The cached `helm` at [`HELM_VERSION`], built first if missing. Parallel
/// callers wait on a lock file and reuse the result.
pub fn ensure_helm() -> Result<PathBuf, HarnessError> {
    let dir = cache::cache_root()?.join(format!("helm-{HELM_VERSION}"));
    std::fs::create_dir_all(&dir)
        .map_err(|e| HarnessError::io(format!("create {}", dir.display()), e))?;
    let binary = dir.join("helm");
    if cache::is_executable(&binary) {
        return Ok(binary);
    }
    let _lock = cache::lock(
        &dir.join("build.lock"),
        &format!("waiting for another process building helm {HELM_VERSION}..."),
    )?;
    if !cache::is_executable(&binary) {
        remove_leftovers(&dir);
        build(&dir, &binary)?;
    }
    Ok(binary)
}

fn build(dir: &Path, binary: &Path) -> Result<(), HarnessError> {
    let log = dir.join("helm.build.log");
    let go = cache::find_on_path("go").ok_or_else(|| HarnessError::GoMissing {
        command: "helm".to_string(),
        version: HELM_VERSION.to_string(),
        cache: dir.to_path_buf(),
    })?;
    eprintln!(
        "hourglass-e2e: building helm {HELM_VERSION} from the Go module proxy (a few minutes, once)..."
    );
    let started = Instant::now();
    // GOBIN inside a directory of the cache, then one rename: a reader never
    // sees a half-written binary.
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
            &format!("{HELM_PACKAGE}@{HELM_VERSION}"),
        ])
        .stdout(out)
        .stderr(err)
        .status()
        .map_err(|e| HarnessError::io(format!("run {}", go.display()), e))?;
    if !status.success() {
        return Err(HarnessError::BuildFailed {
            command: "helm".to_string(),
            version: HELM_VERSION.to_string(),
            detail: format!("`go install` {status}: {}", log_tail(&log, 3)),
            log,
        });
    }
    std::fs::rename(work.path().join("helm"), binary)
        .map_err(|e| HarnessError::io(format!("move the new helm to {}", binary.display()), e))?;
    eprintln!(
        "hourglass-e2e: built {} in {:.0}s",
        binary.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
