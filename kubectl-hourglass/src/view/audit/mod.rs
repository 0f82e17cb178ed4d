//! One stored object judged as the webhook would judge it if it were
//! created now: `hourglass_shared::review` with the webhook's hardware
//! profile and the default scheduling of the executor it names (from the
//! same namespace, as the webhook's executor cache finds it), plus what its
//! pod lacks of the scheduling that the mutated spec asks for.

mod pod_terms;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use hourglass_shared::mutate::{MutationContext, lent_scheduling};
use hourglass_shared::{HardwareProfile, HourglassExecutor, HourglassObject, ParseError, review};

use crate::pods::PodIndex;
use pod_terms::missing_on_pod;

/// What `audit` says about one object; `-o json|yaml` prints these.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// Every rule the object breaks, `field.path: message`.
    pub violations: Vec<String>,
    /// What the webhook would warn about; not counted against the object.
    pub warnings: Vec<String>,
    /// The JSON patch the webhook's mutation would send: missing defaults,
    /// hardware scheduling, mirrors.
    pub patch: Vec<Value>,
    /// The performer's pod that was compared, empty when it has none.
    pub pod: String,
    /// Hardware scheduling of the mutated spec that the pod does not carry.
    pub pod_lacks: Vec<String>,
    /// The object's labels (for `--show-labels`).
    pub labels: BTreeMap<String, String>,
}

impl Finding {
    /// Nothing to fix: no violation, no change, nothing missing on the pod.
    pub fn is_clean(&self) -> bool {
        self.violations.is_empty() && self.patch.is_empty() && self.pod_lacks.is_empty()
    }

    /// One line per problem, for the table's details.
    pub fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.violations.clone();
        lines.extend(self.patch.iter().map(describe_operation));
        lines.extend(
            self.pod_lacks
                .iter()
                .map(|missing| format!("pod {} lacks {missing}", self.pod)),
        );
        lines.extend(self.warnings.iter().map(|w| format!("warning: {w}")));
        lines
    }
}

/// What the webhook's answer depends on besides the object.
#[derive(Clone, Copy)]
pub struct Surroundings<'a> {
    pub profile: &'a HardwareProfile,
    /// Every executor in the namespaces audited, whatever `-l` says: a
    /// performer inherits from the executor it names.
    pub executors: &'a [HourglassExecutor],
    /// The performers' pods, or `None` when they could not be listed.
    pub pods: Option<&'a PodIndex>,
}

