//! The plugin's release for one platform: both binaries, the archive and
//! its `.sha256`, the SBOM, and the checksums.

use std::path::{Path, PathBuf};

use crate::cargo_build::{BinaryBuild, Profile};
use crate::error::{ReleaseError, Result};
use crate::platform::Platform;
use crate::plugin_archive::{self, BuiltArchive, PLUGIN_BINARIES, PluginArchiveInputs};
use crate::project::VERSION;
use crate::source_revision::SourceRevision;
use crate::{checksums, sbom};

pub const PLUGIN_PACKAGE: &str = "kubectl-hourglass";

/// What a plugin release wrote.
#[derive(Clone, Debug)]
pub struct PluginRelease {
    pub platform: Platform,
    pub archive: BuiltArchive,
    /// `kubectl-hourglass_<version>_<os>_<arch>.cdx.json`.
    pub sbom: PathBuf,
    pub sums: PathBuf,
}

/// The release platform of a Rust target, or an error naming the supported ones.
pub fn platform_of(target: &str) -> Result<Platform> {
    Platform::for_rust_target(target).ok_or_else(|| {
        ReleaseError::Invalid(format!(
            "{target} is not a release platform (linux, darwin or windows on x86_64 or aarch64)"
        ))
    })
}

/// Builds both plugin binaries for `target` into `dir` (named for the platform).
pub fn build_plugin_binaries(profile: Profile, target: Option<&str>, dir: &Path) -> Result<()> {
    let host;
    let triple = match target {
        Some(triple) => triple,
        None => {
            host = crate::cargo_build::host_target()?;
            host.as_str()
        }
    };
    let platform = platform_of(triple)?;
    for bin in PLUGIN_BINARIES {
        BinaryBuild {
            package: PLUGIN_PACKAGE,
            bin,
            profile,
            target,
            static_crt: false,
        }
        .run(&dir.join(platform.executable(bin)))?;
    }
    Ok(())
}

/// Packs the binaries in `binary_dir` (built for `target`) into the archive,
/// and writes its SBOM and `SHA256SUMS` into `out_dir`.
pub fn release_plugin(
    binary_dir: &Path,
    target: &str,
    revision: &SourceRevision,
    out_dir: &Path,
) -> Result<PluginRelease> {
    let platform = platform_of(target)?;
    let inputs = PluginArchiveInputs {
        version: VERSION.to_string(),
        platform,
        binary_dir: binary_dir.to_path_buf(),
        license: plugin_archive::license_file(),
        readme: plugin_archive::readme_file(),
        source_date_epoch: revision.source_date_epoch,
    };
    let archive = plugin_archive::write(&inputs, out_dir)?;
    let sbom = out_dir.join(format!(
        "kubectl-hourglass_{VERSION}_{}_{}.cdx.json",
        platform.os, platform.arch
    ));
    sbom::write(PLUGIN_PACKAGE, target, revision.source_date_epoch, &sbom)?;
    let sums = checksums::write_sums(out_dir)?;
    Ok(PluginRelease {
        platform,
        archive,
        sbom,
        sums,
    })
}
