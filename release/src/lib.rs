//! Release tooling for hourglass, in Rust so it runs wherever cargo does,
//! with no container engine, and so the tests drive the very code the
//! release commands run:
//!
//! - `build-image`: the webhook's OCI image (layout directory and
//!   docker-archive), reproducible, from the static binary ([`image`]);
//! - `build-plugin-archive`: `kubectl-hourglass_<version>_<os>_<arch>.tar.gz`
//!   for krew, with its `.sha256` ([`plugin_archive`]);
//! - `krew-manifest`: the krew manifest filled in for a release ([`krew_manifest`]);
//! - next to each, a CycloneDX SBOM ([`sbom`]) and `SHA256SUMS` ([`checksums`]).

pub mod cargo_build;
pub mod cargo_lock;
pub mod checksums;
pub mod common_args;
pub mod elf;
pub mod error;
pub mod image;
pub mod image_release;
pub mod krew_manifest;
pub mod platform;
pub mod plugin_archive;
pub mod plugin_release;
pub mod project;
pub mod reproducible_gzip;
pub mod reproducible_tar;
pub mod sbom;
pub mod sha256;
pub mod source_revision;
pub mod version_references;

pub use error::{ReleaseError, Result};
