//! `kubectl hourglass performer upgrade` on a real control plane with our
//! webhook registered. No operator runs here: with none, the upgrade waits
//! and times out (and `--rollback` restores the recorded spec); a stand-in
//! that writes the status subresource the way the operator would lets it
//! succeed, or fail. Two upgrades in a row, the second while the first still
//! waits, leave exactly the second's image and nothing else changed.

use std::process::{Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use hourglass_e2e::{
    ControlPlane, OperatorStandIn, Plugin, TestNamespace, WebhookServer, install_crds,
    workspace_root,
};
use hourglass_shared::Performer;
use kube::api::Api;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;
use tokio::time::Instant;

/// The performer every test upgrades: the spec's complex example, so that
/// "nothing else changed" covers many fields.
const NAME: &str = "complex-performer";
const OLD_IMAGE: &str = "myavs/performer:v2.0.0";
/// How long a test waits for something the plugin or the stand-in must do.
const PATIENCE: Duration = Duration::from_secs(60);

fn control_plane() -> &'static ControlPlane {
    static WEBHOOK: OnceLock<WebhookServer> = OnceLock::new();
    let control_plane = ControlPlane::shared();
    WEBHOOK.get_or_init(|| {
        install_crds(control_plane).unwrap();
        let webhook = WebhookServer::start(control_plane).unwrap();
        webhook.register(control_plane).unwrap();
        webhook
    });
    control_plane
}

/// A namespace holding the example performer, an API for it and the stand-in.
struct Fixture {
    namespace: TestNamespace<'static>,
    performers: Api<Performer>,
    operator: OperatorStandIn,
    plugin: Plugin,
}

impl Fixture {
    async fn new() -> Fixture {
        let control_plane = control_plane();
        let namespace = TestNamespace::create(control_plane).unwrap();
        let example = workspace_root().join("manifests/examples/complex-performer.yaml");
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
        let client = control_plane.kube_client().await.unwrap();
        Fixture {
            performers: Api::namespaced(client.clone(), namespace.name()),
            operator: OperatorStandIn::new(client, namespace.name()),
            plugin: Plugin::for_control_plane(control_plane).unwrap(),
            namespace,
        }
    }

    fn ns(&self) -> &str {
        self.namespace.name()
    }

    /// The spec as the apiserver serves it, as kubectl prints it.
    fn spec_text(&self) -> String {
        control_plane()
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

#[tokio::test]
async fn with_no_operator_it_times_out_and_rollback_restores_the_spec() {
    let fixture = Fixture::new().await;
    let before = fixture.spec_text();
    let image = "myavs/performer:v2.1.0";

    let ran = fixture
        .upgrade(&["--image", image, "--timeout", "3s", "--rollback"])
        .await;
    assert_eq!(ran.code, Some(1), "{ran}");
    assert!(
        ran.stderr.contains(&format!(
            "performer \"{NAME}\": recorded image {OLD_IMAGE} version v2.0.0; wrote image {image} version v2.1.0"
        )),
        "{ran}"
    );
    assert!(
        ran.stderr.contains(&format!(
            "waiting for performer \"{NAME}\": phase <none>, ready false, no Available condition yet"
        )),
        "{ran}"
    );
    let last = ran.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(&format!(
            "error: timed out after 3s waiting for performer \"{NAME}\" to run {image} ("
        )) && last.ends_with(&format!(
            "; rolled back to image {OLD_IMAGE} version v2.0.0"
        )),
        "{ran}"
    );
    assert_eq!(ran.stdout, "");
    assert_eq!(
        fixture.spec_text(),
        before,
        "the recorded spec, byte for byte"
    );
}

#[tokio::test]
async fn with_no_operator_and_no_rollback_the_new_image_stays() {
    let fixture = Fixture::new().await;
    let before = fixture.spec_text();
    let image = "myavs/performer:v2.1.0";

    let ran = fixture
        .upgrade(&["--image", image, "--timeout", "2s"])
        .await;
    assert_eq!(ran.code, Some(1), "{ran}");
    assert!(
        ran.stderr.contains(&format!(
            "; the spec keeps the new image (pass --rollback to restore image {OLD_IMAGE} version v2.0.0 on failure)"
        )),
        "{ran}"
    );
    assert_eq!(fixture.spec_text(), with_image(&before, image, "v2.1.0"));
}

#[tokio::test]
async fn succeeds_once_the_operator_reports_the_new_image_running() {
    let fixture = Fixture::new().await;
    let before = fixture.spec_text();
    let old_generation = fixture.performer().await.metadata.generation.unwrap();
    let image = "myavs/performer:v2.1.0";

    let mut upgrade = fixture.start_upgrade(&["--image", image, "--timeout", "60s"]);
    let written = fixture.wait_for_spec_image(image).await;
    let generation = written.metadata.generation.unwrap();
    assert!(generation > old_generation);

    // A report about the old generation (its pod Running and ready) is not
    // the upgrade done.
    fixture
        .operator
        .performer_running_at(NAME, old_generation)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        upgrade.try_wait().unwrap().is_none(),
        "the upgrade ended on a report about the old generation"
    );

    assert_eq!(
        fixture.operator.performer_running(NAME).await.unwrap(),
        generation
    );
    let ran = Ran::finish(upgrade).await;
    assert_eq!(ran.code, Some(0), "{ran}");
    assert_eq!(
        ran.stdout,
        format!("performer \"{NAME}\" upgraded to {image}\n")
    );
    assert_eq!(fixture.spec_text(), with_image(&before, image, "v2.1.0"));

