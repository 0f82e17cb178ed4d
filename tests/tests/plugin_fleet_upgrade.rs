//! Upgrading many performers at once, and the history that lets one be
//! undone, on a real control plane with our webhook registered, the
//! upstream operator's contract (stand-in or the real binary, see
//! `OperatorContract`) and a simulated kubelet writing the pods' status.
//!
//! - A bulk upgrade of 20 performers by label, 4 at a time, where one new
//!   pod cannot pull its image: with --halt-on-failure and --rollback that
//!   one is rolled back, no upgrade starts after it fails, every performer
//!   upgraded runs the new image, every one not started keeps the old.
//! - The plan is shown and nothing is written without --yes when there is
//!   no terminal to ask on, or with --dry-run; performers already at the
//!   image are skipped.
//! - Ctrl-C during a bulk upgrade starts no new upgrade and rolls back
//!   those in flight.
//! - Each upgrade records the spec it replaced (a rolled-back one leaves no
//!   entry); `performer history` lists them; `performer undo` goes back.

use std::process::Stdio;
use std::time::Duration;

use hourglass_e2e::{
    ControlPlane, OperatorContract, Plugin, PodOutcome, PodPolicy, RunningOperator,
    SimulatedKubelet, TestNamespace, interrupt_when_ready,
};
use hourglass_shared::Performer;
use hourglass_shared::status::{PodState, owned_pod, pod_image, pod_name, pod_state};
use hourglass_shared::upgrade_history::{self, HistoryEntry};
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use tokio::io::AsyncReadExt;
use tokio::process::Child;
use tokio::time::Instant;

const OLD_IMAGE: &str = "myavs/performer:v1.0.0";
const NEW_IMAGE: &str = "myavs/performer:v1.1.0";
/// An image no node can pull.
const UNPULLABLE: &str = "myavs/performer:v9.9.9";
/// An image whose pods stay ContainerCreating: an upgrade to it waits.
const SLOW: &str = "myavs/performer:v6.0.0";
/// The one performer of the fleet whose new pod cannot pull its image.
const BAD: &str = "p-07";
const PATIENCE: Duration = Duration::from_secs(120);

struct Fleet {
    namespace: TestNamespace<'static>,
    performers: Api<Performer>,
    pods: Api<Pod>,
    plugin: Plugin,
    operator: RunningOperator,
    _kubelet: SimulatedKubelet,
}

impl Fleet {
    /// `count` performers `p-00`, `p-01`, ... labelled `avs=fleet`, running
    /// OLD_IMAGE under the upstream operator's contract.
    async fn new(count: usize) -> Fleet {
        let control_plane = ControlPlane::with_webhook();
        let namespace = TestNamespace::create(control_plane).unwrap();
        let client = control_plane.kube_client().await.unwrap();
        let manifests: String = (0..count)
            .map(|n| {
                format!(
                    "---\napiVersion: hourglass.eigenlayer.io/v1alpha1\nkind: Performer\n\
                     metadata:\n  name: p-{n:02}\n  labels:\n    avs: fleet\n\
                     spec:\n  avsAddress: \"0x1234567890abcdef1234567890abcdef12345678\"\n  \
                     image: \"{OLD_IMAGE}\"\n  version: v1.0.0\n"
                )
            })
            .collect();
        control_plane
            .run_kubectl(
                &["create", "-n", namespace.name(), "-f", "-"],
                Some(manifests.as_bytes()),
            )
            .unwrap();
        // Only the bad performer's new pod cannot pull; every other runs.
        let policy = PodPolicy::from_fn(|pod: &Pod| {
            let image = pod_image(pod).unwrap_or_default();
            let name = pod.metadata.name.as_deref().unwrap_or_default();
            if image == UNPULLABLE || (name == format!("performer-{BAD}") && image == NEW_IMAGE) {
                PodOutcome::ImagePullBackOff
            } else if image == SLOW {
                PodOutcome::ContainerCreating
            } else {
                PodOutcome::RunningReady
            }
        });
        let fleet = Fleet {
            performers: Api::namespaced(client.clone(), namespace.name()),
            pods: Api::namespaced(client.clone(), namespace.name()),
            plugin: Plugin::for_control_plane(control_plane).unwrap(),
            operator: OperatorContract::Upstream.start(client.clone(), namespace.name()),
            _kubelet: SimulatedKubelet::start(client, namespace.name(), policy),
            namespace,
        };
        for n in 0..count {
            fleet
                .wait_until_running(&format!("p-{n:02}"), OLD_IMAGE)
                .await;
        }
        fleet
    }

