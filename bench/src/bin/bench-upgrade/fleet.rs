//! The performers upgraded: created at the old image with a tracked
//! version, one label for those of the bulk run and another for those
//! upgraded one at a time, and the check that their pods run an image.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use hourglass_bench::admission_variant::performer_resource;
use hourglass_bench::create_load::create_all;
use hourglass_bench::examples::numbered_name;
use hourglass_shared::Performer;
use hourglass_shared::status::{PodState, owned_pod, pod_image, pod_name, pod_state};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use serde_json::{Value, json};

pub const OLD_IMAGE: &str = "myavs/performer:v1.0.0";
pub const NEW_IMAGE: &str = "myavs/performer:v1.1.0";
/// The version the performers track: the upgrade derives the new one from
/// the new image's tag, as it does for a user's performers.
const OLD_VERSION: &str = "v1.0.0";
/// `avs=bench` selects the bulk run's performers.
pub const BULK_SELECTOR: &str = "avs=bench";
const BULK_AVS: &str = "bench";
/// Outside the bulk run's selector.
const SINGLE_AVS: &str = "bench-single";

/// Who is upgraded how.
pub struct Names {
    pub bulk: Vec<String>,
    pub singles: Vec<String>,
}

impl Names {
    pub fn new(performers: usize, singles: usize) -> Names {
        Names {
            bulk: (1..=performers).map(|i| numbered_name("bulk", i)).collect(),
            singles: (1..=singles).map(|i| numbered_name("single", i)).collect(),
        }
    }

    pub fn all(&self) -> Vec<String> {
        self.bulk.iter().chain(&self.singles).cloned().collect()
    }
}

/// A performer at the old image, labelled `avs=<avs>`.
fn performer(namespace: &str, name: &str, avs: &str) -> Value {
    json!({
        "apiVersion": "hourglass.eigenlayer.io/v1alpha1",
        "kind": "Performer",
        "metadata": { "name": name, "namespace": namespace, "labels": { "avs": avs } },
        "spec": {
            "avsAddress": "0x1234567890abcdef1234567890abcdef12345678",
            "image": OLD_IMAGE,
            "version": OLD_VERSION,
        },
    })
}

/// Creates every performer of `names` in `namespace`, 16 at a time.
pub async fn create(client: &kube::Client, namespace: &str, names: &Names) -> Result<(), String> {
    let objects = names
        .bulk
        .iter()
        .map(|name| performer(namespace, name, BULK_AVS))
        .chain(
            names
                .singles
                .iter()
                .map(|name| performer(namespace, name, SINGLE_AVS)),
        )
        .collect();
    create_all(client, &performer_resource(), objects, 16)
        .await
        .map(drop)
}

/// Those of `names` whose performer has no pod of its own that is ready
/// and runs `image`, in order.
pub async fn not_running(
    client: &kube::Client,
    namespace: &str,
    names: &[String],
    image: &str,
) -> Result<Vec<String>, String> {
    let performers: Api<Performer> = Api::namespaced(client.clone(), namespace);
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let list = ListParams::default();
    let performers: BTreeMap<String, Performer> = performers
        .list(&list)
        .await
        .map_err(|e| format!("listing performers: {e}"))?
        .into_iter()
        .map(|p| (p.metadata.name.clone().unwrap_or_default(), p))
        .collect();
    let pods: BTreeMap<String, Pod> = pods
        .list(&list)
        .await
        .map_err(|e| format!("listing pods: {e}"))?
        .into_iter()
        .map(|p| (p.metadata.name.clone().unwrap_or_default(), p))
        .collect();
    let runs = |name: &String| {
        performers.get(name).is_some_and(|performer| {
            owned_pod(performer, pods.get(&pod_name(performer))).is_some_and(|pod| {
                pod_state(pod) == PodState::Ready && pod_image(pod) == Some(image)
            })
        })
    };
    Ok(names.iter().filter(|name| !runs(name)).cloned().collect())
}

/// Until every one of `names` runs `image`, or `patience` has passed.
pub async fn wait_until_running(
    client: &kube::Client,
    namespace: &str,
    names: &[String],
    image: &str,
    patience: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + patience;
    loop {
        let lagging = not_running(client, namespace, names, image).await?;
        if lagging.is_empty() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "after {}s, {} of {} performers do not run {image}, e.g. {}",
                patience.as_secs(),
                lagging.len(),
                names.len(),
                few(&lagging)
            ));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// The first few names, for a message.
pub fn few(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(5).map(String::as_str).collect();
    let more = names.len().saturating_sub(shown.len());
    if more == 0 {
        shown.join(", ")
    } else {
        format!("{} and {more} more", shown.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_and_single_performers_are_told_apart_by_label() {
        let names = Names::new(3, 2);
        assert_eq!(names.bulk, ["bulk-00001", "bulk-00002", "bulk-00003"]);
        assert_eq!(names.all().len(), 5);
        let bulk = performer("ns", &names.bulk[0], BULK_AVS);
        let single = performer("ns", &names.singles[0], SINGLE_AVS);
        let selected =
            |p: &Value| format!("avs={}", p["metadata"]["labels"]["avs"].as_str().unwrap());
        assert_eq!(selected(&bulk), BULK_SELECTOR);
        assert_ne!(selected(&single), BULK_SELECTOR);
        assert_eq!(bulk["spec"]["version"], "v1.0.0");
        assert!(NEW_IMAGE.ends_with(":v1.1.0") && OLD_IMAGE.ends_with(OLD_VERSION));
    }

    #[test]
    fn messages_show_a_few_names() {
        let names: Vec<String> = (1..=7).map(|i| format!("p{i}")).collect();
        assert_eq!(few(&names[..2]), "p1, p2");
        assert_eq!(few(&names), "p1, p2, p3, p4, p5 and 2 more");
    }
}
