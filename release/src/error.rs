//! The one error type of the release tooling: each message is one line that
//! says what failed and, where there is one, how to fix it.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error("could not {what} {}: {source}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("`{command}` failed: {detail}")]
    Command { command: String, detail: String },

    #[error(
        "{} is dynamically linked (it asks for the loader {interpreter}); the image has no libc: build it with `-C target-feature=+crt-static` (build-image does)",
        path.display()
    )]
    NotStatic { path: PathBuf, interpreter: String },

    #[error("{} is not a 64-bit little-endian ELF executable", path.display())]
    NotElf { path: PathBuf },

    #[error("{0}")]
    Invalid(String),
}

impl ReleaseError {
    pub fn io(what: &'static str, path: &Path, source: std::io::Error) -> Self {
        ReleaseError::Io {
            what,
            path: path.to_path_buf(),
            source,
        }
    }
}

pub type Result<T, E = ReleaseError> = std::result::Result<T, E>;
