//! What `status` lists, and how. Measured with 2,000 performers
//! (`bench-plugin`), a consistent list costs the apiserver a full etcd read
//! while the same list from its watch cache takes a fraction of that; and a
//! performer's spec is mostly scheduling that `status` never shows. So
//! `status`:
//!
//! - reads consistently, like `kubectl get`: a write made just before
//!   `status` must show. (The apiserver serves consistent lists from its
//!   cache only with etcd 3.5's progress notifications. Asking the cache
//!   for `NotOlderThan` a freshly read resourceVersion was tried: on the
//!   etcd 3.4 control plane of our tests the list never returned, as the
//!   cache of a quiet resource need not move past other resources' writes.)
//! - under `--watch`, takes the cache as it is (`resourceVersion=0`, as
//!   informers do): the next refresh shows what a lagging cache missed.
//! - reads performers into the fields it shows (`ListedPerformer`) (names,
//!   creation time, image, version, executor, status), skipping scheduling,
//!   config and `managedFields`, then fills a `Performer` with only those.
//! - lists the performers' pods the same way, into a summary of what the
//!   judgement reads (`pods.rs`), since a pod says why a performer does not
//!   run and the operator's status does not.
//! - sends the three lists at once.

use kube::Resource;
use kube::api::{ListParams, ObjectList};
use serde::Deserialize;

use hourglass_shared::constants::{EXECUTOR_PLURAL, PERFORMER_PLURAL};
use hourglass_shared::performer::PerformerStatus;
use hourglass_shared::{HourglassExecutor, Performer, PerformerSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

use crate::api::{executors, list_params};
use crate::context::Context;
use crate::error::{CliError, Result};
use crate::pods::{PodIndex, list_performer_pods};

/// What `status` shows: executors and performers, each sorted by namespace
/// and name, and the performers' pods (`None` when pods may not be listed).
pub struct StatusLists {
    pub executors: Vec<HourglassExecutor>,
    pub performers: Vec<Performer>,
    pub pods: Option<PodIndex>,
}

pub async fn list_for_status(
    ctx: &Context,
    namespace: Option<&str>,
    freshness: Freshness,
) -> Result<StatusLists> {
    let params = freshness.params(ctx);
    let (executors, performers, pods) = futures::try_join!(
        list_executors(ctx, namespace, &params),
        list_performers(ctx, namespace, &params),
        list_performer_pods(ctx, namespace, &params),
    )?;
    Ok(StatusLists {
        executors,
        performers,
        pods,
    })
}

/// How fresh a listing must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// The latest state in etcd, as `kubectl get` reads it.
    Consistent,
    /// The apiserver's watch cache as it is: cheaper, maybe moments behind.
    WatchCache,
}

impl Freshness {
    fn params(self, ctx: &Context) -> ListParams {
        match self {
            Freshness::Consistent => list_params(ctx),
            Freshness::WatchCache => list_params(ctx).match_any(),
        }
    }
}

async fn list_executors(
    ctx: &Context,
    namespace: Option<&str>,
    params: &ListParams,
) -> Result<Vec<HourglassExecutor>> {
    let api = executors(ctx.client().await?, namespace);
    let mut items = api
        .list(params)
        .await
        .map_err(|e| CliError::from_kube_for(EXECUTOR_PLURAL, e))?
        .items;
    items.sort_by(|a, b| {
        (&a.metadata.namespace, &a.metadata.name).cmp(&(&b.metadata.namespace, &b.metadata.name))
    });
    Ok(items)
}

async fn list_performers(
    ctx: &Context,
    namespace: Option<&str>,
    params: &ListParams,
) -> Result<Vec<Performer>> {
    let client = ctx.client().await?;
    let request = kube::core::Request::new(Performer::url_path(&(), namespace))
        .list(params)
        .map_err(|e| CliError::msg(format!("cannot build the performer list request: {e}")))?;
    let list: ObjectList<ListedPerformer> = client
        .request(request)
        .await
        .map_err(|e| CliError::from_kube_for(PERFORMER_PLURAL, e))?;
    let mut items: Vec<Performer> = list
        .items
        .into_iter()
        .map(ListedPerformer::into_performer)
        .collect();
    items.sort_by(|a, b| {
        (&a.metadata.namespace, &a.metadata.name).cmp(&(&b.metadata.namespace, &b.metadata.name))
    });
    Ok(items)
}

