//! The stand-ins' contracts on a real kube-apiserver (our CRDs, no
//! webhook): the upstream operator's typed update erases what its type
//! lacks, its pod and service have upstream's shape, its status has no
//! conditions and omits `ready: false`, an image change replaces the pod;
//! the documented operator keeps every field, writes conditions with
//! observedGeneration and takes pod affinity from `scheduling.nodeAffinity`;
//! the simulated kubelet writes each outcome's pod status, and its pods
//! are deleted at once.

use std::future::Future;
use std::time::{Duration, Instant};

use futures::StreamExt;
use hourglass_e2e::{
    ControlPlane, DocumentedOperator, DocumentedPerformer, IMAGE_PULL_BACK_OFF_AFTER,
    NO_GPU_NODE_MESSAGE, OperatorTiming, PERFORMER_FINALIZER, PodOutcome, PodPolicy,
    SimulatedKubelet, TestNamespace, UPSTREAM_FIELD_MANAGER, UpstreamOperator,
    ensure_runtime_class,
};
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, Patch, PatchParams, PostParams,
};
use kube::runtime::watcher::{self, Event, watcher};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);

/// A fresh namespace and an admin client.
async fn setup() -> (TestNamespace<'static>, kube::Client) {
    let control_plane = ControlPlane::with_crds();
    let namespace = TestNamespace::create(control_plane).unwrap();
    let client = control_plane.kube_client().await.unwrap();
    (namespace, client)
}

fn performers(client: &kube::Client, namespace: &str) -> Api<DynamicObject> {
    let gvk = GroupVersionKind::gvk("hourglass.eigenlayer.io", "v1alpha1", "Performer");
    let resource = ApiResource::from_gvk_with_plural(&gvk, "performers");
    Api::namespaced_with(client.clone(), namespace, &resource)
}

async fn create_performer(client: &kube::Client, namespace: &str, manifest: Value) {
    let object: DynamicObject = serde_json::from_value(manifest).unwrap();
    performers(client, namespace)
        .create(&PostParams::default(), &object)
        .await
        .unwrap();
}

/// The stored performer as JSON.
async fn performer_json(client: &kube::Client, namespace: &str, name: &str) -> Value {
    let object = performers(client, namespace).get(name).await.unwrap();
    serde_json::to_value(object).unwrap()
}

async fn set_image(client: &kube::Client, namespace: &str, name: &str, image: &str) {
    performers(client, namespace)
        .patch(
            name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "image": image } })),
        )
        .await
        .unwrap();
}

/// Polls `probe` every 50 ms until it gives something, or panics naming
/// `what` after [`WAIT`].
async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn pod_json(client: &kube::Client, namespace: &str, name: &str) -> Option<Value> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let pod = pods.get_opt(name).await.unwrap()?;
    Some(serde_json::to_value(pod).unwrap())
}

/// The performer's pod once its status satisfies `ready`.
async fn pod_when(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    what: &str,
    ready: impl Fn(&Value) -> bool,
) -> Value {
    eventually(what, || async {
        pod_json(client, namespace, name)
            .await
            .filter(|pod| ready(pod))
    })
    .await
}

/// The performer once its JSON satisfies `ready`.
async fn performer_when(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    what: &str,
    ready: impl Fn(&Value) -> bool,
) -> Value {
    eventually(what, || async {
        Some(performer_json(client, namespace, name).await).filter(|p| ready(p))
    })
    .await
}

/// The upstream fields, plus the two the upstream type lacks
/// (`executorRef`, `scheduling.nodeAffinity`).
fn complex_performer(name: &str) -> Value {
    json!({
        "apiVersion": "hourglass.eigenlayer.io/v1alpha1",
        "kind": "Performer",
        "metadata": {
            "name": name,
            "labels": { "team": "avs" },
            "annotations": { "note": "kept" },
        },
        "spec": {
            "avsAddress": "0x1234567890AbcdEF1234567890aBcdef12345678",
            "image": "myavs/performer:v2.0.0",
            "version": "v2.0.0",
            "executorRef": "main-executor",
            "imagePullPolicy": "IfNotPresent",
            "config": {
                "grpcPort": 9090,
                "environment": { "WORKER_THREADS": "4", "LOG_LEVEL": "debug" },
                "environmentFrom": [
                    { "name": "OPERATOR_KEY", "valueFrom": { "secretKeyRef": { "name": "keys", "key": "ecdsa" } } }
                ],
                "command": ["/usr/bin/performer"],
                "args": ["--config", "/etc/config.yaml"],
                "serviceAccountName": "performer-sa",
            },
            "resources": {
                "requests": { "cpu": "0.5", "memory": "1.5Gi" },
                "limits": { "cpu": 2, "memory": "4Gi" },
            },
            "scheduling": {
                "nodeSelector": { "node.kubernetes.io/instance-type": "m5.2xlarge" },
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": { "nodeSelectorTerms": [
                        { "matchExpressions": [{ "key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"] }] }
                    ] }
                },
                "affinity": { "nodeAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [{
                        "weight": 100,
                        "preference": { "matchExpressions": [{ "key": "topology.kubernetes.io/zone", "operator": "In", "values": ["a"] }] }
                    }]
                } },
                "tolerations": [
                    { "key": "dedicated", "operator": "Equal", "value": "avs-workloads", "effect": "NoSchedule" }
                ],
                "runtimeClass": "gvisor",
                "priorityClassName": "high",
            },
            "hardwareRequirements": {
                "gpuType": "nvidia-a100",
                "gpuCount": 2,
                "teeRequired": true,
                "teeType": "sgx",
                "customLabels": { "intel.sgx.version": "2.0" },
            },
            "imagePullSecrets": [{ "name": "private-registry" }],
        }
    })
}

