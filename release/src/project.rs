//! Facts about the project that every release artefact repeats: its version
//! (the workspace's, so one edit of Cargo.toml moves them all), where its
//! source and images live, its licence.

use std::path::{Path, PathBuf};

/// The workspace version (`[workspace.package] version` in Cargo.toml).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The licence expression of every crate of the workspace.
pub const LICENSE: &str = env!("CARGO_PKG_LICENSE");

/// Where the source is published; the image's `org.opencontainers.image.source`
/// label and the krew manifest's homepage and download URLs derive from it.
pub const SOURCE_REPOSITORY: &str = "https://github.com/hourglass-avs/hourglass";

/// The webhook image's repository, as `manifests/webhook/20-deployment.yaml`
/// names it (with the tag [`VERSION`]).
pub const WEBHOOK_IMAGE_REPOSITORY: &str = "ghcr.io/hourglass-avs/hourglass-webhook";

/// The webhook image reference a release publishes: `<repository>:<version>`.
pub fn webhook_image_reference() -> String {
    format!("{WEBHOOK_IMAGE_REPOSITORY}:{VERSION}")
}

/// The URL a release's file is downloaded from: GitHub release assets of the
/// tag `v<version>`.
pub fn release_download_url(version: &str, file_name: &str) -> String {
    format!("{SOURCE_REPOSITORY}/releases/download/v{version}/{file_name}")
}

/// The workspace's root directory (this crate lives in `release/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// Where the release commands write by default: `<workspace>/target/dist`,
/// ignored by git with the rest of `target/`.
pub fn default_dist_dir() -> PathBuf {
    workspace_root().join("target").join("dist")
}
