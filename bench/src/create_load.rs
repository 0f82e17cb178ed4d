//! Sending many requests through the apiserver with a fixed number in
//! flight, timing each from request to answer.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams, PostParams};
use serde_json::Value;

/// Latencies of every request, in completion order, and the run's wall time.
#[derive(Debug)]
pub struct LoadRun {
    pub latencies: Vec<Duration>,
    pub wall: Duration,
}

/// Runs `request` on every item with `concurrency` workers, each sending its
/// next request as soon as its last one is answered. Stops at the first
/// failure and returns it: a benchmark of refused requests would measure
/// something else.
pub async fn run_concurrently<T, F, Fut>(
    items: Vec<T>,
    concurrency: usize,
    request: F,
) -> Result<LoadRun, String>
where
    T: Send + Sync + 'static,
    F: Fn(Arc<Vec<T>>, usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<(), String>> + Send,
{
    let items = Arc::new(items);
    let next = Arc::new(AtomicUsize::new(0));
    let began = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (items, next, request) = (Arc::clone(&items), Arc::clone(&next), request.clone());
        workers.spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= items.len() {
                    return Ok(latencies);
                }
                let sent = Instant::now();
                if let Err(error) = request(Arc::clone(&items), index).await {
                    // The other workers stop at their next item.
                    next.store(items.len(), Ordering::Relaxed);
                    return Err(error);
                }
                latencies.push(sent.elapsed());
            }
        });
    }
    let mut latencies = Vec::with_capacity(items.len());
    let mut failure = None;
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok(Ok(mut done)) => latencies.append(&mut done),
            Ok(Err(error)) => failure = failure.or(Some(error)),
            Err(panic) => failure = failure.or(Some(format!("a request worker failed: {panic}"))),
        }
    }
    let wall = began.elapsed();
    match failure {
        Some(error) => Err(error),
        None => Ok(LoadRun { latencies, wall }),
    }
}

/// Creates `objects` (all of `resource`, each in its own namespace).
pub async fn create_all(
    client: &kube::Client,
    resource: &ApiResource,
    objects: Vec<Value>,
    concurrency: usize,
) -> Result<LoadRun, String> {
    let objects: Vec<DynamicObject> = objects
        .into_iter()
        .map(serde_json::from_value)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("an object to create is not a Kubernetes object: {e}"))?;
    let (client, resource) = (client.clone(), resource.clone());
    run_concurrently(objects, concurrency, move |objects, index| {
        let (client, resource) = (client.clone(), resource.clone());
        async move {
            let object = &objects[index];
            let (namespace, name) = namespace_and_name(object);
            let api: Api<DynamicObject> = Api::namespaced_with(client, namespace, &resource);
            api.create(&PostParams::default(), object)
                .await
                .map(drop)
                .map_err(|e| format!("creating {namespace}/{name} was refused: {e}"))
        }
    })
    .await
}

/// Merge-patches the status subresource of each `(namespace, name, status)`.
pub async fn write_statuses(
    client: &kube::Client,
    resource: &ApiResource,
    statuses: Vec<(String, String, Value)>,
    concurrency: usize,
) -> Result<LoadRun, String> {
    let (client, resource) = (client.clone(), resource.clone());
    run_concurrently(statuses, concurrency, move |statuses, index| {
        let (client, resource) = (client.clone(), resource.clone());
        async move {
            let (namespace, name, status) = &statuses[index];
            let api: Api<DynamicObject> = Api::namespaced_with(client, namespace, &resource);
            let patch = serde_json::json!({ "status": status });
            api.patch_status(name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
                .map(drop)
                .map_err(|e| format!("writing the status of {namespace}/{name}: {e}"))
        }
    })
    .await
}

fn namespace_and_name(object: &DynamicObject) -> (&str, &str) {
    (
        object.metadata.namespace.as_deref().unwrap_or("default"),
        object.metadata.name.as_deref().unwrap_or("<unnamed>"),
    )
}
