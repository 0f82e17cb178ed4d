//! `kubectl hourglass status`, `get` and `describe` on a real control plane
//! with our webhook, judged from the performers' pods against both operator
//! contracts (the upstream operator writes no conditions and has no
//! executor controller; the documented one writes conditions), with a
//! simulated kubelet: exit code 0 when everything runs, 2 when something
//! does not (saying why, from the pod), 1 on an API error; the table and
//! `-o json` say the same.

use std::time::Duration;

use hourglass_e2e::{
    ControlPlane, OperatorContract, Plugin, PodOutcome, PodPolicy, RunningOperator,
    SimulatedKubelet, TestNamespace, ensure_runtime_class, example_path,
};
use k8s_openapi::api::core::v1::Event;
use kube::api::{Api, PostParams};
use serde_json::{Value, json};
use tokio::time::Instant;

const COMPLEX_IMAGE: &str = "myavs/performer:v2.0.0";
const PATIENCE: Duration = Duration::from_secs(60);

fn plugin() -> Plugin {
    Plugin::for_control_plane(ControlPlane::with_webhook()).unwrap()
}

/// A namespace with the spec's main executor, the complex performer that
/// belongs to it and the minimal performer that belongs to none, under
/// `operator` (or none) and a node that runs them as `policy` says.
struct Fleet {
    namespace: TestNamespace<'static>,
    _operator: Option<RunningOperator>,
    _kubelet: SimulatedKubelet,
}

impl Fleet {
    async fn new(operator: Option<OperatorContract>, policy: PodPolicy) -> Fleet {
        let namespace = TestNamespace::create(ControlPlane::with_webhook()).unwrap();
        let client = ControlPlane::with_webhook().kube_client().await.unwrap();
        ensure_runtime_class(&client, "gvisor").await;
        for example in [
            "main-executor.yaml",
            "complex-performer.yaml",
            "minimal-performer.yaml",
        ] {
            let path = example_path(example);
            ControlPlane::with_webhook()
                .run_kubectl(
                    &[
                        "create",
                        "-n",
                        namespace.name(),
                        "-f",
                        &path.display().to_string(),
                    ],
                    None,
                )
                .unwrap();
        }
        Fleet {
            _operator: operator.map(|contract| contract.start(client.clone(), namespace.name())),
            _kubelet: SimulatedKubelet::start(client, namespace.name(), policy),
            namespace,
        }
    }

    fn ns(&self) -> &str {
        self.namespace.name()
    }

