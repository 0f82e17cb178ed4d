//! The Helm chart in `manifests/helm/hourglass/` with the real `helm`
//! (built once from the Go module proxy into the cache): it lints; with
//! default values it renders the same objects as `kubectl hourglass install
//! --dry-run=client`, object by object, so the two ways to install cannot
//! drift; and each value does what its README line says.
//!
//! Two differences are by nature and left out of the comparison: the chart
//! does not create its namespace (`helm install --create-namespace`), and
//! certificates are contents made at install time by the plugin and in the
//! cluster by the renewer with the chart, so Secrets are compared by name,
//! type and keys, and `caBundle` (filled later either way) is left out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use std::time::{Duration, Instant};

use base64::Engine as _;
use hourglass_e2e::{
    ChildProcess, ControlPlane, ControlPlaneOptions, Outcome, Plugin, ServingPair, WebhookServer,
    ensure_helm, node_ip, workspace_binary, workspace_root,
};
use serde_json::Value;

const NAMESPACE: &str = "hourglass-system";

fn chart() -> PathBuf {
    workspace_root().join("manifests/helm/hourglass")
}

/// helm with its homes in `home`, so no user configuration is read.
fn helm(home: &Path, args: &[&str]) -> Outcome {
    let mut command = Command::new(ensure_helm().unwrap());
    command
        .args(args)
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"))
        .env_remove("KUBECONFIG");
    Outcome::of(command, None)
}

/// `helm template` of the chart in `hourglass-system` with `--set` pairs.
fn template(home: &Path, sets: &[&str]) -> Outcome {
    let chart = chart();
    let mut args = vec![
        "template",
        "hourglass",
        chart.to_str().unwrap(),
        "--namespace",
        NAMESPACE,
        "--include-crds",
    ];
    for set in sets {
        args.extend(["--set", set]);
    }
    helm(home, &args)
}

fn documents(text: &str) -> Vec<Value> {
    serde_yaml_ng::Deserializer::from_str(text)
        .map(|document| {
            let value: serde_yaml_ng::Value =
                serde::Deserialize::deserialize(document).expect("YAML");
            serde_json::to_value(value).unwrap()
        })
        .filter(|value| !value.is_null())
        .collect()
}

fn key(object: &Value) -> String {
    format!(
        "{}/{}/{}",
        object["kind"].as_str().unwrap_or_default(),
        object["metadata"]["namespace"].as_str().unwrap_or_default(),
        object["metadata"]["name"].as_str().unwrap_or_default()
    )
}

/// The comparable part of each object, by kind/namespace/name.
fn comparable(objects: Vec<Value>) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for mut object in objects {
        match object["kind"].as_str() {
            Some("Namespace") => continue,
            Some("Secret") => {
                let mut keys: Vec<String> = object["data"]
                    .as_object()
                    .map(|d| d.keys().cloned().collect())
                    .unwrap_or_default();
                keys.sort();
                object = serde_json::json!({
                    "kind": "Secret",
                    "metadata": {
                        "name": object["metadata"]["name"],
                        "namespace": object["metadata"]["namespace"],
                    },
                    "type": object["type"],
                    "keys": keys,
                });
            }
            _ => {}
        }
        if let Some(Value::Array(webhooks)) = object.get_mut("webhooks") {
            for webhook in webhooks {
                if let Some(config) = webhook
                    .get_mut("clientConfig")
                    .and_then(Value::as_object_mut)
                {
                    config.remove("caBundle");
                }
            }
        }
        out.insert(key(&object), object);
    }
    out
}

#[test]
fn default_values_render_what_install_applies() {
    let home = tempfile::tempdir().unwrap();
    let lint = helm(home.path(), &["lint", chart().to_str().unwrap()]);
    lint.assert_success();
    same_objects(home.path(), &[], &[]);
}

#[test]
fn cert_manager_mode_renders_what_install_cert_manager_applies() {
    let home = tempfile::tempdir().unwrap();
    same_objects(
        home.path(),
        &["certificates.mode=certManager"],
        &["--cert-manager"],
    );
}

#[test]
fn one_call_mode_renders_what_install_one_call_applies() {
    let home = tempfile::tempdir().unwrap();
    same_objects(home.path(), &["admission.oneCall=true"], &["--one-call"]);
    let rendered = template(home.path(), &["admission.oneCall=true"]);
    let objects = documents(&rendered.stdout);
    assert!(
        find(
            &objects,
            "ValidatingWebhookConfiguration",
            "hourglass-validating"
        )
        .is_none(),
        "one-call mode renders no validating configuration"
    );
}

