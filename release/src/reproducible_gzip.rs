//! gzip whose bytes depend only on the input: no file name and mtime 0 in
//! the header (`gzip -n` does the same), one fixed compression level.

use std::io::Write;

use flate2::{Compression, GzBuilder};

use crate::error::{ReleaseError, Result};

/// The default level of gzip(1): a fair trade of size for time.
const LEVEL: u32 = 6;

/// A gzip encoder over `out` with a reproducible header.
pub fn encoder<W: Write>(out: W) -> flate2::write::GzEncoder<W> {
    GzBuilder::new()
        .mtime(0)
        .write(out, Compression::new(LEVEL))
}

/// Compresses `bytes` in memory.
pub fn compress(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = encoder(Vec::new());
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .map_err(|e| ReleaseError::Invalid(format!("gzip: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn same_input_same_bytes_and_it_round_trips() {
        let data = b"hourglass ".repeat(1000);
        let once = compress(&data).unwrap();
        assert_eq!(once, compress(&data).unwrap());
        // Header bytes 4..8 are the mtime: zero.
        assert_eq!(&once[4..8], &[0, 0, 0, 0]);
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(once.as_slice())
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, data);
    }
}