fn minimal_performer(name: &str, image: &str) -> Value {
    json!({
        "apiVersion": "hourglass.eigenlayer.io/v1alpha1",
        "kind": "Performer",
        "metadata": { "name": name },
        "spec": {
            "avsAddress": "0x1234567890abcdef1234567890abcdef12345678",
            "image": image,
        }
    })
}

fn owner_reference(performer: &Value) -> Value {
    json!([{
        "apiVersion": "hourglass.eigenlayer.io/v1alpha1",
        "kind": "Performer",
        "name": performer["metadata"]["name"],
        "uid": performer["metadata"]["uid"],
        "controller": true,
        "blockOwnerDeletion": true,
    }])
}

// ---------------------------------------------------------------- upstream

#[tokio::test]
async fn upstream_update_erases_what_its_type_lacks() {
    let (namespace, client) = setup().await;
    let ns = namespace.name();
    ensure_runtime_class(&client, "gvisor").await;
    create_performer(&client, ns, complex_performer("complex")).await;
    let before = performer_json(&client, ns, "complex").await;
    assert_eq!(before["spec"]["executorRef"], "main-executor");
    assert!(before["spec"]["scheduling"]["nodeAffinity"].is_object());

    let operator = UpstreamOperator::start(client.clone(), ns);
    let after = performer_when(&client, ns, "complex", "the finalizer", |p| {
        p["metadata"]["finalizers"] == json!([PERFORMER_FINALIZER])
    })
    .await;

    let spec = &after["spec"];
    assert_eq!(spec.get("executorRef"), None, "{spec:#}");
    assert_eq!(spec["scheduling"].get("nodeAffinity"), None, "{spec:#}");
    assert_eq!(
        spec["scheduling"]["affinity"],
        before["spec"]["scheduling"]["affinity"]
    );
    for kept in [
        "avsAddress",
        "image",
        "version",
        "imagePullPolicy",
        "hardwareRequirements",
        "imagePullSecrets",
    ] {
        assert_eq!(spec[kept], before["spec"][kept], "{kept}");
    }
    for kept in [
        "nodeSelector",
        "tolerations",
        "runtimeClass",
        "priorityClassName",
    ] {
        assert_eq!(
            spec["scheduling"][kept], before["spec"]["scheduling"][kept],
            "{kept}"
        );
    }
    assert_eq!(spec["config"], before["spec"]["config"]);
    assert_eq!(
        spec["resources"],
        json!({
            "requests": { "cpu": "500m", "memory": "1536Mi" },
            "limits": { "cpu": "2", "memory": "4Gi" },
        }),
        "quantities re-encoded the way Go's resource.Quantity writes them"
    );
    let managers: Vec<&Value> = after["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| &entry["manager"])
        .collect();
    assert!(
        managers.contains(&&json!(UPSTREAM_FIELD_MANAGER)),
        "{managers:?}"
    );
    assert_eq!(after["metadata"]["labels"], json!({ "team": "avs" }));
    assert_eq!(after["metadata"]["annotations"], json!({ "note": "kept" }));
    assert_eq!(operator.errors(), Vec::<String>::new());
}

#[tokio::test]
async fn upstream_pod_and_service_have_upstreams_shape() {
    let (namespace, client) = setup().await;
    let ns = namespace.name();
    ensure_runtime_class(&client, "gvisor").await;
    create_performer(&client, ns, complex_performer("complex")).await;
    let operator = UpstreamOperator::start(client.clone(), ns);

    let pod = pod_when(&client, ns, "performer-complex", "the pod", |_| true).await;
    let performer = performer_json(&client, ns, "complex").await;
    assert_eq!(
        pod["metadata"]["labels"],
        json!({
            "app": "hourglass-performer",
            "hourglass.eigenlayer.io/performer": "complex",
            "hourglass.eigenlayer.io/avs": "0x1234567890abcdef1234567890abcdef12345678",
        })
    );
    assert_eq!(
        pod["metadata"]["ownerReferences"],
        owner_reference(&performer)
    );
    let spec = &pod["spec"];
    assert_eq!(spec["containers"].as_array().unwrap().len(), 1);
    let container = &spec["containers"][0];
    assert_eq!(container["name"], "performer");
    assert_eq!(container["image"], "myavs/performer:v2.0.0");
    assert_eq!(container["imagePullPolicy"], "IfNotPresent");
    assert_eq!(container["command"], json!(["/usr/bin/performer"]));
    assert_eq!(container["args"], json!(["--config", "/etc/config.yaml"]));
    assert_eq!(
        container["ports"],
        json!([{ "name": "grpc", "containerPort": 9090, "protocol": "TCP" }])
    );
    assert_eq!(
        container["env"],
        json!([
            { "name": "LOG_LEVEL", "value": "debug" },
            { "name": "WORKER_THREADS", "value": "4" },
            { "name": "OPERATOR_KEY", "valueFrom": { "secretKeyRef": { "name": "keys", "key": "ecdsa" } } },
        ]),
        "environment (sorted; Go's map order is random), then environmentFrom"
    );
    assert_eq!(
        container["resources"],
        json!({
            "requests": { "cpu": "500m", "memory": "1536Mi", "nvidia.com/nvidia-a100": "2" },
            "limits": { "cpu": "2", "memory": "4Gi", "nvidia.com/nvidia-a100": "2" },
        }),
        "GPUs named nvidia.com/<gpuType>"
    );
    assert_eq!(
        container["livenessProbe"],
        json!({ "grpc": { "port": 9090, "service": "" }, "initialDelaySeconds": 30, "periodSeconds": 10,
                "timeoutSeconds": 5, "failureThreshold": 3, "successThreshold": 1 })
    );
    assert_eq!(
        container["readinessProbe"],
        json!({ "grpc": { "port": 9090, "service": "" }, "initialDelaySeconds": 5, "periodSeconds": 15,
                "timeoutSeconds": 1, "failureThreshold": 3, "successThreshold": 1 })
    );
    assert_eq!(
        spec["imagePullSecrets"],
        json!([{ "name": "private-registry" }])
    );
    assert_eq!(spec["restartPolicy"], "Always");
    assert_eq!(spec["serviceAccountName"], "performer-sa");
    assert_eq!(
        spec["nodeSelector"],
        json!({ "node.kubernetes.io/instance-type": "m5.2xlarge" })
    );
    assert_eq!(
        spec["affinity"], performer["spec"]["scheduling"]["affinity"],
        "affinity is scheduling.affinity"
    );
    let tolerations = spec["tolerations"].as_array().unwrap();
    assert_eq!(
        tolerations[..1],
        performer["spec"]["scheduling"]["tolerations"]
            .as_array()
            .unwrap()[..],
        "then the two the DefaultTolerationSeconds admission plugin adds"
    );
    assert_eq!(tolerations.len(), 3, "{tolerations:#?}");
    assert_eq!(spec["runtimeClassName"], "gvisor");
    assert_eq!(
        spec.get("priorityClassName"),
        None,
        "priorityClassName is not copied"
    );
    assert_eq!(spec.get("nodeName"), None);

    let services: Api<Service> = Api::namespaced(client.clone(), ns);
    let service = eventually("the service", || async {
        services.get_opt("performer-complex").await.unwrap()
    })
    .await;
    let service = serde_json::to_value(service).unwrap();
    assert_eq!(service["spec"]["type"], "ClusterIP");
    assert_eq!(
        service["spec"]["selector"],
        json!({ "hourglass.eigenlayer.io/performer": "complex" })
    );
    assert_eq!(
        service["spec"]["ports"],
        json!([{ "name": "grpc", "port": 9090, "targetPort": "grpc", "protocol": "TCP" }])
    );
    assert_eq!(
        service["metadata"]["ownerReferences"],
        owner_reference(&performer)
    );
    let cluster_ip = service["spec"]["clusterIP"].clone();
    assert!(cluster_ip.is_string(), "{service:#}");

    // Later reconciles update the service whole (without its cluster IP);
    // the apiserver accepts that and keeps the allocated address.
    let reconciles = operator.reconciles();
    performers(&client, ns)
        .patch(
            "complex",
            &PatchParams::default(),
            &Patch::Merge(json!({ "metadata": { "annotations": { "poke": "1" } } })),
        )
        .await
        .unwrap();
    eventually("another reconcile", || async {
        (operator.reconciles() > reconciles).then_some(())
    })
    .await;
    let service = services.get("performer-complex").await.unwrap();
    assert_eq!(json!(service.spec.unwrap().cluster_ip), cluster_ip);
    assert_eq!(operator.errors(), Vec::<String>::new());

    // Its own writes change nothing once settled (the service update and
    // the status update are no-ops), so it does not trigger itself.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let settled = operator.reconciles();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        operator.reconciles(),
        settled,
        "no reconcile without an event"
    );
}

