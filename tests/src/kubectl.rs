//! Choosing the kubectl the tests drive, and recording which one it is.
//!
//! In order: the Google Cloud CLI's versioned kubectl for the pinned minor
//! (the machine image ships it), then a `kubectl` on PATH within one minor of
//! the pinned release (kubectl's supported skew), else one built from the Go
//! module proxy like the apiserver.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::HarnessError;
use crate::kubernetes_build::{KubeCommand, ensure_built};
use crate::{KUBERNETES_VERSION, cache};

/// Where the machine image's Google Cloud CLI keeps its kubectl builds.
const CLOUD_SDK_BIN: &str = "/usr/lib/google-cloud-sdk/bin";

/// Where the chosen kubectl came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KubectlSource {
    /// `/usr/lib/google-cloud-sdk/bin/kubectl.1.<minor>`
    CloudSdk,
    /// The first `kubectl` on PATH, with a client version close enough.
    Path,
    /// Built by the harness into the cache.
    Built,
}

/// The kubectl the harness uses: its path, origin and client version.
#[derive(Clone, Debug)]
pub struct Kubectl {
    pub path: PathBuf,
    pub source: KubectlSource,
    /// e.g. `v1.33.1`, as `kubectl version --client` reports it.
    pub version: String,
}

impl fmt::Display for Kubectl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origin = match self.source {
            KubectlSource::CloudSdk => "Google Cloud CLI's",
            KubectlSource::Path => "from PATH",
            KubectlSource::Built => "built from the Go module proxy",
        };
        write!(
            f,
            "kubectl {} ({origin}) at {}",
            self.version,
            self.path.display()
        )
    }
}

/// The pinned minor version, e.g. 33.
pub(crate) fn pinned_minor() -> u32 {
    KUBERNETES_VERSION
        .split('.')
        .nth(1)
        .and_then(|minor| minor.parse().ok())
        .expect("KUBERNETES_VERSION is a v1.x.y release")
}

/// Picks the kubectl to use, building one if the machine has none suitable.
pub fn select() -> Result<Kubectl, HarnessError> {
    let minor = pinned_minor();
    let cloud_sdk = PathBuf::from(format!("{CLOUD_SDK_BIN}/kubectl.1.{minor}"));
    if cache::is_executable(&cloud_sdk)
        && let Some((version, _)) = client_version(&cloud_sdk)
    {
        return Ok(Kubectl {
            path: cloud_sdk,
            source: KubectlSource::CloudSdk,
            version,
        });
    }
    if let Some(path) = cache::find_on_path("kubectl")
        && let Some((version, found_minor)) = client_version(&path)
        && found_minor.abs_diff(minor) <= 1
    {
        return Ok(Kubectl {
            path,
            source: KubectlSource::Path,
            version,
        });
    }
    let path = ensure_built(KubeCommand::Kubectl)?;
    let version = client_version(&path)
        .map(|(version, _)| version)
        .unwrap_or_else(|| KUBERNETES_VERSION.to_string());
    Ok(Kubectl {
        path,
        source: KubectlSource::Built,
        version,
    })
}

/// `(gitVersion, minor)` from `kubectl version --client -o json`; `None` if
/// it does not run or says something unexpected.
fn client_version(path: &Path) -> Option<(String, u32)> {
    let output = Command::new(path)
        .args(["version", "--client", "-o", "json"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    parse_client_version(&output.stdout)
}

fn parse_client_version(json: &[u8]) -> Option<(String, u32)> {
    let value: serde_json::Value = serde_json::from_slice(json).ok()?;
    let client = value.get("clientVersion")?;
    let version = client.get("gitVersion")?.as_str()?.to_string();
    // "33", or "32+" from builds with a suffix
    let minor = client.get("minor")?.as_str()?;
    let digits: String = minor.chars().take_while(char::is_ascii_digit).collect();
    Some((version, digits.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_client_versions_with_a_plus() {
        let json =
            br#"{"clientVersion":{"major":"1","minor":"32+","gitVersion":"v1.32.4-dispatcher"}}"#;
        assert_eq!(
            parse_client_version(json),
            Some(("v1.32.4-dispatcher".to_string(), 32))
        );
        assert_eq!(parse_client_version(b"not json"), None);
    }

    #[test]
    fn pinned_minor_matches_the_release() {
        assert_eq!(
            format!("v1.{}.", pinned_minor()),
            KUBERNETES_VERSION[..KUBERNETES_VERSION.rfind('.').unwrap() + 1]
        );
    }
}
