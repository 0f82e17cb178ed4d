//! Startup errors: one line each, naming the flag to fix.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A file named by a flag is missing, unreadable or unusable.
    #[error("{flag} {}: {message}", path.display())]
    File {
        flag: &'static str,
        path: PathBuf,
        message: String,
    },

    /// A listen address that cannot be bound.
    #[error("{flag} {address}: {message}")]
    Listen {
        flag: &'static str,
        address: SocketAddr,
        message: String,
    },

    /// A flag value that is not a file or an address.
    #[error("{flag}: {message}")]
    Flag { flag: &'static str, message: String },

    #[error("{0}")]
    Other(String),
}

impl StartupError {
    pub fn file(flag: &'static str, path: &Path, message: impl Into<String>) -> Self {
        StartupError::File {
            flag,
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    /// A failed read of the file named by `flag`, with the reason in plain words.
    pub fn io(flag: &'static str, path: &Path, error: &io::Error) -> Self {
        StartupError::file(flag, path, describe_io(error))
    }

    pub fn listen(flag: &'static str, address: SocketAddr, error: &io::Error) -> Self {
        let message = match error.kind() {
            io::ErrorKind::AddrInUse => "address already in use".to_string(),
            io::ErrorKind::PermissionDenied => "permission denied (a port below 1024?)".to_string(),
            io::ErrorKind::AddrNotAvailable => "address not available on this host".to_string(),
            _ => error.to_string(),
        };
        StartupError::Listen {
            flag,
            address,
            message,
        }
    }
}

pub(crate) fn describe_io(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::IsADirectory => "is a directory, not a file".to_string(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_flag_and_path() {
        let error = StartupError::io(
            "--tls-key",
            Path::new("/x"),
            &io::Error::from(io::ErrorKind::NotFound),
        );
        assert_eq!(error.to_string(), "--tls-key /x: no such file");
    }
}
