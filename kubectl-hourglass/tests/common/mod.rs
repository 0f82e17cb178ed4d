//! Objects for the rendering and upgrade tests.
#![allow(dead_code)]

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;
use serde_json::json;

use hourglass_shared::{HourglassExecutor, Performer};

/// 2026-01-10T12:00:00Z
pub fn now() -> Timestamp {
    "2026-01-10T12:00:00Z".parse().unwrap()
}

pub fn ago(seconds: i64) -> String {
    Timestamp::from_second(now().as_second() - seconds)
        .unwrap()
        .to_string()
}

pub fn condition(
    type_: &str,
    status: &str,
    reason: &str,
    message: &str,
    generation: i64,
) -> Condition {
    Condition {
        type_: type_.to_string(),
        status: status.to_string(),
        reason: reason.to_string(),
        message: message.to_string(),
        observed_generation: Some(generation),
        last_transition_time: Time(now()),
    }
}

pub fn executor(name: &str, replicas: i32, ready: i32, phase: &str, age: i64) -> HourglassExecutor {
    serde_json::from_value(json!({
        "apiVersion": "hourglass.eigenlayer.io/v1alpha1",
        "kind": "HourglassExecutor",
        "metadata": {"name": name, "namespace": "avs", "creationTimestamp": ago(age), "generation": 1},
        "spec": {
            "image": "hourglass/executor:v1.4.0",
            "replicas": replicas,
            "config": {
                "aggregatorEndpoint": "aggregator.example.com:9090",
                "operatorKeys": {"ecdsa": "0xk"},
                "chains": [{"name": "ethereum", "rpc": "https://eth", "chainId": 1, "taskMailboxAddress": "0x5FbDB2315678afecb367f032d93F642f64180aa3"}]
            }
        },
        "status": {"phase": phase, "replicas": replicas, "readyReplicas": ready, "lastConfigUpdate": ago(312)}
    }))
    .unwrap()
}

pub fn performer(name: &str, executor: &str, image: &str, age: i64) -> Performer {
    serde_json::from_value(json!({
        "apiVersion": "hourglass.eigenlayer.io/v1alpha1",
        "kind": "Performer",
        "metadata": {"name": name, "namespace": "avs", "creationTimestamp": ago(age), "generation": 1, "resourceVersion": "100"},
        "spec": {
            "avsAddress": "0x1234567890abcdef1234567890abcdef12345678",
            "image": image,
            "version": image.rsplit(':').next().unwrap(),
            "executorRef": executor
        }
    }))
    .unwrap()
}

pub fn running(mut performer: Performer, generation: i64) -> Performer {
    let name = performer.metadata.name.clone().unwrap();
    performer.status = Some(hourglass_shared::performer::PerformerStatus {
        phase: Some("Running".to_string()),
        pod_name: Some(format!("performer-{name}")),
        service_name: Some(format!("performer-{name}")),
        grpc_endpoint: Some(format!("performer-{name}.avs.svc.cluster.local:9090")),
        conditions: Some(vec![condition(
            "Available",
            "True",
            "PodReady",
            "pod is ready",
            generation,
        )]),
        last_upgrade: None,
        ready_time: Some(Time(now())),
        ready: Some(true),
    });
    performer
}

/// The operator's pod for `performer`, running `image`, in the state the
/// kubelet reports with `status` (a PodStatus as JSON).
pub fn pod(
    performer: &Performer,
    image: &str,
    status: serde_json::Value,
) -> k8s_openapi::api::core::v1::Pod {
    let name = performer.metadata.name.clone().unwrap();
    serde_json::from_value(json!({
        "metadata": {"name": format!("performer-{name}"), "namespace": "avs", "uid": format!("pod-{name}"),
                     "creationTimestamp": ago(60)},
        "spec": {"containers": [{"name": "performer", "image": image}]},
        "status": status,
    }))
    .unwrap()
}

/// A pod Running with Ready=True.
pub fn ready_pod(performer: &Performer) -> k8s_openapi::api::core::v1::Pod {
    pod(
        performer,
        &performer.spec.image,
        json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}),
    )
}
