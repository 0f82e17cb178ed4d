//! skopeo, the containers/image command line, as an independent reader of
//! the images `hourglass-release` writes: the library under `podman load`
//! and CRI-O, reading our docker-archive and OCI layout and checking every
//! digest as it copies them. Debian's package, installed on first use when
//! running as root, like etcd.

use std::path::PathBuf;

use crate::cache;
use crate::error::HarnessError;
use crate::etcd::run_apt_get;

const DEBIAN_SKOPEO: &str = "/usr/bin/skopeo";

/// skopeo from PATH (or /usr/bin), installed with apt-get first if missing.
pub fn find_or_install_skopeo() -> Result<PathBuf, HarnessError> {
    if let Some(path) = locate() {
        return Ok(path);
    }
    let missing = |reason: String| HarnessError::SkopeoMissing { reason };
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Err(missing(
            "not running as root, so the harness does not install it".into(),
        ));
    }
    let apt_get =
        cache::find_on_path("apt-get").ok_or_else(|| missing("apt-get is not on PATH".into()))?;
    let root = cache::cache_root()?;
    let _lock = cache::lock(
        &root.join("skopeo-install.lock"),
        "waiting for another process installing skopeo...",
    )?;
    if let Some(path) = locate() {
        return Ok(path);
    }
    eprintln!("hourglass-e2e: skopeo is missing; installing it with apt-get (once)...");
    let log = root.join("skopeo-install.log");
    let args = ["install", "-y", "--no-install-recommends", "skopeo"];
    if run_apt_get(&apt_get, &args, &log).is_err() {
        // A fresh image has no package lists yet.
        run_apt_get(&apt_get, &["update"], &log)
            .map_err(|detail| missing(format!("`apt-get update` failed: {detail}")))?;
        run_apt_get(&apt_get, &args, &log)
            .map_err(|detail| missing(format!("`apt-get install` failed: {detail}")))?;
    }
    locate().ok_or_else(|| {
        missing(format!(
            "`apt-get install skopeo` succeeded but no skopeo is on PATH or at {DEBIAN_SKOPEO}"
        ))
    })
}

fn locate() -> Option<PathBuf> {
    cache::find_on_path("skopeo").or_else(|| {
        let debian = PathBuf::from(DEBIAN_SKOPEO);
        cache::is_executable(&debian).then_some(debian)
    })
}
