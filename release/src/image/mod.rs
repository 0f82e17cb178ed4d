//! The webhook's container image, built without a daemon: one layer holding
//! the static binary, written as an OCI layout and as a docker-archive.

pub mod assemble;
pub mod docker_archive;
pub mod inputs;
pub mod oci_layout;
pub mod root_filesystem;
pub mod spec;

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::project::WEBHOOK_IMAGE_REPOSITORY;
use crate::sha256::Sha256;

pub use assemble::{AssembledImage, assemble};
pub use inputs::ImageInputs;

/// What [`build`] wrote.
#[derive(Clone, Debug)]
pub struct BuiltImage {
    /// The manifest digest: the image's identity.
    pub digest: Sha256,
    /// `<repository>:<version>`.
    pub reference: String,
    pub oci_layout: PathBuf,
    pub docker_archive: PathBuf,
}

/// The file names a release uses, e.g. `hourglass-webhook_0.1.0_linux_amd64`.
pub fn artefact_stem(version: &str, architecture: &str) -> String {
    format!("hourglass-webhook_{version}_linux_{architecture}")
}

/// Assembles the image and writes `<stem>.oci/` and `<stem>.docker.tar` into `out_dir`.
pub fn build(inputs: &ImageInputs, out_dir: &Path) -> Result<BuiltImage> {
    let image = assemble(inputs)?;
    let stem = artefact_stem(&inputs.version, &inputs.architecture);
    let reference = format!("{WEBHOOK_IMAGE_REPOSITORY}:{}", inputs.version);
    std::fs::create_dir_all(out_dir)
        .map_err(|e| crate::error::ReleaseError::io("create", out_dir, e))?;
    let oci_layout = out_dir.join(format!("{stem}.oci"));
    oci_layout::write(&image, &inputs.version, &oci_layout)?;
    let docker_archive = out_dir.join(format!("{stem}.docker.tar"));
    docker_archive::write(
        &image,
        &reference,
        inputs.source_date_epoch,
        &docker_archive,
    )?;
    Ok(BuiltImage {
        digest: image.digest(),
        reference,
        oci_layout,
        docker_archive,
    })
}
