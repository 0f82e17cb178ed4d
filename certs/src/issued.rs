//! A signed certificate with its private key, in memory and on disk.

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::SystemTime;

use crate::CertError;
use crate::inspect::{CERT_PEM, expiry_of, matching_key, subject_alt_names};

/// Who may read a file once it is written.
#[derive(Clone, Copy)]
enum Access {
    /// Everyone (0644): a certificate is public, and the webhook may run as a
    /// different user than the installer.
    Public,
    /// The owner only (0600): private keys.
    OwnerOnly,
}

/// A leaf certificate and its key, both PEM. The key is PKCS#8 ("PRIVATE KEY").
#[derive(Clone)]
pub struct IssuedCert {
    pub cert_pem: String,
    pub key_pem: String,
}

impl IssuedCert {
    /// Writes both files, each through a temporary file in the same directory
    /// renamed over the target, so a reader sees the old or the new file,
    /// never half of one. The pair is not replaced as one unit: the key goes
    /// first, and a reader that catches the gap gets a key mismatch from
    /// [`IssuedCert::read`] and should retry.
    pub fn write(&self, cert_path: &Path, key_path: &Path) -> Result<(), CertError> {
        write_atomically(key_path, &self.key_pem, Access::OwnerOnly)?;
        write_atomically(cert_path, &self.cert_pem, Access::Public)
    }

    /// Reads a pair written by [`IssuedCert::write`] (or anyone else) and
    /// checks that the key belongs to the certificate.
    pub fn read(cert_path: &Path, key_path: &Path) -> Result<Self, CertError> {
        let cert_pem = read_text(cert_path)?;
        let key_pem = read_text(key_path)?;
        let cert_origin = cert_path.display().to_string();
        let key_origin = key_path.display().to_string();
        matching_key(&cert_pem, &cert_origin, &key_pem, &key_origin)?;
        Ok(IssuedCert { cert_pem, key_pem })
    }

    /// notAfter of the certificate.
    pub fn expiry(&self) -> Result<SystemTime, CertError> {
        expiry_of(&self.cert_pem, CERT_PEM)
    }

    /// The DNS subject alternative names, in certificate order.
    pub fn dns_names(&self) -> Result<Vec<String>, CertError> {
        Ok(subject_alt_names(&self.cert_pem, CERT_PEM)?.dns_names)
    }
}

/// Hand-written so the private key never ends up in logs.
impl fmt::Debug for IssuedCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedCert")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

fn read_text(path: &Path) -> Result<String, CertError> {
    let bytes = fs::read(path).map_err(|e| CertError::io("reading", path, e))?;
    String::from_utf8(bytes).map_err(|_| CertError::InvalidCertificate {
        origin: path.display().to_string(),
        reason: "not PEM text (invalid UTF-8)".to_string(),
    })
}

fn write_atomically(path: &Path, contents: &str, access: Access) -> Result<(), CertError> {
    // `Path::new("key.pem").parent()` is `Some("")`, which is not a directory
    // we can create a file in; it means the current one.
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let io_err = |action| move |e| CertError::io(action, path, e);
    // tempfile creates the file 0600, so the key is never readable by others,
    // not even before the chmod below.
    let mut tmp = tempfile::Builder::new()
        .prefix(".hourglass-certs-")
        .tempfile_in(dir)
        .map_err(io_err("creating a temporary file next to"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match access {
            Access::Public => 0o644,
            Access::OwnerOnly => 0o600,
        };
        // fchmod is not subject to the umask, so the mode is exactly `mode`.
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(mode))
            .map_err(io_err("setting permissions for"))?;
    }
    // Elsewhere the temporary file's default (private) permissions stay.
    #[cfg(not(unix))]
    let _ = access;
    tmp.write_all(contents.as_bytes())
        .map_err(io_err("writing"))?;
    // Flush to disk before the rename, or a crash could leave an empty file
    // under the final name.
    tmp.as_file().sync_all().map_err(io_err("syncing"))?;
    // On failure the temporary file is dropped, which deletes it.
    tmp.persist(path)
        .map_err(|e| CertError::io("renaming a temporary file onto", path, e.error))?;
    Ok(())
}
