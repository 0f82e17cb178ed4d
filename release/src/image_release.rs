//! The webhook's release: the static binary, its image (OCI layout and
//! docker-archive), the image's SBOM, and the checksums.

use std::path::{Path, PathBuf};

use crate::cargo_build::{BinaryBuild, Profile, host_target};
use crate::error::{ReleaseError, Result};
use crate::image::{self, BuiltImage, ImageInputs};
use crate::platform::Platform;
use crate::project::VERSION;
use crate::source_revision::SourceRevision;
use crate::{checksums, sbom};

pub const WEBHOOK_PACKAGE: &str = "hourglass-webhook";

/// What a webhook release wrote.
#[derive(Clone, Debug)]
pub struct ImageRelease {
    pub image: BuiltImage,
    /// `<stem>.cdx.json`: the crates compiled into the binary.
    pub sbom: PathBuf,
    /// `SHA256SUMS` of the output directory.
    pub sums: PathBuf,
}

/// Builds the webhook for the host, statically linked, into `dir`.
pub fn build_static_webhook(profile: Profile, dir: &Path) -> Result<PathBuf> {
    BinaryBuild {
        package: WEBHOOK_PACKAGE,
        bin: WEBHOOK_PACKAGE,
        profile,
        target: None,
        static_crt: true,
    }
    .run(&dir.join(WEBHOOK_PACKAGE))
}

/// Writes the image of `binary` (built for the host), its SBOM and
/// `SHA256SUMS` into `out_dir`.
pub fn release_image(
    binary: &Path,
    revision: &SourceRevision,
    out_dir: &Path,
) -> Result<ImageRelease> {
    let host = host_target()?;
    let platform = Platform::for_rust_target(&host)
        .filter(|p| p.os == "linux")
        .ok_or_else(|| {
            ReleaseError::Invalid(format!(
                "the image is a Linux image; this host ({host}) cannot build its binary"
            ))
        })?;
    let inputs = ImageInputs {
        binary: binary.to_path_buf(),
        version: VERSION.to_string(),
        revision: revision.revision.clone(),
        source_date_epoch: revision.source_date_epoch,
        architecture: platform.arch.to_string(),
    };
    let image = image::build(&inputs, out_dir)?;
    let stem = image::artefact_stem(VERSION, platform.arch);
    let sbom = out_dir.join(format!("{stem}.cdx.json"));
    sbom::write(WEBHOOK_PACKAGE, &host, revision.source_date_epoch, &sbom)?;
    let sums = checksums::write_sums(out_dir)?;
    Ok(ImageRelease { image, sbom, sums })
}
