//! `kubectl hourglass install`, `doctor` and `uninstall` on a real
//! control plane, as on a cluster.
//!
//! The control plane has no kubelet and no endpoints controller, so the test
//! plays both: it runs the real webhook binary with the certificate install
//! stored in its Secret, and writes the Endpoints (what the apiserver routes
//! by) and an EndpointSlice (what doctor checks) of the webhook Service. The
//! apiserver runs with `--enable-aggregator-routing=true` so it calls the
//! Service through its Endpoints rather than its ClusterIP, which nothing
//! routes here; and Endpoints refuse loopback addresses, so the webhook
//! listens on the machine's own non-loopback address.
//!
//! A control plane of its own, not the shared one: install writes the real,
//! Service-based webhook configurations.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use base64::Engine as _;
use hourglass_certs::IssuedCert;
use hourglass_e2e::{
    ControlPlane, ControlPlaneOptions, Outcome, Plugin, ServingPair, TestNamespace, WebhookServer,
    node_ip, workspace_root,
};
use serde_json::{Value, json};

const NAMESPACE: &str = "hourglass-system";
const SERVICE: &str = "hourglass-webhook";
const TLS_SECRET: &str = "hourglass-webhook-tls";
/// Our EndpointSlice, standing in for the one the EndpointSlice controller makes.
const SLICE: &str = "hourglass-webhook-e2e";
/// A new webhook route reaches the apiserver through an informer.
const ROUTE_TIMEOUT: Duration = Duration::from_secs(30);

