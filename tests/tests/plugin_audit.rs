//! `kubectl hourglass audit` on a real control plane whose objects were
//! stored with the CRDs only, as before the webhook was installed (the CRD
//! schema accepts names and hardware the webhook would refuse or change),
//! with the upstream operator's stand-in making the performers' pods; and
//! kubectl's output flags (`-o jsonpath=`, `-o custom-columns=`,
//! `--sort-by`, `--show-labels`, `--no-headers`) on `get`, `status` and
//! `audit`. Its own test binary: the control plane here has no webhook.

use std::time::Duration;

use hourglass_e2e::{ControlPlane, OperatorContract, Outcome, Plugin, TestNamespace};
use hourglass_shared::mutate::MutationContext;
use hourglass_shared::{HardwareProfile, HourglassObject, review};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use serde_json::{Value, json};
use tokio::time::Instant;

const ADDRESS: &str = "0x1234567890abcdef1234567890abcdef12345678";

fn plugin() -> Plugin {
    Plugin::for_control_plane(ControlPlane::with_crds()).unwrap()
}

fn performer(name: &str, image: &str, extra: Value) -> Value {
    let mut spec = json!({"avsAddress": ADDRESS, "image": image});
    spec.as_object_mut()
        .unwrap()
        .extend(extra.as_object().cloned().unwrap_or_default());
    json!({
        "apiVersion": "hourglass.eigenlayer.io/v1alpha1",
        "kind": "Performer",
        "metadata": {"name": name, "labels": {"tier": name.replace('.', "-")}},
        "spec": spec
    })
}

/// The object as the webhook would have stored it (its own rules, here).
fn as_the_webhook_stores_it(object: &Value) -> Value {
    let parsed = HourglassObject::from_value(object).unwrap();
    let profile = HardwareProfile::default();
    let context = MutationContext {
        profile: &profile,
        executor_scheduling: None,
    };
    review(&parsed, None, &context).mutated.to_value()
}

fn create(namespace: &str, object: &Value) {
    ControlPlane::with_crds()
        .kubectl_outcome(
            &["create", "-n", namespace, "-f", "-"],
            Some(&object.to_string()),
        )
        .assert_success();
}

fn audit(args: &[&str]) -> Outcome {
    plugin().run(&[&["audit"], args].concat(), None)
}

