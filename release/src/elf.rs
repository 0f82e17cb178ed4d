//! Whether an executable needs a dynamic loader, read from its ELF program
//! headers: an image without libc can only run a binary that does not.

use std::path::Path;

use crate::error::{ReleaseError, Result};

/// `PT_INTERP`: the program header naming the dynamic loader.
const PT_INTERP: u32 = 3;

/// Fails unless `path` is a 64-bit little-endian ELF file without a
/// `PT_INTERP` header (static, or static-pie).
pub fn require_static(path: &Path) -> Result<()> {
    let bytes = std::fs::read(path).map_err(|e| ReleaseError::io("read", path, e))?;
    match interpreter(&bytes) {
        Some(None) => Ok(()),
        Some(Some(interpreter)) => Err(ReleaseError::NotStatic {
            path: path.to_path_buf(),
            interpreter,
        }),
        None => Err(ReleaseError::NotElf {
            path: path.to_path_buf(),
        }),
    }
}

/// `None` for anything but a well-formed ELF64 LE file; else its loader, if any.
fn interpreter(bytes: &[u8]) -> Option<Option<String>> {
    // e_ident: magic, class 2 (64-bit), data 1 (little-endian).
    if bytes.get(..6)? != b"\x7fELF\x02\x01" {
        return None;
    }
    let u16_at = |at: usize| Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?));
    let u32_at = |at: usize| Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    let u64_at = |at: usize| Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?));
    let header_offset = usize::try_from(u64_at(0x20)?).ok()?;
    let header_size = usize::from(u16_at(0x36)?);
    let header_count = usize::from(u16_at(0x38)?);
    for index in 0..header_count {
        let header = header_offset.checked_add(index.checked_mul(header_size)?)?;
        if u32_at(header)? != PT_INTERP {
            continue;
        }
        let offset = usize::try_from(u64_at(header + 0x08)?).ok()?;
        let size = usize::try_from(u64_at(header + 0x20)?).ok()?;
        let raw = bytes.get(offset..offset.checked_add(size)?)?;
        let text = String::from_utf8_lossy(raw);
        return Some(Some(text.trim_end_matches('\0').to_string()));
    }
    Some(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn the_test_binary_itself_is_dynamic() {
        // Test binaries are linked like any host binary: with the loader.
        let me = std::env::current_exe().unwrap();
        let bytes = std::fs::read(&me).unwrap();
        let loader = interpreter(&bytes).unwrap().unwrap();
        assert!(loader.contains("ld-linux"), "{loader}");
        assert!(matches!(
            require_static(&me),
            Err(ReleaseError::NotStatic { .. })
        ));
    }

    #[test]
    fn text_is_not_elf() {
        assert_eq!(interpreter(b"#!/bin/sh\necho hi\n"), None);
        assert_eq!(interpreter(b"\x7fELF\x02\x01"), None);
    }
}