    // Nothing to do: said so, exit 0, nothing written.
    let resource_version = fixture.performer().await.metadata.resource_version;
    let again = fixture.upgrade(&["--image", image]).await;
    assert_eq!(again.code, Some(0), "{again}");
    assert_eq!(
        again.stdout,
        format!("performer \"{NAME}\" already at {image}\n")
    );
    assert_eq!(
        fixture.performer().await.metadata.resource_version,
        resource_version
    );
}

#[tokio::test]
async fn an_image_pull_failure_ends_the_wait_and_rolls_back() {
    let fixture = Fixture::new().await;
    let before = fixture.spec_text();
    let image = "myavs/performer:v9.9.9";

    let upgrade = fixture.start_upgrade(&["--image", image, "--timeout", "60s", "--rollback"]);
    fixture.wait_for_spec_image(image).await;
    fixture
        .operator
        .performer_image_pull_failed(NAME)
        .await
        .unwrap();
    let ran = Ran::finish(upgrade).await;
    assert_eq!(ran.code, Some(1), "{ran}");
    let last = ran.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(&format!(
            "error: performer \"{NAME}\" failed to run {image}: "
        )) && last.contains("(ImagePullFailed)")
            && last.ends_with(&format!(
                "; rolled back to image {OLD_IMAGE} version v2.0.0"
            )),
        "{ran}"
    );
    assert_eq!(fixture.spec_text(), before);
}

#[tokio::test]
async fn ctrl_c_with_rollback_restores_the_spec() {
    let fixture = Fixture::new().await;
    let before = fixture.spec_text();
    let image = "myavs/performer:v2.1.0";

    let mut upgrade = fixture.start_upgrade(&["--image", image, "--timeout", "60s", "--rollback"]);
    // Ctrl-C once the plugin says it waits: the user saw that line.
    let mut stderr = BufReader::new(upgrade.stderr.take().unwrap()).lines();
    let mut before_interrupt = String::new();
    while !before_interrupt.contains("waiting for performer") {
        let line = tokio::time::timeout(PATIENCE, stderr.next_line())
            .await
            .expect("the upgrade never said it waits")
            .unwrap()
            .unwrap_or_else(|| panic!("the upgrade ended early:\n{before_interrupt}"));
        before_interrupt.push_str(&line);
        before_interrupt.push('\n');
    }
    let pid = libc::pid_t::try_from(upgrade.id().unwrap()).unwrap();
    // SAFETY: kill(2) on our own child, which has not been reaped yet.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let mut after_interrupt = String::new();
    while let Some(line) = stderr.next_line().await.unwrap() {
        after_interrupt.push_str(&line);
        after_interrupt.push('\n');
    }
    let mut ran = Ran::finish(upgrade).await;
    ran.stderr = before_interrupt + &after_interrupt;
    assert_eq!(ran.code, Some(1), "{ran}");
    assert!(
        ran.stderr.contains(&format!(
            "error: interrupted while waiting for performer \"{NAME}\" to run {image}"
        )),
        "{ran}"
    );
    assert_eq!(fixture.spec_text(), before);
}

#[tokio::test]
async fn a_second_upgrade_while_the_first_waits_wins_and_nothing_is_lost() {
    let fixture = Fixture::new().await;
    let before = fixture.spec_text();
    let (first_image, second_image) = ("myavs/performer:v2.1.0", "myavs/performer:v2.2.0");

    // The first records the spec and writes its image, then waits (with
    // --rollback, which must not undo the second's write).
    let first = fixture.start_upgrade(&["--image", first_image, "--timeout", "60s", "--rollback"]);
    fixture.wait_for_spec_image(first_image).await;
    // The second starts only now: it is the last request, by construction.
    let second = fixture.start_upgrade(&["--image", second_image, "--timeout", "60s"]);
    fixture.wait_for_spec_image(second_image).await;

    let first = Ran::finish(first).await;
    assert_eq!(first.code, Some(1), "{first}");
    assert!(
        first.stderr.contains(&format!(
            "error: performer \"{NAME}\" now has image {second_image}, written by someone else while waiting; not touching it"
        )),
        "{first}"
    );

    fixture.operator.performer_running(NAME).await.unwrap();
    let second = Ran::finish(second).await;
    assert_eq!(second.code, Some(0), "{second}");
    assert!(
        second.stderr.contains(&format!(
            "recorded image {first_image} version v2.1.0; wrote image {second_image} version v2.2.0"
        )),
        "the second recorded the first's write, not a stale spec: {second}"
    );
    assert_eq!(
        fixture.spec_text(),
        with_image(&before, second_image, "v2.2.0"),
        "exactly the last requested image, every other field as it was"
    );
}

#[tokio::test]
async fn dry_runs_and_diff_change_nothing() {
    let fixture = Fixture::new().await;
    let before = fixture.spec_text();
    let image = "myavs/performer:v2.1.0";

    let server = fixture
        .upgrade(&["--image", image, "--dry-run=server"])
        .await;
    assert_eq!(server.code, Some(0), "{server}");
    assert_eq!(
        server.stdout,
        format!("performer \"{NAME}\" upgraded to {image} (server dry run)\n")
    );

    let diff = fixture.upgrade(&["--image", image, "--diff"]).await;
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
            format!("+  image: {image}").as_str(),
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
            image,
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
