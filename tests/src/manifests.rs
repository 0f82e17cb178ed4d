//! The workspace's YAML manifests (`manifests/`): read as JSON (the webhook
//! configurations the harness registers, the CRDs and examples the
//! benchmarks derive their objects from), and the spec's examples as text,
//! the way a test hands them to kubectl.

use std::path::PathBuf;

use serde_json::Value;

use crate::error::HarnessError;
use crate::workspace_binary::workspace_root;

/// `<workspace>/<relative>`, e.g. `manifests/examples/complex-performer.yaml`.
pub fn manifest_path(relative: &str) -> PathBuf {
    workspace_root().join(relative)
}

/// The one YAML document at `<workspace>/<relative>`, as JSON.
pub fn read_manifest(relative: &str) -> Result<Value, HarnessError> {
    let path = manifest_path(relative);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| HarnessError::io(format!("read {}", path.display()), e))?;
    serde_yaml_ng::from_str(&text).map_err(|e| HarnessError::Manifest {
        path,
        detail: e.to_string(),
    })
}

/// `manifests/examples/<file>`.
pub fn example_path(file: &str) -> PathBuf {
    manifest_path("manifests/examples").join(file)
}

/// The text of `manifests/examples/<file>`. A test helper: panics naming
/// the file if it cannot be read.
pub fn example_text(file: &str) -> String {
    let path = example_path(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_example_and_names_a_missing_file() {
        let performer = read_manifest("manifests/examples/minimal-performer.yaml").unwrap();
        assert_eq!(performer["kind"], "Performer");
        assert!(example_text("minimal-performer.yaml").contains("kind: Performer"));
        let missing = read_manifest("manifests/examples/missing.yaml").unwrap_err();
        assert!(missing.to_string().contains("missing.yaml"), "{missing}");
    }
}
