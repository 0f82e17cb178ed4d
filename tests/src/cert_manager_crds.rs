//! cert-manager's CRDs (Issuer, ClusterIssuer, Certificate,
//! CertificateRequest), taken from its Go module through the Go module
//! proxy and cached, so a suite can prove `install --cert-manager` and the
//! chart's certManager mode against cert-manager's own schemas on the test
//! apiserver.
//!
//! Why the CRDs and not cert-manager running: its controller and cainjector
//! are modules with `replace` directives (`go install <pkg>@<version>`
//! refuses them) and a build of each is several minutes of a 2-core machine;
//! the schemas are what decides whether our objects are accepted, and they
//! come from the release itself, not from a copy in this repository.

use std::path::{Path, PathBuf};

use crate::cache;
use crate::error::{HarnessError, one_line};
use crate::kubernetes_build::go_command;

/// The cert-manager release whose CRDs are used.
pub const CERT_MANAGER_VERSION: &str = "v1.19.1";

const MODULE: &str = "github.com/cert-manager/cert-manager";
const FILES: [&str; 4] = [
    "cert-manager.io_issuers.yaml",
    "cert-manager.io_clusterissuers.yaml",
    "cert-manager.io_certificates.yaml",
    "cert-manager.io_certificaterequests.yaml",
];

/// The four CRD files in the cache, downloaded first if missing.
pub fn cert_manager_crds() -> Result<Vec<PathBuf>, HarnessError> {
    let dir = cache::cache_root()?.join(format!("cert-manager-crds-{CERT_MANAGER_VERSION}"));
    let paths: Vec<PathBuf> = FILES.iter().map(|f| dir.join(f)).collect();
    if paths.iter().all(|p| p.is_file()) {
        return Ok(paths);
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| HarnessError::io(format!("create {}", dir.display()), e))?;
    let _lock = cache::lock(
        &dir.join("download.lock"),
        "waiting for another process downloading cert-manager's CRDs...",
    )?;
    let module = download(&dir)?;
    for (file, path) in FILES.iter().zip(&paths) {
        let source = module.join("deploy/crds").join(file);
        std::fs::copy(&source, path).map_err(|e| {
            HarnessError::io(
                format!("copy {} to {}", source.display(), path.display()),
                e,
            )
        })?;
    }
    Ok(paths)
}

/// `go mod download` of the module; its directory in the module cache.
fn download(dir: &Path) -> Result<PathBuf, HarnessError> {
    let failed = |detail: String| HarnessError::BuildFailed {
        command: "cert-manager CRDs".to_string(),
        version: CERT_MANAGER_VERSION.to_string(),
        detail,
        log: dir.to_path_buf(),
    };
    let go = cache::find_on_path("go").ok_or_else(|| HarnessError::GoMissing {
        command: "cert-manager CRDs".to_string(),
        version: CERT_MANAGER_VERSION.to_string(),
        cache: dir.to_path_buf(),
    })?;
    let output = go_command(&go, dir)
        .args(["mod", "download", "-json"])
        .arg(format!("{MODULE}@{CERT_MANAGER_VERSION}"))
        .output()
        .map_err(|e| HarnessError::io(format!("run {}", go.display()), e))?;
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).map_err(|_| {
        failed(one_line(
            &format!(
                "`go mod download` said: {}",
                String::from_utf8_lossy(&output.stderr)
            ),
            3,
        ))
    })?;
    match json["Dir"].as_str() {
        Some(module) => Ok(PathBuf::from(module)),
        None => Err(failed(format!(
            "`go mod download` gave no directory: {}",
            json["Error"].as_str().unwrap_or("no error either")
        ))),
    }
}