/// The part of a performer `status` shows.
#[derive(Clone, Debug, Deserialize)]
pub struct ListedPerformer {
    #[serde(default)]
    metadata: ListedMetadata,
    #[serde(default)]
    spec: ListedSpec,
    #[serde(default)]
    status: Option<PerformerStatus>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListedMetadata {
    name: Option<String>,
    namespace: Option<String>,
    /// To tell the performer's own pod from a namesake's.
    uid: Option<String>,
    creation_timestamp: Option<Time>,
    /// The executor label stands in for a dropped `executorRef`.
    labels: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListedSpec {
    #[serde(default)]
    image: String,
    version: Option<String>,
    executor_ref: Option<String>,
}

impl ListedPerformer {
    /// A `Performer` holding only what was read; every other field is empty.
    pub fn into_performer(self) -> Performer {
        let mut performer = Performer::new(
            self.metadata.name.as_deref().unwrap_or_default(),
            PerformerSpec {
                avs_address: String::new(),
                image: self.spec.image,
                version: self.spec.version,
                executor_ref: self.spec.executor_ref,
                image_pull_policy: None,
                config: None,
                resources: None,
                scheduling: None,
                hardware_requirements: None,
                image_pull_secrets: None,
            },
        );
        performer.metadata = ObjectMeta {
            name: self.metadata.name,
            namespace: self.metadata.namespace,
            uid: self.metadata.uid,
            creation_timestamp: self.metadata.creation_timestamp,
            labels: self.metadata.labels,
            ..ObjectMeta::default()
        };
        performer.status = self.status;
        performer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::jiff::Timestamp;

    #[test]
    fn a_listed_performer_keeps_what_status_shows_and_skips_the_rest() {
        let listed: ListedPerformer = serde_json::from_value(serde_json::json!({
            "apiVersion": "hourglass.eigenlayer.io/v1alpha1",
            "kind": "Performer",
            "metadata": {
                "name": "p", "namespace": "avs",
                "creationTimestamp": "2025-01-02T03:04:05Z",
                "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}],
            },
            "spec": {
                "avsAddress": "0x1234567890abcdef1234567890abcdef12345678",
                "image": "avs/p:v2", "version": "v2", "executorRef": "main",
                "scheduling": {"nodeSelector": {"a": "b"}},
            },
            "status": {"phase": "Running", "ready": true},
        }))
        .unwrap();
        let performer = listed.into_performer();
        assert_eq!(performer.metadata.name.as_deref(), Some("p"));
        assert_eq!(performer.metadata.namespace.as_deref(), Some("avs"));
        assert_eq!(
            performer.metadata.creation_timestamp,
            Some(Time("2025-01-02T03:04:05Z".parse::<Timestamp>().unwrap()))
        );
        assert_eq!(performer.metadata.managed_fields, None);
        assert_eq!(performer.spec.image, "avs/p:v2");
        assert_eq!(performer.spec.version.as_deref(), Some("v2"));
        assert_eq!(performer.spec.executor_ref.as_deref(), Some("main"));
        assert_eq!(performer.spec.scheduling, None);
        assert_eq!(
            performer.status.and_then(|s| s.phase).as_deref(),
            Some("Running")
        );
    }

    #[test]
    fn a_listed_performer_without_status_or_spec_still_reads() {
        let listed: ListedPerformer =
            serde_json::from_value(serde_json::json!({"metadata": {"name": "bare"}})).unwrap();
        let performer = listed.into_performer();
        assert_eq!(performer.metadata.name.as_deref(), Some("bare"));
        assert!(performer.status.is_none());
    }
}
