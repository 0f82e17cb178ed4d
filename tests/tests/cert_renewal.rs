//! The built-in certificate renewal (`hourglass-webhook renew-certificates`)
//! on a real control plane, with lifetimes of a minute: three renewals of
//! the serving certificate and a CA rotation while performers are created
//! without a pause through the apiserver and both webhook configurations,
//! and not one admission fails.
//!
//! What plays what:
//! - `kubectl hourglass install` makes the namespace, RBAC, Secrets,
//!   Service and both Service-based configurations; the Secrets are then
//!   emptied (as the chart leaves them), so the renewer creates a CA of
//!   150 s and serving certificates of 60 s itself.
//! - The renewer is the real binary, impersonating its ServiceAccount, so
//!   the manifest's RBAC (names only) is what it works with.
//! - Two webhook replicas are the real binary on this machine's address;
//!   a kubelet stand-in copies the TLS Secret into each replica's files,
//!   one after 1 s, the other after 6 s (the lag kubelet's volume sync has).
//! - The apiserver routes the Service by its Endpoints
//!   (`--enable-aggregator-routing`) to a round-robin TCP proxy in front of
//!   both replicas; one EndpointSlice per replica tells the renewer where
//!   each replica is.
//! - The apiserver keeps its connections to a webhook open, so a renewed
//!   certificate only meets it on a new connection: beside the admission
//!   load, every 200 ms a fresh handshake with each replica is verified the
//!   way the apiserver verifies one (the configurations' current caBundle,
//!   the Service's DNS name), and must never fail either.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hourglass_certs::{IssuedCert, ca_signed};
use hourglass_e2e::{
    ChildProcess, ControlPlane, ControlPlaneOptions, Plugin, ServingPair, TestNamespace,
    WebhookServer, node_ip, workspace_binary,
};
use k8s_openapi::api::admissionregistration::v1::ValidatingWebhookConfiguration;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, ApiResource, DynamicObject, PostParams};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};

const NAMESPACE: &str = "hourglass-system";
const SERVICE: &str = "hourglass-webhook";
const PORT_NAME: &str = "https";
const TLS_SECRET: &str = "hourglass-webhook-tls";
const CA_SECRET: &str = "hourglass-webhook-ca";
const RENEWER_ACCOUNT: &str = "system:serviceaccount:hourglass-system:hourglass-cert-renewer";
const WEBHOOK_ACCOUNT: &str = "system:serviceaccount:hourglass-system:hourglass-webhook";
const SERVING_VALIDITY: &str = "60s";
const CA_VALIDITY: &str = "150s";
/// Kubelet's lag in updating a Secret volume, per replica.
const SYNC_LAGS: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(6)];
/// Long enough for three renewals (every 40 s) and a rotation (from 100 s).
const DEADLINE: Duration = Duration::from_secs(300);

#[test]
fn three_renewals_and_a_ca_rotation_without_a_failed_admission() {
    let began = Instant::now();
    let control_plane = ControlPlane::start_with(&ControlPlaneOptions {
        extra_apiserver_flags: vec!["--enable-aggregator-routing=true".to_string()],
        ..ControlPlaneOptions::default()
    })
    .unwrap();
    let plugin = Plugin::for_control_plane(&control_plane).unwrap();
    plugin.run(&["install"], None).assert_success();
    rbac_is_by_name(&control_plane);
    for secret in [TLS_SECRET, CA_SECRET] {
        empty_secret(&control_plane, secret);
    }

    let run = tempfile::tempdir().unwrap();
    let renewer_kubeconfig = impersonating_kubeconfig(&control_plane, run.path());
    let mut renewer = start_renewer(&renewer_kubeconfig, run.path());
    let users = TestNamespace::create(&control_plane).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let report = runtime.block_on(exercise(&control_plane, users.name(), &mut renewer));
    renewer.fail_if_exited().unwrap();
    renewer.stop();
    let log = std::fs::read_to_string(run.path().join("renewer.log")).unwrap_or_default();
    eprintln!("{report:#?}");

    eprintln!(
        "serving certificates issued at {:?} s, CAs at {:?} s, old CA removed at {:?} s; \
         {} admissions, {} failed; {} fresh handshakes, {} failed; whole test {:.0} s",
        report.serving_at,
        report.ca_at,
        report.previous_removed_at,
        report.admitted + report.failed.len(),
        report.failed.len(),
        report.handshakes,
        report.handshake_failures.len(),
        began.elapsed().as_secs_f64()
    );
    assert!(
        report.failed.is_empty(),
        "admissions failed during renewal: {:#?}\nrenewer log:\n{log}",
        report.failed
    );
    assert!(
        report.handshake_failures.is_empty(),
        "a fresh handshake as the apiserver makes one failed: {:#?}\nrenewer log:\n{log}",
        report.handshake_failures
    );
    // Bootstrap, the rotation's own re-issue, and three renewals.
    assert!(report.serving_at.len() >= 5, "{report:?}\n{log}");
    assert!(report.ca_at.len() >= 2, "{report:?}\n{log}");
    assert!(report.previous_removed_at.is_some(), "{report:?}\n{log}");
    assert!(report.admitted > 100, "too little load: {report:?}");
    assert!(report.replicas_behind.is_empty(), "{report:?}");
    assert!(
        log.contains("all 2 webhook replicas serve a certificate from the new CA"),
        "{log}"
    );
}

