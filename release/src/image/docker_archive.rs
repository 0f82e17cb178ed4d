//! Writing an image as a `docker-archive` tarball, the format of
//! `docker save`: `manifest.json` naming the config file, the repository tags
//! and the uncompressed layer tars. `docker load -i` and `podman load -i`
//! read it; so does skopeo as `docker-archive:<file>`.

use std::path::Path;

use crate::error::{ReleaseError, Result};
use crate::image::assemble::{AssembledImage, to_json};
use crate::image::spec::DockerArchiveImage;
use crate::reproducible_tar::{self, Entry};

/// Writes the archive to `path`; `reference` (`repository:tag`) is the name
/// the loaded image gets. Entries carry the image's creation time.
pub fn write(image: &AssembledImage, reference: &str, mtime: u64, path: &Path) -> Result<()> {
    let config_path = format!("{}.json", image.config_blob.digest.hex());
    let layer_path = format!("{}/layer.tar", image.layer_tar.digest.hex());
    let manifest = vec![DockerArchiveImage {
        config: config_path.clone(),
        repo_tags: vec![reference.to_string()],
        layers: vec![layer_path.clone()],
    }];
    let entries = [
        Entry::bytes(&config_path, 0o644, image.config_blob.bytes.clone()),
        Entry::directory(&image.layer_tar.digest.hex(), 0o755),
        Entry::bytes(&layer_path, 0o644, image.layer_tar.bytes.clone()),
        Entry::bytes("manifest.json", 0o644, to_json(&manifest)?),
    ];
    let file = std::fs::File::create(path).map_err(|e| ReleaseError::io("create", path, e))?;
    let file = reproducible_tar::write(&entries, mtime, std::io::BufWriter::new(file))?;
    file.into_inner()
        .map_err(|e| ReleaseError::io("write", path, e.into_error()))?
        .sync_all()
        .map_err(|e| ReleaseError::io("write", path, e))
}
