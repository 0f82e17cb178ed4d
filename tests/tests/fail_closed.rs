//! With the webhook registered but down, writes fail closed with the
//! apiserver's own "failed calling webhook" error. In a test binary of its
//! own, because it stops the webhook the others rely on.

use hourglass_e2e::{ControlPlane, TestNamespace, WebhookServer, example_text};

#[test]
fn creates_fail_closed_when_the_webhook_is_down() {
    let control_plane = ControlPlane::with_crds();
    let mut webhook = WebhookServer::start(control_plane).unwrap();
    webhook.register(control_plane).unwrap();
    let namespace = TestNamespace::create(control_plane).unwrap();
    let performer = example_text("minimal-performer.yaml");

    webhook.stop();
    control_plane
        .kubectl_outcome(
            &["apply", "-n", namespace.name(), "-f", "-"],
            Some(&performer),
        )
        .assert_failure_containing("failed calling webhook")
        .assert_stderr_contains("hourglass.eigenlayer.io");
    let stored = control_plane.kubectl_outcome(
        &["get", "performers", "-n", namespace.name(), "-o", "name"],
        None,
    );
    assert_eq!(stored.stdout, "", "nothing was stored");
}
