//! `kubectl hourglass performer upgrade` on a real control plane with our
//! webhook registered, against both operator contracts: the upstream
//! operator as it runs (it writes no conditions; an upgrade is the old pod
//! deleted and a new one created) and one following the API reference
//! (conditions with observedGeneration), each with a simulated kubelet
//! writing the pods' status. Done is judged from the pod: a good upgrade
//! succeeds (and `--rollback` leaves it alone), a new pod that cannot run
//! fails at once with its reason and is rolled back, no operator at all
//! fails once no new pod comes. Two upgrades in a row, the second while the
//! first still waits, leave exactly the second's image.

use std::process::{Output, Stdio};
use std::time::Duration;

use hourglass_e2e::{
    ControlPlane, NO_GPU_NODE_MESSAGE, OperatorContract, Plugin, PodOutcome, PodPolicy,
    RunningOperator, SimulatedKubelet, TestNamespace, ensure_runtime_class, example_path,
    interrupt_when_ready,
};
use hourglass_shared::Performer;
use hourglass_shared::status::{PodState, owned_pod, pod_name, pod_state, reported_ready};
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;
use tokio::time::Instant;

/// The performer every test upgrades: the spec's complex example, so that
/// "nothing else changed" covers many fields.
const NAME: &str = "complex-performer";
const POD: &str = "performer-complex-performer";
const OLD_IMAGE: &str = "myavs/performer:v2.0.0";
const NEW_IMAGE: &str = "myavs/performer:v2.1.0";
/// Images the simulated kubelet cannot run, each its own way.
const UNPULLABLE: &str = "myavs/performer:v9.9.9";
const UNSCHEDULABLE: &str = "myavs/performer:v8.0.0";
const CRASHING: &str = "myavs/performer:v7.0.0";
const SLOW: &str = "myavs/performer:v6.0.0";
/// How long a test waits for something the plugin or a stand-in must do.
const PATIENCE: Duration = Duration::from_secs(60);

/// What the simulated node does with each image.
fn node_policy() -> PodPolicy {
    PodPolicy::always(PodOutcome::RunningReady)
        .with_image(UNPULLABLE, PodOutcome::ImagePullBackOff)
        .with_image(UNSCHEDULABLE, PodOutcome::no_gpu_node())
        .with_image(CRASHING, PodOutcome::CrashLoopBackOff)
        .with_image(SLOW, PodOutcome::ContainerCreating)
}

/// A namespace holding the example performer, running under `operator` (or
/// under none), with the simulated node.
struct Fixture {
    namespace: TestNamespace<'static>,
    performers: Api<Performer>,
    pods: Api<Pod>,
    plugin: Plugin,
    operator: Option<RunningOperator>,
    _kubelet: SimulatedKubelet,
}

impl Fixture {
    async fn new(operator: Option<OperatorContract>) -> Fixture {
        let control_plane = ControlPlane::with_webhook();
        let namespace = TestNamespace::create(control_plane).unwrap();
        let client = control_plane.kube_client().await.unwrap();
        ensure_runtime_class(&client, "gvisor").await;
        let example = example_path("complex-performer.yaml");
        control_plane
            .run_kubectl(
                &[
                    "create",
                    "-n",
                    namespace.name(),
                    "-f",
                    &example.display().to_string(),
                ],
                None,
            )
            .unwrap();
        let fixture = Fixture {
            performers: Api::namespaced(client.clone(), namespace.name()),
            pods: Api::namespaced(client.clone(), namespace.name()),
            plugin: Plugin::for_control_plane(control_plane).unwrap(),
            operator: operator.map(|contract| contract.start(client.clone(), namespace.name())),
            _kubelet: SimulatedKubelet::start(client, namespace.name(), node_policy()),
            namespace,
        };
        if fixture.operator.is_some() {
            fixture.wait_until_running(OLD_IMAGE).await;
        }
        fixture
    }

    fn ns(&self) -> &str {
        self.namespace.name()
    }

    /// The spec as the apiserver serves it, as kubectl prints it.
    fn spec_text(&self) -> String {
        ControlPlane::with_webhook()
            .run_kubectl(
                &[
                    "get",
                    "performer",
                    NAME,
                    "-n",
                    self.ns(),
                    "-o",
                    "jsonpath={.spec}",
                ],
                None,
            )
            .unwrap()
    }

    async fn performer(&self) -> Performer {
        self.performers.get(NAME).await.unwrap()
    }

