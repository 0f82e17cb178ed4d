//! The loop both stand-ins run in, shaped like the controller
//! controller-runtime builds for the upstream operator
//! (`ctrl.NewControllerManagedBy(mgr).For(&Performer{}).Owns(&Pod{}).Owns(&Service{})`
//! in Layr-Labs/hourglass-monorepo 11f1554,
//! `hourglass-operator/internal/controller/performerController.go`): a
//! watch on performers, and on pods and services whose controller is a
//! Performer, each event queueing that performer; one reconcile at a time;
//! what a reconcile returns decides the next one (see [`WorkQueue`]).
//!
//! Unlike controller-runtime, reads go straight to the apiserver instead of
//! an informer cache, so a stand-in never acts on a stale read (upstream
//! sometimes does, which costs it a conflict and a retry).

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{Stream, StreamExt};
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::Api;
use kube::core::PartialObjectMeta;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event, watcher};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::owner::controlling_performer;
use super::reconcile_error::ReconcileError;
use super::upstream_performer::UpstreamPerformer;
use super::work_queue::WorkQueue;

/// A performer: namespace and name.
pub(crate) type PerformerKey = (String, String);

/// The upstream operator's two timings, shortened in tests that need to
/// see them act.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperatorTiming {
    /// A pod Pending for longer than this is deleted and created again
    /// (upstream: 5 minutes, from the pod's creation).
    pub pending_timeout: Duration,
    /// A performer is reconciled again this long after a successful
    /// reconcile, even with no event (upstream: 2 minutes).
    pub requeue_after: Duration,
}

impl Default for OperatorTiming {
    fn default() -> Self {
        OperatorTiming {
            pending_timeout: Duration::from_secs(5 * 60),
            requeue_after: Duration::from_secs(2 * 60),
        }
    }
}

/// What a reconcile asks of the queue.
pub(crate) enum Next {
    /// Nothing until the next event (the performer is gone, or deleted).
    WaitForEvent,
    /// Again after this long, or at the next event.
    RequeueAfter(Duration),
}

/// One stand-in's reconcile of one performer.
pub(crate) trait Reconciler: Send + Sync + 'static {
    fn reconcile(
        &self,
        namespace: &str,
        name: &str,
    ) -> impl Future<Output = Result<Next, ReconcileError>> + Send;
}

/// What a running stand-in has done, for tests to inspect.
#[derive(Debug, Default)]
pub(crate) struct OperatorLog {
    reconciles: Mutex<u64>,
    errors: Mutex<Vec<String>>,
}

impl OperatorLog {
    pub fn reconciles(&self) -> u64 {
        *self.reconciles.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn errors(&self) -> Vec<String> {
        self.errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn reconciled(&self) {
        *self.reconciles.lock().unwrap_or_else(|p| p.into_inner()) += 1;
    }

    fn failed(&self, message: String) {
        self.errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(message);
    }
}

/// A running stand-in: its task, stopped when this is dropped.
#[derive(Debug)]
pub(crate) struct RunningController {
    task: JoinHandle<()>,
    log: Arc<OperatorLog>,
}

impl RunningController {
    pub fn log(&self) -> &OperatorLog {
        &self.log
    }
}

impl Drop for RunningController {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts `reconciler` on the current tokio runtime, watching `namespace`
/// (or every namespace). `name` prefixes its log lines on stderr.
pub(crate) fn spawn<R: Reconciler>(
    client: kube::Client,
    namespace: Option<&str>,
    name: &'static str,
    reconciler: R,
) -> RunningController {
    let log = Arc::new(OperatorLog::default());
    let events = performer_events(&client, namespace, name);
    let task = tokio::spawn(run(events, reconciler, name, log.clone()));
    RunningController { task, log }
}

async fn run<R: Reconciler>(
    events: impl Stream<Item = PerformerKey> + Send,
    reconciler: R,
    name: &'static str,
    log: Arc<OperatorLog>,
) {
    let mut events = std::pin::pin!(events);
    let mut queue = WorkQueue::default();
    loop {
        let due = queue.next_due();
        tokio::select! {
            biased;
            event = events.next() => match event {
                Some(key) => queue.add_now(key),
                None => return,
            },
            _ = sleep_until(due), if due.is_some() => {
                let Some(key) = queue.pop_due(Instant::now()) else { continue };
                let (namespace, performer) = &key;
                let outcome = reconciler.reconcile(namespace, performer).await;
                log.reconciled();
                match outcome {
                    Ok(Next::WaitForEvent) => queue.forget_failures(&key),
                    Ok(Next::RequeueAfter(delay)) => {
                        queue.forget_failures(&key);
                        queue.add_after(key, delay);
                    }
                    Err(err) => {
                        let message = format!("{namespace}/{performer}: {err}");
                        eprintln!("{name}: reconcile failed, will retry: {message}");
                        log.failed(message);
                        queue.add_after_failure(key);
                    }
                }
            }
        }
    }
}

async fn sleep_until(due: Option<Instant>) {
    if let Some(due) = due {
        tokio::time::sleep_until(due).await;
    }
}

/// Every event that makes controller-runtime queue a performer: on the
/// performer itself, or on a pod or service it controls.
fn performer_events(
    client: &kube::Client,
    namespace: Option<&str>,
    name: &'static str,
) -> impl Stream<Item = PerformerKey> + Send + use<> {
    let performers: Api<PartialObjectMeta<UpstreamPerformer>> = scoped(client, namespace);
    let pods: Api<PartialObjectMeta<Pod>> = scoped(client, namespace);
    let services: Api<PartialObjectMeta<Service>> = scoped(client, namespace);
    futures::stream::select_all([
        keys(performers, name, |meta| meta.name.clone()).boxed(),
        keys(pods, name, controlling_performer).boxed(),
        keys(services, name, controlling_performer).boxed(),
    ])
}

fn scoped<K>(client: &kube::Client, namespace: Option<&str>) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    K::DynamicType: Default,
{
    match namespace {
        Some(namespace) => Api::namespaced(client.clone(), namespace),
        None => Api::all(client.clone()),
    }
}

/// The performers that events on `api`'s objects concern, by `performer_of`
/// an object's metadata (a metadata-only watch). Watch errors are logged;
/// the watcher retries with back-off by itself.
fn keys<K>(
    api: Api<PartialObjectMeta<K>>,
    name: &'static str,
    performer_of: fn(&ObjectMeta) -> Option<String>,
) -> impl Stream<Item = PerformerKey> + Send
where
    K: kube::Resource + Clone + std::fmt::Debug + Send + Sync + 'static,
    K::DynamicType: Default + Clone + Eq + std::hash::Hash + Send + Sync,
{
    watcher(api, watcher::Config::default())
        .default_backoff()
        .filter_map(move |event| async move {
            let object = match event {
                Ok(Event::Apply(object) | Event::InitApply(object) | Event::Delete(object)) => {
                    object
                }
                Ok(Event::Init | Event::InitDone) => return None,
                Err(err) => {
                    eprintln!("{name}: watch failed, retrying: {err}");
                    return None;
                }
            };
            let performer = performer_of(&object.metadata)?;
            Some((
                object.metadata.namespace.clone().unwrap_or_default(),
                performer,
            ))
        })
}