#[tokio::test]
async fn upstream_default_port_is_8080() {
    let (namespace, client) = setup().await;
    let ns = namespace.name();
    create_performer(&client, ns, minimal_performer("minimal", "acme/avs:v1")).await;
    let _operator = UpstreamOperator::start(client.clone(), ns);
    let pod = pod_when(&client, ns, "performer-minimal", "the pod", |_| true).await;
    let container = &pod["spec"]["containers"][0];
    assert_eq!(container["ports"][0]["containerPort"], 8080);
    assert_eq!(container["livenessProbe"]["grpc"]["port"], 8080);
    assert_eq!(container.get("env"), None);
    assert_eq!(container.get("command"), None);
    assert_eq!(pod["spec"].get("affinity"), None);
}

#[tokio::test]
async fn upstream_status_has_no_conditions_and_omits_ready_false() {
    let (namespace, client) = setup().await;
    let ns = namespace.name();
    create_performer(&client, ns, minimal_performer("minimal", "acme/avs:v1")).await;
    let kubelet = SimulatedKubelet::start(
        client.clone(),
        ns,
        PodPolicy::always(PodOutcome::ContainerCreating),
    );
    let _operator = UpstreamOperator::start(client.clone(), ns);

    let pending = performer_when(&client, ns, "minimal", "a status naming the pod", |p| {
        p["status"]["podName"] == "performer-minimal"
    })
    .await;
    assert_eq!(
        pending["status"],
        json!({
            "phase": "Pending",
            "podName": "performer-minimal",
            "serviceName": "performer-minimal",
            "grpcEndpoint": format!("performer-minimal.{ns}.svc.cluster.local"),
        }),
        "no `ready: false`, no conditions"
    );

    kubelet
        .set_outcome("performer-minimal", PodOutcome::RunningReady)
        .await
        .unwrap();
    let running = performer_when(&client, ns, "minimal", "phase Running", |p| {
        p["status"]["phase"] == "Running"
    })
    .await;
    let status = &running["status"];
    assert!(status["readyTime"].is_string(), "{status:#}");
    let mut without_time = status.clone();
    without_time.as_object_mut().unwrap().remove("readyTime");
    assert_eq!(
        without_time,
        json!({
            "phase": "Running",
            "ready": true,
            "podName": "performer-minimal",
            "serviceName": "performer-minimal",
            "grpcEndpoint": format!("performer-minimal.{ns}.svc.cluster.local"),
        })
    );
    assert_eq!(
        (
            &running["metadata"]["generation"],
            &running["spec"]["config"],
            &running["spec"]["resources"]
        ),
        (&json!(2), &json!({}), &json!({})),
        "the finalizer update wrote Go's `config: {{}}` and `resources: {{}}`, a new generation"
    );

    // Running but not ready: `ready` disappears, readyTime stays.
    kubelet
        .set_outcome("performer-minimal", PodOutcome::CrashLoopBackOff)
        .await
        .unwrap();
    let crashing = performer_when(&client, ns, "minimal", "ready gone", |p| {
        p["status"].get("ready").is_none()
    })
    .await;
    assert_eq!(crashing["status"]["phase"], "Running");
    assert_eq!(crashing["status"]["readyTime"], status["readyTime"]);
    assert_eq!(crashing["status"].get("conditions"), None);
}

