//! Which RuntimeClasses, PriorityClasses and ServiceAccounts exist, so a
//! performer naming a missing one is admitted with a warning (its pod would
//! be refused). Like the executor cache, nothing is asked during a review:
//! metadata-only watches (names, no content) keep one store per kind.
//!
//! Secrets and ConfigMaps are not watched: RBAC cannot limit a list or
//! watch to metadata, and the webhook must not be able to read Secrets. The
//! plugin checks those with the user's own rights.

use std::fmt::Debug;

use hourglass_shared::references::{ReferenceKind, ReferenceLookup};
use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::node::v1::RuntimeClass;
use k8s_openapi::api::scheduling::v1::PriorityClass;
use kube::core::PartialObjectMeta;
use kube::runtime::reflector::ObjectRef;
use kube::{Api, Client, Resource};
use serde::de::DeserializeOwned;
use tokio::task::JoinHandle;

use crate::watched_store::WatchedStore;

/// Knows nothing, says nothing: no cluster at hand (`--no-executor-watch`), and tests.
#[derive(Debug, Default)]
pub struct NothingKnown;

impl ReferenceLookup for NothingKnown {
    fn exists(&self, _: ReferenceKind, _: &str, _: &str) -> Option<bool> {
        None
    }
}

/// The names of every object of one kind, from a metadata-only watch.
struct WatchedNames<K>(WatchedStore<PartialObjectMeta<K>>)
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static;

impl<K> WatchedNames<K>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    fn start(client: Client, what: &'static str) -> (Self, JoinHandle<()>) {
        // An Api of PartialObjectMeta asks for metadata only.
        let api: Api<PartialObjectMeta<K>> = Api::all(client);
        let (store, task) = WatchedStore::start(api, what);
        (WatchedNames(store), task)
    }

    fn exists(&self, namespace: &str, name: &str) -> Option<bool> {
        if !self.0.is_synced() {
            return None;
        }
        let mut key = ObjectRef::new(name);
        if !namespace.is_empty() {
            key = key.within(namespace);
        }
        Some(self.0.store.get(&key).is_some())
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
        let (runtime_classes, a) = WatchedNames::start(client.clone(), "RuntimeClasses");
        let (priority_classes, b) = WatchedNames::start(client.clone(), "PriorityClasses");
        let (service_accounts, c) = WatchedNames::start(client, "ServiceAccounts");
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
