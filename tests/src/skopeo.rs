//! skopeo, the containers/image command line, as an independent reader of
//! the images `hourglass-release` writes: the library under `podman load`
//! and CRI-O, reading our docker-archive and OCI layout and checking every
//! digest as it copies them. Debian's package, installed on first use when
//! running as root, like etcd.

use std::path::PathBuf;

use crate::cache;
use crate::debian_package::DebianPackage;
use crate::error::HarnessError;

const DEBIAN_SKOPEO: &str = "/usr/bin/skopeo";

/// skopeo from PATH (or /usr/bin), installed with apt-get first if missing.
pub fn find_or_install_skopeo() -> Result<PathBuf, HarnessError> {
    DebianPackage {
        what: "skopeo",
        install_args: &["--no-install-recommends", "skopeo"],
        locate: &locate,
        missing: &|reason| HarnessError::SkopeoMissing { reason },
    }
    .find_or_install()
}

fn locate() -> Option<PathBuf> {
    cache::find_on_path("skopeo").or_else(|| {
        let debian = PathBuf::from(DEBIAN_SKOPEO);
        cache::is_executable(&debian).then_some(debian)
    })
}
