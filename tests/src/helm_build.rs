//! Helm, built once from the Go module proxy into the cache, so the chart
//! suites run `helm lint`, `helm template`, `helm install/upgrade/uninstall`
//! with the real tool. Debian has no helm package.
//!
//! `helm.sh/helm/v3` has no `replace` directives, so `go install
//! <package>@<version>` builds it as released. Its version stamp is left
//! out (it only feeds `helm version`); the suites run with `HELM_*` homes in
//! a temporary directory, so nothing of the user's helm configuration is read.

use std::path::PathBuf;

use crate::error::HarnessError;
use crate::go_install::{GoTool, ensure};

/// The helm release built.
pub const HELM_VERSION: &str = "v3.22.0";

const HELM_PACKAGE: &str = "helm.sh/helm/v3/cmd/helm";

/// The cached `helm` at [`HELM_VERSION`], built first if missing.
/// Parallel callers wait on a lock file and reuse the result.
pub fn ensure_helm() -> Result<PathBuf, HarnessError> {
    ensure(&GoTool {
        name: "helm",
        version: HELM_VERSION,
        package: HELM_PACKAGE,
        built_as: "helm",
        cached_as: "helm",
        duration_hint: "a few minutes",
    })
}
