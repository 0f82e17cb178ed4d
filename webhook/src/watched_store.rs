//! One kube-runtime reflector kept up to date in the background: what the
//! executor and reference caches are made of. Errors (no RBAC for the kind,
//! the CRD not installed yet, the apiserver away) are logged and retried
//! with backoff; until the first list arrives the store is not synced.

use std::fmt::Debug;
use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Resource};
use serde::de::DeserializeOwned;
use tokio::task::JoinHandle;

/// A store of every `K` the watch sees, and whether the first list is in.
pub struct WatchedStore<K>
where
    K: Resource + 'static,
    K::DynamicType: Hash + Eq,
{
    pub store: Store<K>,
    synced: Arc<AtomicBool>,
}

impl<K> WatchedStore<K>
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    K::DynamicType: Default + Hash + Eq + Clone + Send + Sync,
{
    /// Starts watching `api`; `what` names the watch in logs. The task
    /// runs until aborted.
    pub fn start(api: Api<K>, what: &'static str) -> (Self, JoinHandle<()>) {
        let (store, writer) = reflector::store::<K>();
        let synced = Arc::new(AtomicBool::new(false));
        let watched = WatchedStore {
            store: store.clone(),
            synced: synced.clone(),
        };
        let task = tokio::spawn(async move {
            let ready = store.clone();
            tokio::spawn(async move {
                if ready.wait_until_ready().await.is_ok() {
                    synced.store(true, Ordering::Release);
                    tracing::info!(what, objects = ready.len(), "cache synced");
                }
            });
            let events = watcher(api, watcher::Config::default())
                .default_backoff()
                .reflect(writer)
                .applied_objects();
            futures::pin_mut!(events);
            while let Some(event) = events.next().await {
                if let Err(error) = event {
                    tracing::warn!(what, %error, "watch failed; retrying");
                }
            }
        });
        (watched, task)
    }

    pub fn is_synced(&self) -> bool {
        self.synced.load(Ordering::Acquire)
    }
}
