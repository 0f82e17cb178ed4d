//! Getting writes through while the webhook is down, both ways the README
//! documents, proven on a real apiserver (whose rules decide what works):
//!
//! - the exemption label (an `objectSelector` on both webhooks, the chart's
//!   `exemptionLabel`): a create carrying the label is stored without
//!   calling the webhooks (so neither checked nor defaulted), an object that
//!   already carries it can be updated; but labelling an object now does
//!   NOT get through, because the apiserver matches the selector against
//!   the old object too. The label has to be there before the outage.
//! - deleting both configurations: everything gets through.
//!
//! A control plane of its own: it stops the webhook and deletes the
//! configurations.

use hourglass_e2e::{ControlPlane, TestNamespace, WebhookServer, install_crds};
use serde_json::json;

const LABEL: &str = "hourglass.eigenlayer.io/exempt";

fn performer(name: &str, exempt: bool) -> String {
    let mut labels = serde_json::Map::new();
    if exempt {
        labels.insert(LABEL.to_string(), json!("true"));
    }
    json!({
        "apiVersion": "hourglass.eigenlayer.io/v1alpha1",
        "kind": "Performer",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "avsAddress": "0x1234567890abcdef1234567890abcdef12345678",
            "image": "myavs/performer:v1.0.0",
        },
    })
    .to_string()
}

#[test]
fn exemption_label_and_deleted_configurations_get_writes_through() {
    let control_plane = ControlPlane::start().unwrap();
    install_crds(&control_plane).unwrap();
    let mut webhook = WebhookServer::start(&control_plane).unwrap();
    webhook.register(&control_plane).unwrap();
    // The chart's exemptionLabel.key=hourglass.eigenlayer.io/exempt.
    let selector = json!([{
        "op": "add",
        "path": "/webhooks/0/objectSelector",
        "value": {"matchExpressions": [{"key": LABEL, "operator": "NotIn", "values": ["true"]}]},
    }])
    .to_string();
    for configuration in [
        "validatingwebhookconfiguration/hourglass-validating",
        "mutatingwebhookconfiguration/hourglass-mutating",
    ] {
        control_plane
            .run_kubectl(
                &["patch", configuration, "--type=json", "-p", &selector],
                None,
            )
            .unwrap();
    }
    let namespace = TestNamespace::create(&control_plane).unwrap();
    let ns = namespace.name();
    let create = |name: &str, exempt: bool| {
        control_plane.kubectl_outcome(
            &["create", "-n", ns, "-f", "-"],
            Some(&performer(name, exempt)),
        )
    };
    let grpc_port = |name: &str| {
        control_plane
            .run_kubectl(
                &[
                    "get",
                    "performer",
                    name,
                    "-n",
                    ns,
                    "-o",
                    "jsonpath={.spec.config.grpcPort}",
                ],
                None,
            )
            .unwrap()
    };
    // While it serves: an unlabelled performer is defaulted by the webhook;
    // a labelled one skips it already (no default).
    create("plain", false).assert_success();
    assert_eq!(grpc_port("plain"), "9090");
    create("labelled-before", true).assert_success();
    assert_eq!(grpc_port("labelled-before"), "");

    webhook.stop();
    create("refused", false).assert_failure_containing("failed calling webhook");
    // A create with the label gets through.
    create("labelled-during", true).assert_success();
    // An object labelled before the outage can be changed.
    control_plane
        .kubectl_outcome(
            &[
                "patch",
                "performer",
                "labelled-before",
                "-n",
                ns,
                "--type=merge",
                "-p",
                r#"{"spec":{"image":"myavs/performer:v1.0.1"}}"#,
            ],
            None,
        )
        .assert_success();
    // Labelling now does not: the old object has no label, so it matches.
    control_plane
        .kubectl_outcome(
            &[
                "label",
                "performer",
                "plain",
                "-n",
                ns,
                &format!("{LABEL}=true"),
            ],
            None,
        )
        .assert_failure_containing("failed calling webhook");

    // The other way: delete both configurations; everything gets through.
    control_plane
        .run_kubectl(
            &[
                "delete",
                "validatingwebhookconfiguration/hourglass-validating",
                "mutatingwebhookconfiguration/hourglass-mutating",
            ],
            None,
        )
        .unwrap();
    let began = std::time::Instant::now();
    loop {
        let outcome = create("after-delete", false);
        if outcome.code == Some(0) {
            break;
        }
        // The apiserver drops the configurations through an informer.
        assert!(
            began.elapsed() < std::time::Duration::from_secs(30),
            "{}",
            outcome.stderr
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(grpc_port("after-delete"), "", "no webhook defaulted it");
}
