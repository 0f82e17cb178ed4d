//! The request body the benchmark sends: the Complex Performer example in an
//! `admission.k8s.io/v1` AdmissionReview, built by the webhook's own
//! `review_fixture` (the builder its tests and fuzz seeds use), so the
//! benchmark sends what the apiserver sends on a create.

use hourglass_bench::examples::example;
use hourglass_shared::Operation;
use hourglass_webhook::review_fixture::ReviewFixture;
use serde_json::{Value, json};

/// The namespace the review names; any will do, the webhook only reports it.
const NAMESPACE: &str = "bench";

/// The CREATE review of `manifests/examples/complex-performer.yaml`.
pub fn complex_performer_create() -> Result<Value, String> {
    let mut performer = example("complex-performer.yaml").map_err(|e| e.to_string())?;
    performer["metadata"]["namespace"] = json!(NAMESPACE);
    Ok(
        ReviewFixture::new(Operation::Create, Some(&performer), None)
            .namespace(NAMESPACE)
            .to_json(),
    )
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
        assert_eq!(request["namespace"], NAMESPACE);
        assert_eq!(request["object"]["metadata"]["namespace"], NAMESPACE);
        assert!(request["object"]["spec"]["hardwareRequirements"].is_object());
    }
}