/// The chart with `sets` and `install --dry-run=client` with `flags`
/// render the same objects.
fn same_objects(home: &Path, sets: &[&str], flags: &[&str]) {
    let rendered = template(home, sets);
    rendered.assert_success();
    let chart_objects = comparable(documents(&rendered.stdout));

    let plugin = Plugin::with_kubeconfig(
        workspace_binary("kubectl-hourglass", "kubectl-hourglass").unwrap(),
        &home.join("no-kubeconfig"),
    );
    let mut args = vec!["install", "--dry-run=client", "-n", NAMESPACE];
    args.extend_from_slice(flags);
    let dry_run = plugin.run(&args, None);
    dry_run.assert_success();
    let install_objects = comparable(documents(&dry_run.stdout));

    let chart_keys: Vec<&String> = chart_objects.keys().collect();
    let install_keys: Vec<&String> = install_objects.keys().collect();
    assert_eq!(chart_keys, install_keys, "different objects");
    for (key, installed) in &install_objects {
        let charted = &chart_objects[key];
        assert!(
            charted == installed,
            "{key} differs:\nchart:   {}\ninstall: {}",
            serde_json::to_string_pretty(charted).unwrap(),
            serde_json::to_string_pretty(installed).unwrap()
        );
    }
    // CRDs, RBAC, Deployment, Service, PDB, both configurations and more.
    assert!(chart_objects.len() >= 14, "{chart_keys:?}");
}

#[test]
fn the_chart_version_is_the_workspace_version() {
    let text = std::fs::read_to_string(chart().join("Chart.yaml")).unwrap();
    let chart: Value = serde_yaml_ng::from_str(&text).unwrap();
    assert_eq!(chart["version"], Value::from(env!("CARGO_PKG_VERSION")));
    assert_eq!(chart["appVersion"], Value::from(env!("CARGO_PKG_VERSION")));
}

fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> Option<&'a Value> {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
}

#[test]
fn values_change_what_their_readme_line_says() {
    let home = tempfile::tempdir().unwrap();
    let render = |sets: &[&str]| {
        let outcome = template(home.path(), sets);
        outcome.assert_success();
        documents(&outcome.stdout)
    };

    // Break glass label, failurePolicy, replicas, image, excluded namespaces, matchConditions.
    let objects = render(&[
        "exemptionLabel.key=hourglass.eigenlayer.io/exempt",
        "failurePolicy=Ignore",
        "replicas=3",
        "image.tag=9.9.9",
        "excludedNamespaces={kube-system,monitoring}",
        "matchConditions[0].name=not-the-operator",
        "matchConditions[0].expression=request.userInfo.username != 'system:serviceaccount:hourglass:operator'",
    ]);
    for (kind, name) in [
        ("ValidatingWebhookConfiguration", "hourglass-validating"),
        ("MutatingWebhookConfiguration", "hourglass-mutating"),
    ] {
        let webhook = &find(&objects, kind, name).unwrap()["webhooks"][0];
        assert_eq!(webhook["failurePolicy"], "Ignore");
        assert_eq!(
            webhook["objectSelector"]["matchExpressions"][0],
            serde_json::json!({"key": "hourglass.eigenlayer.io/exempt", "operator": "NotIn", "values": ["true"]})
        );
        assert_eq!(
            webhook["namespaceSelector"]["matchExpressions"][0]["values"],
            serde_json::json!(["kube-system", "monitoring", NAMESPACE])
        );
        assert_eq!(webhook["matchConditions"][0]["name"], "not-the-operator");
    }
    let deployment = find(&objects, "Deployment", "hourglass-webhook").unwrap();
    assert_eq!(deployment["spec"]["replicas"], 3);
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        "ghcr.io/hourglass-avs/hourglass-webhook:9.9.9"
    );

    // cert-manager: Issuer chain, Certificate, injection; no renewer, no Secrets.
    let objects = render(&["certificates.mode=certManager"]);
    let certificate = find(&objects, "Certificate", "hourglass-webhook").unwrap();
    assert_eq!(certificate["spec"]["secretName"], "hourglass-webhook-tls");
    assert!(
        certificate["spec"]["dnsNames"]
            .as_array()
            .unwrap()
            .contains(&Value::from("hourglass-webhook.hourglass-system.svc"))
    );
    assert!(find(&objects, "Issuer", "hourglass-webhook-ca").is_some());
    for kind in [
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
    ] {
        let configuration = objects.iter().find(|o| o["kind"] == kind).unwrap();
        assert_eq!(
            configuration["metadata"]["annotations"]["cert-manager.io/inject-ca-from"],
            "hourglass-system/hourglass-webhook"
        );
    }
    assert!(find(&objects, "Deployment", "hourglass-cert-renewer").is_none());
    assert!(!objects.iter().any(|o| o["kind"] == "Secret"));

    // A Secret of your own.
    let objects = render(&[
        "certificates.mode=secret",
        "certificates.secret.secretName=my-tls",
        "certificates.secret.caBundle=PEM",
    ]);
    let deployment = find(&objects, "Deployment", "hourglass-webhook").unwrap();
    assert_eq!(
        deployment["spec"]["template"]["spec"]["volumes"][0]["secret"]["secretName"],
        "my-tls"
    );
    let validating = find(
        &objects,
        "ValidatingWebhookConfiguration",
        "hourglass-validating",
    )
    .unwrap();
    assert_eq!(
        validating["webhooks"][0]["clientConfig"]["caBundle"],
        "UEVN"
    );

    // Monitoring and the hardware profile.
    let objects = render(&[
        "serviceMonitor.enabled=true",
        "prometheusRule.enabled=true",
        "hardwareProfile=gpuLabel: example.com/gpu",
    ]);
    assert!(find(&objects, "ServiceMonitor", "hourglass-webhook").is_some());
    let rule = find(&objects, "PrometheusRule", "hourglass-webhook").unwrap();
    assert_eq!(rule["metadata"]["namespace"], NAMESPACE);
    let profile = find(&objects, "ConfigMap", "hourglass-hardware-profile").unwrap();
    assert!(
        profile["data"]["profile.yaml"]
            .as_str()
            .unwrap()
            .contains("gpuLabel: example.com/gpu")
    );
    let args = &find(&objects, "Deployment", "hourglass-webhook").unwrap()["spec"]["template"]["spec"]
        ["containers"][0]["args"];
    assert!(args.as_array().unwrap().contains(&Value::from(
        "--hardware-profile=/etc/hourglass/hardware/profile.yaml"
    )));

    // Bad values are refused naming the value and what is allowed.
    let bad = template(home.path(), &["certificates.mode=vault"]);
    bad.assert_failure_containing(
        "certificates.mode is \"vault\": use builtIn, certManager or secret",
    );
    let missing = template(home.path(), &["certificates.mode=secret"]);
    missing.assert_failure_containing("is required with certificates.mode=secret");
}

