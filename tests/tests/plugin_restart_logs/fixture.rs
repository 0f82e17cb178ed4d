//! The fixture of `plugin_restart_logs`: a namespace with one performer
//! under the upstream operator's stand-in (or none) and the simulated
//! kubelet; pods bound to a Node, as the scheduler binds them; a Node whose
//! kubelet endpoint is on loopback; a service account's kubeconfig.

use std::time::Duration;

use hourglass_e2e::{
    ControlPlane, OperatorContract, Outcome, Plugin, PodOutcome, PodPolicy, RunningOperator,
    SimulatedKubelet, TestNamespace,
};
use hourglass_shared::Performer;
use hourglass_shared::status::{PodState, owned_pod, pod_state, reported_ready};
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::json;
use tokio::time::Instant;

pub const NAME: &str = "restart-me";
pub const POD: &str = "performer-restart-me";
pub const IMAGE: &str = "myavs/performer:v1.0.0";
pub const NEXT_IMAGE: &str = "myavs/performer:v1.1.0";
/// Images the simulated kubelet cannot run, or not yet.
pub const CRASHING: &str = "myavs/performer:v7.0.0";
pub const SLOW: &str = "myavs/performer:v6.0.0";
pub const PATIENCE: Duration = Duration::from_secs(60);

pub fn node_policy() -> PodPolicy {
    PodPolicy::always(PodOutcome::RunningReady)
        .with_image(CRASHING, PodOutcome::CrashLoopBackOff)
        .with_image(SLOW, PodOutcome::ContainerCreating)
}

pub fn manifest(image: &str) -> String {
    format!(
        "apiVersion: hourglass.eigenlayer.io/v1alpha1\nkind: Performer\nmetadata:\n  name: {NAME}\n\
         spec:\n  avsAddress: \"0x1234567890abcdef1234567890abcdef12345678\"\n  image: \"{image}\"\n"
    )
}

/// A namespace with the performer `NAME` at `image`, the simulated node
/// and, when asked, the upstream operator.
pub struct Fixture {
    pub namespace: TestNamespace<'static>,
    pub client: kube::Client,
    pub performers: Api<Performer>,
    pub pods: Api<Pod>,
    pub plugin: Plugin,
    pub operator: Option<RunningOperator>,
    _kubelet: SimulatedKubelet,
}

impl Fixture {
    pub async fn new(image: &str, operator: bool) -> Fixture {
        let control_plane = ControlPlane::with_webhook();
        let namespace = TestNamespace::create(control_plane).unwrap();
        let client = control_plane.kube_client().await.unwrap();
        control_plane
            .kubectl_outcome(
                &["create", "-n", namespace.name(), "-f", "-"],
                Some(&manifest(image)),
            )
            .assert_success();
        let operator =
            operator.then(|| OperatorContract::Upstream.start(client.clone(), namespace.name()));
        Fixture {
            performers: Api::namespaced(client.clone(), namespace.name()),
            pods: Api::namespaced(client.clone(), namespace.name()),
            plugin: Plugin::for_control_plane(control_plane).unwrap(),
            operator,
            _kubelet: SimulatedKubelet::start(client.clone(), namespace.name(), node_policy()),
            client,
            namespace,
        }
    }

    pub fn ns(&self) -> &str {
        self.namespace.name()
    }

    /// Waits until the performer's pod is in `state` (and, when Ready, the
    /// operator reports it), and returns the pod.
    pub async fn pod_when(&self, wanted: fn(&PodState) -> bool) -> Pod {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let performer = self.performers.get(NAME).await.unwrap();
            let pod = self.pods.get_opt(POD).await.unwrap();
            if let Some(pod) = owned_pod(&performer, pod.as_ref()) {
                let state = pod_state(pod);
                if wanted(&state) && (state != PodState::Ready || reported_ready(&performer)) {
                    return pod.clone();
                }
            }
            assert!(
                Instant::now() < deadline,
                "the pod never got there: {:?}; operator errors: {:?}",
                pod.map(|p| p.status),
                self.operator.as_ref().map(RunningOperator::errors)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn ready_pod(&self) -> Pod {
        self.pod_when(|state| *state == PodState::Ready).await
    }

    /// Runs the plugin with `args` and `-n <namespace>` to its end, off
    /// the runtime's threads (the stand-ins run on them).
    pub async fn plugin(&self, args: &[&str]) -> Outcome {
        let mut command = self.plugin.command(args);
        command.args(["-n", self.ns()]);
        tokio::time::timeout(
            PATIENCE,
            tokio::task::spawn_blocking(move || Outcome::of(command, None)),
        )
        .await
        .expect("the plugin did not end")
        .unwrap()
    }
}

pub fn uid(pod: &Pod) -> String {
    pod.metadata.uid.clone().unwrap()
}

impl Fixture {
    /// Creates the performer's pod as the operator would, but bound to
    /// `node` (as the scheduler would), and returns its uid.
    pub async fn create_bound_pod(&self, node: &str) -> String {
        let performer = self.performers.get(NAME).await.unwrap();
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": POD, "ownerReferences": [{
                "apiVersion": "hourglass.eigenlayer.io/v1alpha1", "kind": "Performer",
                "name": NAME, "uid": performer.metadata.uid, "controller": true}]},
            "spec": {"nodeName": node, "containers": [{"name": "performer", "image": IMAGE}]},
        }))
        .unwrap();
        uid(&self
            .pods
            .create(&PostParams::default(), &pod)
            .await
            .unwrap())
    }

    /// Waits until the pod with `uid` is Running and ready (the simulated
    /// kubelet writes that).
    pub async fn until_running(&self, uid_wanted: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let pod = self.pods.get_opt(POD).await.unwrap();
            if pod
                .as_ref()
                .is_some_and(|pod| uid(pod) == uid_wanted && pod_state(pod) == PodState::Ready)
            {
                return;
            }
            assert!(Instant::now() < deadline, "never running: {pod:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Registers the Node `name`, its kubelet at 127.0.0.1:`port`.
pub async fn register_node(client: &kube::Client, name: &str, port: u16) -> Api<Node> {
    let nodes: Api<Node> = Api::all(client.clone());
    let node: Node = serde_json::from_value(json!({"metadata": {"name": name}})).unwrap();
    nodes.create(&PostParams::default(), &node).await.unwrap();
    let status = json!({"status": {
        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": port}},
    }});
    nodes
        .patch_status(name, &PatchParams::default(), &Patch::Merge(&status))
        .await
        .unwrap();
    nodes
}

/// A kubeconfig for the service account `account` of `namespace`, with a
/// token the apiserver issues (`kubectl create token`).
pub fn service_account_kubeconfig(
    control_plane: &ControlPlane,
    namespace: &str,
    account: &str,
    dir: &std::path::Path,
) -> std::path::PathBuf {
    use base64::Engine as _;
    let token = control_plane
        .run_kubectl(&["create", "token", account, "-n", namespace], None)
        .unwrap();
    let ca = base64::engine::general_purpose::STANDARD.encode(control_plane.ca_pem());
    let kubeconfig = json!({
        "apiVersion": "v1", "kind": "Config", "current-context": "sa",
        "clusters": [{"name": "c", "cluster": {
            "server": control_plane.server_url(), "certificate-authority-data": ca}}],
        "users": [{"name": account, "user": {"token": token.trim()}}],
        "contexts": [{"name": "sa", "context": {"cluster": "c", "user": account, "namespace": namespace}}],
    });
    let path = dir.join("kubeconfig");
    std::fs::write(&path, kubeconfig.to_string()).unwrap();
    path
}
