//! SHA-256 as content-addressed stores and checksum files spell it.

use std::fmt;
use std::io::Read;
use std::path::Path;

use ring::digest::{Context, SHA256};

use crate::error::{ReleaseError, Result};

/// A SHA-256 digest; `Display` gives the OCI form `sha256:<hex>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sha256([u8; 32]);

impl Sha256 {
    pub fn of(bytes: &[u8]) -> Sha256 {
        let mut context = Context::new(&SHA256);
        context.update(bytes);
        Sha256::finish(context)
    }

    /// The digest of a file, read in chunks: binaries and layers are tens of MB.
    pub fn of_file(path: &Path) -> Result<Sha256> {
        let mut file = std::fs::File::open(path).map_err(|e| ReleaseError::io("open", path, e))?;
        let mut context = Context::new(&SHA256);
        let mut buffer = vec![0u8; 1 << 20];
        loop {
            let read = file
                .read(&mut buffer)
                .map_err(|e| ReleaseError::io("read", path, e))?;
            if read == 0 {
                break;
            }
            context.update(&buffer[..read]);
        }
        Ok(Sha256::finish(context))
    }

    fn finish(context: Context) -> Sha256 {
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(context.finish().as_ref());
        Sha256(bytes)
    }

    /// 64 lowercase hex digits, as in `sha256sum` output and blob file names.
    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Parses 64 hex digits, with or without the `sha256:` prefix.
    pub fn parse(text: &str) -> Option<Sha256> {
        let hex = text.strip_prefix("sha256:").unwrap_or(text);
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Sha256(bytes))
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digest_of_the_empty_input() {
        assert_eq!(
            Sha256::of(b"").to_string(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn parse_round_trips_and_refuses_malformed_text() {
        let digest = Sha256::of(b"hourglass");
        assert_eq!(Sha256::parse(&digest.to_string()), Some(digest));
        assert_eq!(Sha256::parse(&digest.hex()), Some(digest));
        assert_eq!(Sha256::parse("sha256:abc"), None);
        assert_eq!(Sha256::parse(&"g".repeat(64)), None);
    }

    #[test]
    fn file_digest_matches_the_in_memory_digest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data");
        let data = vec![7u8; 3 << 20];
        std::fs::write(&path, &data).unwrap();
        assert_eq!(Sha256::of_file(&path).unwrap(), Sha256::of(&data));
    }
}