#[test]
fn install_doctor_reinstall_uninstall() {
    let began = Instant::now();
    let control_plane = timed("control plane started", || {
        ControlPlane::start_with(&ControlPlaneOptions {
            extra_apiserver_flags: vec!["--enable-aggregator-routing=true".to_string()],
            ..ControlPlaneOptions::default()
        })
        .unwrap()
    });
    let plugin = timed("plugin built", || {
        Plugin::for_control_plane(&control_plane).unwrap()
    });
    let node_ip = node_ip().unwrap();
    let port_name = service_port_name();

    // Nothing installed: doctor fails and says to install.
    let bare = timed("doctor, nothing installed", || {
        plugin.run(&["doctor"], None)
    });
    assert_eq!(bare.code, Some(1), "{}{}", bare.stdout, bare.stderr);
    assert!(
        bare.stdout.contains(
            "fail  CRD performers.hourglass.eigenlayer.io: not installed\n      fix: run `kubectl hourglass install`"
        ),
        "{}",
        bare.stdout
    );
    assert!(
        bare.stdout.contains(
            "fail  admission through the webhook: performers are not served: the CRDs are not installed"
        ),
        "{}",
        bare.stdout
    );

    // Install.
    let installed = timed("install", || plugin.run(&["install"], None));
    installed.assert_success();
    for line in [
        "customresourcedefinition.apiextensions.k8s.io/performers.hourglass.eigenlayer.io serverside-applied",
        "namespace/hourglass-system serverside-applied",
        "secret/hourglass-webhook-tls serverside-applied",
        "deployment.apps/hourglass-webhook serverside-applied",
        "service/hourglass-webhook serverside-applied",
        "deployment.apps/hourglass-cert-renewer serverside-applied",
        "clusterrole.rbac.authorization.k8s.io/hourglass-cert-renewer serverside-applied",
        "validatingwebhookconfiguration.admissionregistration.k8s.io/hourglass-validating serverside-applied",
        "mutatingwebhookconfiguration.admissionregistration.k8s.io/hourglass-mutating serverside-applied",
    ] {
        assert!(
            installed.stdout.lines().any(|l| l == line),
            "no {line:?} in:\n{}",
            installed.stdout
        );
    }
    // The Deployment's Secret volume mode reached the apiserver as 0440.
    let mode = control_plane
        .run_kubectl(
            &[
                "get",
                "deployment",
                SERVICE,
                "-n",
                NAMESPACE,
                "-o",
                "jsonpath={.spec.template.spec.volumes[0].secret.defaultMode}",
            ],
            None,
        )
        .unwrap();
    assert_eq!(mode, 0o440.to_string());

    // Play kubelet and the endpoints controllers.
    let pair = installed_pair(&control_plane);
    let mut webhook = timed("webhook started", || {
        WebhookServer::start_serving(&control_plane, &pair, node_ip).unwrap()
    });
    route_service_to(&control_plane, node_ip, webhook.tls_port(), &port_name);
    timed(
        "the apiserver reaches the webhook through the Service",
        || wait_until_the_apiserver_calls_the_webhook(&control_plane),
    );

    let healthy = timed("doctor, all ok", || plugin.run(&["doctor"], None));
    assert_eq!(
        healthy.code,
        Some(0),
        "{}{}",
        healthy.stdout,
        healthy.stderr
    );
    let checks: Vec<&str> = healthy
        .stdout
        .lines()
        .filter(|l| !l.starts_with("all "))
        .collect();
    assert!(
        checks.iter().all(|l| l.starts_with("ok    ")),
        "{}",
        healthy.stdout
    );
    for check in [
        "CRD hourglassexecutors.hourglass.eigenlayer.io: established, v1alpha1 served",
        "CRD performers.hourglass.eigenlayer.io: established, v1alpha1 served",
        "ValidatingWebhookConfiguration hourglass-validating: calls service hourglass-system/hourglass-webhook",
        "MutatingWebhookConfiguration hourglass-mutating: calls service hourglass-system/hourglass-webhook",
        "service hourglass-system/hourglass-webhook endpoints: 1 ready",
        "caBundle of validate.hourglass.eigenlayer.io: matches ca.crt of hourglass-webhook-tls",
        "caBundle of mutate.hourglass.eigenlayer.io: matches ca.crt of hourglass-webhook-tls",
        // No kubelet here: the renewer's Deployment exists but runs nothing.
        "certificate renewal: built in: Deployment hourglass-system/hourglass-cert-renewer (0 of 1 ready) renews the serving certificate and rotates the CA",
        "admission through the webhook: a dry-run create of an invalid Performer was refused by the webhook",
    ] {
        assert!(
            checks.contains(&format!("ok    {check}").as_str()),
            "no {check:?} in:\n{}",
            healthy.stdout
        );
    }
    assert_eq!(
        healthy.stdout.lines().last(),
        Some(format!("all {} checks passed", checks.len()).as_str())
    );

    // The webhook down: the admission check fails, with a fix.
    webhook.stop();
    let down = plugin.run(&["doctor"], None);
    assert_eq!(down.code, Some(1), "{}", down.stdout);
    assert!(
        down.stdout.contains(
            "fail  admission through the webhook: the apiserver cannot call the webhook: "
        ) && down.stdout.contains("failed calling webhook"),
        "{}",
        down.stdout
    );
    assert!(
        down.stdout
            .contains("      fix: make the webhook pods ready"),
        "{}",
        down.stdout
    );
    assert!(
        down.stdout
            .ends_with(&format!("1 of {} checks failed\n", checks.len())),
        "{}",
        down.stdout
    );

    // No endpoints either: that check fails too.
    control_plane
        .run_kubectl(&["delete", "endpointslice", SLICE, "-n", NAMESPACE], None)
        .unwrap();
    let no_endpoints = plugin.run(&["doctor"], None);
    assert_eq!(no_endpoints.code, Some(1));
    assert!(
        no_endpoints.stdout.contains(
            "fail  service hourglass-system/hourglass-webhook endpoints: no ready endpoints"
        ),
        "{}",
        no_endpoints.stdout
    );
    assert!(
        no_endpoints
            .stdout
            .ends_with(&format!("2 of {} checks failed\n", checks.len()))
    );

    // Installing again is harmless: same certificate, and with the webhook
    // back every check passes.
    let again = timed("install again", || plugin.run(&["install"], None));
    again.assert_success();
    assert!(
        again
            .stderr
            .contains("certificates: reused the CA and serving certificate"),
        "{}",
        again.stderr
    );
    assert_eq!(
        installed_pair(&control_plane).serving.cert_pem,
        pair.serving.cert_pem
    );
    let webhook = WebhookServer::start_serving(&control_plane, &pair, node_ip).unwrap();
    route_service_to(&control_plane, node_ip, webhook.tls_port(), &port_name);
    timed(
        "the apiserver reaches the webhook through the Service",
        || wait_until_the_apiserver_calls_the_webhook(&control_plane),
    );
    let healthy_again = plugin.run(&["doctor"], None);
    assert_eq!(healthy_again.code, Some(0), "{}", healthy_again.stdout);

    // A user's performer, admitted (and defaulted) through the Service.
    let users = TestNamespace::create(&control_plane).unwrap();
    plugin
        .run(
            &[
                "create",
                "performer",
                "kept",
                "-n",
                users.name(),
                "--image",
                "myavs/performer:v1.0.0",
                "--avs-address",
                "0x1234567890abcdef1234567890abcdef12345678",
            ],
            None,
        )
        .assert_success();
    let grpc_port = control_plane
        .run_kubectl(
            &[
                "get",
                "performer",
                "kept",
                "-n",
                users.name(),
                "-o",
                "jsonpath={.spec.config.grpcPort}",
            ],
            None,
        )
        .unwrap();
    assert_eq!(grpc_port, "9090", "the mutating webhook's default");

    // Uninstall removes what install made and keeps the users' objects.
    let removed = timed("uninstall", || plugin.run(&["uninstall"], None));
    removed.assert_success();
    for line in [
        "validatingwebhookconfiguration.admissionregistration.k8s.io/hourglass-validating deleted",
        "mutatingwebhookconfiguration.admissionregistration.k8s.io/hourglass-mutating deleted",
        "deployment.apps/hourglass-webhook deleted",
        "secret/hourglass-webhook-tls deleted",
        "namespace/hourglass-system deleted",
    ] {
        assert!(
            removed.stdout.lines().any(|l| l == line),
            "no {line:?} in:\n{}",
            removed.stdout
        );
    }
    assert!(removed.stderr.contains("CRDs kept"), "{}", removed.stderr);
    let configurations = control_plane
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
    assert!(!configurations.contains("hourglass"), "{configurations}");
    let kept = control_plane
        .run_kubectl(
            &["get", "performer", "kept", "-n", users.name(), "-o", "name"],
            None,
        )
        .unwrap();
    assert_eq!(kept.trim(), "performer.hourglass.eigenlayer.io/kept");
    // No namespace controller runs here: the namespace stays Terminating.
    let phase = control_plane
        .run_kubectl(
            &[
                "get",
                "namespace",
                NAMESPACE,
                "-o",
                "jsonpath={.status.phase}",
            ],
            None,
        )
        .unwrap();
    assert_eq!(phase, "Terminating");
    eprintln!("whole suite took {:.1}s", began.elapsed().as_secs_f64());
}

