//! Which pods `logs` reads, and reading them through the apiserver's
//! `pods/log` (which the apiserver proxies to the node's kubelet).
//!
//! - A performer's pod is the one the operator runs for it:
//!   `status.podName`, else `performer-<name>`, controlled by the
//!   performer (`shared::status::owned_pod`, as `status` and `upgrade`
//!   judge), container `performer`.
//! - An executor has no controller upstream (hourglass-operator 11f1554
//!   removed HourglassExecutor's); its pods come from the executor Helm
//!   chart: a StatefulSet named after the executor (`executor.name`, else
//!   the release's full name) whose pods carry the selector label
//!   `app=<that name>` and run the container `executor`. So `logs executor
//!   NAME` reads the pods labelled `app=NAME`.

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use kube::api::{Api, ListParams, LogParams};

use hourglass_shared::status::pod_state;

use super::follow::{PodLogs, PodSnapshot};
use crate::error::{CliError, Result};
use crate::pod_rollout::UpgradeApi;

/// The label the executor chart's StatefulSet selects its pods by.
pub const EXECUTOR_POD_LABEL: &str = "app";
/// The executor chart's container.
pub const EXECUTOR_CONTAINER: &str = "executor";

/// A log stream as kube's client returns it.
pub type LogStream = std::pin::Pin<Box<dyn futures::AsyncBufRead>>;

/// Opens `pods/log` of one pod.
pub async fn open_log(pods: &Api<Pod>, pod: &str, params: &LogParams) -> Result<LogStream> {
    match pods.log_stream(pod, params).await {
        Ok(stream) => Ok(Box::pin(stream)),
        Err(error) => Err(CliError::from_kube_for("pods", error)),
    }
}

/// A performer's pods, as the follower sees them.
pub struct PerformerPods {
    pub performers: UpgradeApi,
    pub pods: Api<Pod>,
    pub name: String,
    pub container: String,
}

impl PerformerPods {
    /// The performer's pod now, if the operator runs one.
    pub async fn pod(&self) -> Result<Option<Pod>> {
        let performer = self.performers.read(&self.name).await?;
        self.performers.pod_of(&performer).await
    }
}

impl PodLogs for PerformerPods {
    type Stream = LogStream;

    async fn current(&self) -> Result<Option<PodSnapshot>> {
        Ok(self.pod().await?.map(|pod| snapshot(&pod, &self.container)))
    }

    async fn open(&self, pod: &str, params: &LogParams) -> Result<LogStream> {
        open_log(&self.pods, pod, params).await
    }
}

/// What the follower needs of `pod`, for its container `container`.
pub fn snapshot(pod: &Pod, container: &str) -> PodSnapshot {
    let status = container_status(pod, container);
    let state = status.and_then(|s| s.state.as_ref());
    let started = state.is_some_and(|s| s.running.is_some() || s.terminated.is_some())
        || status
            .and_then(|s| s.last_state.as_ref())
            .is_some_and(|s| s.terminated.is_some());
    PodSnapshot {
        name: pod.metadata.name.clone().unwrap_or_default(),
        uid: pod.metadata.uid.clone().unwrap_or_default(),
        restarts: status.map(|s| s.restart_count).unwrap_or(0),
        started,
        terminating: pod.metadata.deletion_timestamp.is_some(),
        state: pod_state(pod).describe(),
    }
}

fn container_status<'a>(pod: &'a Pod, container: &str) -> Option<&'a ContainerStatus> {
    let status = pod.status.as_ref()?;
    status
        .container_statuses
        .iter()
        .chain(status.init_container_statuses.iter())
        .flatten()
        .find(|s| s.name == container)
}

/// The executor's pods that run `container`, by name (a StatefulSet's
/// ordinals in order); an error saying what was looked for when none do.
pub async fn executor_pods(
    pods: &Api<Pod>,
    name: &str,
    namespace: &str,
    container: &str,
) -> Result<Vec<String>> {
    let selector = format!("{EXECUTOR_POD_LABEL}={name}");
    let listed = pods
        .list(&ListParams::default().labels(&selector))
        .await
        .map_err(|e| CliError::from_kube_for("pods", e))?;
    pick_executor_pods(&listed.items, name, namespace, container)
}