/// Judges one stored object; `raw` is its JSON as the server sent it.
pub fn judge(
    raw: &Value,
    parsed: &Result<HourglassObject, ParseError>,
    around: Surroundings<'_>,
) -> Finding {
    let text = |pointer: &str| {
        raw.pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut finding = Finding {
        kind: text("/kind"),
        namespace: text("/metadata/namespace"),
        name: text("/metadata/name"),
        violations: Vec::new(),
        warnings: Vec::new(),
        patch: Vec::new(),
        pod: String::new(),
        pod_lacks: Vec::new(),
        labels: raw
            .pointer("/metadata/labels")
            .and_then(|labels| serde_json::from_value(labels.clone()).ok())
            .unwrap_or_default(),
    };
    let object = match parsed {
        Ok(object) => object,
        Err(error) => {
            // The webhook cannot decode it either, and would refuse it.
            finding.violations.push(error.to_string());
            return finding;
        }
    };
    let executor_scheduling = match object {
        HourglassObject::Performer(performer) => lent_scheduling(
            performer,
            around
                .executors
                .iter()
                .filter(|e| e.metadata.namespace == performer.metadata.namespace),
        ),
        HourglassObject::Executor(_) => None,
    };
    let context = MutationContext {
        profile: around.profile,
        executor_scheduling,
    };
    // As a create: every rule applies, the ones about the name included.
    let outcome = review(object, None, &context);
    finding.violations = outcome
        .verdict
        .violations
        .iter()
        .map(ToString::to_string)
        .collect();
    finding.warnings = outcome.verdict.warnings.clone();
    finding.patch = outcome
        .patch
        .0
        .iter()
        .filter_map(|operation| serde_json::to_value(operation).ok())
        .collect();
    if let (HourglassObject::Performer(performer), HourglassObject::Performer(mutated)) =
        (object, &outcome.mutated)
        && let Some(pod) = around.pods.and_then(|pods| pods.pod_of(performer))
    {
        finding.pod = pod.metadata.name.clone().unwrap_or_default();
        finding.pod_lacks = missing_on_pod(mutated, pod);
    }
    finding
}

/// `add /spec/logLevel "info"`: the operation, its path and its value,
/// the value cut short when long.
fn describe_operation(operation: &Value) -> String {
    let field = |name: &str| {
        operation
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    let mut line = format!("webhook would {} {}", field("op"), field("path"));
    if let Some(value) = operation.get("value") {
        let value = value.to_string();
        let shown: String = value.chars().take(120).collect();
        line.push(' ');
        line.push_str(&shown);
        if shown.len() < value.len() {
            line.push_str("...");
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Pod;
    use serde_json::json;

    const ADDRESS: &str = "0x1234567890abcdef1234567890abcdef12345678";

    fn performer(name: &str, spec: Value) -> Value {
        json!({
            "apiVersion": "hourglass.eigenlayer.io/v1alpha1", "kind": "Performer",
            "metadata": {"name": name, "namespace": "ns", "uid": "u-1"},
            "spec": spec
        })
    }

    fn judged(raw: &Value, pods: Option<&PodIndex>) -> Finding {
        let parsed = HourglassObject::from_value(raw);
        let profile = HardwareProfile::default();
        judge(
            raw,
            &parsed,
            Surroundings {
                profile: &profile,
                executors: &[],
                pods,
            },
        )
    }

    /// An object exactly as the webhook would have stored it.
    fn stored_by_webhook(raw: &Value) -> Value {
        let object = HourglassObject::from_value(raw).unwrap();
        let profile = HardwareProfile::default();
        let context = MutationContext {
            profile: &profile,
            executor_scheduling: None,
        };
        review(&object, None, &context).mutated.to_value()
    }

    #[test]
    fn an_object_the_webhook_stored_is_clean() {
        let raw = stored_by_webhook(&performer(
            "ok",
            json!({"avsAddress": ADDRESS, "image": "avs:v1"}),
        ));
        let finding = judged(&raw, None);
        assert!(finding.is_clean(), "{finding:?}");
        assert_eq!(finding.lines(), Vec::<String>::new());
    }

    #[test]
    fn violations_and_missing_hardware_terms_are_reported() {
        let raw = performer(
            "bad.name",
            json!({"avsAddress": ADDRESS, "image": "avs:v1",
                   "hardwareRequirements": {"gpuCount": 1}}),
        );
        let finding = judged(&raw, None);
        assert!(!finding.is_clean());
        assert!(
            finding
                .violations
                .iter()
                .any(|v| v.starts_with("metadata.name:")),
            "{:?}",
            finding.violations
        );
        let paths: Vec<&str> = finding
            .patch
            .iter()
            .filter_map(|op| op["path"].as_str())
            .collect();
        assert!(
            paths.iter().any(|p| p.starts_with("/spec/scheduling")),
            "{paths:?}"
        );
        assert!(
            paths.iter().any(|p| p.starts_with("/spec/resources")),
            "{paths:?}"
        );
        assert!(
            finding
                .lines()
                .iter()
                .any(|l| l.starts_with("webhook would add /spec/"))
        );
    }

    #[test]
    fn the_pod_is_compared_with_the_mutated_spec() {
        let raw = stored_by_webhook(&performer(
            "gpu",
            json!({"avsAddress": ADDRESS, "image": "avs:v1", "hardwareRequirements": {"gpuCount": 1}}),
        ));
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "performer-gpu", "namespace": "ns",
                         "ownerReferences": [{"apiVersion": "hourglass.eigenlayer.io/v1alpha1",
                             "kind": "Performer", "name": "gpu", "uid": "u-1", "controller": true}]},
            "spec": {"containers": [{"name": "performer", "image": "avs:v1"}]}
        }))
        .unwrap();
        let pods = PodIndex::new([pod]);
        let finding = judged(&raw, Some(&pods));
        assert!(finding.patch.is_empty(), "{:?}", finding.patch);
        assert_eq!(finding.pod, "performer-gpu");
        assert!(
            finding
                .pod_lacks
                .iter()
                .any(|l| l.starts_with("toleration nvidia.com/gpu"))
        );
        assert!(
            finding
                .lines()
                .iter()
                .any(|l| l.starts_with("pod performer-gpu lacks resource limit nvidia.com/gpu"))
        );
    }

    #[test]
    fn an_object_that_does_not_fit_its_type_is_a_violation() {
        let raw = performer("x", json!({"avsAddress": 5, "image": "avs:v1"}));
        let finding = judged(&raw, None);
        assert_eq!(finding.violations.len(), 1);
        assert_eq!(finding.name, "x");
    }
}
