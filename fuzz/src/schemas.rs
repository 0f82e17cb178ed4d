//! The CRDs' OpenAPI schemas that the edits of `object_from_bytes.rs`
//! walk, with `metadata` spelled out (the CRDs leave it to the apiserver).

use std::sync::OnceLock;

use serde_json::{Value, json};

use super::{EXECUTOR_CRD, PERFORMER_CRD};

/// The schema of the object's kind, with `metadata` filled in (the CRD
/// leaves it to the apiserver); `None` for anything that is not ours.
pub(super) fn schema_for(root: &Value) -> Option<&'static Value> {
    static SCHEMAS: OnceLock<(Value, Value)> = OnceLock::new();
    let (executor, performer) =
        SCHEMAS.get_or_init(|| (object_schema(EXECUTOR_CRD), object_schema(PERFORMER_CRD)));
    match root.get("kind").and_then(Value::as_str) {
        Some("HourglassExecutor") => Some(executor),
        Some("Performer") => Some(performer),
        _ => None,
    }
}

fn object_schema(crd: &str) -> Value {
    let crd: Value = serde_yaml_ng::from_str(crd).expect("generated CRDs are YAML");
    let mut schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"].clone();
    schema["properties"]["metadata"] = json!({
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "namespace": {"type": "string"},
            "generateName": {"type": "string"},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
            "finalizers": {"type": "array", "items": {"type": "string"}},
            "deletionTimestamp": {"type": "string"},
            "resourceVersion": {"type": "string"},
        }
    });
    schema
}