/// Every status the performer goes through until `done` (given the
/// performer and the statuses so far) says stop.
async fn statuses_until(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    done: impl Fn(&Value, &[Value]) -> bool,
) -> Vec<Value> {
    let config = watcher::Config::default().fields(&format!("metadata.name={name}"));
    let stream = watcher(performers(client, namespace), config);
    let mut stream = std::pin::pin!(stream);
    let mut seen: Vec<Value> = Vec::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let event = tokio::time::timeout_at(deadline, stream.next())
            .await
            .unwrap_or_else(|_| panic!("statuses seen before timing out: {seen:#?}"));
        if let Some(Ok(Event::Apply(object) | Event::InitApply(object))) = event {
            let object = serde_json::to_value(object).unwrap();
            let status = object["status"].clone();
            if seen.last() != Some(&status) {
                seen.push(status);
            }
            if done(&object, &seen) {
                return seen;
            }
        }
    }
}

#[tokio::test]
async fn upstream_upgrade_deletes_the_old_pod_then_creates_a_new_one() {
    let (namespace, client) = setup().await;
    let ns = namespace.name();
    create_performer(&client, ns, minimal_performer("upgraded", "acme/avs:v1")).await;
    let _kubelet = SimulatedKubelet::start(client.clone(), ns, PodPolicy::default());
    let _operator = UpstreamOperator::start(client.clone(), ns);
    let old = pod_when(
        &client,
        ns,
        "performer-upgraded",
        "the v1 pod running",
        |pod| pod["status"]["phase"] == "Running",
    )
    .await;
    performer_when(&client, ns, "upgraded", "phase Running", |p| {
        p["status"]["ready"] == true
    })
    .await;

    let client_for_watch = client.clone();
    let ns_for_watch = ns.to_string();
    let watching = tokio::spawn(async move {
        statuses_until(&client_for_watch, &ns_for_watch, "upgraded", |p, seen| {
            let left_running = seen.iter().any(|status| status["phase"] != "Running");
            left_running && p["status"]["phase"] == "Running"
        })
        .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    set_image(&client, ns, "upgraded", "acme/avs:v2").await;
    let statuses = watching.await.unwrap();

    let new = pod_when(&client, ns, "performer-upgraded", "the v2 pod", |pod| {
        pod["spec"]["containers"][0]["image"] == "acme/avs:v2"
    })
    .await;
    assert_ne!(
        new["metadata"]["uid"], old["metadata"]["uid"],
        "a new pod, not the old one updated"
    );
    // Between the two pods upstream reports no pod: phase Pending, podName
    // "" (omitted), and `ready` left as it was.
    let between = json!({
        "phase": "Pending",
        "ready": true,
        "serviceName": "performer-upgraded",
        "grpcEndpoint": format!("performer-upgraded.{ns}.svc.cluster.local"),
    });
    assert!(
        statuses.iter().any(|status| {
            let mut status = status.clone();
            status.as_object_mut().unwrap().remove("readyTime");
            status == between
        }),
        "{statuses:#?}"
    );
}

#[tokio::test]
async fn upstream_replaces_failed_and_long_pending_pods() {
    let (namespace, client) = setup().await;
    let ns = namespace.name();
    create_performer(&client, ns, minimal_performer("failing", "acme/avs:v1")).await;
    create_performer(
        &client,
        ns,
        minimal_performer("unschedulable", "acme/gpu-avs:v1"),
    )
    .await;
    let policy = PodPolicy::default().with_image("acme/gpu-avs:v1", PodOutcome::no_gpu_node());
    let kubelet = SimulatedKubelet::start(client.clone(), ns, policy);
    let timing = OperatorTiming {
        pending_timeout: Duration::from_secs(2),
        requeue_after: Duration::from_secs(1),
    };
    let _operator = UpstreamOperator::start_with(client.clone(), Some(ns), timing);

    let running = pod_when(&client, ns, "performer-failing", "a running pod", |pod| {
        pod["status"]["phase"] == "Running"
    })
    .await;
    kubelet
        .set_outcome("performer-failing", PodOutcome::Failed)
        .await
        .unwrap();
    pod_when(
        &client,
        ns,
        "performer-failing",
        "a new running pod",
        |pod| {
            pod["metadata"]["uid"] != running["metadata"]["uid"]
                && pod["status"]["phase"] == "Running"
        },
    )
    .await;

    let first = pod_when(
        &client,
        ns,
        "performer-unschedulable",
        "an unschedulable pod",
        |pod| pod["status"]["conditions"][0]["reason"] == "Unschedulable",
    )
    .await;
    let started = Instant::now();
    pod_when(
        &client,
        ns,
        "performer-unschedulable",
        "the pending pod replaced",
        |pod| pod["metadata"]["uid"] != first["metadata"]["uid"],
    )
    .await;
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "replaced only once Pending longer than the timeout"
    );
    let status = performer_json(&client, ns, "unschedulable").await["status"].clone();
    assert_eq!(status["phase"], "Pending");
    assert_eq!(status.get("ready"), None);
}

#[tokio::test]
async fn upstream_removes_its_finalizer_on_deletion() {
    let (namespace, client) = setup().await;
    let ns = namespace.name();
    create_performer(&client, ns, minimal_performer("doomed", "acme/avs:v1")).await;
    let _operator = UpstreamOperator::start(client.clone(), ns);
    performer_when(&client, ns, "doomed", "the finalizer", |p| {
        p["metadata"]["finalizers"] == json!([PERFORMER_FINALIZER])
    })
    .await;
    performers(&client, ns)
        .delete("doomed", &DeleteParams::default())
        .await
        .unwrap();
    eventually("the performer gone", || async {
        performers(&client, ns)
            .get_opt("doomed")
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;
}

fn admission_api(client: &kube::Client, kind: &str, plural: &str) -> Api<DynamicObject> {
    let gvk = GroupVersionKind::gvk("admissionregistration.k8s.io", "v1", kind);
    Api::all_with(
        client.clone(),
        &ApiResource::from_gvk_with_plural(&gvk, plural),
    )
}

fn policies(client: &kube::Client) -> Api<DynamicObject> {
    admission_api(
        client,
        "ValidatingAdmissionPolicy",
        "validatingadmissionpolicies",
    )
}

fn bindings(client: &kube::Client) -> Api<DynamicObject> {
    admission_api(
        client,
        "ValidatingAdmissionPolicyBinding",
        "validatingadmissionpolicybindings",
    )
}

/// A ValidatingAdmissionPolicy and its binding (no webhook needed) refusing
/// every performer update in `namespace` that carries upstream's
/// finalizer; returns their common name.
async fn refuse_finalizer_updates(client: &kube::Client, namespace: &str) -> String {
    let name = format!("refuse-finalizer-{namespace}");
    let policy: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": { "name": name },
        "spec": {
            "failurePolicy": "Fail",
            "matchConstraints": { "resourceRules": [{
                "apiGroups": ["hourglass.eigenlayer.io"], "apiVersions": ["*"],
                "operations": ["UPDATE"], "resources": ["performers"],
            }] },
            "validations": [{
                "expression": format!("!has(object.metadata.finalizers) || !('{PERFORMER_FINALIZER}' in object.metadata.finalizers)"),
                "message": "finalizers are refused here",
            }],
        }
    }))
    .unwrap();
    let binding: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": { "name": name },
        "spec": {
            "policyName": name,
            "validationActions": ["Deny"],
            "matchResources": { "namespaceSelector": { "matchLabels": { "kubernetes.io/metadata.name": namespace } } },
        }
    }))
    .unwrap();
    policies(client)
        .create(&PostParams::default(), &policy)
        .await
        .unwrap();
    bindings(client)
        .create(&PostParams::default(), &binding)
        .await
        .unwrap();
    name
}

