//! krew, the kubectl plugin manager, built once from the Go module proxy into
//! the cache as `kubectl-krew` (the name kubectl dispatches `kubectl krew` to),
//! so the suites can install our plugin the way users do.
//!
//! `sigs.k8s.io/krew` has no `replace` directives, so `go install
//! <package>@<version>` builds it as it is. No version is stamped: an
//! unstamped krew counts as a development build and never looks for a newer
//! release on the network (the suites also set `KREW_NO_UPGRADE_CHECK`).

use std::path::PathBuf;

use crate::error::HarnessError;
use crate::go_install::{GoTool, ensure};

/// The krew release built.
pub const KREW_VERSION: &str = "v0.5.0";

const KREW_PACKAGE: &str = "sigs.k8s.io/krew/cmd/krew";

/// The cached `kubectl-krew` at [`KREW_VERSION`], built first if missing.
/// Parallel callers wait on a lock file and reuse the result.
pub fn ensure_krew() -> Result<PathBuf, HarnessError> {
    ensure(&GoTool {
        name: "krew",
        version: KREW_VERSION,
        package: KREW_PACKAGE,
        built_as: "krew",
        cached_as: "kubectl-krew",
        duration_hint: "about 2 minutes",
    })
}
