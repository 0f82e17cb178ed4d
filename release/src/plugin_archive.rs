//! The plugin's release archive, `kubectl-hourglass_<version>_<os>_<arch>.tar.gz`:
//! both binaries, LICENSE and README at the top level (where the krew
//! manifest's `files` take them from), reproducible like the image.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{ReleaseError, Result};
use crate::platform::Platform;
use crate::project::workspace_root;
use crate::reproducible_gzip;
use crate::reproducible_tar::{self, Entry};
use crate::sha256::Sha256;

/// The plugin's binaries: the plugin itself, and the helper kubectl (1.26+)
/// runs to complete `kubectl hourglass ...`.
pub const PLUGIN_BINARIES: [&str; 2] = ["kubectl-hourglass", "kubectl_complete-hourglass"];

/// The licence text shipped in every archive: the repository's (Apache-2.0,
/// as `Cargo.toml` says).
pub fn license_file() -> PathBuf {
    workspace_root().join("LICENSE")
}

/// The plugin's own README (commands, examples, RBAC), shipped as README.md.
pub fn readme_file() -> PathBuf {
    workspace_root().join("kubectl-hourglass").join("README.md")
}

/// `kubectl-hourglass_0.1.0_linux_amd64.tar.gz`.
pub fn archive_name(version: &str, platform: Platform) -> String {
    format!(
        "kubectl-hourglass_{version}_{}_{}.tar.gz",
        platform.os, platform.arch
    )
}

/// What goes into one archive.
#[derive(Clone, Debug)]
pub struct PluginArchiveInputs {
    pub version: String,
    pub platform: Platform,
    /// The directory holding both binaries, named for `platform` (`.exe` on Windows).
    pub binary_dir: PathBuf,
    pub license: PathBuf,
    pub readme: PathBuf,
    /// Every entry's mtime (see [`crate::source_revision`]).
    pub source_date_epoch: u64,
}

/// What [`write`] produced.
#[derive(Clone, Debug)]
pub struct BuiltArchive {
    pub path: PathBuf,
    pub sha256: Sha256,
    pub size: u64,
}

/// The archive's entries.
pub fn entries(inputs: &PluginArchiveInputs) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for bin in PLUGIN_BINARIES {
        let name = inputs.platform.executable(bin);
        let source = inputs.binary_dir.join(&name);
        if !source.is_file() {
            return Err(ReleaseError::Invalid(format!(
                "{} is missing: build the plugin for {} first",
                source.display(),
                inputs.platform
            )));
        }
        entries.push(Entry::file(&name, 0o755, source));
    }
    entries.push(Entry::file("LICENSE", 0o644, &inputs.license));
    entries.push(Entry::file("README.md", 0o644, &inputs.readme));
    Ok(entries)
}

/// Writes the archive into `out_dir`, and `<archive>.sha256` beside it in
/// `sha256sum` format.
pub fn write(inputs: &PluginArchiveInputs, out_dir: &Path) -> Result<BuiltArchive> {
    std::fs::create_dir_all(out_dir).map_err(|e| ReleaseError::io("create", out_dir, e))?;
    let name = archive_name(&inputs.version, inputs.platform);
    let path = out_dir.join(&name);
    let file = std::fs::File::create(&path).map_err(|e| ReleaseError::io("create", &path, e))?;
    let gzip = reproducible_gzip::encoder(std::io::BufWriter::new(file));
    let gzip = reproducible_tar::write(&entries(inputs)?, inputs.source_date_epoch, gzip)?;
    let mut buffered = gzip
        .finish()
        .map_err(|e| ReleaseError::io("compress", &path, e))?;
    buffered
        .flush()
        .map_err(|e| ReleaseError::io("write", &path, e))?;
    drop(buffered);
    let sha256 = Sha256::of_file(&path)?;
    let size = std::fs::metadata(&path)
        .map_err(|e| ReleaseError::io("stat", &path, e))?
        .len();
    crate::checksums::write_single(&path, sha256)?;
    Ok(BuiltArchive { path, sha256, size })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::RELEASE_PLATFORMS;

    #[test]
    fn archive_names_follow_the_os_arch_convention() {
        assert_eq!(
            archive_name("0.1.0", RELEASE_PLATFORMS[0]),
            "kubectl-hourglass_0.1.0_linux_amd64.tar.gz"
        );
        let windows = Platform::find("windows", "amd64").unwrap();
        assert_eq!(
            archive_name("1.2.3", windows),
            "kubectl-hourglass_1.2.3_windows_amd64.tar.gz"
        );
    }

    #[test]
    fn shipped_documents_exist() {
        let license = std::fs::read_to_string(license_file()).unwrap();
        assert!(license.contains("Apache License"));
        assert!(license.contains("Version 2.0, January 2004"));
        assert!(readme_file().is_file());
    }

    #[test]
    fn an_archive_without_its_binaries_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let inputs = PluginArchiveInputs {
            version: "0.1.0".into(),
            platform: Platform::find("windows", "amd64").unwrap(),
            binary_dir: dir.path().to_path_buf(),
            license: license_file(),
            readme: readme_file(),
            source_date_epoch: 0,
        };
        let error = write(&inputs, dir.path()).unwrap_err().to_string();
        assert!(
            error.contains("kubectl-hourglass.exe is missing"),
            "{error}"
        );
    }

    #[test]
    fn same_inputs_same_archive() {
        let dir = tempfile::tempdir().unwrap();
        let platform = RELEASE_PLATFORMS[0];
        for bin in PLUGIN_BINARIES {
            std::fs::write(dir.path().join(bin), format!("binary {bin}")).unwrap();
        }
        let inputs = PluginArchiveInputs {
            version: "0.1.0".into(),
            platform,
            binary_dir: dir.path().to_path_buf(),
            license: license_file(),
            readme: readme_file(),
            source_date_epoch: 1_700_000_000,
        };
        let first = write(&inputs, &dir.path().join("a")).unwrap();
        let second = write(&inputs, &dir.path().join("b")).unwrap();
        assert_eq!(first.sha256, second.sha256);
        let sums = std::fs::read_to_string(first.path.with_extension("gz.sha256")).unwrap();
        assert_eq!(
            sums,
            format!(
                "{}  kubectl-hourglass_0.1.0_linux_amd64.tar.gz\n",
                first.sha256.hex()
            )
        );
    }
}
