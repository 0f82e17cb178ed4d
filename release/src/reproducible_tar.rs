//! Tar archives whose bytes depend only on what goes in: entries sorted by
//! path, one fixed modification time, owner root (or a given uid) with empty
//! user and group names, explicit modes. Two builds from the same inputs
//! give the same archive, hence the same digest.

use std::io::Write;
use std::path::PathBuf;

use crate::error::{ReleaseError, Result};

/// What an entry holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    Directory,
    /// Bytes in memory (small files: /etc/passwd, a config).
    Bytes(Vec<u8>),
    /// A file on disk (binaries), read when the archive is written.
    File(PathBuf),
}

/// One entry: a relative path (no leading `/`; directories without a
/// trailing one), its mode and owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub content: Content,
}

impl Entry {
    pub fn directory(path: &str, mode: u32) -> Entry {
        Entry::owned_by_root(path, mode, Content::Directory)
    }

    pub fn bytes(path: &str, mode: u32, bytes: impl Into<Vec<u8>>) -> Entry {
        Entry::owned_by_root(path, mode, Content::Bytes(bytes.into()))
    }

    pub fn file(path: &str, mode: u32, source: impl Into<PathBuf>) -> Entry {
        Entry::owned_by_root(path, mode, Content::File(source.into()))
    }

    fn owned_by_root(path: &str, mode: u32, content: Content) -> Entry {
        Entry {
            path: path.to_string(),
            mode,
            uid: 0,
            gid: 0,
            content,
        }
    }
}

/// Writes `entries` as a tar stream, sorted by path, every mtime `mtime`
/// (seconds since the epoch), and finishes the archive. Returns `out`.
pub fn write<W: Write>(entries: &[Entry], mtime: u64, out: W) -> Result<W> {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(pair) = sorted.windows(2).find(|pair| pair[0].path == pair[1].path) {
        return Err(ReleaseError::Invalid(format!(
            "the archive would hold {} twice",
            pair[0].path
        )));
    }
    let mut builder = tar::Builder::new(out);
    for entry in sorted {
        let mut header = tar::Header::new_ustar();
        header.set_mode(entry.mode);
        header.set_uid(entry.uid);
        header.set_gid(entry.gid);
        header.set_mtime(mtime);
        let tar_error =
            |e: std::io::Error| ReleaseError::Invalid(format!("tar entry {}: {e}", entry.path));
        match &entry.content {
            Content::Directory => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_size(0);
                // Directories end in `/` in the archive, as tar itself writes them.
                builder
                    .append_data(&mut header, format!("{}/", entry.path), std::io::empty())
                    .map_err(tar_error)?;
            }
            Content::Bytes(bytes) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(bytes.len() as u64);
                builder
                    .append_data(&mut header, &entry.path, bytes.as_slice())
                    .map_err(tar_error)?;
            }
            Content::File(source) => {
                let file =
                    std::fs::File::open(source).map_err(|e| ReleaseError::io("open", source, e))?;
                let size = file
                    .metadata()
                    .map_err(|e| ReleaseError::io("stat", source, e))?
                    .len();
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(size);
                builder
                    .append_data(&mut header, &entry.path, file)
                    .map_err(tar_error)?;
            }
        }
    }
    builder
        .into_inner()
        .map_err(|e| ReleaseError::Invalid(format!("finishing a tar archive: {e}")))
}

/// `write` into memory.
pub fn to_vec(entries: &[Entry], mtime: u64) -> Result<Vec<u8>> {
    write(entries, mtime, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Entry> {
        vec![
            Entry::bytes("etc/passwd", 0o644, "root:x:0:0::/:/sbin/nologin\n"),
            Entry::directory("etc", 0o755),
            Entry::bytes("usr/local/bin/tool", 0o755, vec![1, 2, 3]),
        ]
    }

    #[test]
    fn order_of_the_inputs_does_not_change_the_bytes() {
        let forwards = to_vec(&sample(), 1_700_000_000).unwrap();
        let mut reversed = sample();
        reversed.reverse();
        assert_eq!(forwards, to_vec(&reversed, 1_700_000_000).unwrap());
        assert_ne!(forwards, to_vec(&sample(), 1_700_000_001).unwrap());
    }

    #[test]
    fn headers_carry_exactly_what_was_set() {
        let bytes = to_vec(&sample(), 42).unwrap();
        let mut archive = tar::Archive::new(bytes.as_slice());
        let seen: Vec<(String, u32, u64, u64)> = archive
            .entries()
            .unwrap()
            .map(|entry| {
                let entry = entry.unwrap();
                let header = entry.header();
                (
                    entry.path().unwrap().display().to_string(),
                    header.mode().unwrap(),
                    header.mtime().unwrap(),
                    header.uid().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("etc/".to_string(), 0o755, 42, 0),
                ("etc/passwd".to_string(), 0o644, 42, 0),
                ("usr/local/bin/tool".to_string(), 0o755, 42, 0),
            ]
        );
    }

    #[test]
    fn a_path_twice_is_refused() {
        let twice = vec![
            Entry::directory("etc", 0o755),
            Entry::directory("etc", 0o700),
        ];
        assert!(matches!(to_vec(&twice, 0), Err(ReleaseError::Invalid(_))));
    }
}