    fn ns(&self) -> &str {
        self.namespace.name()
    }

    async fn performer(&self, name: &str) -> Performer {
        self.performers.get(name).await.unwrap()
    }

    /// Whether `name`'s pod runs `image` and is ready.
    async fn runs(&self, name: &str, image: &str) -> bool {
        let performer = self.performer(name).await;
        let pod = self.pods.get_opt(&pod_name(&performer)).await.unwrap();
        owned_pod(&performer, pod.as_ref())
            .is_some_and(|pod| pod_state(pod) == PodState::Ready && pod_image(pod) == Some(image))
    }

    async fn wait_until_running(&self, name: &str, image: &str) {
        let deadline = Instant::now() + PATIENCE;
        while !self.runs(name, image).await {
            assert!(
                Instant::now() < deadline,
                "{name} never ran {image}; operator errors: {:?}",
                self.operator.errors()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Starts `kubectl hourglass ARGS... -n NS`, stdin closed (no terminal).
    fn start(&self, args: &[&str]) -> Child {
        let mut command = self.plugin.command(&[args, &["-n", self.ns()]].concat());
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        tokio::process::Command::from(command).spawn().unwrap()
    }

    /// Runs `kubectl hourglass ARGS... -n NS` to its end.
    async fn plugin(&self, args: &[&str]) -> Ran {
        let output = tokio::time::timeout(PATIENCE * 2, self.start(args).wait_with_output())
            .await
            .expect("the plugin did not end")
            .unwrap();
        Ran {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    async fn history(&self, name: &str) -> Vec<HistoryEntry> {
        let performer = self.performer(name).await;
        upgrade_history::read(performer.metadata.annotations.as_ref()).unwrap()
    }
}

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Ran {
    /// The summary table's row of `name`.
    fn row(&self, name: &str) -> &str {
        self.stdout
            .lines()
            .rev()
            .find(|line| line.split_whitespace().nth(1) == Some(name))
            .unwrap_or_else(|| panic!("no row for {name}:\n{self}"))
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

#[tokio::test(flavor = "multi_thread")]
async fn a_bulk_upgrade_halts_at_the_first_failure_and_rolls_it_back() {
    let fleet = Fleet::new(20).await;
    let ran = fleet
        .plugin(&[
            "performer",
            "upgrade",
            "-l",
            "avs=fleet",
            "--image",
            NEW_IMAGE,
            "--max-parallel",
            "4",
            "--halt-on-failure",
            "--rollback",
            "--yes",
            "--timeout",
            "90s",
            "--poll-interval",
            "200ms",
        ])
        .await;
    assert_eq!(ran.code, Some(1), "{ran}");
    // The plan came first: every performer, with its current and new image.
    let plan: Vec<&str> = ran.stdout.lines().take(21).collect();
    assert!(plan[0].starts_with("NAMESPACE"), "{ran}");
    for n in 0..20 {
        let line = plan[n + 1];
        assert!(
            line.contains(&format!("p-{n:02}"))
                && line.contains(OLD_IMAGE)
                && line.contains(NEW_IMAGE),
            "{ran}"
        );
    }
    assert!(ran.row(BAD).contains("rolled back"), "{ran}");
    assert!(ran.row(BAD).contains("ErrImagePull"), "{ran}");
    assert_eq!(fleet.performer(BAD).await.spec.image, OLD_IMAGE);
    fleet.wait_until_running(BAD, OLD_IMAGE).await;

    let mut upgraded = 0;
    let mut not_started = 0;
    for n in 0..20 {
        let name = format!("p-{n:02}");
        if name == BAD {
            continue;
        }
        let row = ran.row(&name);
        if row.contains("upgraded") {
            upgraded += 1;
            assert!(fleet.runs(&name, NEW_IMAGE).await, "{name}: {ran}");
            assert_eq!(fleet.history(&name).await.len(), 1, "{name}");
        } else {
            assert!(
                row.contains("not started") && row.contains("halted after p-07 failed"),
                "{row}"
            );
            not_started += 1;
            assert_eq!(fleet.performer(&name).await.spec.image, OLD_IMAGE, "{name}");
            assert!(fleet.history(&name).await.is_empty(), "{name}");
        }
    }
    // Every performer before the bad one was started before it failed.
    assert!(upgraded >= 7, "{ran}");
    assert!(not_started > 0, "nothing was left unstarted: {ran}");
    // The rolled-back upgrade left no history entry.
    assert!(fleet.history(BAD).await.is_empty());
    assert!(
        ran.stderr.contains(&format!(
            "{} of 20 performers not upgraded",
            not_started + 1
        )),
        "{ran}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_yes_or_with_dry_run_nothing_is_written_and_the_current_are_skipped() {
    let fleet = Fleet::new(3).await;
    // What an upgrade writes: the image and the history. (Not the
    // resourceVersion: the operator writes status whenever it reconciles.)
    let written = async || {
        let mut written = Vec::new();
        for n in 0..3 {
            let name = format!("p-{n:02}");
            let image = fleet.performer(&name).await.spec.image;
            written.push((image, fleet.history(&name).await));
        }
        written
    };
    let before = written().await;

    let refused = fleet
        .plugin(&["performer", "upgrade", "p-00", "p-01", "--image", NEW_IMAGE])
        .await;
    assert_eq!(refused.code, Some(1), "{refused}");
    assert!(refused.stderr.contains("pass --yes"), "{refused}");
    assert!(
        refused.stdout.contains("p-00") && refused.stdout.contains("p-01"),
        "{refused}"
    );
    assert!(!refused.stdout.contains("p-02"), "{refused}");

    let dry = fleet
        .plugin(&[
            "performer",
            "upgrade",
            "-l",
            "avs=fleet",
            "--image",
            NEW_IMAGE,
            "--dry-run",
        ])
        .await;
    assert_eq!(dry.code, Some(0), "{dry}");
    assert!(
        dry.stderr
            .contains("3 of 3 performers would be upgraded (dry run)"),
        "{dry}"
    );
    assert_eq!(written().await, before);

    let missing = fleet
        .plugin(&[
            "performer",
            "upgrade",
            "p-00",
            "nope",
            "--image",
            NEW_IMAGE,
            "--yes",
        ])
        .await;
    assert_eq!(missing.code, Some(1), "{missing}");
    assert!(
        missing.stderr.contains("performers not found in namespace"),
        "{missing}"
    );
    assert!(missing.stderr.contains("nope"), "{missing}");
    assert_eq!(written().await, before);

    // One already at the image is reported and skipped.
    let one = fleet
        .plugin(&[
            "performer",
            "upgrade",
            "p-00",
            "--image",
            NEW_IMAGE,
            "--poll-interval",
            "200ms",
        ])
        .await;
    assert_eq!(one.code, Some(0), "{one}");
    let all = fleet
        .plugin(&[
            "performer",
            "upgrade",
            "-l",
            "avs=fleet",
            "--image",
            NEW_IMAGE,
            "--yes",
            "--max-parallel",
            "2",
            "--poll-interval",
            "200ms",
        ])
        .await;
    assert_eq!(all.code, Some(0), "{all}");
    assert!(all.row("p-00").contains("skipped"), "{all}");
    assert!(all.row("p-01").contains("upgraded"), "{all}");
    assert!(all.row("p-02").contains("upgraded"), "{all}");
}

#[tokio::test(flavor = "multi_thread")]
async fn history_records_each_upgrade_and_undo_goes_back() {
    let fleet = Fleet::new(1).await;
    let name = "p-00";
    let upgrade = |image: &'static str| {
        let fleet = &fleet;
        async move {
            fleet
                .plugin(&[
                    "performer",
                    "upgrade",
                    name,
                    "--image",
                    image,
                    "--rollback",
                    "--poll-interval",
                    "200ms",
                    "--timeout",
                    "60s",
                ])
                .await
        }
    };
    let ran = upgrade(NEW_IMAGE).await;
    assert_eq!(ran.code, Some(0), "{ran}");
    let history = fleet.history(name).await;
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0].revision, 1);
    assert_eq!(history[0].image, OLD_IMAGE);
    assert_eq!(history[0].version.as_deref(), Some("v1.0.0"));
    // Who, as the apiserver authenticated the harness's admin.
    assert!(
        history[0]
            .replaced_by
            .as_deref()
            .is_some_and(|who| !who.is_empty()),
        "{history:?}"
    );

    // A failed upgrade that is rolled back leaves no entry.
    let failed = upgrade(UNPULLABLE).await;
    assert_eq!(failed.code, Some(1), "{failed}");
    assert_eq!(fleet.history(name).await, history);

    let listed = fleet.plugin(&["performer", "history", name]).await;
    assert_eq!(listed.code, Some(0), "{listed}");
    let lines: Vec<&str> = listed.stdout.lines().collect();
    assert!(lines[0].starts_with("REVISION"), "{listed}");
    assert!(
        lines[1].starts_with('1') && lines[1].contains(OLD_IMAGE),
        "{listed}"
    );
    assert!(
        lines[2].starts_with("current") && lines[2].contains(NEW_IMAGE),
        "{listed}"
    );

    let unknown = fleet
        .plugin(&["performer", "undo", name, "--to-revision", "9"])
        .await;
    assert_eq!(unknown.code, Some(1), "{unknown}");
    assert!(
        unknown
            .stderr
            .contains("--to-revision 9: no such revision; recorded: 1"),
        "{unknown}"
    );

    let undone = fleet
        .plugin(&[
            "performer",
            "undo",
            name,
            "--poll-interval",
            "200ms",
            "--timeout",
            "60s",
        ])
        .await;
    assert_eq!(undone.code, Some(0), "{undone}");
    assert_eq!(
        undone.stdout,
        format!("performer \"{name}\" rolled back to revision 1 ({OLD_IMAGE})\n")
    );
    fleet.wait_until_running(name, OLD_IMAGE).await;
    let performer = fleet.performer(name).await;
    assert_eq!(performer.spec.version.as_deref(), Some("v1.0.0"));
    // The undo is an upgrade too: it recorded what it replaced.
    let history = fleet.history(name).await;
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(
        (history[1].revision, history[1].image.as_str()),
        (2, NEW_IMAGE)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_starts_no_new_upgrade_and_rolls_back_those_in_flight() {
    let fleet = Fleet::new(4).await;
    let mut upgrade = fleet.start(&[
        "performer",
        "upgrade",
        "-l",
        "avs=fleet",
        "--image",
        SLOW,
        "--max-parallel",
        "2",
        "--rollback",
        "--yes",
        "--timeout",
        "90s",
        "--poll-interval",
        "200ms",
    ]);
    // Ctrl-C once both upgrades in flight say they wait for their new pod.
    let stderr = interrupt_when_ready(
        &mut upgrade,
        |printed| {
            ["p-00", "p-01"]
                .iter()
                .all(|name| printed.contains(&format!("waiting for performer \"{name}\"")))
        },
        PATIENCE,
    )
    .await;
    let mut stdout = String::new();
    upgrade
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .await
        .unwrap();
    let status = tokio::time::timeout(PATIENCE, upgrade.wait())
        .await
        .unwrap()
        .unwrap();
    let ran = Ran {
        code: status.code(),
        stdout,
        stderr,
    };
    assert_eq!(ran.code, Some(1), "{ran}");
    assert!(
        ran.stderr.contains("interrupted: starting no new upgrade"),
        "{ran}"
    );
    for name in ["p-00", "p-01"] {
        assert!(ran.row(name).contains("rolled back"), "{ran}");
        assert!(ran.row(name).contains("interrupted while waiting"), "{ran}");
    }
    for name in ["p-02", "p-03"] {
        assert!(
            ran.row(name).contains("not started") && ran.row(name).contains("interrupted (Ctrl-C)"),
            "{ran}"
        );
    }
    for n in 0..4 {
        let name = format!("p-{n:02}");
        assert_eq!(fleet.performer(&name).await.spec.image, OLD_IMAGE, "{name}");
        assert!(fleet.history(&name).await.is_empty(), "{name}");
    }
}
