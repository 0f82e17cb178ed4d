//! `kubectl hourglass status` on a real control plane, with a stand-in
//! writing the status subresource as the operator would: exit code 0 when
//! everything is healthy, 2 when something is not ready or degraded, 1 on an
//! API error; the table and `-o json` say the same.

use hourglass_e2e::{
    ControlPlane, OperatorStandIn, Plugin, TestNamespace, install_crds, workspace_root,
};
use serde_json::Value;

fn control_plane() -> &'static ControlPlane {
    static CRDS: std::sync::Once = std::sync::Once::new();
    let control_plane = ControlPlane::shared();
    CRDS.call_once(|| install_crds(control_plane).unwrap());
    control_plane
}

fn plugin() -> Plugin {
    Plugin::for_control_plane(control_plane()).unwrap()
}

/// A namespace with the spec's main executor, the complex performer that
/// belongs to it, and the minimal performer that belongs to none.
async fn fleet() -> (TestNamespace<'static>, OperatorStandIn) {
    let namespace = TestNamespace::create(control_plane()).unwrap();
    for example in [
        "main-executor.yaml",
        "complex-performer.yaml",
        "minimal-performer.yaml",
    ] {
        let path = workspace_root().join("manifests/examples").join(example);
        control_plane()
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
    let client = control_plane().kube_client().await.unwrap();
    let operator = OperatorStandIn::new(client, namespace.name());
    (namespace, operator)
}

async fn all_running(operator: &OperatorStandIn) {
    operator.executor_running("main-executor").await.unwrap();
    operator
        .performer_running("complex-performer")
        .await
        .unwrap();
    operator
        .performer_running("minimal-performer")
        .await
        .unwrap();
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

#[tokio::test]
async fn healthy_fleet_exits_0() {
    let (namespace, operator) = fleet().await;
    let ns = namespace.name();
    all_running(&operator).await;

    let table = plugin().run(&["status", "-n", ns], None);
    assert_eq!(table.code, Some(0), "{}{}", table.stdout, table.stderr);
    let out = &table.stdout;
    assert!(
        has_row_starting(
            out,
            &[
                "EXECUTOR", "PHASE", "READY", "LAST", "CONFIG", "UPDATE", "AGE"
            ]
        ),
        "{out}"
    );
    assert!(
        has_row_starting(out, &["main-executor", "Running", "2/2"]),
        "{out}"
    );
    assert!(
        has_row_starting(
            out,
            &[
                "complex-performer",
                "main-executor",
                "Running",
                "true",
                "myavs/performer:v2.0.0",
                "v2.0.0",
                &format!("complex-performer.{ns}.svc.cluster.local:9090"),
            ]
        ),
        "{out}"
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
    let executor = &view["executors"][0];
    assert_eq!(executor["name"], "main-executor");
    assert_eq!(executor["readyReplicas"], 2);
    assert_eq!(executor["desiredReplicas"], 2);
    assert!(
        executor["lastConfigUpdate"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
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

    // One executor: it and its performers only.
    let one = plugin().run(&["status", "main-executor", "-n", ns, "-o", "json"], None);
    assert_eq!(one.code, Some(0), "{}", one.stderr);
    let view: Value = serde_json::from_str(&one.stdout).unwrap();
    assert_eq!(view["performers"].as_array().unwrap().len(), 1);
    assert_eq!(view["performers"][0]["name"], "complex-performer");
}

#[tokio::test]
async fn a_degraded_performer_exits_2_and_says_why() {
    let (namespace, operator) = fleet().await;
    let ns = namespace.name();
    all_running(&operator).await;
    operator
        .performer_image_pull_failed("complex-performer")
        .await
        .unwrap();

    let table = plugin().run(&["status", "-n", ns], None);
    assert_eq!(table.code, Some(2), "{}{}", table.stdout, table.stderr);
    let out = &table.stdout;
    assert!(
        has_row_starting(
            out,
            &["complex-performer", "main-executor", "Pending", "false"]
        ),
        "{out}"
    );
    let problems: Vec<&str> = out
        .lines()
        .skip_while(|l| *l != "Not healthy:")
        .skip(1)
        .map(str::trim)
        .collect();
    let message = "Back-off pulling image \"myavs/performer:v2.0.0\": not found";
    assert_eq!(
        problems,
        [
            "performer/complex-performer: phase is Pending, not Running".to_string(),
            "performer/complex-performer: not ready".to_string(),
            format!("performer/complex-performer: Available=False (ImagePullFailed): {message}"),
            format!("performer/complex-performer: Degraded=True (ImagePullFailed): {message}"),
            format!("performer/complex-performer: Progressing=True (ImagePullFailed): {message}"),
        ],
        "{out}"
    );

    let json = plugin().run(&["status", "-n", ns, "-o", "json"], None);
    assert_eq!(
        json.code,
        Some(2),
        "-o json keeps the exit code: {}",
        json.stderr
    );
    let view: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(view["healthy"], false);
    let complex = &view["performers"][0];
    assert_eq!(complex["healthy"], false);
    assert!(
        complex["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["type"] == "Degraded" && c["reason"] == "ImagePullFailed"),
        "{complex}"
    );
    assert_eq!(
        view["performers"][1]["healthy"], true,
        "minimal-performer is fine"
    );

    // The healthy one alone exits 0.
    let alone = plugin().run(&["status", "minimal-performer", "-n", ns], None);
    assert_eq!(alone.code, Some(0), "{}{}", alone.stdout, alone.stderr);
}

#[tokio::test]
async fn nothing_reported_yet_exits_2() {
    let (namespace, _operator) = fleet().await;
    let ns = namespace.name();
    let table = plugin().run(&["status", "-n", ns], None);
    assert_eq!(table.code, Some(2), "{}{}", table.stdout, table.stderr);
    assert!(
        table
            .stdout
            .contains("  executor/main-executor: no phase reported yet (is the operator running?)\n  executor/main-executor: 0/2 replicas ready\n"),
        "{}",
        table.stdout
    );
}

#[test]
fn api_errors_exit_1() {
    let namespace = TestNamespace::create(control_plane()).unwrap();
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
    let kubeconfig = std::fs::read_to_string(control_plane().kubeconfig_path())
        .unwrap()
        .replace(control_plane().server_url(), "https://127.0.0.1:1");
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
