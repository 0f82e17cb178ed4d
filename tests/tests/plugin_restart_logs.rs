//! `kubectl hourglass performer restart` and `kubectl hourglass logs` on a
//! real control plane with our webhook, the upstream operator's stand-in
//! and the simulated kubelet.
//!
//! Restart: the pod is deleted, the operator creates another (new uid), and
//! the command waits for it as an upgrade waits, failing at once when the
//! new pod cannot run and naming what the pod does on timeout.
//!
//! Logs: no kubelet runs here. What the apiserver decides is proven with
//! the operator's own pods (unbound, so their log is empty): which pod and
//! container are asked for (it refuses a container the pod lacks), RBAC,
//! and that `-f` moves to the pod the operator re-creates. Pods bound to a
//! Node show the rest: the apiserver looks the node up (its error names
//! it), asks its kubelet endpoint with the flags' query (its error carries
//! the URL when nothing listens), and, with a stand-in of the kubelet's
//! `containerLogs` endpoint on loopback (`kubelet_logs`), streams the log
//! back, followed to the next pod when the kubelet ends the stream.

#[path = "plugin_restart_logs/fixture.rs"]
mod fixture;
#[path = "plugin_restart_logs/kubelet_logs.rs"]
mod kubelet_logs;

use std::process::Stdio;
use std::time::Duration;

use hourglass_e2e::{ControlPlane, Outcome, Plugin, free_loopback_ports};
use kube::api::{DeleteParams, Patch, PatchParams};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::time::Instant;

use fixture::{
    CRASHING, Fixture, IMAGE, NAME, NEXT_IMAGE, PATIENCE, POD, SLOW, register_node,
    service_account_kubeconfig, uid,
};
use kubelet_logs::KubeletLogs;

// ------------------------------------------------------------- restart