    /// Runs `status ARGS` until it exits `code` (the operator and the node
    /// take a moment), and returns its output.
    async fn status_until(&self, args: &[&str], code: i32) -> hourglass_e2e::Outcome {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let outcome = plugin().run(&[&["status", "-n", self.ns()], args].concat(), None);
            if outcome.code == Some(code) {
                return outcome;
            }
            assert!(
                Instant::now() < deadline,
                "status never exited {code}:\n{}{}",
                outcome.stdout,
                outcome.stderr
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// The table's rows as whitespace-separated cells (empty cells vanish).
fn rows(table: &str) -> Vec<Vec<&str>> {
    table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect()
}

fn has_row_starting(table: &str, cells: &[&str]) -> bool {
    rows(table).iter().any(|row| row.starts_with(cells))
}

fn problems(table: &str) -> Vec<&str> {
    table
        .lines()
        .skip_while(|l| *l != "Not healthy:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(str::trim)
        .collect()
}

async fn healthy_fleet_exits_0(contract: OperatorContract) {
    let fleet = Fleet::new(Some(contract), PodPolicy::default()).await;
    let ns = fleet.ns();

    let table = fleet.status_until(&[], 0).await;
    let out = &table.stdout;
    // Nothing reconciles executors under the upstream operator: shown, not judged.
    assert!(has_row_starting(out, &["main-executor", "-"]), "{out}");
    assert!(
        has_row_starting(
            out,
            &[
                "complex-performer",
                "main-executor",
                "Running",
                "true",
                COMPLEX_IMAGE,
                "v2.0.0",
                &format!("performer-complex-performer.{ns}.svc.cluster.local"),
            ]
        ),
        "{contract:?}: {out}"
    );
    assert!(
        has_row_starting(out, &["minimal-performer", "Running", "true"]),
        "{out}"
    );
    assert!(!out.contains("Not healthy"), "{out}");

    let json = plugin().run(&["status", "-n", ns, "-o", "json"], None);
    assert_eq!(json.code, Some(0), "{}", json.stderr);
    let view: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(view["healthy"], true);
    assert_eq!(view["executors"][0]["reconciled"], false);
    let performers: Vec<&str> = view["performers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        performers,
        ["complex-performer", "minimal-performer"],
        "grouped under their executor first"
    );

    // One executor: it and its performers only; the relation outlived the
    // operator's update (label, and the field put back by the webhook).
    let one = plugin().run(&["status", "main-executor", "-n", ns, "-o", "json"], None);
    assert_eq!(one.code, Some(0), "{}", one.stderr);
    let view: Value = serde_json::from_str(&one.stdout).unwrap();
    assert_eq!(view["performers"].as_array().unwrap().len(), 1);
    assert_eq!(view["performers"][0]["name"], "complex-performer");
}

#[tokio::test(flavor = "multi_thread")]
async fn healthy_fleet_exits_0_with_the_upstream_operator() {
    healthy_fleet_exits_0(OperatorContract::Upstream).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn healthy_fleet_exits_0_with_the_documented_operator() {
    healthy_fleet_exits_0(OperatorContract::Documented).await;
}

/// The complex performer's image cannot be pulled: status, get and describe
/// say so from the pod, and the healthy one alone still exits 0.
async fn a_pod_that_cannot_pull_exits_2_and_says_why(contract: OperatorContract) {
    let policy = PodPolicy::default().with_image(COMPLEX_IMAGE, PodOutcome::ImagePullBackOff);
    let fleet = Fleet::new(Some(contract), policy).await;
    let ns = fleet.ns();

    // Wait for the kubelet's back-off (after its first ErrImagePull).
    let deadline = Instant::now() + PATIENCE;
    let table = loop {
        let table = fleet.status_until(&[], 2).await;
        if table.stdout.contains("ImagePullBackOff") || Instant::now() > deadline {
            break table;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let out = &table.stdout;
    assert!(
        has_row_starting(
            out,
            &[
                "complex-performer",
                "main-executor",
                "Pending",
                "false",
                "ImagePullBackOff"
            ]
        ),
        "{contract:?}: {out}"
    );
    let problems = problems(out);
    assert!(
        problems[0].starts_with(&format!(
            "performer/complex-performer: pod performer-complex-performer: ImagePullBackOff: Back-off pulling image \"{COMPLEX_IMAGE}\""
        )),
        "{contract:?}: {out}"
    );
    if contract == OperatorContract::Documented {
        assert!(
            problems
                .iter()
                .any(|p| p.contains("Available=False (ImagePullFailed)")),
            "the documented operator's conditions are shown too: {out}"
        );
    }

    let json = plugin().run(&["status", "-n", ns, "-o", "json"], None);
    assert_eq!(json.code, Some(2), "-o json keeps the exit code");
    let view: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(view["performers"][0]["reason"], "ImagePullBackOff");
    assert_eq!(view["performers"][1]["healthy"], true);

    let alone = plugin().run(&["status", "minimal-performer", "-n", ns], None);
    assert_eq!(alone.code, Some(0), "{}{}", alone.stdout, alone.stderr);

    // get: the same phase, readiness and reason.
    let get = plugin().run(&["get", "performers", "-n", ns], None);
    assert_eq!(get.code, Some(0), "{}", get.stderr);
    assert!(
        rows(&get.stdout)
            .iter()
            .any(|row| row[0] == "complex-performer"
                && row.contains(&"Pending")
                && row.contains(&"false")
                && row.contains(&"ImagePullBackOff")),
        "{}",
        get.stdout
    );

    // describe: the pod's state and the pod's events (the kubelet's, here
    // written as kubelet writes them).
    let client = ControlPlane::with_webhook().kube_client().await.unwrap();
    let pod_uid = Api::<k8s_openapi::api::core::v1::Pod>::namespaced(client.clone(), ns)
        .get("performer-complex-performer")
        .await
        .unwrap()
        .metadata
        .uid;
    let event: Event = serde_json::from_value(json!({
        "metadata": {"name": "performer-complex-performer.backoff"},
        "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": "performer-complex-performer",
            "namespace": ns, "uid": pod_uid},
        "reason": "BackOff", "type": "Normal", "count": 3,
        "message": format!("Back-off pulling image \"{COMPLEX_IMAGE}\""),
        "source": {"component": "kubelet"},
        "firstTimestamp": "2025-06-01T10:00:00Z", "lastTimestamp": "2025-06-01T10:00:30Z",
    }))
    .unwrap();
    Api::<Event>::namespaced(client, ns)
        .create(&PostParams::default(), &event)
        .await
        .unwrap();
    let describe = plugin().run(
        &["describe", "performer", "complex-performer", "-n", ns],
        None,
    );
    assert_eq!(describe.code, Some(0), "{}", describe.stderr);
    let text = &describe.stdout;
    let pod_section = text
        .split("\nPod:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no Pod section:\n{text}"));
    let field = |name: &str| {
        pod_section
            .lines()
            .find_map(|line| line.trim().strip_prefix(&format!("{name}:")))
            .map(str::trim)
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(field("Name"), "performer-complex-performer", "{text}");
    assert_eq!(field("Phase"), "Pending", "{text}");
    assert!(
        field("State").starts_with(&format!(
            "ImagePullBackOff: Back-off pulling image \"{COMPLEX_IMAGE}\""
        )),
        "{text}"
    );
    assert_eq!(field("Ready"), "false", "{text}");
    assert!(
        pod_section.contains("BackOff")
            && pod_section.contains("kubelet")
            && pod_section.contains("(x3 over"),
        "the pod's events: {text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pod_that_cannot_pull_exits_2_with_the_upstream_operator() {
    a_pod_that_cannot_pull_exits_2_and_says_why(OperatorContract::Upstream).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pod_that_cannot_pull_exits_2_with_the_documented_operator() {
    a_pod_that_cannot_pull_exits_2_and_says_why(OperatorContract::Documented).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn with_no_operator_there_is_no_pod_and_status_exits_2() {
    let fleet = Fleet::new(None, PodPolicy::default()).await;
    let table = plugin().run(&["status", "-n", fleet.ns()], None);
    assert_eq!(table.code, Some(2), "{}{}", table.stdout, table.stderr);
    assert_eq!(
        problems(&table.stdout),
        [
            "performer/complex-performer: no pod performer-complex-performer (is the Hourglass operator running?)",
            "performer/minimal-performer: no pod performer-minimal-performer (is the Hourglass operator running?)",
        ],
        "{}",
        table.stdout
    );
}

#[test]
fn api_errors_exit_1() {
    let control_plane = ControlPlane::with_webhook();
    let namespace = TestNamespace::create(control_plane).unwrap();
    let ns = namespace.name();

    let empty = plugin().run(&["status", "-n", ns], None);
    assert_eq!(empty.code, Some(0));
    assert_eq!(
        empty.stderr,
        format!("No resources found in {ns} namespace.\n")
    );

    let missing = plugin().run(&["status", "nope", "-n", ns], None);
    assert_eq!(missing.code, Some(1));
    assert_eq!(
        missing.stderr,
        "Error from server (NotFound): hourglassexecutors.hourglass.eigenlayer.io \"nope\" not found\n"
    );

    // A kubeconfig whose server nobody listens on.
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = std::fs::read_to_string(control_plane.kubeconfig_path())
        .unwrap()
        .replace(control_plane.server_url(), "https://127.0.0.1:1");
    let broken = dir.path().join("kubeconfig");
    std::fs::write(&broken, kubeconfig).unwrap();
    let unreachable = Plugin::with_kubeconfig(plugin().binary().to_path_buf(), &broken)
        .run(&["status", "-n", ns], None);
    assert_eq!(unreachable.code, Some(1));
    assert!(
        unreachable
            .stderr
            .starts_with("Unable to connect to the server: "),
        "{}",
        unreachable.stderr
    );
    assert_eq!(unreachable.stdout, "");
}