/// `helm install`, `helm upgrade` and `helm uninstall` on a real control
/// plane, with the webhook answering through the configurations helm
/// installed. No kubelet runs, so the test runs what the chart's
/// Deployments would: the renewer (as its ServiceAccount, to fill the empty
/// Secrets and the caBundles) and the webhook (with the pair the renewer
/// made, reached through the Service's Endpoints). The upgrade must keep
/// what the renewer wrote: the Secrets' contents and both caBundles.
#[test]
fn install_upgrade_uninstall_with_the_webhook_answering() {
    let home = tempfile::tempdir().unwrap();
    let control_plane = ControlPlane::start_with(&ControlPlaneOptions {
        extra_apiserver_flags: vec!["--enable-aggregator-routing=true".to_string()],
        ..ControlPlaneOptions::default()
    })
    .unwrap();
    let kubeconfig = control_plane
        .kubeconfig_path()
        .to_str()
        .unwrap()
        .to_string();
    let chart = chart();
    let release = |verb: &str, sets: &[&str]| {
        let mut args = vec![verb, "hourglass"];
        if verb != "uninstall" {
            args.push(chart.to_str().unwrap());
        }
        args.extend(["-n", NAMESPACE, "--kubeconfig", &kubeconfig]);
        if verb == "install" {
            args.push("--create-namespace");
        }
        for set in sets {
            args.extend(["--set", set]);
        }
        helm(home.path(), &args)
    };
    release("install", &[]).assert_success();

    // The renewer fills the empty Secrets and the caBundles.
    let renewer_config = home.path().join("renewer.kubeconfig");
    let mut config: Value =
        serde_json::from_str(&std::fs::read_to_string(&kubeconfig).unwrap()).unwrap();
    config["users"][0]["user"]["as"] =
        Value::from("system:serviceaccount:hourglass-system:hourglass-cert-renewer");
    std::fs::write(&renewer_config, config.to_string()).unwrap();
    let mut command =
        Command::new(workspace_binary("hourglass-webhook", "hourglass-webhook").unwrap());
    command.args([
        "renew-certificates",
        &format!("--kubeconfig={}", renewer_config.display()),
        "--check-interval=1s",
        "--log-format=text",
    ]);
    let mut renewer = ChildProcess::spawn(
        "hourglass-cert-renewer",
        command,
        &home.path().join("renewer.log"),
    )
    .unwrap();
    let secret_json = || {
        control_plane
            .run_kubectl(
                &[
                    "get",
                    "secret",
                    "hourglass-webhook-tls",
                    "-n",
                    NAMESPACE,
                    "-o",
                    "json",
                ],
                None,
            )
            .unwrap()
    };
    let began = Instant::now();
    let pair = loop {
        renewer.fail_if_exited().unwrap();
        let secret: Value = serde_json::from_str(&secret_json()).unwrap();
        let field = |key: &str| {
            secret["data"][key]
                .as_str()
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                .map(|b| String::from_utf8(b).unwrap())
                .filter(|t| !t.is_empty())
        };
        if let (Some(cert_pem), Some(key_pem), Some(ca_pem)) =
            (field("tls.crt"), field("tls.key"), field("ca.crt"))
        {
            break ServingPair {
                serving: hourglass_certs::IssuedCert { cert_pem, key_pem },
                ca_pem,
            };
        }
        assert!(
            began.elapsed() < Duration::from_secs(30),
            "the renewer filled nothing"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let bundle = || {
        control_plane
            .run_kubectl(
                &[
                    "get",
                    "validatingwebhookconfiguration",
                    "hourglass-validating",
                    "-o",
                    "jsonpath={.webhooks[0].clientConfig.caBundle}",
                ],
                None,
            )
            .unwrap()
    };
    let began = Instant::now();
    while bundle().is_empty() {
        assert!(began.elapsed() < Duration::from_secs(30), "no caBundle");
        std::thread::sleep(Duration::from_millis(200));
    }
    renewer.stop();

    // The webhook, reached through the Service helm made.
    let node = node_ip().unwrap();
    let webhook = WebhookServer::start_serving(&control_plane, &pair, node).unwrap();
    let endpoints = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "hourglass-webhook", "namespace": NAMESPACE},
        "subsets": [{
            "addresses": [{"ip": node.to_string()}],
            "ports": [{"name": "https", "port": webhook.tls_port(), "protocol": "TCP"}],
        }],
    });
    control_plane
        .run_kubectl(
            &["apply", "-f", "-"],
            Some(endpoints.to_string().as_bytes()),
        )
        .unwrap();
    let denied = || {
        let probe = serde_json::json!({
            "apiVersion": "hourglass.eigenlayer.io/v1alpha1",
            "kind": "Performer",
            "metadata": {"name": "probe", "namespace": "default"},
            "spec": {"avsAddress": "0x12", "image": "probe/probe:v1"},
        })
        .to_string();
        let began = Instant::now();
        loop {
            let outcome = control_plane
                .kubectl_outcome(&["create", "--dry-run=server", "-f", "-"], Some(&probe));
            if outcome.stderr.contains("denied the request") {
                return;
            }
            assert!(
                began.elapsed() < Duration::from_secs(30),
                "the webhook did not answer through helm's configuration: {}",
                outcome.stderr
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    denied();

    // An upgrade changes what it should and keeps what the renewer wrote.
    let secret_before = secret_json();
    let bundle_before = bundle();
    release("upgrade", &["replicas=3"]).assert_success();
    let replicas = control_plane
        .run_kubectl(
            &[
                "get",
                "deployment",
                "hourglass-webhook",
                "-n",
                NAMESPACE,
                "-o",
                "jsonpath={.spec.replicas}",
            ],
            None,
        )
        .unwrap();
    assert_eq!(replicas, "3");
    let data = |text: &str| serde_json::from_str::<Value>(text).unwrap()["data"].clone();
    assert_eq!(
        data(&secret_json()),
        data(&secret_before),
        "helm upgrade undid the renewal"
    );
    assert_eq!(bundle(), bundle_before, "helm upgrade reset the caBundle");
    denied();

    // Uninstall removes the configurations and keeps the CA.
    release("uninstall", &[]).assert_success();
    let left = control_plane
        .run_kubectl(
            &[
                "get",
                "validatingwebhookconfigurations,mutatingwebhookconfigurations",
                "-o",
                "name",
            ],
            None,
        )
        .unwrap();
    assert!(!left.contains("hourglass"), "{left}");
    control_plane
        .run_kubectl(
            &["get", "secret", "hourglass-webhook-ca", "-n", NAMESPACE],
            None,
        )
        .unwrap();
}