/// The renewer's rights reach exactly its names; the webhook writes nothing.
fn rbac_is_by_name(control_plane: &ControlPlane) {
    let can = |account: &str, args: &[&str]| -> bool {
        let mut all = vec!["auth", "can-i", "--as", account];
        all.extend_from_slice(args);
        let outcome = control_plane.kubectl_outcome(&all, None);
        outcome.stdout.trim() == "yes"
    };
    let ns = ["-n", NAMESPACE];
    for (account, args, expected) in [
        (
            RENEWER_ACCOUNT,
            vec!["update", "secret/hourglass-webhook-tls"],
            true,
        ),
        (
            RENEWER_ACCOUNT,
            vec!["update", "secret/hourglass-webhook-ca"],
            true,
        ),
        (
            RENEWER_ACCOUNT,
            vec!["get", "secret/some-other-secret"],
            false,
        ),
        (RENEWER_ACCOUNT, vec!["create", "secrets"], false),
        (
            RENEWER_ACCOUNT,
            vec![
                "update",
                "validatingwebhookconfiguration/hourglass-validating",
            ],
            true,
        ),
        (
            RENEWER_ACCOUNT,
            vec!["update", "validatingwebhookconfiguration/someone-elses"],
            false,
        ),
        (
            WEBHOOK_ACCOUNT,
            vec!["update", "secret/hourglass-webhook-tls"],
            false,
        ),
        (
            WEBHOOK_ACCOUNT,
            vec!["get", "secret/hourglass-webhook-ca"],
            false,
        ),
        (
            WEBHOOK_ACCOUNT,
            vec![
                "update",
                "validatingwebhookconfiguration/hourglass-validating",
            ],
            false,
        ),
    ] {
        let mut args = args.clone();
        args.extend_from_slice(&ns);
        assert_eq!(can(account, &args), expected, "{account} {args:?}");
    }
}

/// What the chart leaves: the Secrets exist, with nothing in them.
fn empty_secret(control_plane: &ControlPlane, name: &str) {
    let secret = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "type": "kubernetes.io/tls",
        "data": {"tls.crt": "", "tls.key": ""},
    });
    control_plane
        .run_kubectl(&["replace", "-f", "-"], Some(secret.to_string().as_bytes()))
        .unwrap();
}

/// The admin kubeconfig, acting as the renewer's ServiceAccount.
fn impersonating_kubeconfig(control_plane: &ControlPlane, dir: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(control_plane.kubeconfig_path()).unwrap();
    let mut config: serde_json::Value = serde_json::from_str(&text).unwrap();
    config["users"][0]["user"]["as"] = json!(RENEWER_ACCOUNT);
    let path = dir.join("renewer.kubeconfig");
    std::fs::write(&path, config.to_string()).unwrap();
    path
}

