//! `kubectl hourglass performer upgrade --rollback` while our webhook goes
//! down (failurePolicy Fail: every write to a performer is refused): the
//! user's spec must end as it was, byte for byte, or the plugin must say
//! plainly that it is not and how to put it back. In a test binary of its
//! own, because it stops the webhook, and serial, because the webhook
//! configurations are cluster-wide.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hourglass_e2e::{
    ControlPlane, Outcome, TestNamespace, WebhookServer, example_text, workspace_binary,
};

/// The example's image is `myavs/performer:v2.0.0`; the upgrade writes this.
const NEW_IMAGE: &str = "myavs/performer:v2.1.0";
const PERFORMER: &str = "complex-performer";

/// One scenario at a time: each registers its own webhook under the same
/// cluster-wide configuration names.
static SERIAL: Mutex<()> = Mutex::new(());

/// The performer's spec exactly as the apiserver prints it.
fn spec_text(control_plane: &ControlPlane, namespace: &str) -> String {
    control_plane
        .run_kubectl(
            &[
                "get",
                "performer",
                PERFORMER,
                "-n",
                namespace,
                "-o",
                "jsonpath={.spec}",
            ],
            None,
        )
        .unwrap()
}

fn image(control_plane: &ControlPlane, namespace: &str) -> String {
    control_plane
        .run_kubectl(
            &[
                "get",
                "performer",
                PERFORMER,
                "-n",
                namespace,
                "-o",
                "jsonpath={.spec.image}",
            ],
            None,
        )
        .unwrap()
}

/// A webhook registered with the control plane (which has our CRDs), and
/// the Complex Performer example created through it in a fresh namespace;
/// returns its spec.
fn set_up<'a>(control_plane: &'a ControlPlane) -> (WebhookServer, TestNamespace<'a>, String) {
    let webhook = WebhookServer::start(control_plane).unwrap();
    webhook.register(control_plane).unwrap();
    let namespace = TestNamespace::create(control_plane).unwrap();
    let manifest = example_text("complex-performer.yaml");
    control_plane
        .run_kubectl(
            &["create", "-n", namespace.name(), "-f", "-"],
            Some(manifest.as_bytes()),
        )
        .unwrap();
    let recorded = spec_text(control_plane, namespace.name());
    assert!(recorded.contains("myavs/performer:v2.0.0"), "{recorded}");
    (webhook, namespace, recorded)
}

