//! Writing an image as an OCI image layout directory: `oci-layout`,
//! `index.json` and `blobs/sha256/<hex>`. skopeo, crane, oras, containerd
//! (`ctr import` of its tar) and podman read it; `skopeo copy oci:<dir>:<tag>
//! docker://<registry>/<repo>:<tag>` publishes it.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{ReleaseError, Result};
use crate::image::assemble::{AssembledImage, Blob, to_json};
use crate::image::spec::*;

/// Writes the layout into `dir`, replacing whatever was there. `tag` goes in
/// the index as the manifest's `org.opencontainers.image.ref.name`.
pub fn write(image: &AssembledImage, tag: &str, dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| ReleaseError::io("remove", dir, e))?;
    }
    let blobs = dir.join("blobs").join("sha256");
    std::fs::create_dir_all(&blobs).map_err(|e| ReleaseError::io("create", &blobs, e))?;
    for blob in [&image.layer_gzip, &image.config_blob, &image.manifest_blob] {
        write_blob(&blobs, blob)?;
    }
    let layout = format!(r#"{{"imageLayoutVersion":"{IMAGE_LAYOUT_VERSION}"}}"#);
    write_file(&dir.join("oci-layout"), layout.as_bytes())?;

    let mut manifest = image.manifest_blob.descriptor(MEDIA_TYPE_MANIFEST);
    manifest.platform = Some(PlatformSpec {
        architecture: image.config.architecture.clone(),
        os: image.config.os.clone(),
    });
    manifest.annotations = BTreeMap::from([(ANNOTATION_REF_NAME.to_string(), tag.to_string())]);
    let index = ImageIndex {
        schema_version: 2,
        media_type: MEDIA_TYPE_INDEX.into(),
        manifests: vec![manifest],
    };
    write_file(&dir.join("index.json"), &to_json(&index)?)
}

fn write_blob(blobs: &Path, blob: &Blob) -> Result<()> {
    write_file(&blobs.join(blob.digest.hex()), &blob.bytes)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| ReleaseError::io("write", path, e))
}
