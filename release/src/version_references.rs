//! Every place that names the webhook image's version must name the
//! workspace version: the manifests `kubectl hourglass install` applies, the
//! docs, and any Helm chart added under `manifests/` (its `appVersion`, and a
//! `tag:` next to the image repository in its values). Cargo.toml is the one
//! place a release changes; the test of this module fails on any other.

use std::path::{Path, PathBuf};

use crate::error::{ReleaseError, Result};
use crate::project::WEBHOOK_IMAGE_REPOSITORY;

/// One place a version is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionReference {
    pub file: PathBuf,
    /// 1-based.
    pub line: usize,
    /// What kind of reference: `image`, `chart appVersion`, `values tag`.
    pub kind: &'static str,
    pub version: String,
}

/// The files searched, relative to the workspace root: directories are
/// walked for YAML (and chart templates), files are read as they are.
pub const SEARCHED: [&str; 4] = [
    "manifests",
    "README.md",
    "webhook/Dockerfile",
    "webhook/README.md",
];

/// All references under `root`.
pub fn find(root: &Path) -> Result<Vec<VersionReference>> {
    let mut files = Vec::new();
    for relative in SEARCHED {
        let path = root.join(relative);
        if path.is_dir() {
            walk(&path, &mut files)?;
        } else if path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    let mut found = Vec::new();
    for file in files {
        let text =
            std::fs::read_to_string(&file).map_err(|e| ReleaseError::io("read", &file, e))?;
        found.extend(in_text(&file, &text));
    }
    Ok(found)
}

/// The references in one file's text.
pub fn in_text(file: &Path, text: &str) -> Vec<VersionReference> {
    let is_chart = file.file_name().is_some_and(|n| n == "Chart.yaml");
    let names_repository_alone = text.lines().any(|line| {
        line.trim_start()
            .strip_prefix("repository:")
            .is_some_and(|value| unquote(value) == WEBHOOK_IMAGE_REPOSITORY)
    });
    let mut found = Vec::new();
    let reference = |line: usize, kind, version: &str| VersionReference {
        file: file.to_path_buf(),
        line: line + 1,
        kind,
        version: version.to_string(),
    };
    let patterns = prefixes();
    for (number, line) in text.lines().enumerate() {
        for (kind, prefix, is_version_char) in &patterns {
            let mut rest = line;
            while let Some(at) = rest.find(prefix.as_str()) {
                let after = &rest[at + prefix.len()..];
                let version: String = after.chars().take_while(|c| is_version_char(*c)).collect();
                // `<version>` and the like are placeholders, not versions.
                if !version.is_empty() {
                    found.push(reference(number, kind, &version));
                }
                rest = &after[version.len()..];
            }
        }
        let trimmed = line.trim_start();
        if is_chart && let Some(value) = trimmed.strip_prefix("appVersion:") {
            found.push(reference(number, "chart appVersion", unquote(value)));
        }
        if names_repository_alone
            && let Some(value) = trimmed.strip_prefix("tag:")
            && !unquote(value).is_empty()
        {
            found.push(reference(number, "values tag", unquote(value)));
        }
    }
    found
}

/// What precedes a version in the text, and which characters it is made of.
type Prefix = (&'static str, String, fn(char) -> bool);

fn prefixes() -> [Prefix; 3] {
    // A tag may hold `_`; in a file name `_` ends the version.
    let tag = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    let in_file_name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-');
    [
        ("image", format!("{WEBHOOK_IMAGE_REPOSITORY}:"), tag),
        (
            "plugin archive name",
            "kubectl-hourglass_".to_string(),
            in_file_name,
        ),
        (
            "image file name",
            "hourglass-webhook_".to_string(),
            in_file_name,
        ),
    ]
}

/// The references that name another version than `version`, as messages.
pub fn disagreeing(references: &[VersionReference], version: &str) -> Vec<String> {
    references
        .iter()
        .filter(|r| r.version != version)
        .map(|r| {
            format!(
                "{}:{}: {} {:?}, but Cargo.toml says {version}",
                r.file.display(),
                r.line,
                r.kind,
                r.version
            )
        })
        .collect()
}

fn unquote(value: &str) -> &str {
    let value = value.split(" #").next().unwrap_or(value).trim();
    value.trim_matches(|c| c == '"' || c == '\'')
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| ReleaseError::io("list", dir, e))? {
        let path = entry.map_err(|e| ReleaseError::io("list", dir, e))?.path();
        if path.is_dir() {
            walk(&path, files)?;
        } else if path
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml" || ext == "tpl" || ext == "md")
        {
            files.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::{VERSION, workspace_root};

    #[test]
    fn the_repository_names_the_workspace_version_everywhere() {
        let references = find(&workspace_root()).unwrap();
        let deployment = workspace_root().join("manifests/webhook/20-deployment.yaml");
        assert!(
            references
                .iter()
                .any(|r| r.file == deployment && r.kind == "image"),
            "no image reference found in {}: {references:?}",
            deployment.display()
        );
        let wrong = disagreeing(&references, VERSION);
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn a_stale_image_tag_is_caught() {
        let text = "image: ghcr.io/hourglass-avs/hourglass-webhook:0.0.9\n";
        let references = in_text(Path::new("d.yaml"), text);
        assert_eq!(references.len(), 1);
        assert_eq!(
            disagreeing(&references, "0.1.0"),
            ["d.yaml:1: image \"0.0.9\", but Cargo.toml says 0.1.0"]
        );
    }

    #[test]
    fn file_names_and_placeholders() {
        let text = "tar xf kubectl-hourglass_0.0.9_linux_amd64.tar.gz hourglass-webhook_<version>_linux_amd64.oci\n\
                    image: ghcr.io/hourglass-avs/hourglass-webhook:<version>\n";
        let references = in_text(Path::new("README.md"), text);
        assert_eq!(references.len(), 1, "{references:?}");
        assert_eq!(
            (references[0].kind, references[0].version.as_str()),
            ("plugin archive name", "0.0.9")
        );
    }

    #[test]
    fn a_chart_is_covered_when_one_is_added() {
        let chart = "apiVersion: v2\nname: hourglass\nversion: 0.3.0\nappVersion: \"0.0.9\"\n";
        let references = in_text(Path::new("manifests/chart/Chart.yaml"), chart);
        assert_eq!(references[0].kind, "chart appVersion");
        assert_eq!(references[0].version, "0.0.9");
        let values = "image:\n  repository: ghcr.io/hourglass-avs/hourglass-webhook\n  tag: \"0.0.9\"  # defaults to appVersion\n";
        let references = in_text(Path::new("manifests/chart/values.yaml"), values);
        assert_eq!(references.len(), 1);
        assert_eq!((references[0].kind, references[0].line), ("values tag", 3));
        // An empty tag means "the chart's appVersion", which is checked itself.
        let defaulted = values.replace("tag: \"0.0.9\"  # defaults to appVersion", "tag: \"\"");
        assert!(in_text(Path::new("values.yaml"), &defaulted).is_empty());
    }
}
