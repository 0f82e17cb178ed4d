//! With the webhook registered but down, writes fail closed with the
//! apiserver's own "failed calling webhook" error. In a test binary of its
//! own, because it stops the webhook the others rely on.

use hourglass_e2e::{
    ControlPlane, Outcome, TestNamespace, WebhookServer, install_crds, workspace_root,
};

#[test]
fn creates_fail_closed_when_the_webhook_is_down() {
    let control_plane = ControlPlane::shared();
    install_crds(control_plane).unwrap();
    let mut webhook = WebhookServer::start(control_plane).unwrap();
    webhook.register(control_plane).unwrap();
    let namespace = TestNamespace::create(control_plane).unwrap();
    let performer =
        std::fs::read_to_string(workspace_root().join("manifests/examples/minimal-performer.yaml"))
            .unwrap();

    webhook.stop();
    let mut kubectl = control_plane.kubectl();
    kubectl.args(["apply", "-n", namespace.name(), "-f", "-"]);
    let outcome = Outcome::of(kubectl, Some(&performer));
    outcome.assert_failure();
    assert!(
        outcome.stderr.contains("failed calling webhook"),
        "{}",
        outcome.stderr
    );
    assert!(
        outcome.stderr.contains("hourglass.eigenlayer.io"),
        "{}",
        outcome.stderr
    );
    let mut get = control_plane.kubectl();
    get.args(["get", "performers", "-n", namespace.name(), "-o", "name"]);
    assert_eq!(Outcome::of(get, None).stdout, "", "nothing was stored");
}
