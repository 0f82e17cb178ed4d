//! Which source a release was built from, and the time its files get: the
//! git commit and the commit's time, so the same commit gives the same
//! image and archives on any machine (`SOURCE_DATE_EPOCH` overrides the time,
//! as reproducible-builds.org specifies).

use std::path::Path;
use std::process::Command;

use crate::error::{ReleaseError, Result};

/// The commit and its time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceRevision {
    /// The full commit id, with `-dirty` appended when tracked files differ
    /// from it (the image then does not come from that commit alone).
    pub revision: String,
    /// `SOURCE_DATE_EPOCH` if set, else the commit's committer time.
    pub source_date_epoch: u64,
}

/// Reads the revision of the git checkout at `dir`.
pub fn of_checkout(dir: &Path) -> Result<SourceRevision> {
    let commit = git(dir, &["rev-parse", "HEAD"])?;
    let dirty = !git(dir, &["status", "--porcelain", "--untracked-files=no"])?.is_empty();
    let source_date_epoch = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) => parse_epoch(&value, "SOURCE_DATE_EPOCH")?,
        Err(_) => parse_epoch(
            &git(dir, &["log", "-1", "--format=%ct"])?,
            "the commit time",
        )?,
    };
    Ok(SourceRevision {
        revision: if dirty {
            format!("{commit}-dirty")
        } else {
            commit
        },
        source_date_epoch,
    })
}

fn parse_epoch(text: &str, what: &str) -> Result<u64> {
    text.trim().parse().map_err(|_| {
        ReleaseError::Invalid(format!(
            "{what} is not a number of seconds since the epoch: {text:?}"
        ))
    })
}

fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let shown = format!("git {}", args.join(" "));
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| ReleaseError::Command {
            command: shown.clone(),
            detail: format!("{e}; install git, or pass --revision and --source-date-epoch"),
        })?;
    if !output.status.success() {
        return Err(ReleaseError::Command {
            command: shown,
            detail: format!(
                "{}; outside a git checkout, pass --revision and --source-date-epoch",
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_are_whole_seconds() {
        assert_eq!(parse_epoch(" 1700000000\n", "x").unwrap(), 1_700_000_000);
        assert!(parse_epoch("yesterday", "x").is_err());
    }

    #[test]
    fn this_checkout_has_a_commit() {
        let revision = of_checkout(&crate::project::workspace_root()).unwrap();
        let commit = revision.revision.trim_end_matches("-dirty");
        assert_eq!(commit.len(), 40, "{commit}");
        assert!(revision.source_date_epoch > 1_600_000_000);
    }
}
