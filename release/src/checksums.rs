//! Checksum files in `sha256sum` format, which `sha256sum -c` verifies:
//! one `<archive>.sha256` per plugin archive (what krew's manifest needs) and
//! one `SHA256SUMS` over everything a release publishes.

use std::path::{Path, PathBuf};

use crate::error::{ReleaseError, Result};
use crate::sha256::Sha256;

/// `<hex>  <file name>\n`.
pub fn line(sha256: Sha256, name: &str) -> String {
    format!("{}  {name}\n", sha256.hex())
}

/// Writes `<path>.sha256` holding the checksum of `path`; returns its path.
pub fn write_single(path: &Path, sha256: Sha256) -> Result<PathBuf> {
    let name = file_name(path)?;
    let sums = path.with_file_name(format!("{name}.sha256"));
    std::fs::write(&sums, line(sha256, &name)).map_err(|e| ReleaseError::io("write", &sums, e))?;
    Ok(sums)
}

/// Writes `dir/SHA256SUMS` over every regular file directly in `dir` (sorted
/// by name), leaving out the checksum files themselves.
pub fn write_sums(dir: &Path) -> Result<PathBuf> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| ReleaseError::io("list", dir, e))? {
        let entry = entry.map_err(|e| ReleaseError::io("list", dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().map(|t| t.is_file()).unwrap_or(false);
        if is_file && name != "SHA256SUMS" && !name.ends_with(".sha256") {
            names.push(name);
        }
    }
    names.sort();
    let mut text = String::new();
    for name in names {
        text.push_str(&line(Sha256::of_file(&dir.join(&name))?, &name));
    }
    let path = dir.join("SHA256SUMS");
    std::fs::write(&path, text).map_err(|e| ReleaseError::io("write", &path, e))?;
    Ok(path)
}

/// Checks every line of a `sha256sum` file against the files beside it;
/// returns the names checked.
pub fn verify(sums: &Path) -> Result<Vec<String>> {
    let dir = sums.parent().unwrap_or(Path::new("."));
    let text = std::fs::read_to_string(sums).map_err(|e| ReleaseError::io("read", sums, e))?;
    let mut checked = Vec::new();
    for line in text.lines() {
        let (hex, name) = line.split_once("  ").ok_or_else(|| {
            ReleaseError::Invalid(format!("{}: malformed line {line:?}", sums.display()))
        })?;
        let expected = Sha256::parse(hex).ok_or_else(|| {
            ReleaseError::Invalid(format!("{}: malformed digest {hex:?}", sums.display()))
        })?;
        let actual = Sha256::of_file(&dir.join(name))?;
        if actual != expected {
            return Err(ReleaseError::Invalid(format!(
                "{name}: {actual}, but {} says {expected}",
                sums.display()
            )));
        }
        checked.push(name.to_string());
    }
    Ok(checked)
}

fn file_name(path: &Path) -> Result<String> {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| ReleaseError::Invalid(format!("{} has no file name", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_cover_files_and_catch_a_change() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.tar.gz"), "b").unwrap();
        std::fs::write(dir.path().join("a.cdx.json"), "a").unwrap();
        std::fs::write(dir.path().join("b.tar.gz.sha256"), "ignored").unwrap();
        std::fs::create_dir(dir.path().join("image.oci")).unwrap();
        let sums = write_sums(dir.path()).unwrap();
        assert_eq!(verify(&sums).unwrap(), ["a.cdx.json", "b.tar.gz"]);
        std::fs::write(dir.path().join("b.tar.gz"), "changed").unwrap();
        assert!(verify(&sums).unwrap_err().to_string().contains("b.tar.gz"));
    }
}
