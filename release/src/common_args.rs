//! The options every build command shares: where to write, which profile,
//! and which source revision and time to stamp (for builds outside a git
//! checkout).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::cargo_build::Profile;
use crate::error::Result;
use crate::project::{default_dist_dir, workspace_root};
use crate::source_revision::{self, SourceRevision};

#[derive(Debug, clap::Args)]
pub struct CommonArgs {
    /// Where to write the artefacts, SBOM and checksums.
    #[arg(long, default_value_os_t = default_dist_dir())]
    pub out_dir: PathBuf,
    /// Build in the dev profile (quicker; for trying things locally, not for a release).
    #[arg(long)]
    pub dev: bool,
    /// The source revision (default: the checkout's git commit).
    #[arg(long, requires = "source_date_epoch")]
    pub revision: Option<String>,
    /// File and creation times, seconds since the epoch (default:
    /// SOURCE_DATE_EPOCH, else the commit's time).
    #[arg(long, requires = "revision")]
    pub source_date_epoch: Option<u64>,
}

impl CommonArgs {
    pub fn profile(&self) -> Profile {
        if self.dev {
            Profile::Dev
        } else {
            Profile::Release
        }
    }

    /// The flags' revision and time, else the checkout's.
    pub fn source_revision(&self) -> Result<SourceRevision> {
        match (&self.revision, self.source_date_epoch) {
            (Some(revision), Some(source_date_epoch)) => Ok(SourceRevision {
                revision: revision.clone(),
                source_date_epoch,
            }),
            _ => source_revision::of_checkout(&workspace_root()),
        }
    }
}

/// A command's exit: success, or its error on one line prefixed with its name.
pub fn exit(command: &str, result: Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{command}: {error}");
            ExitCode::FAILURE
        }
    }
}