fn start_renewer(kubeconfig: &Path, dir: &Path) -> ChildProcess {
    let binary = workspace_binary("hourglass-webhook", "hourglass-webhook").unwrap();
    let mut command = std::process::Command::new(binary);
    command.args([
        "renew-certificates",
        &format!("--kubeconfig={}", kubeconfig.display()),
        &format!("--namespace={NAMESPACE}"),
        &format!("--serving-validity={SERVING_VALIDITY}"),
        &format!("--ca-validity={CA_VALIDITY}"),
        "--trust-propagation=3s",
        "--check-interval=1s",
        "--log-format=text",
    ]);
    ChildProcess::spawn("hourglass-cert-renewer", command, &dir.join("renewer.log")).unwrap()
}

#[derive(Debug, Default)]
struct Report {
    /// Seconds from the start at which each serving certificate appeared.
    serving_at: Vec<u64>,
    /// ... each signing CA.
    ca_at: Vec<u64>,
    previous_removed_at: Option<u64>,
    admitted: usize,
    failed: Vec<String>,
    handshakes: u64,
    handshake_failures: Vec<String>,
    /// Replicas not serving the last certificate at the end.
    replicas_behind: Vec<usize>,
    /// Certificate reloads each replica counted.
    reloads: Vec<String>,
}

