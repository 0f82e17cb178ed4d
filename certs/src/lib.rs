//! Certificates for hourglass: a private CA, serving certificates for the
//! admission webhook, client certificates for test apiservers, PEM files on
//! disk, and the checks `doctor` runs on them.
//!
//! Every key is ECDSA P-256 and every certificate has a random serial and a
//! notBefore a few minutes in the past to absorb clock skew.

mod authority;
mod error;
mod inspect;
mod issued;
mod params;
pub mod renewal;
mod serving;

pub use authority::CertificateAuthority;
pub use error::CertError;
pub use inspect::{ca_signed, certificate_expiry};
pub use issued::IssuedCert;
pub use params::signing_key_pem;
pub use serving::{ServingCertSpec, renew_serving};
