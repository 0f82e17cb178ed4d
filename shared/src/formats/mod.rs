//! Recognisers for the string formats the API and our flags use. Each
//! returns what is wrong in words a user can act on, so the rules only add
//! the field path.
//!
//! Character classes that are ASCII only are checked over bytes: every
//! byte of a non-ASCII character is 0x80 or above and fails such a class
//! just as the character would, and the bytes need no UTF-8 decoding
//! (`chars()` on the review's names was a measurable share of the rules).
//! For the same reason a string is split at an ASCII separator by looking
//! at its bytes ([`split_once_byte`], [`rfind_byte`], `<[u8]>::split`):
//! `str`'s char patterns set up a searcher meant for long texts, and on the
//! few dozen short names, keys and image parts of a review that setup was
//! a fifth of the rules' time (perf, in process).

pub mod duration;
pub mod endpoint;
pub mod ethereum;
pub mod image;
pub mod labels;
pub mod names;
pub mod quantity;

/// `text` split around the first `separator`, an ASCII byte: both sides are
/// whole characters, as no byte of a multi-byte character is ASCII.
pub(crate) fn split_once_byte(text: &str, separator: u8) -> Option<(&str, &str)> {
    let at = text.bytes().position(|byte| byte == separator)?;
    Some((&text[..at], &text[at + 1..]))
}

/// Where the last `separator`, an ASCII byte, is in `text`.
pub(crate) fn rfind_byte(text: &str, separator: u8) -> Option<usize> {
    text.bytes().rposition(|byte| byte == separator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_an_ascii_byte_keeping_whole_characters() {
        assert_eq!(split_once_byte("é/ü/x", b'/'), Some(("é", "ü/x")));
        assert_eq!(split_once_byte("/", b'/'), Some(("", "")));
        assert_eq!(split_once_byte("ab", b'/'), None);
        assert_eq!(rfind_byte("a:é:b", b':'), Some(4));
        assert_eq!(rfind_byte("", b':'), None);
    }
}