#[tokio::test(flavor = "multi_thread")]
async fn restart_replaces_the_pod_and_waits_for_the_new_one() {
    let fixture = Fixture::new(IMAGE, true).await;
    let old = uid(&fixture.ready_pod().await);

    let ran = fixture
        .plugin(&["performer", "restart", NAME, "--poll-interval", "200ms"])
        .await;
    ran.assert_success()
        .assert_stderr_contains(&format!("deleted pod {POD} (uid {old})"));
    let new = uid(&fixture.ready_pod().await);
    assert_ne!(new, old, "the pod was not replaced: {ran:?}");
    assert_eq!(
        ran.stdout,
        format!("performer \"{NAME}\" restarted: pod {POD} (uid {new}) is ready\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn restart_fails_at_once_when_the_new_pod_cannot_run() {
    let fixture = Fixture::new(CRASHING, true).await;
    let old = uid(&fixture.pod_when(|s| s.reason() == "CrashLoopBackOff").await);

    let started = Instant::now();
    let ran = fixture
        .plugin(&["performer", "restart", NAME, "--poll-interval", "200ms"])
        .await;
    ran.assert_failure_containing(&format!(
        "error: performer \"{NAME}\"'s new pod cannot run {CRASHING}: pod {POD}: CrashLoopBackOff"
    ));
    assert!(started.elapsed() < Duration::from_secs(30), "not at once");
    assert_ne!(uid(&fixture.pods.get(POD).await.unwrap()), old);
}

#[tokio::test(flavor = "multi_thread")]
async fn restart_timing_out_says_what_the_pod_does() {
    let fixture = Fixture::new(SLOW, true).await;
    fixture
        .pod_when(|s| s.reason() == "ContainerCreating")
        .await;

    let ran = fixture
        .plugin(&[
            "performer",
            "restart",
            NAME,
            "--timeout",
            "3s",
            "--poll-interval",
            "200ms",
        ])
        .await;
    ran.assert_failure_containing(&format!(
        "error: timed out after 3s waiting for performer \"{NAME}\"'s new pod to be ready: \
         pod {POD}: Pending: ContainerCreating"
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn restart_without_a_pod_or_a_performer_says_so() {
    let fixture = Fixture::new(IMAGE, false).await;
    fixture
        .plugin(&["performer", "restart", NAME])
        .await
        .assert_failure_containing(&format!(
            "error: performer \"{NAME}\" has no pod to restart in namespace \"{}\"",
            fixture.ns()
        ));
    fixture
        .plugin(&["performer", "restart", "nobody"])
        .await
        .assert_failure_containing(
            "Error from server (NotFound): performers.hourglass.eigenlayer.io \"nobody\" not found",
        );
}

// ------------------------------------------------------------- logs

/// The apiserver serves an unbound pod's log as empty (no kubelet to ask),
/// checks the container against the pod, and 404s what does not exist.
#[tokio::test(flavor = "multi_thread")]
async fn logs_ask_the_apiserver_for_the_performers_pod_and_container() {
    let fixture = Fixture::new(IMAGE, true).await;
    fixture.ready_pod().await;

    for flags in [
        &["--tail", "5", "--since", "1m", "--timestamps"][..],
        &["--previous"],
    ] {
        let ran = fixture
            .plugin(&[&["logs", "performer", NAME][..], flags].concat())
            .await;
        ran.assert_success();
        assert_eq!(ran.stdout, "", "an unbound pod's log is empty: {ran:?}");
    }
    fixture
        .plugin(&["logs", "performer", NAME, "-c", "sidecar"])
        .await
        .assert_failure_containing(&format!(
            "Error from server (BadRequest): container sidecar is not valid for pod {POD}"
        ));
    fixture
        .plugin(&["logs", "performer", "nobody"])
        .await
        .assert_failure_containing(
            "Error from server (NotFound): performers.hourglass.eigenlayer.io \"nobody\" not found",
        );
    fixture
        .plugin(&["logs", "executor", "main"])
        .await
        .assert_failure_containing(&format!(
            "error: no pods of executor \"main\" in namespace \"{}\": looked for pods labelled app=main",
            fixture.ns()
        ));
    // The executor chart's StatefulSet pods (unbound here, so empty logs),
    // and a pod of another app.
    let executor_pod = |name: &str, app: &str, container: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, labels: {{app: {app}}}}}\n\
             spec: {{containers: [{{name: {container}, image: hourglass/executor:v1}}]}}\n---\n"
        )
    };
    let pods = [
        executor_pod("main-1", "main", "executor"),
        executor_pod("main-0", "main", "executor"),
        executor_pod("other-0", "other", "executor"),
    ]
    .concat();
    ControlPlane::with_webhook()
        .kubectl_outcome(&["apply", "-n", fixture.ns(), "-f", "-"], Some(&pods))
        .assert_success();
    let ran = fixture.plugin(&["logs", "executor", "main"]).await;
    ran.assert_success();
    assert_eq!(ran.stdout, "==> pod/main-0 <==\n==> pod/main-1 <==\n");
    fixture
        .plugin(&["logs", "executor", "main", "-c", "performer"])
        .await
        .assert_failure_containing(
            "the pods labelled app=main (main-0, main-1) have no container \"performer\"",
        );
    fixture
        .plugin(&["logs", "performer", NAME, "--tail", "-2"])
        .await
        .assert_failure_containing("--tail");
}

/// A pod bound to a node: the apiserver looks the node up (its error names
/// it), then asks the node's kubelet endpoint for
/// `/containerLogs/<ns>/<pod>/<container>` with the flags' query; with
/// nothing listening there its error carries that URL.
#[tokio::test(flavor = "multi_thread")]
async fn logs_of_a_bound_pod_go_to_its_nodes_kubelet_with_the_flags_query() {
    let fixture = Fixture::new(IMAGE, false).await;
    let node_name = format!("no-kubelet-{}", fixture.ns());
    fixture.create_bound_pod(&node_name).await;

    fixture
        .plugin(&["logs", "performer", NAME])
        .await
        // The apiserver reports the missing node under the resource "pods"
        // (`pods "<node>" not found`): the name is the node's.
        .assert_failure_containing(&format!("\"{node_name}\" not found"));

    let [port] = free_loopback_ports::<1>().unwrap();
    let nodes = register_node(&fixture.client, &node_name, port).await;

    let ran = fixture
        .plugin(&[
            "logs",
            "performer",
            NAME,
            "--tail",
            "3",
            "--since",
            "90s",
            "--timestamps",
        ])
        .await;
    let _ = nodes.delete(&node_name, &DeleteParams::default()).await;
    ran.assert_failure();
    let url = format!(
        "https://127.0.0.1:{port}/containerLogs/{}/{POD}/performer?",
        fixture.ns()
    );
    for part in [
        url.as_str(),
        "sinceSeconds=90",
        "tailLines=3",
        "timestamps=true",
    ] {
        ran.assert_stderr_contains(part);
    }
}

/// The whole path with a kubelet's `containerLogs` endpoint on loopback
/// (`kubelet_logs`): the apiserver proxies the read to the node's kubelet
/// and streams its body back; `-f` reads the pod until the kubelet ends the
/// stream (its container stopped, the pod deleted), then the next pod from
/// its start, after the marker. The pods are made here as the operator and
/// scheduler would make them, bound to the node.
#[tokio::test(flavor = "multi_thread")]
async fn logs_come_through_the_apiserver_from_the_nodes_kubelet_and_follow_the_next_pod() {
    let fixture = Fixture::new(IMAGE, false).await;
    let kubelet = KubeletLogs::start().await;
    let node_name = format!("stand-in-{}", fixture.ns());
    let nodes = register_node(&fixture.client, &node_name, kubelet.port).await;
    let first = fixture.create_bound_pod(&node_name).await;
    fixture.until_running(&first).await;

    let ran = fixture
        .plugin(&["logs", "performer", NAME, "--tail", "1"])
        .await;
    ran.assert_success();
    assert_eq!(ran.stdout, "log 1 line 1\nlog 1 line 2\n");
    let path = format!("/containerLogs/{}/{POD}/performer?", fixture.ns());
    let requests = kubelet.requests();
    assert!(
        requests[0].starts_with(&path) && requests[0].contains("tailLines=1"),
        "{requests:?}"
    );

    let mut command = fixture.plugin.command(&[
        "logs",
        "performer",
        NAME,
        "-f",
        "--tail",
        "5",
        "-n",
        fixture.ns(),
        "--poll-interval",
        "200ms",
    ]);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = tokio::process::Command::from(command)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next_line = async || {
        tokio::time::timeout(PATIENCE, stdout.next_line())
            .await
            .expect("logs -f printed nothing more")
            .unwrap()
            .unwrap_or_default()
    };
    assert_eq!(next_line().await, "log 2 line 1");
    assert_eq!(next_line().await, "log 2 line 2");

    // A restart as the operator and a kubelet do it: the pod goes, its
    // container's log ends, a pod of the same name (another uid) comes.
    let zero = DeleteParams {
        grace_period_seconds: Some(0),
        ..DeleteParams::default()
    };
    fixture.pods.delete(POD, &zero).await.unwrap();
    kubelet.stop_containers();
    let second = fixture.create_bound_pod(&node_name).await;
    fixture.until_running(&second).await;

    assert_eq!(
        next_line().await,
        format!("==> pod/{POD} (new pod, uid {second}) <==")
    );
    assert_eq!(next_line().await, "log 3 line 1");
    assert_eq!(next_line().await, "log 3 line 2");
    let requests = kubelet.requests();
    assert!(
        requests[1].contains("follow=true") && requests[1].contains("tailLines=5"),
        "{requests:?}"
    );
    // The new pod is read from its start: no tail.
    assert!(
        requests[2].starts_with(&path)
            && requests[2].contains("follow=true")
            && !requests[2].contains("tailLines"),
        "{requests:?}"
    );
    child.kill().await.unwrap();
    let _ = nodes.delete(&node_name, &DeleteParams::default()).await;
}

/// `logs -f` reads the pod, and when the operator re-creates it (an
/// upgrade here) moves to the new one, announcing it by its uid.
#[tokio::test(flavor = "multi_thread")]
async fn logs_follow_moves_to_the_pod_the_operator_recreates() {
    let fixture = Fixture::new(IMAGE, true).await;
    let first = uid(&fixture.ready_pod().await);

    let mut command = fixture.plugin.command(&[
        "logs",
        "performer",
        NAME,
        "-f",
        "-n",
        fixture.ns(),
        "--poll-interval",
        "200ms",
    ]);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = tokio::process::Command::from(command)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();

    // The first pod's log (empty here) was read to its end: it now waits.
    let waiting = tokio::time::timeout(PATIENCE, stderr.next_line())
        .await
        .expect("no note from logs -f")
        .unwrap()
        .unwrap_or_default();
    assert!(
        waiting.contains(&format!("the log of pod {POD} ended")),
        "{waiting}"
    );

    let patch = json!({"spec": {"image": NEXT_IMAGE}});
    fixture
        .performers
        .patch(NAME, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .unwrap();
    let second = loop {
        let pod = fixture.ready_pod().await;
        if uid(&pod) != first {
            break uid(&pod);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    let marker = tokio::time::timeout(PATIENCE, stdout.next_line())
        .await
        .expect("logs -f never moved to the new pod")
        .unwrap()
        .unwrap_or_default();
    assert_eq!(marker, format!("==> pod/{POD} (new pod, uid {second}) <=="));
    assert!(
        child.try_wait().unwrap().is_none(),
        "logs -f must keep following"
    );
    child.kill().await.unwrap();
}

// ------------------------------------------------------------- RBAC

/// What the README says each command needs: without `pods/log` logs is
/// refused by the apiserver, with it allowed; restart needs delete on pods.
#[tokio::test(flavor = "multi_thread")]
async fn logs_and_restart_need_the_rbac_the_readme_lists() {
    let fixture = Fixture::new(IMAGE, true).await;
    fixture.ready_pod().await;
    let control_plane = ControlPlane::with_webhook();
    let ns = fixture.ns();
    let role = |resources: &str| {
        format!(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: operator-on-call, namespace: {ns}}}\n---\n\
             apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: on-call, namespace: {ns}}}\n\
             rules:\n- {{apiGroups: [hourglass.eigenlayer.io], resources: [performers], verbs: [get]}}\n\
             - {{apiGroups: [\"\"], resources: [{resources}], verbs: [get]}}\n---\n\
             apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: on-call, namespace: {ns}}}\n\
             roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: on-call}}\n\
             subjects: [{{kind: ServiceAccount, name: operator-on-call, namespace: {ns}}}]\n"
        )
    };
    control_plane
        .kubectl_outcome(&["apply", "-f", "-"], Some(&role("pods")))
        .assert_success();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = service_account_kubeconfig(control_plane, ns, "operator-on-call", dir.path());
    let plugin = Plugin::with_kubeconfig(fixture.plugin.binary().to_path_buf(), &kubeconfig);
    let run = |args: &[&str]| Outcome::of(plugin.command(args), None);

    run(&["logs", "performer", NAME]).assert_failure_containing(&format!(
        "Error from server (Forbidden): pods \"{POD}\" is forbidden: User \
         \"system:serviceaccount:{ns}:operator-on-call\" cannot get resource \"pods/log\""
    ));
    run(&["performer", "restart", NAME]).assert_failure_containing(&format!(
        "cannot delete resource \"pods\" in API group \"\" in the namespace \"{ns}\""
    ));

    control_plane
        .kubectl_outcome(&["apply", "-f", "-"], Some(&role("pods, pods/log")))
        .assert_success();
    // RBAC changes reach the authorizer through its informer: shortly.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let ran = run(&["logs", "performer", NAME]);
        if ran.success {
            break;
        }
        assert!(Instant::now() < deadline, "still refused: {ran:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
