//! Objects for the benchmarks, derived from the spec's examples in
//! `manifests/examples/` so they stay valid when the examples change.

use hourglass_e2e::{HarnessError, read_manifest};
use serde_json::Value;

/// `manifests/examples/<file>` as JSON.
pub fn example(file: &str) -> Result<Value, HarnessError> {
    read_manifest(&format!("manifests/examples/{file}"))
}

/// `template` renamed to `name` in `namespace`: the only changes, so every
/// copy passes exactly the rules the example passes.
pub fn renamed(template: &Value, name: &str, namespace: &str) -> Value {
    let mut object = template.clone();
    object["metadata"] = serde_json::json!({ "name": name, "namespace": namespace });
    object
}

/// `<prefix>-<index>` with the index zero-padded to five digits, so names
/// sort in creation order.
pub fn numbered_name(prefix: &str, index: usize) -> String {
    format!("{prefix}-{index:05}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renaming_keeps_the_spec_and_drops_other_metadata() {
        let template = serde_json::json!({
            "kind": "Performer",
            "metadata": { "name": "complex-performer", "labels": { "a": "b" } },
            "spec": { "image": "x:v1" },
        });
        let copy = renamed(&template, &numbered_name("p", 7), "ns");
        assert_eq!(copy["metadata"]["name"], "p-00007");
        assert_eq!(copy["metadata"]["namespace"], "ns");
        assert_eq!(copy["metadata"].get("labels"), None);
        assert_eq!(copy["spec"], template["spec"]);
    }

    #[test]
    fn the_complex_performer_example_loads() {
        let performer = example("complex-performer.yaml").unwrap();
        assert_eq!(performer["kind"], "Performer");
        assert!(performer["spec"]["avsAddress"].is_string());
    }
}
