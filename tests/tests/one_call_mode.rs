//! One-call mode (`kubectl hourglass install --one-call`): only the mutating
//! webhook is registered, and through a real apiserver it alone refuses an
//! invalid object naming every violation and admits a valid one with its
//! defaults, while /validate is never called. In a test binary of its own:
//! it registers the webhook its own way.

use hourglass_e2e::{ControlPlane, TestNamespace, WebhookServer, example_text};
use serde_json::{Value, json};

/// `hourglass_webhook_reviews_total` summed over the series of `endpoint`.
fn reviews_of(metrics: &str, endpoint: &str) -> u64 {
    let label = format!("endpoint=\"{endpoint}\"");
    metrics
        .lines()
        .filter(|line| {
            line.starts_with("hourglass_webhook_reviews_total{") && line.contains(&label)
        })
        .filter_map(|line| line.rsplit_once(' ')?.1.parse::<u64>().ok())
        .sum()
}

#[test]
fn the_mutating_webhook_alone_refuses_the_invalid_and_defaults_the_valid() {
    let control_plane = ControlPlane::with_crds();
    let webhook = WebhookServer::start(control_plane).unwrap();
    webhook.register_one_call(control_plane).unwrap();
    let namespace = TestNamespace::create(control_plane).unwrap();
    let ns = namespace.name();
    let metrics = || webhook.admin_get("/metrics").unwrap().1;
    let mutate_before = reviews_of(&metrics(), "mutate");

    let mut invalid: Value =
        serde_yaml_ng::from_str(&example_text("complex-performer.yaml")).unwrap();
    invalid["spec"]["avsAddress"] = json!("0x1234");
    invalid["spec"]["config"]["grpcPort"] = json!(0);
    invalid["spec"]["hardwareRequirements"]["teeType"] = json!("trustzone");
    let outcome =
        control_plane.kubectl_outcome(&["apply", "-n", ns, "-f", "-"], Some(&invalid.to_string()));
    outcome
        .assert_failure_containing("denied the request")
        .assert_stderr_contains("mutate.hourglass.eigenlayer.io")
        .assert_stderr_contains("spec.avsAddress")
        .assert_stderr_contains("spec.config.grpcPort")
        .assert_stderr_contains("spec.hardwareRequirements.teeType")
        .assert_stderr_contains("3 violations");
    let stored =
        control_plane.kubectl_outcome(&["get", "performers", "-n", ns, "-o", "name"], None);
    assert_eq!(stored.stdout, "", "nothing was stored");

    control_plane
        .kubectl_outcome(
            &["apply", "-n", ns, "-f", "-"],
            Some(&example_text("minimal-performer.yaml")),
        )
        .assert_success();
    let outcome = control_plane.kubectl_outcome(
        &[
            "get",
            "-n",
            ns,
            "performer",
            "minimal-performer",
            "-o",
            "json",
        ],
        None,
    );
    outcome.assert_success();
    let performer: Value = serde_json::from_str(&outcome.stdout).unwrap();
    assert_eq!(performer["spec"]["config"]["grpcPort"], json!(9090));
    assert_eq!(performer["spec"]["imagePullPolicy"], json!("IfNotPresent"));

    let metrics = metrics();
    assert_eq!(reviews_of(&metrics, "validate"), 0, "{metrics}");
    assert!(
        reviews_of(&metrics, "mutate") >= mutate_before + 2,
        "the refusal and the create both went to /mutate: {metrics}"
    );
}
