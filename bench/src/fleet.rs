//! A fleet for the plugin benchmark: executors and performers spread over a
//! few namespaces, each performer naming an executor of its namespace; the
//! upstream operator stand-in gives each a pod, a service and its status,
//! and the simulated kubelet runs the pods (mostly Running and ready, some
//! starting, a few failing to pull), so `status` has something to show.

use hourglass_e2e::{PodOutcome, PodPolicy};
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use crate::examples::{numbered_name, renamed};

/// Who lives where: `(namespace, name)` of every executor and performer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FleetLayout {
    pub executors: Vec<(String, String)>,
    /// With the executor each names.
    pub performers: Vec<(String, String, String)>,
}

/// `executors` and `performers` dealt round-robin over `namespaces`; each
/// performer names an executor of its own namespace, round-robin too.
pub fn layout(namespaces: &[String], executors: usize, performers: usize) -> FleetLayout {
    let executor_list: Vec<(String, String)> = (0..executors)
        .map(|i| {
            (
                namespaces[i % namespaces.len()].clone(),
                numbered_name("executor", i + 1),
            )
        })
        .collect();
    let performer_list = (0..performers)
        .map(|i| {
            let namespace = &namespaces[i % namespaces.len()];
            let in_namespace: Vec<&(String, String)> = executor_list
                .iter()
                .filter(|(ns, _)| ns == namespace)
                .collect();
            let executor = if in_namespace.is_empty() {
                String::new()
            } else {
                in_namespace[(i / namespaces.len()) % in_namespace.len()]
                    .1
                    .clone()
            };
            (
                namespace.clone(),
                numbered_name("performer", i + 1),
                executor,
            )
        })
        .collect();
    FleetLayout {
        executors: executor_list,
        performers: performer_list,
    }
}

/// The performer `template` as `name` in `namespace`, naming `executor`.
pub fn performer(template: &Value, namespace: &str, name: &str, executor: &str) -> Value {
    let mut object = renamed(template, name, namespace);
    if !executor.is_empty() {
        object["spec"]["executorRef"] = json!(executor);
    }
    object
}

/// How the node runs the pod of performer number `index` (1-based): one in
/// fifty cannot pull its image, one in twenty is still starting, the rest
/// run and are ready.
pub fn pod_outcome(index: usize) -> PodOutcome {
    if index.is_multiple_of(50) {
        PodOutcome::ImagePullBackOff
    } else if index.is_multiple_of(20) {
        PodOutcome::ContainerCreating
    } else {
        PodOutcome::RunningReady
    }
}

/// The node's policy for the fleet: by the number ending the pod's name.
pub fn pod_policy() -> PodPolicy {
    PodPolicy::from_fn(|pod| {
        let index = pod
            .metadata
            .name
            .as_deref()
            .and_then(|name| name.rsplit('-').next())
            .and_then(|number| number.parse().ok())
            .unwrap_or(1);
        pod_outcome(index)
    })
}

/// Every executor Running with all its replicas ready.
pub fn executor_status() -> Value {
    let now = now();
    json!({
        "phase": "Running",
        "replicas": 2,
        "readyReplicas": 2,
        "lastConfigUpdate": now,
        "conditions": [{
            "type": "Available", "status": "True", "reason": "PodReady",
            "message": "all replicas ready", "observedGeneration": 1,
            "lastTransitionTime": now,
        }],
    })
}

/// Now, to the second, as RFC 3339 (what metav1.Time carries).
fn now() -> String {
    Timestamp::from_second(Timestamp::now().as_second())
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn performers_name_executors_of_their_own_namespace() {
        let namespaces = vec!["a".to_string(), "b".to_string()];
        let fleet = layout(&namespaces, 4, 10);
        assert_eq!(fleet.executors.len(), 4);
        assert_eq!(fleet.performers.len(), 10);
        for (namespace, _, executor) in &fleet.performers {
            assert!(
                fleet
                    .executors
                    .iter()
                    .any(|(ns, name)| ns == namespace && name == executor),
                "{namespace}/{executor}"
            );
        }
        // Both executors of a namespace get performers.
        let named: std::collections::BTreeSet<_> =
            fleet.performers.iter().map(|p| p.2.clone()).collect();
        assert_eq!(named.len(), 4);
    }

    #[test]
    fn pods_mix_running_starting_and_failing() {
        assert_eq!(pod_outcome(1), PodOutcome::RunningReady);
        assert_eq!(pod_outcome(20), PodOutcome::ContainerCreating);
        assert_eq!(pod_outcome(50), PodOutcome::ImagePullBackOff);
        assert!(now().ends_with('Z'), "{}", now());
    }
}
