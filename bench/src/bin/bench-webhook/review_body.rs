//! The request body the benchmark sends: the Complex Performer example in an
//! `admission.k8s.io/v1` AdmissionReview, shaped as the apiserver sends it
//! on a create (the same fields as the webhook tests' `review()`).

use hourglass_bench::examples::example;
use serde_json::{Value, json};

/// The namespace the review names; any will do, the webhook only reports it.
const NAMESPACE: &str = "bench";

/// The CREATE review of `manifests/examples/complex-performer.yaml`.
pub fn complex_performer_create() -> Result<Value, String> {
    let mut performer = example("complex-performer.yaml").map_err(|e| e.to_string())?;
    performer["metadata"]["namespace"] = json!(NAMESPACE);
    Ok(create_review(&performer))
}

/// `object` wrapped as the apiserver wraps a create of it.
fn create_review(object: &Value) -> Value {
    let kind = object["kind"].as_str().unwrap_or_default();
    let plural = format!("{}s", kind.to_ascii_lowercase());
    let gvk = json!({"group": "hourglass.eigenlayer.io", "version": "v1alpha1", "kind": kind});
    let gvr =
        json!({"group": "hourglass.eigenlayer.io", "version": "v1alpha1", "resource": plural});
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
            "kind": gvk,
            "resource": gvr,
            "requestKind": gvk,
            "requestResource": gvr,
            "name": object["metadata"]["name"],
            "namespace": NAMESPACE,
            "operation": "CREATE",
            "userInfo": {"username": "bench", "groups": ["system:authenticated"]},
            "object": object,
            "oldObject": null,
            "dryRun": false,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_review_wraps_the_complex_performer() {
        let review = complex_performer_create().unwrap();
        let request = &review["request"];
        assert_eq!(request["kind"]["kind"], "Performer");
        assert_eq!(request["resource"]["resource"], "performers");
        assert_eq!(request["name"], "complex-performer");
        assert_eq!(request["object"]["metadata"]["namespace"], NAMESPACE);
        assert!(request["object"]["spec"]["hardwareRequirements"].is_object());
    }
}