#[tokio::test]
async fn upstream_keeps_retrying_while_its_update_is_refused() {
    let (namespace, client) = setup().await;
    let ns = namespace.name();
    create_performer(&client, ns, minimal_performer("refused", "acme/avs:v1")).await;
    let policy = refuse_finalizer_updates(&client, ns).await;
    // The policy takes effect through an informer: wait until it refuses.
    eventually("the policy to refuse", || async {
        let patch = json!({ "metadata": { "finalizers": [PERFORMER_FINALIZER] } });
        let dry_run = PatchParams {
            dry_run: true,
            ..PatchParams::default()
        };
        performers(&client, ns)
            .patch("refused", &dry_run, &Patch::Merge(patch))
            .await
            .is_err()
            .then_some(())
    })
    .await;

    let operator = UpstreamOperator::start(client.clone(), ns);
    eventually("refused reconciles", || async {
        (operator.errors().len() >= 3).then_some(())
    })
    .await;
    let errors = operator.errors();
    assert!(
        errors[0].contains("finalizers are refused here"),
        "{errors:#?}"
    );
    assert!(
        pod_json(&client, ns, "performer-refused").await.is_none(),
        "no pod before the finalizer is on"
    );

    bindings(&client)
        .delete(&policy, &DeleteParams::default())
        .await
        .unwrap();
    policies(&client)
        .delete(&policy, &DeleteParams::default())
        .await
        .unwrap();
    pod_when(
        &client,
        ns,
        "performer-refused",
        "the pod once allowed",
        |_| true,
    )
    .await;
}

// -------------------------------------------------------------- documented

