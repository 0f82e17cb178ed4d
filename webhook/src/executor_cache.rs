//! Executors' default scheduling, from memory: a performer naming its
//! executor inherits `spec.config.kubernetes.defaultScheduling`. The cluster
//! is never asked during a review; a kube-runtime reflector keeps a store of
//! every HourglassExecutor, keyed by namespace/name.
//!
//! The router takes any [`ExecutorLookup`], so tests fill a
//! [`StaticExecutors`] instead of running a cluster.

use std::borrow::Cow;
use std::collections::HashMap;

use hourglass_shared::constants::{API_GROUP, API_VERSION, EXECUTOR_KIND, EXECUTOR_PLURAL};
use hourglass_shared::{HourglassExecutor, SchedulingConfig};
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::runtime::reflector::ObjectRef;
use kube::{Api, Client};
use serde::Deserialize;
use serde_json::Value;
use tokio::task::JoinHandle;

use crate::watched_store::WatchedStore;

/// What the cache knows about one executor.
#[derive(Clone, Debug, PartialEq)]
pub enum ExecutorLookupResult {
    /// The executor exists; its default scheduling, if it sets one.
    Found(Option<Box<SchedulingConfig>>),
    NotFound,
    /// The first list has not arrived yet.
    NotSynced,
    /// No watch runs (`--no-executor-watch`).
    Disabled,
}

/// Where a review finds the executor a performer names.
pub trait ExecutorLookup: Send + Sync + 'static {
    fn lookup(&self, namespace: &str, name: &str) -> ExecutorLookupResult;
}

/// A fixed set of executors: tests, and nothing else.
#[derive(Default, Debug)]
pub struct StaticExecutors {
    executors: HashMap<(String, String), Option<SchedulingConfig>>,
}

impl StaticExecutors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `executor` in `namespace` (its own metadata.namespace is ignored).
    pub fn with(mut self, namespace: &str, executor: &HourglassExecutor) -> Self {
        let name = executor.metadata.name.clone().unwrap_or_default();
        let scheduling = executor
            .spec
            .config
            .kubernetes
            .as_ref()
            .and_then(|kubernetes| kubernetes.default_scheduling.clone());
        self.executors
            .insert((namespace.to_string(), name), scheduling);
        self
    }
}

impl ExecutorLookup for StaticExecutors {
    fn lookup(&self, namespace: &str, name: &str) -> ExecutorLookupResult {
        match self
            .executors
            .get(&(namespace.to_string(), name.to_string()))
        {
            Some(scheduling) => ExecutorLookupResult::Found(scheduling.clone().map(Box::new)),
            None => ExecutorLookupResult::NotFound,
        }
    }
}

/// For `--no-executor-watch`.
#[derive(Debug, Default)]
pub struct NoExecutors;

impl ExecutorLookup for NoExecutors {
    fn lookup(&self, _namespace: &str, _name: &str) -> ExecutorLookupResult {
        ExecutorLookupResult::Disabled
    }
}

/// The reflector-backed cache of every HourglassExecutor in the cluster.
pub struct ReflectorCache(WatchedStore<CachedExecutor>);

impl ReflectorCache {
    /// Starts watching HourglassExecutors in all namespaces; the returned
    /// task runs until aborted.
    pub fn start(client: Client) -> (Self, JoinHandle<()>) {
        let (store, task) = WatchedStore::start(Api::all(client), "HourglassExecutors");
        (ReflectorCache(store), task)
    }
}

impl ExecutorLookup for ReflectorCache {
    fn lookup(&self, namespace: &str, name: &str) -> ExecutorLookupResult {
        if !self.0.is_synced() {
            return ExecutorLookupResult::NotSynced;
        }
        let key = ObjectRef::new(name).within(namespace);
        match self.0.store.get(&key) {
            Some(executor) => {
                ExecutorLookupResult::Found(executor.default_scheduling().map(Box::new))
            }
            None => ExecutorLookupResult::NotFound,
        }
    }
}

/// The part of an HourglassExecutor the webhook needs. The rest of the spec,
/// operator keys included, is skipped while decoding and never kept in
/// memory; and an executor whose other fields no longer fit the current type
/// cannot break the watch.
#[derive(Deserialize, Clone, Debug)]
pub struct CachedExecutor {
    metadata: ObjectMeta,
    #[serde(default)]
    spec: CachedSpec,
}

#[derive(Deserialize, Clone, Debug, Default)]
struct CachedSpec {
    #[serde(default)]
    config: CachedConfig,
}

#[derive(Deserialize, Clone, Debug, Default)]
struct CachedConfig {
    #[serde(default)]
    kubernetes: Option<CachedKubernetes>,
}

#[derive(Deserialize, Clone, Debug, Default)]
#[serde(rename_all = "camelCase")]
struct CachedKubernetes {
    /// Kept as JSON and read at lookup, so a value that does not fit the
    /// type only costs that executor its defaults.
    #[serde(default)]
    default_scheduling: Option<Value>,
}

impl CachedExecutor {
    fn default_scheduling(&self) -> Option<SchedulingConfig> {
        let value = self
            .spec
            .config
            .kubernetes
            .as_ref()?
            .default_scheduling
            .as_ref()?;
        match serde_json::from_value(value.clone()) {
            Ok(scheduling) => Some(scheduling),
            Err(error) => {
                tracing::warn!(
                    executor = self.metadata.name.as_deref().unwrap_or_default(),
                    namespace = self.metadata.namespace.as_deref().unwrap_or_default(),
                    %error,
                    "spec.config.kubernetes.defaultScheduling does not fit the type; not inherited"
                );
                None
            }
        }
    }
}

impl kube::Resource for CachedExecutor {
    type DynamicType = ();
    type Scope = NamespaceResourceScope;

    fn kind(_: &()) -> Cow<'_, str> {
        Cow::Borrowed(EXECUTOR_KIND)
    }

    fn group(_: &()) -> Cow<'_, str> {
        Cow::Borrowed(API_GROUP)
    }

    fn version(_: &()) -> Cow<'_, str> {
        Cow::Borrowed(API_VERSION)
    }

    fn plural(_: &()) -> Cow<'_, str> {
        Cow::Borrowed(EXECUTOR_PLURAL)
    }

    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_executor_keeps_only_the_scheduling() {
        let executor: CachedExecutor = serde_json::from_value(serde_json::json!({
            "apiVersion": "hourglass.eigenlayer.io/v1alpha1",
            "kind": "HourglassExecutor",
            "metadata": {"name": "e", "namespace": "n"},
            "spec": {
                "image": "x",
                "config": {
                    "operatorKeys": {"ecdsa": "0xsecret"},
                    "kubernetes": {"defaultScheduling": {"runtimeClass": "gvisor"}}
                }
            }
        }))
        .unwrap();
        assert!(!format!("{executor:?}").contains("0xsecret"));
        let scheduling = executor.default_scheduling().unwrap();
        assert_eq!(scheduling.runtime_class.as_deref(), Some("gvisor"));
    }

    #[test]
    fn bad_scheduling_is_not_inherited_but_does_not_fail() {
        let executor: CachedExecutor = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "e"},
            "spec": {"config": {"kubernetes": {"defaultScheduling": {"tolerations": "no"}}}}
        }))
        .unwrap();
        assert_eq!(executor.default_scheduling(), None);
    }
}
