//! Filling the krew manifest template (`manifests/krew/hourglass.yaml`) for
//! one release: `{{version}}` everywhere, and each platform's `sha256` from
//! its archive. The template stays the one place its text is written; this
//! code only checks it against the archives it is filled from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_yaml_ng::Value;

use crate::error::{ReleaseError, Result};
use crate::platform::Platform;
use crate::plugin_archive::{PLUGIN_BINARIES, archive_name};
use crate::project::{release_download_url, workspace_root};
use crate::sha256::Sha256;

pub const VERSION_PLACEHOLDER: &str = "{{version}}";

/// The template's path in the repository.
pub fn template_path() -> PathBuf {
    workspace_root()
        .join("manifests")
        .join("krew")
        .join("hourglass.yaml")
}

/// Whether platforms without an archive are an error (a release) or left out
/// (a local build for this machine only, e.g. to try `krew install`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    Refuse,
    LeaveOut,
}

/// The manifest for `version`, given each platform's archive checksum.
pub fn render(
    template: &str,
    version: &str,
    checksums: &BTreeMap<Platform, Sha256>,
    missing: Missing,
) -> Result<String> {
    let text = template.replace(VERSION_PLACEHOLDER, version);
    let mut manifest: Value = serde_yaml_ng::from_str(&text)
        .map_err(|e| invalid(format!("the krew manifest template is not YAML: {e}")))?;
    let platforms = manifest
        .get_mut("spec")
        .and_then(|spec| spec.get_mut("platforms"))
        .and_then(Value::as_sequence_mut)
        .ok_or_else(|| invalid("the krew manifest template has no spec.platforms".into()))?;
    let mut kept = Vec::new();
    for mut entry in platforms.drain(..) {
        let platform = platform_of(&entry)?;
        check_entry(&entry, platform, version)?;
        match checksums.get(&platform) {
            Some(sha256) => {
                entry["sha256"] = Value::String(sha256.hex());
                kept.push(entry);
            }
            None if missing == Missing::LeaveOut => {}
            None => {
                return Err(invalid(format!(
                    "no archive for {platform}: build {} first",
                    archive_name(version, platform)
                )));
            }
        }
    }
    if kept.is_empty() {
        return Err(invalid("no platform has an archive".into()));
    }
    *platforms = kept;
    serde_yaml_ng::to_string(&manifest).map_err(|e| invalid(format!("writing YAML: {e}")))
}

/// Reads `<dist>/<archive>.sha256` for every platform whose file exists.
pub fn checksums_in(dist: &Path, version: &str) -> Result<BTreeMap<Platform, Sha256>> {
    let mut found = BTreeMap::new();
    for platform in crate::platform::RELEASE_PLATFORMS {
        let name = archive_name(version, platform);
        let path = dist.join(format!("{name}.sha256"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let sha256 = text
            .split_whitespace()
            .next()
            .and_then(Sha256::parse)
            .ok_or_else(|| invalid(format!("{} holds no SHA-256", path.display())))?;
        found.insert(platform, sha256);
    }
    Ok(found)
}

fn platform_of(entry: &Value) -> Result<Platform> {
    let labels = &entry["selector"]["matchLabels"];
    let (os, arch) = (labels["os"].as_str(), labels["arch"].as_str());
    match (os, arch) {
        (Some(os), Some(arch)) => Platform::find(os, arch).ok_or_else(|| {
            invalid(format!(
                "the krew manifest lists {os}/{arch}, which no release builds"
            ))
        }),
        _ => Err(invalid(
            "a platform of the krew manifest has no os and arch selector labels".into(),
        )),
    }
}

/// The entry downloads this release's archive and installs the binaries it holds.
fn check_entry(entry: &Value, platform: Platform, version: &str) -> Result<()> {
    let expected_uri = release_download_url(version, &archive_name(version, platform));
    if entry["uri"].as_str() != Some(expected_uri.as_str()) {
        return Err(invalid(format!(
            "the krew manifest's uri for {platform} is {:?}, expected {expected_uri}",
            entry["uri"]
        )));
    }
    let plugin = platform.executable(PLUGIN_BINARIES[0]);
    if entry["bin"].as_str() != Some(plugin.as_str()) {
        return Err(invalid(format!(
            "the krew manifest's bin for {platform} should be {plugin}"
        )));
    }
    let files: Vec<&str> = entry["files"]
        .as_sequence()
        .map(|files| files.iter().filter_map(|f| f["from"].as_str()).collect())
        .unwrap_or_default();
    for bin in PLUGIN_BINARIES {
        let name = platform.executable(bin);
        if !files.contains(&name.as_str()) {
            return Err(invalid(format!(
                "the krew manifest does not install {name} for {platform}"
            )));
        }
    }
    Ok(())
}

fn invalid(message: String) -> ReleaseError {
    ReleaseError::Invalid(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::RELEASE_PLATFORMS;

    fn template() -> String {
        std::fs::read_to_string(template_path()).unwrap()
    }

    fn all_checksums() -> BTreeMap<Platform, Sha256> {
        RELEASE_PLATFORMS
            .into_iter()
            .map(|p| (p, Sha256::of(p.to_string().as_bytes())))
            .collect()
    }

    #[test]
    fn a_full_release_fills_every_platform() {
        let text = render(&template(), "1.2.3", &all_checksums(), Missing::Refuse).unwrap();
        assert!(!text.contains("{{"), "{text}");
        let manifest: Value = serde_yaml_ng::from_str(&text).unwrap();
        assert_eq!(manifest["spec"]["version"].as_str(), Some("v1.2.3"));
        let platforms = manifest["spec"]["platforms"].as_sequence().unwrap();
        assert_eq!(platforms.len(), RELEASE_PLATFORMS.len());
        for (entry, platform) in platforms.iter().zip(RELEASE_PLATFORMS) {
            assert_eq!(
                entry["sha256"].as_str().unwrap(),
                Sha256::of(platform.to_string().as_bytes()).hex()
            );
            assert!(
                entry["uri"]
                    .as_str()
                    .unwrap()
                    .ends_with(&archive_name("1.2.3", platform))
            );
        }
    }

    #[test]
    fn the_template_lists_exactly_the_release_platforms() {
        let manifest: Value = serde_yaml_ng::from_str(&template()).unwrap();
        let listed: Vec<Platform> = manifest["spec"]["platforms"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|entry| platform_of(entry).unwrap())
            .collect();
        assert_eq!(listed, RELEASE_PLATFORMS);
    }

    #[test]
    fn a_missing_archive_is_refused_or_left_out() {
        let mut some = all_checksums();
        let windows = Platform::find("windows", "amd64").unwrap();
        some.remove(&windows);
        let error = render(&template(), "1.2.3", &some, Missing::Refuse).unwrap_err();
        assert!(error.to_string().contains("windows/amd64"), "{error}");
        let text = render(&template(), "1.2.3", &some, Missing::LeaveOut).unwrap();
        assert!(!text.contains("windows"), "{text}");
    }

    #[test]
    fn a_uri_that_does_not_match_the_archive_is_refused() {
        let broken = template().replacen("_linux_amd64.tar.gz", "_linux_x86.tar.gz", 1);
        let error = render(&broken, "1.2.3", &all_checksums(), Missing::Refuse).unwrap_err();
        assert!(error.to_string().contains("uri for linux/amd64"), "{error}");
    }
}