/// The plugin running in the background, its stderr collected as it comes.
struct RunningUpgrade {
    child: Child,
    stderr: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl RunningUpgrade {
    fn start(control_plane: &ControlPlane, namespace: &str, extra: &[&str]) -> RunningUpgrade {
        let plugin = workspace_binary("kubectl-hourglass", "kubectl-hourglass").unwrap();
        let mut child = Command::new(plugin)
            .env("KUBECONFIG", control_plane.kubeconfig_path())
            .args(["performer", "upgrade", PERFORMER, "-n", namespace])
            .args([
                "--image",
                NEW_IMAGE,
                "--rollback",
                "--poll-interval",
                "200ms",
            ])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let pipe = child.stderr.take().unwrap();
        let collected = Arc::clone(&stderr);
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut text = collected.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });
        RunningUpgrade {
            child,
            stderr,
            reader: Some(reader),
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until stderr contains `text`, panicking with what it said if
    /// that does not happen within `limit`.
    fn wait_for_line(&self, text: &str, limit: Duration) {
        let began = Instant::now();
        while !self.stderr().contains(text) {
            assert!(
                began.elapsed() < limit,
                "the upgrade did not say {text:?} within {limit:?}; it said:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits for the exit code (killing the plugin after `limit`) and the rest of stderr.
    fn finish(mut self, limit: Duration) -> (Option<i32>, String) {
        let began = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if began.elapsed() > limit {
                let _ = self.child.kill();
                panic!(
                    "the upgrade did not end within {limit:?}; it said:\n{}",
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        (status.code(), self.stderr())
    }
}

impl Drop for RunningUpgrade {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until the upgrade's own patch is stored (it passed the webhook).
fn wait_for_new_image(control_plane: &ControlPlane, namespace: &str) {
    let began = Instant::now();
    while image(control_plane, namespace) != NEW_IMAGE {
        assert!(
            began.elapsed() < Duration::from_secs(30),
            "the upgrade never wrote {NEW_IMAGE}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_rollback_waits_out_a_webhook_outage_and_restores_the_spec_byte_for_byte() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let control_plane = ControlPlane::with_crds();
    let (mut webhook, namespace, recorded) = set_up(control_plane);

    // No operator runs here, so the new image never reports Running: the
    // upgrade times out and rolls back, by which time the webhook is down.
    let upgrade = RunningUpgrade::start(
        control_plane,
        namespace.name(),
        &["--timeout", "10s", "--rollback-timeout", "120s"],
    );
    wait_for_new_image(control_plane, namespace.name());
    webhook.stop();

    upgrade.wait_for_line("refused (attempt 1)", Duration::from_secs(60));
    assert!(
        upgrade.stderr().contains("failed calling webhook"),
        "{}",
        upgrade.stderr()
    );
    assert_eq!(
        image(control_plane, namespace.name()),
        NEW_IMAGE,
        "the dead webhook refused the rollback"
    );

    let webhook = WebhookServer::start(control_plane).unwrap();
    webhook.register(control_plane).unwrap();
    let (code, stderr) = upgrade.finish(Duration::from_secs(120));

    assert_eq!(
        code,
        Some(1),
        "a rolled-back upgrade is a failed upgrade:\n{stderr}"
    );
    assert!(stderr.contains("timed out after 10s"), "{stderr}");
    assert!(
        stderr.contains("rolled back to image myavs/performer:v2.0.0 version v2.0.0"),
        "{stderr}"
    );
    assert_eq!(spec_text(control_plane, namespace.name()), recorded);
}

#[test]
fn a_rollback_that_cannot_land_says_so_and_its_recovery_command_restores_the_spec() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let control_plane = ControlPlane::with_crds();
    let (mut webhook, namespace, recorded) = set_up(control_plane);

    let upgrade = RunningUpgrade::start(
        control_plane,
        namespace.name(),
        &["--timeout", "10s", "--rollback-timeout", "3s"],
    );
    wait_for_new_image(control_plane, namespace.name());
    webhook.stop();
    let (code, stderr) = upgrade.finish(Duration::from_secs(60));

    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("the rollback was refused"), "{stderr}");
    assert!(stderr.contains("failed calling webhook"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "performer \"{PERFORMER}\" still has image {NEW_IMAGE} version v2.1.0; before the upgrade it had image myavs/performer:v2.0.0 version v2.0.0"
        )),
        "{stderr}"
    );
    // What it says is true: the spec holds the new image.
    assert_eq!(image(control_plane, namespace.name()), NEW_IMAGE);

    // The printed command, run as printed once the webhook is back, puts
    // the spec back exactly.
    let restore = stderr
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("kubectl patch performer"))
        .unwrap_or_else(|| panic!("no restore command in:\n{stderr}"))
        .to_string();
    let webhook = WebhookServer::start(control_plane).unwrap();
    webhook.register(control_plane).unwrap();
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(control_plane.kubectl_path(), bin.path().join("kubectl")).unwrap();
    let mut shell = Command::new("sh");
    shell
        .args(["-c", &restore])
        .env("KUBECONFIG", control_plane.kubeconfig_path())
        .env("PATH", path_with(bin.path()));
    Outcome::of(shell, None).assert_success();
    assert_eq!(spec_text(control_plane, namespace.name()), recorded);
}

#[test]
fn an_upgrade_refused_by_a_down_webhook_changes_nothing() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let control_plane = ControlPlane::with_crds();
    let (mut webhook, namespace, recorded) = set_up(control_plane);
    webhook.stop();

    let (code, stderr) = RunningUpgrade::start(
        control_plane,
        namespace.name(),
        &["--timeout", "20s", "--rollback-timeout", "3s"],
    )
    .finish(Duration::from_secs(60));

    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("failed calling webhook"), "{stderr}");
    assert!(
        !stderr.contains("rolling back"),
        "nothing was written to roll back:\n{stderr}"
    );
    assert_eq!(spec_text(control_plane, namespace.name()), recorded);
}

fn path_with(dir: &Path) -> String {
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}