#[tokio::test]
async fn documented_keeps_every_field_and_writes_conditions() {
    let (namespace, client) = setup().await;
    let ns = namespace.name();
    ensure_runtime_class(&client, "gvisor").await;
    let mut manifest = complex_performer("complex");
    manifest["spec"]["config"]
        .as_object_mut()
        .unwrap()
        .remove("grpcPort");
    create_performer(&client, ns, manifest).await;
    let before = performer_json(&client, ns, "complex").await;
    let _kubelet = SimulatedKubelet::start(client.clone(), ns, PodPolicy::default());
    let operator = DocumentedOperator::start(client.clone(), ns);

    let running = performer_when(&client, ns, "complex", "phase Running", |p| {
        p["status"]["phase"] == "Running"
    })
    .await;
    assert_eq!(running["spec"], before["spec"], "nothing erased");
    assert_eq!(running["metadata"].get("finalizers"), None);
    let status = &running["status"];
    assert_eq!(status["ready"], true);
    assert!(status["readyTime"].is_string());
    assert_eq!(status["podName"], "performer-complex");
    assert_eq!(
        status["grpcEndpoint"],
        format!("performer-complex.{ns}.svc.cluster.local")
    );
    let conditions: Vec<(String, String, String, i64)> = status["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["type"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
                c["reason"].as_str().unwrap().to_string(),
                c["observedGeneration"].as_i64().unwrap(),
            )
        })
        .collect();
    let generation = running["metadata"]["generation"].as_i64().unwrap();
    let expected = |type_: &str, status: &str| {
        (
            type_.to_string(),
            status.to_string(),
            "PodReady".to_string(),
            generation,
        )
    };
    assert_eq!(
        conditions,
        [
            expected("Available", "True"),
            expected("Progressing", "False"),
            expected("Degraded", "False"),
        ]
    );

    let pod = pod_json(&client, ns, "performer-complex").await.unwrap();
    assert_eq!(
        pod["spec"]["affinity"],
        json!({ "nodeAffinity": before["spec"]["scheduling"]["nodeAffinity"] }),
        "affinity from scheduling.nodeAffinity, as at 5f0df78"
    );
    let container = &pod["spec"]["containers"][0];
    assert_eq!(
        container["ports"][0]["containerPort"], 9090,
        "the documented default"
    );
    assert_eq!(
        container.get("imagePullPolicy"),
        Some(&json!("IfNotPresent"))
    );
    assert_eq!(
        container["env"],
        json!([
            { "name": "LOG_LEVEL", "value": "debug" },
            { "name": "WORKER_THREADS", "value": "4" },
        ]),
        "environmentFrom is not documented"
    );
    assert_eq!(
        pod["spec"].get("serviceAccountName"),
        None,
        "config.serviceAccountName is not documented"
    );
    assert_eq!(operator.errors(), Vec::<String>::new());
}

#[tokio::test]
async fn documented_reports_an_upgrade_whose_image_cannot_be_pulled() {
    let (namespace, client) = setup().await;
    let ns = namespace.name();
    create_performer(&client, ns, minimal_performer("upgraded", "acme/avs:v1")).await;
    let policy = PodPolicy::default().with_image("acme/avs:v9", PodOutcome::ImagePullBackOff);
    let _kubelet = SimulatedKubelet::start(client.clone(), ns, policy);
    let _operator = DocumentedOperator::start(client.clone(), ns);
    let running = performer_when(&client, ns, "upgraded", "phase Running", |p| {
        p["status"]["phase"] == "Running"
    })
    .await;
    assert_eq!(running["status"].get("lastUpgrade"), None);

    set_image(&client, ns, "upgraded", "acme/avs:v9").await;
    let degraded = performer_when(&client, ns, "upgraded", "ImagePullBackOff reported", |p| {
        p["status"]["conditions"][2]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Back-off pulling image"))
    })
    .await;
    let status = &degraded["status"];
    assert_eq!(status["phase"], "Upgrading");
    assert_eq!(status["ready"], false);
    assert!(status["lastUpgrade"].is_string());
    assert_eq!(degraded["metadata"]["generation"], 2);
    let degraded_condition = &status["conditions"][2];
    assert_eq!(degraded_condition["type"], "Degraded");
    assert_eq!(degraded_condition["status"], "True");
    assert_eq!(degraded_condition["reason"], "ImagePullFailed");
    assert_eq!(degraded_condition["observedGeneration"], 2);
    assert!(
        degraded_condition["message"]
            .as_str()
            .unwrap()
            .starts_with("Back-off pulling image \"acme/avs:v9\": ErrImagePull: "),
        "{degraded_condition}"
    );
    assert_eq!(status["conditions"][0]["type"], "Available");
    assert_eq!(status["conditions"][0]["status"], "False");
}

#[tokio::test]
async fn documented_reports_an_unschedulable_pod() {
    let (namespace, client) = setup().await;
    let ns = namespace.name();
    create_performer(&client, ns, minimal_performer("gpu", "acme/gpu-avs:v1")).await;
    let _kubelet = SimulatedKubelet::start(
        client.clone(),
        ns,
        PodPolicy::always(PodOutcome::no_gpu_node()),
    );
    let _operator = DocumentedOperator::start(client.clone(), ns);
    let performer = performer_when(&client, ns, "gpu", "SchedulingFailed", |p| {
        p["status"]["conditions"][2]["reason"] == "SchedulingFailed"
    })
    .await;
    let status = &performer["status"];
    assert_eq!(status["phase"], "Pending");
    assert_eq!(status["conditions"][2]["status"], "True");
    assert_eq!(status["conditions"][2]["message"], NO_GPU_NODE_MESSAGE);
    assert_eq!(status["conditions"][1]["type"], "Progressing");
    assert_eq!(status["conditions"][1]["status"], "True");
}