/// The name of the webhook Service's port, which Endpoints ports must carry.
fn service_port_name() -> String {
    let path = workspace_root().join("manifests/webhook/30-service.yaml");
    let service: Value = serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    service["spec"]["ports"][0]["name"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The serving certificate, key and CA install stored in its Secret.
fn installed_pair(control_plane: &ControlPlane) -> ServingPair {
    let secret: Value = serde_json::from_str(
        &control_plane
            .run_kubectl(
                &["get", "secret", TLS_SECRET, "-n", NAMESPACE, "-o", "json"],
                None,
            )
            .unwrap(),
    )
    .unwrap();
    let field = |key: &str| {
        let encoded = secret["data"][key]
            .as_str()
            .unwrap_or_else(|| panic!("{TLS_SECRET} has no {key}"));
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .unwrap(),
        )
        .unwrap()
    };
    ServingPair {
        serving: IssuedCert {
            cert_pem: field("tls.crt"),
            key_pem: field("tls.key"),
        },
        ca_pem: field("ca.crt"),
    }
}

/// Points the webhook Service at `ip:port`, as the endpoints and
/// EndpointSlice controllers would for a ready pod.
fn route_service_to(control_plane: &ControlPlane, ip: IpAddr, port: u16, port_name: &str) {
    let endpoints = json!({
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": SERVICE, "namespace": NAMESPACE},
        "subsets": [{
            "addresses": [{"ip": ip.to_string()}],
            "ports": [{"name": port_name, "port": port, "protocol": "TCP"}],
        }],
    });
    let slice = json!({
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": SLICE,
            "namespace": NAMESPACE,
            "labels": {"kubernetes.io/service-name": SERVICE},
        },
        "addressType": if ip.is_ipv4() { "IPv4" } else { "IPv6" },
        "endpoints": [{"addresses": [ip.to_string()], "conditions": {"ready": true}}],
        "ports": [{"name": port_name, "port": port, "protocol": "TCP"}],
    });
    for object in [endpoints, slice] {
        control_plane
            .run_kubectl(&["apply", "-f", "-"], Some(object.to_string().as_bytes()))
            .unwrap();
    }
}

/// Waits until a dry-run create of an invalid performer is denied by the
/// webhook, i.e. the apiserver resolved the Service to our endpoint.
fn wait_until_the_apiserver_calls_the_webhook(control_plane: &ControlPlane) {
    let probe = json!({
        "apiVersion": "hourglass.eigenlayer.io/v1alpha1",
        "kind": "Performer",
        "metadata": {"name": "route-probe", "namespace": "default"},
        "spec": {"avsAddress": "0x12", "image": "probe/probe:v1"},
    })
    .to_string();
    let began = Instant::now();
    loop {
        let mut kubectl = control_plane.kubectl();
        kubectl.args(["create", "--dry-run=server", "-f", "-"]);
        let outcome = Outcome::of(kubectl, Some(&probe));
        if outcome.stderr.contains("denied the request") {
            return;
        }
        assert!(
            began.elapsed() < ROUTE_TIMEOUT,
            "the apiserver did not reach the webhook through the Service within {}s: {}",
            ROUTE_TIMEOUT.as_secs(),
            outcome.stderr
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Runs `step`, printing on stderr how long it took.
fn timed<T>(what: &str, step: impl FnOnce() -> T) -> T {
    let began = Instant::now();
    let result = step();
    eprintln!("{what}: {:.2}s", began.elapsed().as_secs_f64());
    result
}