/// The pure part of [`executor_pods`].
pub fn pick_executor_pods(
    listed: &[Pod],
    name: &str,
    namespace: &str,
    container: &str,
) -> Result<Vec<String>> {
    if listed.is_empty() {
        return Err(CliError::msg(format!(
            "no pods of executor \"{name}\" in namespace \"{namespace}\": looked for pods labelled \
             {EXECUTOR_POD_LABEL}={name}, as the executor Helm chart's StatefulSet labels them \
             (its name is the chart's executor.name, else the release's full name); \
             is the chart installed there (`helm list -n {namespace}`)?"
        )));
    }
    let runs = |pod: &&Pod| {
        pod.spec
            .as_ref()
            .is_some_and(|spec| spec.containers.iter().any(|c| c.name == container))
    };
    let mut names: Vec<String> = listed
        .iter()
        .filter(runs)
        .filter_map(|pod| pod.metadata.name.clone())
        .collect();
    if names.is_empty() {
        let found: Vec<&str> = listed
            .iter()
            .filter_map(|pod| pod.metadata.name.as_deref())
            .collect();
        return Err(CliError::msg(format!(
            "the pods labelled {EXECUTOR_POD_LABEL}={name} ({}) have no container \"{container}\"; \
             pass the container with -c",
            found.join(", ")
        )));
    }
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pod(name: &str, containers: &[&str], status: serde_json::Value) -> Pod {
        let containers: Vec<_> = containers
            .iter()
            .map(|c| json!({"name": c, "image": "x"}))
            .collect();
        serde_json::from_value(json!({
            "metadata": {"name": name, "uid": format!("uid-{name}")},
            "spec": {"containers": containers},
            "status": status,
        }))
        .unwrap()
    }

    fn container(state: serde_json::Value, restarts: i32) -> serde_json::Value {
        json!({"name": "performer", "image": "x", "imageID": "", "ready": false,
               "restartCount": restarts, "state": state})
    }

    #[test]
    fn a_container_that_ran_has_a_log() {
        let running = pod(
            "performer-p",
            &["performer"],
            json!({"phase": "Running", "containerStatuses": [container(json!({"running": {}}), 2)]}),
        );
        let seen = snapshot(&running, "performer");
        assert!(seen.started && !seen.terminating);
        assert_eq!((seen.uid.as_str(), seen.restarts), ("uid-performer-p", 2));

        let creating = pod(
            "performer-p",
            &["performer"],
            json!({"phase": "Pending", "containerStatuses": [
                container(json!({"waiting": {"reason": "ContainerCreating"}}), 0)]}),
        );
        let seen = snapshot(&creating, "performer");
        assert!(!seen.started);
        assert_eq!(seen.state, "Pending: ContainerCreating");

        // Crash-looping: waiting now, but the last run left a log.
        let mut crashing = container(json!({"waiting": {"reason": "CrashLoopBackOff"}}), 3);
        crashing["lastState"] = json!({"terminated": {"exitCode": 1}});
        let crashing = pod(
            "performer-p",
            &["performer"],
            json!({"phase": "Running", "containerStatuses": [crashing]}),
        );
        assert!(snapshot(&crashing, "performer").started);
        // Another container's status does not count.
        assert!(!snapshot(&crashing, "sidecar").started);
    }

    #[test]
    fn executor_pods_are_those_running_the_container_in_name_order() {
        let listed = [
            pod("main-1", &["executor"], json!({})),
            pod("main-0", &["executor", "sidecar"], json!({})),
            pod("main-debug", &["shell"], json!({})),
        ];
        assert_eq!(
            pick_executor_pods(&listed, "main", "avs", "executor").unwrap(),
            ["main-0", "main-1"]
        );
        let error = pick_executor_pods(&listed, "main", "avs", "nope").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("(main-1, main-0, main-debug) have no container \"nope\""),
            "{error}"
        );
        let error = pick_executor_pods(&[], "main", "avs", "executor").unwrap_err();
        assert!(
            error.to_string().contains("labelled app=main")
                && error.to_string().contains("helm list -n avs"),
            "{error}"
        );
    }
}