/// 5f0df78 rebuilt the whole pod spec and updated the existing pod with
/// it. Once kube-scheduler has bound the pod (every pod of a real cluster),
/// the rebuilt spec lacks `nodeName` and the apiserver refuses the update,
/// though the same image change alone is allowed: hence both stand-ins
/// replace the pod instead. (A real cluster's ServiceAccount admission
/// plugin also adds a token volume the rebuilt spec lacks; this apiserver
/// runs without it, so an unbound pod still takes the rebuilt spec.)
#[tokio::test]
async fn in_place_pod_update_is_refused() {
    let (namespace, client) = setup().await;
    let ns = namespace.name();
    let performer = |image: &str| -> DocumentedPerformer {
        serde_json::from_value(json!({
            "metadata": { "name": "inplace", "namespace": ns, "uid": "00000000-0000-0000-0000-000000000001" },
            "spec": { "avsAddress": "0x1234567890abcdef1234567890abcdef12345678", "image": image },
        }))
        .unwrap()
    };
    let rebuilt = |image: &str, stored: &Pod| {
        let mut pod = DocumentedOperator::pod_for(&performer(image));
        pod.metadata = stored.metadata.clone();
        pod
    };
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let mut v1 = DocumentedOperator::pod_for(&performer("acme/avs:v1"));
    v1.metadata.owner_references = None;
    let stored = pods.create(&PostParams::default(), &v1).await.unwrap();
    let stored = pods
        .replace(
            "performer-inplace",
            &PostParams::default(),
            &rebuilt("acme/avs:v2", &stored),
        )
        .await
        .expect("an unbound pod on this apiserver takes the rebuilt spec");

    let binding = json!({
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": { "name": "performer-inplace" },
        "target": { "apiVersion": "v1", "kind": "Node", "name": "node-1" },
    });
    let _: Value = pods
        .create_subresource(
            "binding",
            "performer-inplace",
            &PostParams::default(),
            &binding,
        )
        .await
        .unwrap();
    let bound = pods.get("performer-inplace").await.unwrap();
    assert_eq!(
        bound.spec.as_ref().unwrap().node_name.as_deref(),
        Some("node-1")
    );
    assert_ne!(
        bound.metadata.resource_version,
        stored.metadata.resource_version
    );

    let refused = pods
        .replace(
            "performer-inplace",
            &PostParams::default(),
            &rebuilt("acme/avs:v3", &bound),
        )
        .await
        .unwrap_err();
    let kube::Error::Api(status) = refused else {
        panic!("{refused}")
    };
    assert_eq!(status.code, 422, "{status:?}");
    assert!(
        status
            .message
            .contains("pod updates may not change fields other than"),
        "{}",
        status.message
    );

    let mut image_only = bound.clone();
    image_only.spec.as_mut().unwrap().containers[0].image = Some("acme/avs:v3".into());
    pods.replace("performer-inplace", &PostParams::default(), &image_only)
        .await
        .unwrap();
    // No kubelet confirms a bound pod's end: remove it without grace.
    pods.delete(
        "performer-inplace",
        &DeleteParams::default().grace_period(0),
    )
    .await
    .unwrap();
}

// ----------------------------------------------------------------- kubelet

fn bare_pod(name: &str, image: &str) -> Pod {
    serde_json::from_value(json!({
        "metadata": { "name": name },
        "spec": { "containers": [{ "name": "performer", "image": image }] },
    }))
    .unwrap()
}

fn condition<'a>(pod: &'a Value, type_: &str) -> &'a Value {
    pod["status"]["conditions"]
        .as_array()
        .and_then(|list| list.iter().find(|c| c["type"] == type_))
        .unwrap_or(&Value::Null)
}

