//! The one error type of this crate.
//!
//! Messages name the input that failed: a file path when the PEM came from a
//! file, otherwise a short description such as "CA certificate PEM".

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("generating an ECDSA P-256 key pair failed: {0}")]
    KeyGeneration(#[source] rcgen::Error),

    #[error("drawing a random certificate serial number failed")]
    Randomness,

    #[error(
        "validity {validity:?} cannot be used: it must be longer than zero \
         and end before the year 10000"
    )]
    InvalidValidity { validity: Duration },

    #[error("a serving certificate needs at least one DNS name or IP address")]
    NoSubjectAltNames,

    #[error("{name:?} cannot be put in a certificate: {source}")]
    InvalidName {
        name: String,
        #[source]
        source: rcgen::Error,
    },

    // rcgen's DistinguishedName keeps one value per attribute type, so a
    // second O= would silently replace the first; refuse rather than drop a
    // Kubernetes group without telling anyone.
    #[error(
        "a client certificate can carry at most one organization, got {count}: {organizations:?}"
    )]
    TooManyOrganizations {
        count: usize,
        organizations: Vec<String>,
    },

    #[error("signing the {kind} certificate failed: {source}")]
    Signing {
        kind: &'static str,
        #[source]
        source: rcgen::Error,
    },

    #[error("{origin}: no usable PEM certificate: {reason}")]
    InvalidCertificate { origin: String, reason: String },

    #[error("{origin}: no usable PKCS#8 ECDSA private key: {source}")]
    InvalidKey {
        origin: String,
        #[source]
        source: rcgen::Error,
    },

    #[error("{origin}: the certificate is not a CA (basicConstraints CA is not set)")]
    NotACertificateAuthority { origin: String },

    #[error("the private key in {key_origin} does not belong to the certificate in {cert_origin}")]
    KeyMismatch {
        cert_origin: String,
        key_origin: String,
    },

    #[error("{origin}: checking the signature failed: {reason}")]
    Verification { origin: String, reason: String },

    #[error("{action} {path} failed: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl CertError {
    pub(crate) fn io(action: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        CertError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}
