//! Our webhook next to the operators users run, on a real control plane:
//! the hardware scheduling it adds reaches the pod under both contracts;
//! the upstream operator's typed update (through a type without
//! `executorRef` and `scheduling.nodeAffinity`) loses nothing; names the
//! operator cannot turn into a Service are refused; performers exactly as
//! the upstream executor creates them are admitted with nothing changed;
//! objects a pod would need but that do not exist are warnings; and the
//! webhook's RBAC lets it watch what it warns about and read no Secret.

use std::time::Duration;

use hourglass_e2e::{
    ControlPlane, OperatorContract, PERFORMER_FINALIZER, RunningOperator, TestNamespace,
    ensure_runtime_class, example_text, manifest_path,
};
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use serde_json::{Value, json};
use tokio::time::Instant;

const PATIENCE: Duration = Duration::from_secs(60);

fn get(namespace: &str, kind: &str, name: &str) -> Value {
    let text = ControlPlane::with_webhook()
        .run_kubectl(
            &[
                "get",
                kind,
                name,
                "-n",
                namespace,
                "-o",
                "json",
                "--show-managed-fields",
            ],
            None,
        )
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Polls `check` until it returns something.
async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The complex example under `contract`, until its pod exists.
async fn complex_pod(contract: OperatorContract) -> (TestNamespace<'static>, RunningOperator, Pod) {
    let control_plane = ControlPlane::with_webhook();
    let namespace = TestNamespace::create(control_plane).unwrap();
    let ns = namespace.name().to_string();
    let client = control_plane.kube_client().await.unwrap();
    ensure_runtime_class(&client, "gvisor").await;
    control_plane
        .kubectl_outcome(
            &["create", "-n", &ns, "-f", "-"],
            Some(&example_text("complex-performer.yaml")),
        )
        .assert_success();
    let operator = contract.start(client.clone(), &ns);
    let pods: Api<Pod> = Api::namespaced(client, &ns);
    let pod = eventually("the operator creates the pod", async || {
        pods.get_opt("performer-complex-performer").await.unwrap()
    })
    .await;
    (namespace, operator, pod)
}

async fn the_hardware_terms_reach_the_pod(contract: OperatorContract) {
    let (_namespace, operator, pod) = complex_pod(contract).await;
    let spec = serde_json::to_value(pod.spec.unwrap()).unwrap();
    let expressions: Vec<(String, Value)> = spec["affinity"]["nodeAffinity"]
        ["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]
        ["matchExpressions"]
        .as_array()
        .unwrap_or_else(|| panic!("{contract:?}: no required node affinity on the pod: {spec}"))
        .iter()
        .map(|e| (e["key"].as_str().unwrap().to_string(), e["values"].clone()))
        .collect();
    assert_eq!(
        expressions,
        [
            ("kubernetes.io/arch".to_string(), json!(["amd64"])),
            ("accelerator".to_string(), json!(["nvidia-a100"])),
            (
                "intel.feature.node.kubernetes.io/sgx".to_string(),
                json!(["true"])
            ),
            ("intel.sgx.version".to_string(), json!(["2.0"])),
        ],
        "{contract:?}: the user's term, the GPU type, the TEE and the custom label"
    );
    let tolerations = spec["tolerations"].as_array().unwrap();
    assert!(
        tolerations
            .iter()
            .any(|t| t["key"] == "nvidia.com/gpu" && t["operator"] == "Exists"),
        "{spec}"
    );
    // One GPU resource, the one the operator requests for the type.
    let resources = &spec["containers"][0]["resources"];
    assert_eq!(
        resources["limits"]["nvidia.com/nvidia-a100"], "2",
        "{resources}"
    );
    assert_eq!(resources["requests"]["nvidia.com/nvidia-a100"], "2");
    assert!(
        resources["limits"].get("nvidia.com/gpu").is_none(),
        "{resources}"
    );
    assert_eq!(spec["runtimeClassName"], "gvisor");
    assert!(operator.errors().is_empty(), "{:?}", operator.errors());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_hardware_terms_reach_the_upstream_operators_pod() {
    the_hardware_terms_reach_the_pod(OperatorContract::Upstream).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_hardware_terms_reach_the_documented_operators_pod() {
    the_hardware_terms_reach_the_pod(OperatorContract::Documented).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_is_lost_to_the_upstream_operators_typed_update() {
    let (namespace, _operator, _pod) = complex_pod(OperatorContract::Upstream).await;
    let ns = namespace.name();
    let admitted = eventually("the operator's finalizer update", async || {
        let performer = get(ns, "performer", "complex-performer");
        let finalizers = performer["metadata"]["finalizers"].as_array().cloned();
        finalizers
            .is_some_and(|f| f.contains(&json!(PERFORMER_FINALIZER)))
            .then_some(performer)
    })
    .await;
    let spec = &admitted["spec"];
    // The operator's PUT, through a type lacking both, dropped them; the
    // webhook put them back from their mirrors.
    assert_eq!(spec["executorRef"], "main-executor", "{spec}");
    assert_eq!(
        admitted["metadata"]["labels"]["hourglass.eigenlayer.io/executor"],
        "main-executor"
    );
    assert_eq!(
        spec["scheduling"]["nodeAffinity"], spec["scheduling"]["affinity"]["nodeAffinity"],
        "{spec}"
    );
    let keys: Vec<&str> = spec["scheduling"]["nodeAffinity"]
        ["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]
        ["matchExpressions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "kubernetes.io/arch",
            "accelerator",
            "intel.feature.node.kubernetes.io/sgx",
            "intel.sgx.version"
        ]
    );
    // The stored object's managed fields show the operator's update was
    // what went through (its field manager is controller-runtime's default).
    let managers: Vec<&str> = admitted["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["manager"].as_str().unwrap_or_default())
        .collect();
    assert!(
        managers.contains(&hourglass_e2e::UPSTREAM_FIELD_MANAGER),
        "{managers:?}"
    );
    // The relation still selects by label.
    let selected = ControlPlane::with_webhook().kubectl_outcome(
        &[
            "get",
            "performers",
            "-n",
            ns,
            "-l",
            "hourglass.eigenlayer.io/executor=main-executor",
            "-o",
            "name",
        ],
        None,
    );
    selected.assert_success();
    assert_eq!(
        selected.stdout,
        "performer.hourglass.eigenlayer.io/complex-performer\n"
    );
}

#[test]
fn names_the_operator_cannot_give_its_service_are_refused() {
    let control_plane = ControlPlane::with_webhook();
    let namespace = TestNamespace::create(control_plane).unwrap();
    let ns = namespace.name();
    let performer = |name: &str| {
        example_text("minimal-performer.yaml")
            .replace("name: minimal-performer", &format!("name: {name}"))
    };
    let long = "p".repeat(61);
    let refused =
        control_plane.kubectl_outcome(&["create", "-n", ns, "-f", "-"], Some(&performer(&long)));
    refused.assert_failure_containing(&format!(
        "metadata.name: \"{long}\" cannot name the operator's Pod and Service \"performer-<name>\": expected at most 53 lowercase letters"
    ));
    control_plane
        .kubectl_outcome(
            &["create", "-n", ns, "-f", "-"],
            Some(&performer(&"p".repeat(53))),
        )
        .assert_success();
    let dotted = control_plane.kubectl_outcome(
        &["create", "-n", ns, "-f", "-"],
        Some(&performer("my.performer")),
    );
    dotted.assert_failure_containing("(no '.')");
}

/// A Performer as the upstream executor (ponos, kubernetes mode) posts it.
fn as_the_executor_creates_it(name: &str, image: &str, extra: Value) -> Value {
    let address = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
    let mut performer = json!({
        "apiVersion": "hourglass.eigenlayer.io/v1alpha1",
        "kind": "Performer",
        "metadata": {
            "name": name,
            "creationTimestamp": null,
            "labels": {
                "app": "hourglass-performer",
                "hourglass.eigenlayer.io/avs": address,
                "hourglass.eigenlayer.io/performer": name,
            },
        },
        "spec": {
            "avsAddress": address,
            "image": image,
            "imagePullPolicy": "Never",
            "version": image.rsplit(':').next().unwrap(),
            "config": {
                "grpcPort": 8080,
                "environment": {"AVS_ADDRESS": address, "GRPC_PORT": "8080", "LOG_FORMAT": "json"},
            },
            "resources": {},
        },
        "status": {},
    });
    for (key, value) in extra.as_object().unwrap() {
        performer["spec"]["config"][key] = value.clone();
    }
    performer
}

#[test]
fn performers_as_the_upstream_executor_creates_them_are_admitted_unchanged() {
    let control_plane = ControlPlane::with_webhook();
    let namespace = TestNamespace::create(control_plane).unwrap();
    let ns = namespace.name();
    let rows = [
        as_the_executor_creates_it(
            "performer-3fa2b1-0c9d8e7f",
            "ghcr.io/acme/hello-performer:v1.2.3",
            json!({}),
        ),
        as_the_executor_creates_it(
            "performer-3fa2b1-9a8b7c6d",
            "localhost:5000/acme/performer:latest",
            json!({
                "environmentFrom": [
                    {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "avs-secrets", "key": "api-key"}}},
                    {"name": "CHAIN", "valueFrom": {"configMapKeyRef": {"name": "avs-config", "key": "chain"}}},
                ],
                "serviceAccountName": "default",
            }),
        ),
    ];
    for sent in rows {
        let name = sent["metadata"]["name"].as_str().unwrap().to_string();
        let created = control_plane.kubectl_outcome(
            &["create", "-n", ns, "-f", "-", "-o", "json"],
            Some(&sent.to_string()),
        );
        created.assert_success();
        let stored: Value = serde_json::from_str(&created.stdout).unwrap();
        assert_eq!(
            stored["spec"], sent["spec"],
            "{name}: nothing but defaults, and none were missing"
        );
        assert_eq!(
            stored["metadata"]["labels"], sent["metadata"]["labels"],
            "{name}"
        );
    }

    // A digest-based deploy yields an image with an empty tag.
    let digest = as_the_executor_creates_it(
        "performer-3fa2b1-11111111",
        "ghcr.io/acme/performer:",
        json!({}),
    );
    let refused =
        control_plane.kubectl_outcome(&["create", "-n", ns, "-f", "-"], Some(&digest.to_string()));
    refused.assert_failure_containing(
        "spec.image: \"ghcr.io/acme/performer:\" has an empty tag after ':'; give a tag (ghcr.io/acme/performer:v1.2.0), or a digest after '@' (ghcr.io/acme/performer@sha256:<64 hex>)",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn objects_a_pod_needs_but_that_do_not_exist_are_warnings() {
    let control_plane = ControlPlane::with_webhook();
    let namespace = TestNamespace::create(control_plane).unwrap();
    let ns = namespace.name();
    let performer = example_text("minimal-performer.yaml").replace(
        "spec:\n",
        "spec:\n  scheduling:\n    runtimeClass: kata-missing\n  config:\n    serviceAccountName: nobody\n",
    );
    let created = control_plane.kubectl_outcome(&["create", "-n", ns, "-f", "-"], Some(&performer));
    created.assert_success();
    for needle in [
        "spec.scheduling.runtimeClass: RuntimeClass \"kata-missing\" not found; the pod is refused",
        "spec.config.serviceAccountName: ServiceAccount \"nobody\" not found in ",
    ] {
        created.assert_stderr_contains(needle);
    }

    // Once they exist, the watch caches know it and nothing is said.
    let client = control_plane.kube_client().await.unwrap();
    ensure_runtime_class(&client, "kata-missing").await;
    control_plane
        .kubectl_outcome(&["create", "serviceaccount", "nobody", "-n", ns], None)
        .assert_success();
    let renamed = performer.replace("name: minimal-performer", "name: second-performer");
    let quiet = eventually("the webhook's caches see the new objects", async || {
        let dry = control_plane.kubectl_outcome(
            &["create", "-n", ns, "--dry-run=server", "-f", "-"],
            Some(&renamed),
        );
        (!dry.stderr.contains("not found")).then_some(dry)
    })
    .await;
    quiet.assert_success();
}

#[test]
fn the_webhook_may_watch_what_it_warns_about_and_read_no_secret() {
    let control_plane = ControlPlane::with_webhook();
    for file in ["00-namespace.yaml", "10-rbac.yaml"] {
        let path = manifest_path("manifests/webhook").join(file);
        control_plane
            .kubectl_outcome(&["apply", "-f", &path.display().to_string()], None)
            .assert_success();
    }
    let can = |verb: &str, resource: &str| {
        let answer = control_plane.kubectl_outcome(
            &[
                "auth",
                "can-i",
                verb,
                resource,
                "--all-namespaces",
                "--as",
                "system:serviceaccount:hourglass-system:hourglass-webhook",
            ],
            None,
        );
        answer.stdout.trim() == "yes"
    };
    for resource in [
        "hourglassexecutors.hourglass.eigenlayer.io",
        "runtimeclasses.node.k8s.io",
        "priorityclasses.scheduling.k8s.io",
        "serviceaccounts",
    ] {
        assert!(can("list", resource), "list {resource}");
        assert!(can("watch", resource), "watch {resource}");
    }
    for (verb, resource) in [
        ("get", "secrets"),
        ("list", "secrets"),
        ("list", "configmaps"),
        ("create", "performers.hourglass.eigenlayer.io"),
        ("update", "hourglassexecutors.hourglass.eigenlayer.io"),
    ] {
        assert!(!can(verb, resource), "{verb} {resource} must be refused");
    }
}