fn condition_statuses(pod: &Value) -> Vec<(String, String)> {
    pod["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["type"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[tokio::test]
async fn kubelet_writes_each_outcome() {
    let (namespace, client) = setup().await;
    let ns = namespace.name();
    let policy = PodPolicy::always(PodOutcome::RunningReady)
        .with_image("acme/avs:not-ready", PodOutcome::NotReady)
        .with_image("acme/avs:creating", PodOutcome::ContainerCreating)
        .with_image("acme/avs:missing", PodOutcome::ImagePullBackOff)
        .with_image("acme/avs:gpu", PodOutcome::no_gpu_node())
        .with_image("acme/avs:crash", PodOutcome::CrashLoopBackOff)
        .with_image("acme/avs:evicted", PodOutcome::Failed);
    let _kubelet = SimulatedKubelet::start(client.clone(), ns, policy);
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    for (name, image) in [
        ("ready", "acme/avs:v1"),
        ("not-ready", "acme/avs:not-ready"),
        ("creating", "acme/avs:creating"),
        ("missing", "acme/avs:missing"),
        ("gpu", "acme/avs:gpu"),
        ("crash", "acme/avs:crash"),
        ("evicted", "acme/avs:evicted"),
    ] {
        pods.create(&PostParams::default(), &bare_pod(name, image))
            .await
            .unwrap();
    }
    let has_status = |pod: &Value| pod["status"]["conditions"].is_array();

    let ready = pod_when(&client, ns, "ready", "ready", has_status).await;
    assert_eq!(ready["status"]["phase"], "Running");
    assert_eq!(
        condition_statuses(&ready),
        pairs(&[
            ("PodReadyToStartContainers", "True"),
            ("Initialized", "True"),
            ("Ready", "True"),
            ("ContainersReady", "True"),
            ("PodScheduled", "True"),
        ])
    );
    let container = &ready["status"]["containerStatuses"][0];
    assert_eq!(container["name"], "performer");
    assert_eq!(container["image"], "docker.io/acme/avs:v1");
    assert!(
        container["imageID"]
            .as_str()
            .unwrap()
            .starts_with("docker.io/acme/avs@sha256:")
    );
    assert_eq!(container["ready"], true);
    assert_eq!(container["started"], true);
    assert_eq!(container["restartCount"], 0);
    assert!(container["state"]["running"]["startedAt"].is_string());
    assert!(ready["status"]["startTime"].is_string());
    assert_eq!(ready["spec"].get("nodeName"), None, "pods stay unbound");

    let not_ready = pod_when(&client, ns, "not-ready", "not ready", has_status).await;
    assert_eq!(not_ready["status"]["phase"], "Running");
    assert_eq!(condition(&not_ready, "Ready")["status"], "False");
    assert_eq!(
        condition(&not_ready, "Ready")["reason"],
        "ContainersNotReady"
    );
    assert_eq!(
        condition(&not_ready, "Ready")["message"],
        "containers with unready status: [performer]"
    );
    assert_eq!(not_ready["status"]["containerStatuses"][0]["started"], true);
    assert_eq!(not_ready["status"]["containerStatuses"][0]["ready"], false);

    let creating = pod_when(&client, ns, "creating", "creating", has_status).await;
    assert_eq!(creating["status"]["phase"], "Pending");
    assert_eq!(
        creating["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
        "ContainerCreating"
    );

    let waiting = |pod: &Value| pod["status"]["containerStatuses"][0]["state"]["waiting"].clone();
    let pull_failed = pod_when(&client, ns, "missing", "ErrImagePull", |pod| {
        waiting(pod)["reason"] == "ErrImagePull"
    })
    .await;
    let shown_at = Instant::now();
    assert_eq!(pull_failed["status"]["phase"], "Pending");
    assert_eq!(condition(&pull_failed, "PodScheduled")["status"], "True");
    assert!(
        waiting(&pull_failed)["message"]
            .as_str()
            .unwrap()
            .contains("failed to pull and unpack image \"docker.io/acme/avs:missing\""),
        "{pull_failed:#}"
    );
    let backing_off = pod_when(&client, ns, "missing", "ImagePullBackOff", |pod| {
        waiting(pod)["reason"] == "ImagePullBackOff"
    })
    .await;
    assert!(shown_at.elapsed() + Duration::from_millis(200) >= IMAGE_PULL_BACK_OFF_AFTER);
    assert!(
        waiting(&backing_off)["message"]
            .as_str()
            .unwrap()
            .starts_with("Back-off pulling image \"acme/avs:missing\": ErrImagePull: rpc error: code = NotFound"),
        "{backing_off:#}"
    );

    let gpu = pod_when(&client, ns, "gpu", "unschedulable", has_status).await;
    assert_eq!(gpu["status"]["phase"], "Pending");
    assert_eq!(
        gpu["status"]["conditions"],
        json!([{
            "type": "PodScheduled",
            "status": "False",
            "reason": "Unschedulable",
            "message": NO_GPU_NODE_MESSAGE,
            "lastTransitionTime": condition(&gpu, "PodScheduled")["lastTransitionTime"],
        }])
    );
    assert_eq!(gpu["status"].get("containerStatuses"), None);

    let crash = pod_when(&client, ns, "crash", "crash looping", has_status).await;
    assert_eq!(crash["status"]["phase"], "Running");
    let container = &crash["status"]["containerStatuses"][0];
    assert_eq!(container["state"]["waiting"]["reason"], "CrashLoopBackOff");
    assert_eq!(container["lastState"]["terminated"]["exitCode"], 1);
    assert_eq!(container["ready"], false);
    assert!(container["restartCount"].as_i64().unwrap() > 0);
    assert_eq!(condition(&crash, "Ready")["status"], "False");

    let evicted = pod_when(&client, ns, "evicted", "failed", has_status).await;
    assert_eq!(evicted["status"]["phase"], "Failed");
    assert_eq!(evicted["status"]["reason"], "Evicted");
    assert_eq!(condition(&evicted, "DisruptionTarget")["status"], "True");
    assert_eq!(
        evicted["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"],
        137
    );
}

#[tokio::test]
async fn kubelet_changes_a_pods_outcome_on_request() {
    let (namespace, client) = setup().await;
    let ns = namespace.name();
    let kubelet = SimulatedKubelet::start(client.clone(), ns, PodPolicy::default());
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    pods.create(&PostParams::default(), &bare_pod("flaky", "acme/avs:v1"))
        .await
        .unwrap();
    let ready = pod_when(&client, ns, "flaky", "ready", |pod| {
        pod["status"]["phase"] == "Running"
    })
    .await;
    assert_eq!(condition(&ready, "Ready")["status"], "True");

    tokio::time::sleep(Duration::from_millis(1100)).await;
    kubelet
        .set_outcome("flaky", PodOutcome::CrashLoopBackOff)
        .await
        .unwrap();
    let crashing = pod_json(&client, ns, "flaky").await.unwrap();
    assert_eq!(
        crashing["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
        "CrashLoopBackOff",
        "written before set_outcome returns"
    );
    assert_eq!(condition(&crashing, "Ready")["status"], "False");
    assert_ne!(
        condition(&crashing, "Ready")["lastTransitionTime"],
        condition(&ready, "Ready")["lastTransitionTime"],
        "Ready changed"
    );
    assert_eq!(
        condition(&crashing, "PodScheduled")["lastTransitionTime"],
        condition(&ready, "PodScheduled")["lastTransitionTime"],
        "PodScheduled did not"
    );
    assert_eq!(crashing["metadata"]["uid"], ready["metadata"]["uid"]);

    let missing = kubelet
        .set_outcome("nope", PodOutcome::Failed)
        .await
        .unwrap_err();
    assert!(matches!(missing, kube::Error::Api(status) if status.code == 404));
}

#[tokio::test]
async fn unbound_pods_are_deleted_at_once() {
    let (namespace, client) = setup().await;
    let ns = namespace.name();
    let _kubelet = SimulatedKubelet::start(client.clone(), ns, PodPolicy::default());
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    pods.create(&PostParams::default(), &bare_pod("gone", "acme/avs:v1"))
        .await
        .unwrap();
    pod_when(&client, ns, "gone", "running", |pod| {
        pod["status"]["phase"] == "Running"
    })
    .await;
    pods.delete("gone", &DeleteParams::default()).await.unwrap();
    assert!(
        pods.get_opt("gone").await.unwrap().is_none(),
        "a running but unbound pod is removed by the DELETE itself, no grace period"
    );
}
