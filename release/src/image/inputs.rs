//! Everything an image is made from. Same inputs, same image digest: there is
//! no clock and no machine-specific value beyond these.

use std::path::PathBuf;

/// The inputs of one webhook image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageInputs {
    /// The static webhook binary.
    pub binary: PathBuf,
    /// The release version (the image tag and the `version` label).
    pub version: String,
    /// The source revision (a git commit), for the `revision` label.
    pub revision: String,
    /// The image's creation time and every file's mtime, in seconds since
    /// the epoch: the commit's time (or `SOURCE_DATE_EPOCH`), never "now".
    pub source_date_epoch: u64,
    /// Go's GOARCH word for the binary's architecture (`amd64`, `arm64`).
    pub architecture: String,
}