    /// Waits until the performer's pod runs `image` and is ready, and the
    /// operator says the performer is.
    async fn wait_until_running(&self, image: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let performer = self.performer().await;
            let pod = self.pods.get_opt(&pod_name(&performer)).await.unwrap();
            let pod = owned_pod(&performer, pod.as_ref());
            let running = pod.is_some_and(|pod| {
                pod_state(pod) == PodState::Ready
                    && hourglass_shared::status::pod_image(pod) == Some(image)
            });
            if running && reported_ready(&performer) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{NAME} never ran {image}: {:?}; operator errors: {:?}",
                performer.status,
                self.operator.as_ref().map(RunningOperator::errors)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Starts `performer upgrade NAME ARGS...` (polling every 200ms).
    fn start_upgrade(&self, args: &[&str]) -> Child {
        let mut command = self.plugin.command(
            &[
                &[
                    "performer",
                    "upgrade",
                    NAME,
                    "-n",
                    self.ns(),
                    "--poll-interval",
                    "200ms",
                ],
                args,
            ]
            .concat(),
        );
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        tokio::process::Command::from(command).spawn().unwrap()
    }

    async fn upgrade(&self, args: &[&str]) -> Ran {
        Ran::finish(self.start_upgrade(args)).await
    }

    /// Waits until the stored spec holds `image`: an upgrade has written it.
    async fn wait_for_spec_image(&self, image: &str) -> Performer {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let performer = self.performer().await;
            if performer.spec.image == image {
                return performer;
            }
            assert!(
                Instant::now() < deadline,
                "the spec never held {image}; it has {}",
                performer.spec.image
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// How an upgrade ended.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Ran {
    async fn finish(child: Child) -> Ran {
        let output: Output = tokio::time::timeout(PATIENCE, child.wait_with_output())
            .await
            .expect("the upgrade did not end")
            .unwrap();
        Ran {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    fn last_line(&self) -> &str {
        self.stderr.lines().last().unwrap_or_default()
    }
}

impl std::fmt::Display for Ran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\nstdout:\n{}stderr:\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// `spec` with only image and version replaced.
fn with_image(spec: &str, image: &str, version: &str) -> String {
    spec.replace(
        &format!("\"image\":\"{OLD_IMAGE}\""),
        &format!("\"image\":\"{image}\""),
    )
    .replace(
        "\"version\":\"v2.0.0\"",
        &format!("\"version\":\"{version}\""),
    )
}

// ------------------------------------------------------------- success

/// A good upgrade, with `--rollback` asked for: the new pod runs, the
/// operator reports it (with or without conditions), and nothing is rolled
/// back; then nothing to do is said so.
async fn succeeds(contract: OperatorContract) {
    let fixture = Fixture::new(Some(contract)).await;
    let before = fixture.spec_text();
    let old_pod = fixture.pods.get(POD).await.unwrap().metadata.uid;

    let ran = fixture
        .upgrade(&["--image", NEW_IMAGE, "--timeout", "60s", "--rollback"])
        .await;
    assert_eq!(ran.code, Some(0), "{contract:?}: {ran}");
    assert_eq!(
        ran.stdout,
        format!("performer \"{NAME}\" upgraded to {NEW_IMAGE}\n")
    );
    assert!(
        ran.stderr.contains(&format!(
            "performer \"{NAME}\": recorded image {OLD_IMAGE} version v2.0.0; wrote image {NEW_IMAGE} version v2.1.0"
        )),
        "{ran}"
    );
    assert!(!ran.stderr.contains("rolling back"), "{ran}");
    assert_eq!(
        fixture.spec_text(),
        with_image(&before, NEW_IMAGE, "v2.1.0")
    );
    let pod = fixture.pods.get(POD).await.unwrap();
    assert_ne!(pod.metadata.uid, old_pod, "the operator made a new pod");
    assert_eq!(hourglass_shared::status::pod_image(&pod), Some(NEW_IMAGE));

    let resource_version = fixture.performer().await.metadata.resource_version;
    let again = fixture.upgrade(&["--image", NEW_IMAGE]).await;
    assert_eq!(again.code, Some(0), "{again}");
    assert_eq!(
        again.stdout,
        format!("performer \"{NAME}\" already at {NEW_IMAGE}\n")
    );
    assert_eq!(
        fixture.performer().await.metadata.resource_version,
        resource_version
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn succeeds_with_the_upstream_operator() {
    succeeds(OperatorContract::Upstream).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn succeeds_with_the_documented_operator() {
    succeeds(OperatorContract::Documented).await;
}

// ------------------------------------------------------------- failures

/// A new pod that cannot run fails the upgrade at once with the pod's own
/// reason, the rollback restores the spec byte for byte, and the operator
/// then runs the old image again.
async fn fails_and_rolls_back(contract: OperatorContract, image: &str, reasons: &[&str]) {
    let fixture = Fixture::new(Some(contract)).await;
    let before = fixture.spec_text();

    let started = Instant::now();
    let ran = fixture
        .upgrade(&["--image", image, "--timeout", "60s", "--rollback"])
        .await;
    assert_eq!(ran.code, Some(1), "{contract:?}: {ran}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "not at once: {:?}",
        started.elapsed()
    );
    let last = ran.last_line();
    assert!(
        last.starts_with(&format!(
            "error: performer \"{NAME}\" failed to run {image}: "
        )) && reasons.iter().any(|reason| last.contains(reason))
            && last.ends_with(&format!(
                "; rolled back to image {OLD_IMAGE} version v2.0.0"
            )),
        "{contract:?}, expected one of {reasons:?}: {ran}"
    );
    assert_eq!(
        fixture.spec_text(),
        before,
        "the recorded spec, byte for byte"
    );
    fixture.wait_until_running(OLD_IMAGE).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_image_that_cannot_be_pulled_fails_with_the_upstream_operator() {
    fails_and_rolls_back(
        OperatorContract::Upstream,
        UNPULLABLE,
        &[
            "pod performer-complex-performer: ErrImagePull: ",
            "ImagePullBackOff: ",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_image_that_cannot_be_pulled_fails_with_the_documented_operator() {
    fails_and_rolls_back(
        OperatorContract::Documented,
        UNPULLABLE,
        &["ErrImagePull", "ImagePullBackOff", "(ImagePullFailed)"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unschedulable_pod_fails_with_the_upstream_operator() {
    fails_and_rolls_back(
        OperatorContract::Upstream,
        UNSCHEDULABLE,
        &[&format!(
            "pod performer-complex-performer: Unschedulable: {NO_GPU_NODE_MESSAGE}"
        )],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unschedulable_pod_fails_with_the_documented_operator() {
    fails_and_rolls_back(
        OperatorContract::Documented,
        UNSCHEDULABLE,
        &["Unschedulable", "(SchedulingFailed)"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_looping_pod_fails_with_the_upstream_operator() {
    fails_and_rolls_back(
        OperatorContract::Upstream,
        CRASHING,
        &["pod performer-complex-performer: CrashLoopBackOff: back-off"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_looping_pod_fails_with_the_documented_operator() {
    fails_and_rolls_back(
        OperatorContract::Documented,
        CRASHING,
        &["CrashLoopBackOff"],
    )
    .await;
}

// ------------------------------------------------------------- no operator

#[tokio::test(flavor = "multi_thread")]
async fn with_no_operator_no_new_pod_comes_and_rollback_restores_the_spec() {
    let fixture = Fixture::new(None).await;
    let before = fixture.spec_text();

    let ran = fixture
        .upgrade(&[
            "--image",
            NEW_IMAGE,
            "--operator-timeout",
            "2s",
            "--rollback",
        ])
        .await;
    assert_eq!(ran.code, Some(1), "{ran}");
    assert!(
        ran.stderr.contains(&format!(
            "waiting for performer \"{NAME}\": waiting for the operator to create the new pod"
        )),
        "{ran}"
    );
    assert_eq!(
        ran.last_line(),
        format!(
            "error: performer \"{NAME}\" failed to run {NEW_IMAGE}: no new pod within 2s of the change (waiting for the operator to create the new pod); is the Hourglass operator running?; rolled back to image {OLD_IMAGE} version v2.0.0"
        ),
        "{ran}"
    );
    assert_eq!(ran.stdout, "");
    assert_eq!(
        fixture.spec_text(),
        before,
        "the recorded spec, byte for byte"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_no_operator_and_no_rollback_the_new_image_stays() {
    let fixture = Fixture::new(None).await;
    let before = fixture.spec_text();

    let ran = fixture
        .upgrade(&["--image", NEW_IMAGE, "--timeout", "2s"])
        .await;
    assert_eq!(ran.code, Some(1), "{ran}");
    assert!(
        ran.stderr.contains(&format!(
            "error: timed out after 2s waiting for performer \"{NAME}\" to run {NEW_IMAGE} (waiting for the operator to create the new pod); the spec keeps the new image (pass --rollback to restore image {OLD_IMAGE} version v2.0.0 on failure)"
        )),
        "{ran}"
    );
    assert_eq!(
        fixture.spec_text(),
        with_image(&before, NEW_IMAGE, "v2.1.0")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_with_rollback_restores_the_spec() {
    let fixture = Fixture::new(None).await;
    let before = fixture.spec_text();

    let mut upgrade =
        fixture.start_upgrade(&["--image", NEW_IMAGE, "--timeout", "60s", "--rollback"]);
    // Ctrl-C once the plugin says it waits: the user saw that line.
    let stderr = interrupt_when_ready(
        &mut upgrade,
        |printed| printed.contains("waiting for performer"),
        PATIENCE,
    )
    .await;
    let mut ran = Ran::finish(upgrade).await;
    ran.stderr = stderr;
    assert_eq!(ran.code, Some(1), "{ran}");
    assert!(
        ran.stderr.contains(&format!(
            "error: interrupted while waiting for performer \"{NAME}\" to run {NEW_IMAGE}"
        )),
        "{ran}"
    );
    assert_eq!(fixture.spec_text(), before);
}

// ------------------------------------------------------------- concurrency

#[tokio::test(flavor = "multi_thread")]
async fn a_second_upgrade_while_the_first_waits_wins_with_the_upstream_operator() {
    let fixture = Fixture::new(Some(OperatorContract::Upstream)).await;
    let before = fixture.spec_text();

    // The first writes an image whose pod is slow to start, says so, and
    // waits (with --rollback, which must not undo the second's write).
    let mut first = fixture.start_upgrade(&["--image", SLOW, "--timeout", "60s", "--rollback"]);
    let mut first_stderr = BufReader::new(first.stderr.take().unwrap()).lines();
    let mut first_said = String::new();
    while !first_said.contains("Pending: ContainerCreating") {
        let line = tokio::time::timeout(PATIENCE, first_stderr.next_line())
            .await
            .expect("the first upgrade never showed the new pod starting")
            .unwrap()
            .unwrap_or_else(|| panic!("the first upgrade ended early:\n{first_said}"));
        first_said.push_str(&line);
        first_said.push('\n');
    }
    assert!(
        first_said.contains(&format!(
            "waiting for performer \"{NAME}\": pod {POD}: Pending: ContainerCreating"
        )),
        "{first_said}"
    );
    // The second starts only now: it is the last request, by construction.
    let second = fixture.start_upgrade(&["--image", NEW_IMAGE, "--timeout", "60s"]);
    fixture.wait_for_spec_image(NEW_IMAGE).await;

    while let Some(line) = first_stderr.next_line().await.unwrap() {
        first_said.push_str(&line);
        first_said.push('\n');
    }
    let mut first = Ran::finish(first).await;
    first.stderr = first_said;
    assert_eq!(first.code, Some(1), "{first}");
    assert!(
        first.stderr.contains(&format!(
            "error: performer \"{NAME}\" now has image {NEW_IMAGE}, written by someone else while waiting; not touching it"
        )),
        "{first}"
    );

    let second = Ran::finish(second).await;
    assert_eq!(second.code, Some(0), "{second}");
    assert!(
        second.stderr.contains(&format!(
            "recorded image {SLOW} version v6.0.0; wrote image {NEW_IMAGE} version v2.1.0"
        )),
        "the second recorded the first's write, not a stale spec: {second}"
    );
    assert_eq!(
        fixture.spec_text(),
        with_image(&before, NEW_IMAGE, "v2.1.0"),
        "exactly the last requested image, every other field as it was"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_runs_and_diff_change_nothing() {
    let fixture = Fixture::new(None).await;
    let before = fixture.spec_text();

    let server = fixture
        .upgrade(&["--image", NEW_IMAGE, "--dry-run=server"])
        .await;
    assert_eq!(server.code, Some(0), "{server}");
    assert_eq!(
        server.stdout,
        format!("performer \"{NAME}\" upgraded to {NEW_IMAGE} (server dry run)\n")
    );

    let diff = fixture.upgrade(&["--image", NEW_IMAGE, "--diff"]).await;
    assert_eq!(diff.code, Some(0), "{diff}");
    assert!(diff.stdout.starts_with(&format!(
        "--- performer/{NAME} (live)\n+++ performer/{NAME} (upgraded)\n"
    )));
    let changed: Vec<&str> = diff
        .stdout
        .lines()
        .skip(2)
        .filter(|l| l.starts_with('-') || l.starts_with('+'))
        .collect();
    assert_eq!(
        changed,
        [
            format!("-  image: {OLD_IMAGE}").as_str(),
            format!("+  image: {NEW_IMAGE}").as_str(),
            "-  version: v2.0.0",
            "+  version: v2.1.0",
        ],
        "{}",
        diff.stdout
    );

    let invalid = fixture.upgrade(&["--image", "Not A Reference"]).await;
    assert_eq!(invalid.code, Some(1), "{invalid}");
    assert!(
        invalid.stderr.starts_with(&format!(
            "error: performer \"{NAME}\" would be invalid:\n  * spec.image: "
        )),
        "{invalid}"
    );

    let missing = fixture.plugin.run(
        &[
            "performer",
            "upgrade",
            "nope",
            "-n",
            fixture.ns(),
            "--image",
            NEW_IMAGE,
        ],
        None,
    );
    assert_eq!(missing.code, Some(1));
    assert_eq!(
        missing.stderr,
        "Error from server (NotFound): performers.hourglass.eigenlayer.io \"nope\" not found\n"
    );
    assert_eq!(fixture.spec_text(), before);
}