/// Waits until the operator has made the performer's pod.
async fn wait_for_pod(client: &kube::Client, namespace: &str, name: &str) -> Pod {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(pod) = pods.get_opt(name).await.unwrap() {
            return pod;
        }
        assert!(Instant::now() < deadline, "no pod {name} from the operator");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Three performers stored without the webhook: one it would refuse (a
/// dot in the name), one it would change (a GPU without its scheduling),
/// one exactly as it would store it; the operator runs the GPU one.
struct Stored {
    namespace: TestNamespace<'static>,
    client: kube::Client,
}

impl Stored {
    async fn new() -> Stored {
        let namespace = TestNamespace::create(ControlPlane::with_crds()).unwrap();
        let client = ControlPlane::with_crds().kube_client().await.unwrap();
        let ns = namespace.name();
        create(ns, &performer("dotted.name", "avs:v1", json!({})));
        create(
            ns,
            &performer(
                "gpu-worker",
                "avs:v2",
                json!({"hardwareRequirements": {"gpuCount": 1}}),
            ),
        );
        create(
            ns,
            &as_the_webhook_stores_it(&performer("clean", "avs:v3", json!({}))),
        );
        Stored { namespace, client }
    }

    fn ns(&self) -> &str {
        self.namespace.name()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_finds_what_was_stored_before_the_webhook() {
    let stored = Stored::new().await;
    let ns = stored.ns();
    let _operator = OperatorContract::Upstream.start(stored.client.clone(), ns);
    wait_for_pod(&stored.client, ns, "performer-gpu-worker").await;

    let outcome = audit(&["-n", ns]);
    assert_eq!(outcome.code, Some(2), "{outcome:?}");
    let out = &outcome.stdout;
    assert!(
        outcome
            .stderr
            .contains("hardware profile: the default: no webhook Deployment hourglass-webhook"),
        "{}",
        outcome.stderr
    );
    assert!(
        out.contains("performer/dotted.name: metadata.name:"),
        "{out}"
    );
    assert!(
        out.contains("performer/gpu-worker: webhook would add /spec/scheduling"),
        "{out}"
    );
    assert!(
        out.contains(
            "performer/gpu-worker: pod performer-gpu-worker lacks toleration nvidia.com/gpu"
        ),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
            == ["Performer", "clean", "0", "0", "0", "clean"]),
        "{out}"
    );
    assert!(!out.contains("performer/clean:"), "{out}");

    // One object: clean, exit 0.
    let clean = audit(&["clean", "-n", ns]);
    assert_eq!(clean.code, Some(0), "{clean:?}");

    // The findings as JSON, and a template on them.
    let json = audit(&["-n", ns, "-o", "json"]);
    assert_eq!(json.code, Some(2), "{json:?}");
    let list: Value = serde_json::from_str(&json.stdout).unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{list}");
    let gpu = items.iter().find(|i| i["name"] == "gpu-worker").unwrap();
    assert_eq!(gpu["pod"], "performer-gpu-worker");
    assert!(!gpu["patch"].as_array().unwrap().is_empty(), "{gpu}");
    assert!(!gpu["podLacks"].as_array().unwrap().is_empty(), "{gpu}");
    let refused = audit(&["-n", ns, "-o", "jsonpath={.items[?(@.violations[0])].name}"]);
    assert_eq!(refused.stdout, "dotted.name", "{refused:?}");

    // Another profile, before giving it to the webhook.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("profile.yaml");
    std::fs::write(&file, "gpuTolerationKey: example.com/gpu\n").unwrap();
    let outcome = audit(&[
        "gpu-worker",
        "-n",
        ns,
        "--hardware-profile",
        file.to_str().unwrap(),
    ]);
    assert_eq!(outcome.code, Some(2), "{outcome:?}");
    assert!(
        outcome.stdout.contains("lacks toleration example.com/gpu"),
        "{}",
        outcome.stdout
    );
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "gpuResource: x\n").unwrap();
    audit(&["-n", ns, "--hardware-profile", broken.to_str().unwrap()])
        .assert_failure_containing("--hardware-profile");
}

/// The webhook's profile, read the way the webhook reads it: its
/// Deployment's `--hardware-profile` path, on a ConfigMap volume.
#[tokio::test(flavor = "multi_thread")]
async fn audit_reads_the_webhooks_profile_from_its_config_map() {
    let stored = Stored::new().await;
    let webhook = TestNamespace::create(ControlPlane::with_crds()).unwrap();
    let config_map = json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "hardware"},
        "data": {"profile.yaml": "gpuTolerationKey: cluster.example/gpu\n"}
    });
    let deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "hourglass-webhook"},
        "spec": {
            "selector": {"matchLabels": {"app": "w"}},
            "template": {
                "metadata": {"labels": {"app": "w"}},
                "spec": {
                    "containers": [{
                        "name": "webhook", "image": "webhook:test",
                        "args": ["--hardware-profile=/etc/hourglass/profile/profile.yaml"],
                        "volumeMounts": [{"name": "profile", "mountPath": "/etc/hourglass/profile"}]
                    }],
                    "volumes": [{"name": "profile", "configMap": {"name": "hardware"}}]
                }
            }
        }
    });
    create(webhook.name(), &config_map);
    create(webhook.name(), &deployment);
    let outcome = audit(&[
        "gpu-worker",
        "-n",
        stored.ns(),
        "--webhook-namespace",
        webhook.name(),
    ]);
    assert_eq!(outcome.code, Some(2), "{outcome:?}");
    assert!(
        outcome.stderr.contains(&format!(
            "hardware profile: ConfigMap {}/hardware key profile.yaml",
            webhook.name()
        )),
        "{}",
        outcome.stderr
    );
    assert!(
        outcome
            .stdout
            .contains(r#"webhook would add /spec/scheduling {"tolerations":[{"effect":"NoSchedule","key":"cluster.example/gpu""#),
        "{}",
        outcome.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_output_flags_on_get_status_and_audit() {
    let stored = Stored::new().await;
    let ns = stored.ns();
    let run = |args: &[&str]| {
        let outcome = plugin().run(args, None);
        assert!(outcome.code.is_some(), "{outcome:?}");
        outcome
    };

    let names = run(&[
        "get",
        "performers",
        "-n",
        ns,
        "-o",
        "jsonpath={.items[*].metadata.name}",
    ]);
    assert_eq!(names.stdout, "clean dotted.name gpu-worker", "{names:?}");
    let lines = run(&[
        "get",
        "performers",
        "-n",
        ns,
        "-o",
        "jsonpath={range .items[*]}{.metadata.name}{\"\\t\"}{.spec.image}{\"\\n\"}{end}",
    ]);
    assert_eq!(
        lines.stdout, "clean\tavs:v3\ndotted.name\tavs:v1\ngpu-worker\tavs:v2\n",
        "{lines:?}"
    );
    let one = run(&[
        "get",
        "performer",
        "gpu-worker",
        "-n",
        ns,
        "-o",
        "jsonpath={.spec.hardwareRequirements.gpuCount}",
    ]);
    assert_eq!(one.stdout, "1", "{one:?}");

    let columns = run(&[
        "get",
        "performers",
        "-n",
        ns,
        "-o",
        "custom-columns=NAME:.metadata.name,Image:.spec.image",
        "--sort-by",
        ".spec.image",
        "--no-headers",
    ]);
    assert_eq!(
        columns.stdout, "dotted.name   avs:v1\ngpu-worker    avs:v2\nclean         avs:v3\n",
        "{columns:?}"
    );
    let labelled = run(&[
        "get",
        "performers",
        "-n",
        ns,
        "--show-labels",
        "--sort-by",
        "{.spec.image}",
    ]);
    let first: Vec<&str> = labelled
        .stdout
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(first.first(), Some(&"NAME"), "{labelled:?}");
    assert_eq!(first.last(), Some(&"LABELS"), "{labelled:?}");
    let second: Vec<&str> = labelled
        .stdout
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(second.first(), Some(&"dotted.name"), "{labelled:?}");
    assert!(second.contains(&"tier=dotted-name"), "{labelled:?}");

    // status: the template sees what -o json prints.
    let status = run(&["status", "-n", ns, "-o", "jsonpath={.performers[*].name}"]);
    assert_eq!(status.stdout, "clean dotted.name gpu-worker", "{status:?}");
    let status = run(&[
        "status",
        "-n",
        ns,
        "--no-headers",
        "--sort-by",
        ".image",
        "--show-labels",
    ]);
    assert!(
        status
            .stdout
            .lines()
            .next()
            .unwrap()
            .starts_with("dotted.name"),
        "{status:?}"
    );
    assert!(status.stdout.contains("tier=gpu-worker"), "{status:?}");

    // audit: custom columns on the findings.
    let findings = run(&[
        "audit",
        "-n",
        ns,
        "-o",
        "custom-columns=NAME:.name,VIOLATIONS:.violations[*]",
        "--sort-by",
        ".name",
    ]);
    assert_eq!(findings.code, Some(2), "{findings:?}");
    let rows: Vec<&str> = findings.stdout.lines().collect();
    assert_eq!(
        rows[0].split_whitespace().collect::<Vec<_>>(),
        ["NAME", "VIOLATIONS"]
    );
    assert!(
        rows[1].starts_with("clean ") && rows[1].ends_with("<none>"),
        "{rows:?}"
    );

    // Bad input names the flag and shows a fix.
    run(&["get", "performers", "-n", ns, "-o", "jsonpath={.items["])
        .assert_failure_containing("-o jsonpath:");
    run(&["get", "performers", "-n", ns, "-o", "custom-columns=NAME"])
        .assert_failure_containing("custom-columns=NAME:.metadata.name");
    run(&["get", "performers", "-n", ns, "--sort-by", ".spec.imag"])
        .assert_failure_containing("--sort-by .spec.imag: no object has this field");
    run(&["status", "-n", ns, "-o", "wide"]).assert_failure_containing("use one of json, yaml");
}
