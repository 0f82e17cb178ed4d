//! The performers' pods, the first witness of whether a performer runs
//! (`shared::status` judges them). Both operators label their pods with
//! `hourglass.eigenlayer.io/performer`, so one labelled list finds them.
//!
//! A listing reads only what the judgement needs: names, owners, times,
//! the container image and the status; the pod spec and `managedFields`,
//! most of a pod's JSON, are skipped while decoding.

use std::collections::HashMap;

use k8s_openapi::api::core::v1::{Container, Pod, PodSpec, PodStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use kube::Resource;
use kube::api::{ListParams, ObjectList};
use serde::Deserialize;

use hourglass_shared::Performer;
use hourglass_shared::status::{owned_pod, pod_name};
use hourglass_shared::workload::PERFORMER_LABEL;

use crate::context::Context;
use crate::error::{CliError, Result};

/// The performer pods found by a listing, by namespace and name.
#[derive(Clone, Debug, Default)]
pub struct PodIndex {
    pods: HashMap<(String, String), Pod>,
}

impl PodIndex {
    pub fn new(pods: impl IntoIterator<Item = Pod>) -> Self {
        let pods = pods
            .into_iter()
            .map(|pod| {
                let key = (
                    pod.metadata.namespace.clone().unwrap_or_default(),
                    pod.metadata.name.clone().unwrap_or_default(),
                );
                (key, pod)
            })
            .collect();
        PodIndex { pods }
    }

    /// The performer's pod, if the listing found one it controls.
    pub fn pod_of(&self, performer: &Performer) -> Option<&Pod> {
        let namespace = performer.metadata.namespace.clone().unwrap_or_default();
        owned_pod(performer, self.pods.get(&(namespace, pod_name(performer))))
    }

    pub fn len(&self) -> usize {
        self.pods.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pods.is_empty()
    }
}

/// Every performer pod in `namespace` (all with `None`), or `None` when
/// the user may not list pods: performers are then judged on what the
/// operator reports, and the user is told once.
pub async fn list_performer_pods(
    ctx: &Context,
    namespace: Option<&str>,
    params: &ListParams,
) -> Result<Option<PodIndex>> {
    let client = ctx.client().await?;
    let params = ListParams {
        label_selector: Some(PERFORMER_LABEL.to_string()),
        ..params.clone()
    };
    let request = kube::core::Request::new(Pod::url_path(&(), namespace))
        .list(&params)
        .map_err(|e| CliError::msg(format!("cannot build the pod list request: {e}")))?;
    match client.request::<ObjectList<PodSummary>>(request).await {
        Ok(list) => Ok(Some(PodIndex::new(
            list.items.into_iter().map(PodSummary::into_pod),
        ))),
        Err(kube::Error::Api(status)) if status.code == 403 => {
            ctx.note(format!(
                "cannot list pods ({}); performers are judged on what the operator reports",
                status.message
            ));
            Ok(None)
        }
        Err(error) => Err(CliError::from_kube_for("pods", error)),
    }
}

/// The part of a pod the judgement reads.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PodSummary {
    #[serde(default)]
    metadata: SummaryMetadata,
    #[serde(default)]
    spec: SummarySpec,
    #[serde(default)]
    status: Option<PodStatus>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SummaryMetadata {
    name: Option<String>,
    namespace: Option<String>,
    uid: Option<String>,
    creation_timestamp: Option<Time>,
    deletion_timestamp: Option<Time>,
    owner_references: Option<Vec<OwnerReference>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
struct SummarySpec {
    #[serde(default)]
    containers: Vec<SummaryContainer>,
}

#[derive(Clone, Debug, Default, Deserialize)]
struct SummaryContainer {
    #[serde(default)]
    name: String,
    image: Option<String>,
}

impl PodSummary {
    /// A `Pod` holding only what was read.
    pub fn into_pod(self) -> Pod {
        let metadata = self.metadata;
        Pod {
            metadata: ObjectMeta {
                name: metadata.name,
                namespace: metadata.namespace,
                uid: metadata.uid,
                creation_timestamp: metadata.creation_timestamp,
                deletion_timestamp: metadata.deletion_timestamp,
                owner_references: metadata.owner_references,
                ..ObjectMeta::default()
            },
            spec: Some(PodSpec {
                containers: self
                    .spec
                    .containers
                    .into_iter()
                    .map(|c| Container {
                        name: c.name,
                        image: c.image,
                        ..Container::default()
                    })
                    .collect(),
                ..PodSpec::default()
            }),
            status: self.status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn performer(uid: &str) -> Performer {
        serde_json::from_value(json!({
            "apiVersion": "hourglass.eigenlayer.io/v1alpha1", "kind": "Performer",
            "metadata": {"name": "p", "namespace": "avs", "uid": uid},
            "spec": {"avsAddress": "0x1234567890abcdef1234567890abcdef12345678", "image": "a/p:v1"},
        }))
        .unwrap()
    }

    #[test]
    fn a_summary_keeps_what_the_judgement_reads_and_finds_its_owner() {
        let summary: PodSummary = serde_json::from_value(json!({
            "metadata": {
                "name": "performer-p", "namespace": "avs", "uid": "pod-1",
                "creationTimestamp": "2025-01-02T03:04:05Z",
                "ownerReferences": [{"apiVersion": "hourglass.eigenlayer.io/v1alpha1", "kind": "Performer",
                    "name": "p", "uid": "perf-1", "controller": true}],
                "managedFields": [{"manager": "hourglass-operator"}],
            },
            "spec": {"containers": [{"name": "performer", "image": "a/p:v1", "ports": [{"containerPort": 9090}]}],
                     "affinity": {"nodeAffinity": {}}},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
        }))
        .unwrap();
        let index = PodIndex::new([summary.into_pod()]);
        let pod = index.pod_of(&performer("perf-1")).expect("owned pod found");
        assert_eq!(pod.metadata.uid.as_deref(), Some("pod-1"));
        assert!(pod.metadata.managed_fields.is_none());
        assert_eq!(
            pod.spec.as_ref().unwrap().containers[0].image.as_deref(),
            Some("a/p:v1")
        );
        assert!(
            index.pod_of(&performer("another-uid")).is_none(),
            "a pod of another performer of the same name is not this one's"
        );
    }
}