/// The reload counter's line(s) of the webhook's metrics.
fn reloads(metrics: &str) -> String {
    metrics
        .lines()
        .filter(|l| l.contains("reload") && !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("; ")
}

async fn exercise(control_plane: &ControlPlane, users: &str, renewer: &mut ChildProcess) -> Report {
    let client = control_plane.kube_client().await.unwrap();
    let secrets: Api<Secret> = Api::namespaced(client.clone(), NAMESPACE);
    let began = Instant::now();

    // Bootstrap: the renewer fills both Secrets.
    let first = loop {
        renewer.fail_if_exited().unwrap();
        if let Some(pair) = serving_pair(&secrets).await {
            break pair;
        }
        assert!(began.elapsed() < Duration::from_secs(30), "no bootstrap");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };

    // Two replicas, each with its kubelet stand-in, behind the proxy.
    let node = node_ip().unwrap();
    let replicas: Vec<WebhookServer> = (0..2)
        .map(|_| WebhookServer::start_serving(control_plane, &first, node).unwrap())
        .collect();
    let stop = Arc::new(AtomicUsize::new(0));
    for (replica, lag) in replicas.iter().zip(SYNC_LAGS) {
        tokio::spawn(sync_volume(
            secrets.clone(),
            replica.tls_files(),
            lag,
            stop.clone(),
        ));
    }
    let backends: Vec<SocketAddr> = replicas
        .iter()
        .map(|r| SocketAddr::new(node, r.tls_port()))
        .collect();
    let proxy = TcpListener::bind(SocketAddr::new(node, 0)).await.unwrap();
    let proxy_port = proxy.local_addr().unwrap().port();
    tokio::spawn(round_robin(proxy, backends.clone()));
    route(control_plane, node, proxy_port, &backends);
    wait_until_admitting(control_plane, users).await;

    // Steady load, fresh handshakes, and watching what the renewer stores.
    let created = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(std::sync::Mutex::new(Vec::new()));
    let load = tokio::spawn(admit(
        client.clone(),
        users.to_string(),
        created.clone(),
        failures.clone(),
        stop.clone(),
    ));
    let handshakes = Arc::new(AtomicU64::new(0));
    let handshake_failures = Arc::new(std::sync::Mutex::new(Vec::new()));
    let prober = tokio::spawn(handshake_as_the_apiserver(
        client.clone(),
        backends,
        handshakes.clone(),
        handshake_failures.clone(),
        stop.clone(),
    ));

    let mut report = Report::default();
    let mut servings = BTreeSet::new();
    let mut cas = BTreeSet::new();
    let mut had_previous = false;
    let mut had_next = false;
    loop {
        renewer.fail_if_exited().unwrap();
        let elapsed = began.elapsed().as_secs();
        if let Some(pair) = serving_pair(&secrets).await
            && servings.insert(pair.serving.cert_pem.clone())
        {
            eprintln!("{elapsed:>4} s: serving certificate {}", servings.len());
            report.serving_at.push(elapsed);
        }
        let ca = secrets.get(CA_SECRET).await.unwrap();
        let data = ca.data.unwrap_or_default();
        let text = |key: &str| {
            data.get(key)
                .map(|b| String::from_utf8_lossy(&b.0).into_owned())
        };
        if let Some(signing) = text("tls.crt")
            && cas.insert(signing)
        {
            eprintln!("{elapsed:>4} s: signing CA {}", cas.len());
            report.ca_at.push(elapsed);
        }
        if text("next.crt").is_some() && !had_next {
            eprintln!("{elapsed:>4} s: next CA staged");
        }
        had_next = text("next.crt").is_some();
        let previous = text("previous.crt").is_some();
        if had_previous && !previous && report.previous_removed_at.is_none() {
            eprintln!("{elapsed:>4} s: old CA left the bundle");
            report.previous_removed_at = Some(elapsed);
        }
        had_previous |= previous;
        let done = report.serving_at.len() >= 5 && report.previous_removed_at.is_some();
        if done || began.elapsed() > DEADLINE {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // A few more seconds of load on the final state.
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(1, Ordering::SeqCst);
    let _ = load.await;
    let _ = prober.await;

    // Both replicas end on the last certificate (kubelet's lag allowed for).
    let last = serving_pair(&secrets).await.unwrap();
    for (index, replica) in replicas.iter().enumerate() {
        let (cert, key) = replica.tls_files();
        let synced = Instant::now();
        let served = loop {
            let served = IssuedCert::read(&cert, &key).unwrap();
            if served.cert_pem == last.serving.cert_pem
                || synced.elapsed() > Duration::from_secs(20)
            {
                break served;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        };
        if served.cert_pem != last.serving.cert_pem
            || !ca_signed(&last.ca_pem, &served.cert_pem).unwrap()
        {
            report.replicas_behind.push(index);
        }
        let (_, metrics) = replica.admin_get("/metrics").unwrap();
        report.reloads.push(reloads(&metrics));
    }
    report.admitted = created.load(Ordering::SeqCst);
    report.failed = failures.lock().unwrap().clone();
    report.handshakes = handshakes.load(Ordering::SeqCst);
    report.handshake_failures = handshake_failures.lock().unwrap().clone();
    report
}

async fn serving_pair(secrets: &Api<Secret>) -> Option<ServingPair> {
    let secret = secrets.get(TLS_SECRET).await.ok()?;
    let data = secret.data?;
    let text = |key: &str| {
        data.get(key)
            .map(|b| String::from_utf8_lossy(&b.0).into_owned())
            .filter(|t| !t.trim().is_empty())
    };
    Some(ServingPair {
        serving: IssuedCert {
            cert_pem: text("tls.crt")?,
            key_pem: text("tls.key")?,
        },
        ca_pem: text("ca.crt")?,
    })
}

/// Kubelet's part: the Secret's pair into the replica's files, `lag` late.
async fn sync_volume(
    secrets: Api<Secret>,
    (cert, key): (std::path::PathBuf, std::path::PathBuf),
    lag: Duration,
    stop: Arc<AtomicUsize>,
) {
    let mut written = String::new();
    while stop.load(Ordering::SeqCst) == 0 {
        if let Some(pair) = serving_pair(&secrets).await
            && pair.serving.cert_pem != written
        {
            tokio::time::sleep(lag).await;
            pair.serving.write(&cert, &key).unwrap();
            written = pair.serving.cert_pem;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Accepts on `listener` and hands each connection to the next backend.
async fn round_robin(listener: TcpListener, backends: Vec<SocketAddr>) {
    let mut next = 0;
    while let Ok((mut inbound, _)) = listener.accept().await {
        let backend = backends[next % backends.len()];
        next += 1;
        tokio::spawn(async move {
            if let Ok(mut outbound) = TcpStream::connect(backend).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}

/// Endpoints (what the apiserver routes by) to the proxy; an EndpointSlice
/// per replica (what the renewer asks).
fn route(control_plane: &ControlPlane, node: IpAddr, proxy_port: u16, replicas: &[SocketAddr]) {
    let address_type = if node.is_ipv4() { "IPv4" } else { "IPv6" };
    let mut objects = vec![json!({
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": SERVICE, "namespace": NAMESPACE},
        "subsets": [{
            "addresses": [{"ip": node.to_string()}],
            "ports": [{"name": PORT_NAME, "port": proxy_port, "protocol": "TCP"}],
        }],
    })];
    for (index, replica) in replicas.iter().enumerate() {
        objects.push(json!({
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {
                "name": format!("{SERVICE}-replica-{index}"),
                "namespace": NAMESPACE,
                "labels": {"kubernetes.io/service-name": SERVICE},
            },
            "addressType": address_type,
            "endpoints": [{"addresses": [replica.ip().to_string()], "conditions": {"ready": true}}],
            "ports": [{"name": PORT_NAME, "port": replica.port(), "protocol": "TCP"}],
        }));
    }
    for object in objects {
        control_plane
            .run_kubectl(&["apply", "-f", "-"], Some(object.to_string().as_bytes()))
            .unwrap();
    }
}

fn performers(client: kube::Client, namespace: &str) -> Api<DynamicObject> {
    let resource = ApiResource {
        group: "hourglass.eigenlayer.io".into(),
        version: "v1alpha1".into(),
        api_version: "hourglass.eigenlayer.io/v1alpha1".into(),
        kind: "Performer".into(),
        plural: "performers".into(),
    };
    Api::namespaced_with(client, namespace, &resource)
}

fn performer(name: &str) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "hourglass.eigenlayer.io/v1alpha1",
        "kind": "Performer",
        "metadata": {"name": name},
        "spec": {
            "avsAddress": "0x1234567890abcdef1234567890abcdef12345678",
            "image": "myavs/performer:v1.0.0",
        },
    }))
    .unwrap()
}

/// Until a create goes through the Service (the route reaches the apiserver
/// through an informer); the defaulted gRPC port shows the mutating webhook ran.
async fn wait_until_admitting(control_plane: &ControlPlane, namespace: &str) {
    let api = performers(control_plane.kube_client().await.unwrap(), namespace);
    let began = Instant::now();
    loop {
        match api
            .create(&PostParams::default(), &performer("route-probe"))
            .await
        {
            Ok(created) => {
                assert_eq!(created.data["spec"]["config"]["grpcPort"], json!(9090));
                return;
            }
            Err(error) => assert!(
                began.elapsed() < Duration::from_secs(30),
                "the apiserver did not reach the webhook: {error}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Creates performers one after another (about 10 a second) until stopped.
async fn admit(
    client: kube::Client,
    namespace: String,
    created: Arc<AtomicUsize>,
    failures: Arc<std::sync::Mutex<Vec<String>>>,
    stop: Arc<AtomicUsize>,
) {
    let api = performers(client, &namespace);
    let began = Instant::now();
    let mut index = 0;
    while stop.load(Ordering::SeqCst) == 0 {
        index += 1;
        let name = format!("load-{index}");
        match api.create(&PostParams::default(), &performer(&name)).await {
            Ok(_) => {
                created.fetch_add(1, Ordering::SeqCst);
            }
            Err(error) => failures.lock().unwrap().push(format!(
                "{name} at {:.1} s: {error}",
                began.elapsed().as_secs_f64()
            )),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A new TLS connection to each replica, verified as the apiserver would
/// verify one opened now: roots from the configuration's caBundle, the
/// Service's DNS name.
async fn handshake_as_the_apiserver(
    client: kube::Client,
    replicas: Vec<SocketAddr>,
    count: Arc<AtomicU64>,
    failures: Arc<std::sync::Mutex<Vec<String>>>,
    stop: Arc<AtomicUsize>,
) {
    let configurations: Api<ValidatingWebhookConfiguration> = Api::all(client);
    let name = ServerName::try_from(format!("{SERVICE}.{NAMESPACE}.svc")).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let began = Instant::now();
    while stop.load(Ordering::SeqCst) == 0 {
        let configuration = configurations.get("hourglass-validating").await.unwrap();
        let bundle = configuration.webhooks.unwrap()[0]
            .client_config
            .ca_bundle
            .clone()
            .unwrap()
            .0;
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(&bundle) {
            roots.add(cert.unwrap()).unwrap();
        }
        let config = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        for replica in &replicas {
            let tcp = TcpStream::connect(replica).await.unwrap();
            count.fetch_add(1, Ordering::SeqCst);
            if let Err(error) = connector.connect(name.clone(), tcp).await {
                failures.lock().unwrap().push(format!(
                    "{replica} at {:.1} s: {error}",
                    began.elapsed().as_secs_f64()
                ));
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
