//! Which RuntimeClasses, PriorityClasses and ServiceAccounts exist, so a
//! performer naming a missing one is admitted with a warning (its pod would
//! be refused). Like the executor cache, nothing is asked during a review:
//! metadata-only watches (names, no content) keep one store per kind.
//!
//! Secrets and ConfigMaps are not watched: RBAC cannot limit a list or
//! watch to metadata, and the webhook must not be able to read Secrets. The
//! plugin checks those with the user's own rights.

use std::fmt::Debug;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use hourglass_shared::references::{ReferenceKind, ReferenceLookup};
use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::node::v1::RuntimeClass;
use k8s_openapi::api::scheduling::v1::PriorityClass;
use kube::core::PartialObjectMeta;
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, Resource};
use serde::de::DeserializeOwned;
use tokio::task::JoinHandle;

/// Knows nothing, says nothing: no cluster at hand (`--no-executor-watch`), and tests.
#[derive(Debug, Default)]
pub struct NothingKnown;

impl ReferenceLookup for NothingKnown {
    fn exists(&self, _: ReferenceKind, _: &str, _: &str) -> Option<bool> {
        None
    }
}

/// The names of every object of one kind, from a metadata-only watch.
struct WatchedNames<K>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    store: Store<PartialObjectMeta<K>>,
    synced: Arc<AtomicBool>,
}

impl<K> WatchedNames<K>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    /// Starts watching every `K` in the cluster. Errors (no RBAC for the
    /// kind, the apiserver away) are logged and retried with backoff; until
    /// the first list arrives, lookups answer "not known".
    fn start(client: Client, kind: ReferenceKind) -> (Self, JoinHandle<()>) {
        // An Api of PartialObjectMeta asks for metadata only.
        let api: Api<PartialObjectMeta<K>> = Api::all(client);
        let (store, writer) = reflector::store::<PartialObjectMeta<K>>();
        let synced = Arc::new(AtomicBool::new(false));
        let names = WatchedNames {
            store: store.clone(),
            synced: synced.clone(),
        };
        let task = tokio::spawn(async move {
            let ready = store.clone();
            tokio::spawn(async move {
                if ready.wait_until_ready().await.is_ok() {
                    synced.store(true, Ordering::Release);
                    tracing::info!(%kind, objects = ready.len(), "reference cache synced");
                }
            });
            let events = watcher(api, watcher::Config::default())
                .default_backoff()
                .reflect(writer)
                .applied_objects();
            futures::pin_mut!(events);
            while let Some(event) = events.next().await {
                if let Err(error) = event {
                    tracing::warn!(%kind, %error, "watching failed; retrying");
                }
            }
        });
        (names, task)
    }

    fn exists(&self, namespace: &str, name: &str) -> Option<bool> {
        if !self.synced.load(Ordering::Acquire) {
            return None;
        }
        let mut key = ObjectRef::new(name);
        if !namespace.is_empty() {
            key = key.within(namespace);
        }
        Some(self.store.get(&key).is_some())
    }
}

/// RuntimeClasses, PriorityClasses and ServiceAccounts, watched.
pub struct ReferenceCache {
    runtime_classes: WatchedNames<RuntimeClass>,
    priority_classes: WatchedNames<PriorityClass>,
    service_accounts: WatchedNames<ServiceAccount>,
}

impl ReferenceCache {
    /// Starts the three watches; the tasks run until aborted.
    pub fn start(client: Client) -> (Self, Vec<JoinHandle<()>>) {
        let (runtime_classes, a) = WatchedNames::start(client.clone(), ReferenceKind::RuntimeClass);
        let (priority_classes, b) =
            WatchedNames::start(client.clone(), ReferenceKind::PriorityClass);
        let (service_accounts, c) = WatchedNames::start(client, ReferenceKind::ServiceAccount);
        let cache = ReferenceCache {
            runtime_classes,
            priority_classes,
            service_accounts,
        };
        (cache, vec![a, b, c])
    }
}

impl ReferenceLookup for ReferenceCache {
    fn exists(&self, kind: ReferenceKind, namespace: &str, name: &str) -> Option<bool> {
        match kind {
            ReferenceKind::RuntimeClass => self.runtime_classes.exists("", name),
            ReferenceKind::PriorityClass => self.priority_classes.exists("", name),
            ReferenceKind::ServiceAccount => self.service_accounts.exists(namespace, name),
            ReferenceKind::Secret | ReferenceKind::ConfigMap => None,
        }
    }
}
