//! The edit script of a fuzz input, read a byte at a time (see
//! `object_from_bytes.rs`).

/// Reads the edit script; past its end every byte is 0.
pub(super) struct ByteReader<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> ByteReader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        ByteReader { bytes, position: 0 }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.position >= self.bytes.len()
    }

    pub(super) fn byte(&mut self) -> u8 {
        let byte = self.bytes.get(self.position).copied().unwrap_or(0);
        self.position += 1;
        byte
    }

    pub(super) fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[usize::from(self.byte()) % items.len()]
    }

    pub(super) fn take(&mut self, count: usize) -> &'a [u8] {
        let start = self.position.min(self.bytes.len());
        let end = (start + count).min(self.bytes.len());
        self.position += count;
        &self.bytes[start..end]
    }
}
