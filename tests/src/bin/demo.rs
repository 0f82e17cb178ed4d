//! The README's first command: a real control plane with our CRDs and
//! webhook, a stand-in of the upstream Hourglass operator and a simulated
//! kubelet, the spec's examples applied (the complex performer's pod
//! carrying its GPU/TEE node affinity), one refusal, the status view, an
//! upgrade that succeeds, and then it stays up until Ctrl-C so you can try
//! things yourself.

use std::io::Write as _;
use std::process::{Command, ExitCode};

use hourglass_e2e::{
    ControlPlane, Outcome, PodOutcome, PodPolicy, SimulatedKubelet, UpstreamOperator,
    WebhookServer, ensure_runtime_class, install_crds, workspace_binary, workspace_root,
};

/// An image the simulated node cannot pull, for trying a failed upgrade.
const UNPULLABLE: &str = "myavs/performer:v9.9.9";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("demo: {message}");
            ExitCode::FAILURE
        }
    }
}

fn step(text: &str) {
    eprintln!("\n==> {text}");
}

fn run() -> Result<(), String> {
    step(
        "building hourglass-webhook and kubectl-hourglass (cargo build: several minutes the first time on 2 cores, seconds after)",
    );
    let webhook_binary =
        workspace_binary("hourglass-webhook", "hourglass-webhook").map_err(|e| e.to_string())?;
    let plugin =
        workspace_binary("kubectl-hourglass", "kubectl-hourglass").map_err(|e| e.to_string())?;
    eprintln!("    {}\n    {}", webhook_binary.display(), plugin.display());

    step(
        "starting etcd + kube-apiserver on loopback (the first run builds kube-apiserver: about 3-5 minutes, once)",
    );
    let control_plane = ControlPlane::start().map_err(|e| e.to_string())?;
    let timings = control_plane.timings();
    eprintln!(
        "    ready in {:.1}s at {} ({})",
        timings.total.as_secs_f64(),
        control_plane.server_url(),
        control_plane.kubectl_info()
    );

    step("installing the CRDs from manifests/crds");
    install_crds(&control_plane).map_err(|e| e.to_string())?;

    step(
        "starting hourglass-webhook on 127.0.0.1 with certificates from hourglass-certs, and registering it",
    );
    let webhook = WebhookServer::start(&control_plane).map_err(|e| e.to_string())?;
    webhook
        .register(&control_plane)
        .map_err(|e| e.to_string())?;

    // The stand-ins run as tasks of this runtime until the demo ends.
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("tokio: {e}"))?;
    let _in_runtime = runtime.enter();
    step(
        "starting a stand-in of the upstream Hourglass operator (hourglass-operator 11f1554: pods and services, status without conditions) and a simulated kubelet",
    );
    let client = runtime
        .block_on(control_plane.kube_client())
        .map_err(|e| e.to_string())?;
    runtime.block_on(ensure_runtime_class(&client, "gvisor"));
    let operator = UpstreamOperator::start(client.clone(), "default");
    let kubelet = SimulatedKubelet::start(
        client,
        "default",
        PodPolicy::default().with_image(UNPULLABLE, PodOutcome::ImagePullBackOff),
    );

    let plugin_dir = plugin.parent().map(|p| p.to_path_buf()).unwrap_or_default();
    let path = format!(
        "{}:{}",
        plugin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let kubectl = |args: &[&str], stdin: Option<&str>| {
        let mut command: Command = control_plane.kubectl();
        command.env("PATH", &path).args(args);
        Outcome::of(command, stdin)
    };
    let show = |outcome: &Outcome| {
        print!("{}", outcome.stdout);
        eprint!("{}", outcome.stderr);
        let _ = std::io::stdout().flush();
    };

    step("applying the API reference's examples (watch the warnings and the defaults)");
    for file in [
        "main-executor.yaml",
        "minimal-executor.yaml",
        "minimal-performer.yaml",
        "complex-performer.yaml",
    ] {
        let manifest =
            std::fs::read_to_string(workspace_root().join("manifests/examples").join(file))
                .map_err(|e| format!("read {file}: {e}"))?;
        eprintln!("$ kubectl apply -f manifests/examples/{file}");
        let outcome = kubectl(&["apply", "-n", "default", "-f", "-"], Some(&manifest));
        show(&outcome);
        if !outcome.success {
            return Err(format!("applying {file} failed"));
        }
    }

    step(
        "the operator's pod for the complex performer carries the GPU/TEE scheduling our webhook added",
    );
    wait_for(|| {
        kubectl(
            &["get", "pod", "performer-complex-performer", "-o", "name"],
            None,
        )
        .success
    })?;
    for (what, path) in [
        ("node affinity", "{.spec.affinity.nodeAffinity}"),
        ("tolerations", "{.spec.tolerations}"),
        ("resources", "{.spec.containers[0].resources}"),
    ] {
        eprintln!("$ kubectl get pod performer-complex-performer -o jsonpath='{path}'   # {what}");
        show(&kubectl(
            &[
                "get",
                "pod",
                "performer-complex-performer",
                "-o",
                &format!("jsonpath={path}\n"),
            ],
            None,
        ));
    }

    step("a performer with a bad address, port and TEE type: one refusal naming every field");
    let bad =
        std::fs::read_to_string(workspace_root().join("manifests/examples/complex-performer.yaml"))
            .map_err(|e| format!("read complex-performer.yaml: {e}"))?
            .replace("name: complex-performer", "name: broken-performer")
            .replace("0x1234567890abcdef1234567890abcdef12345678", "0x1234")
            .replace("grpcPort: 9090", "grpcPort: 0")
            .replace("teeType: \"sgx\"", "teeType: \"trustzone\"");
    eprintln!("$ kubectl apply -f broken-performer.yaml");
    show(&kubectl(&["apply", "-n", "default", "-f", "-"], Some(&bad)));

    step("kubectl hourglass status: judged from the pods (exit code 0 once both performers run)");
    wait_for(|| kubectl(&["hourglass", "status", "-n", "default"], None).success)?;
    eprintln!("$ kubectl hourglass status");
    show(&kubectl(&["hourglass", "status", "-n", "default"], None));

    step("an upgrade: the operator replaces the pod, the plugin waits for the new one to be ready");
    eprintln!(
        "$ kubectl hourglass performer upgrade complex-performer --image myavs/performer:v2.1.0 --rollback"
    );
    let upgrade = kubectl(
        &[
            "hourglass",
            "performer",
            "upgrade",
            "complex-performer",
            "-n",
            "default",
            "--image",
            "myavs/performer:v2.1.0",
            "--rollback",
        ],
        None,
    );
    show(&upgrade);
    if !upgrade.success {
        return Err("the upgrade failed".to_string());
    }

    eprintln!(
        "\nThe control plane and the webhook keep running. In another shell:\n\
         \n    export KUBECONFIG={}\n    export PATH={}:$PATH\n    kubectl get hourglass\n    kubectl hourglass status\n    kubectl hourglass describe performer complex-performer\n\
         \nThe simulated node cannot pull {UNPULLABLE}; see a failed upgrade rolled back with:\n\
         \n    kubectl hourglass performer upgrade complex-performer --image {UNPULLABLE} --rollback\n\
         \nPress Ctrl-C here to stop everything.",
        control_plane.kubeconfig_path().display(),
        plugin_dir.display()
    );
    wait_for_ctrl_c();
    drop((operator, kubelet));
    drop(webhook);
    control_plane.stop();
    eprintln!("stopped.");
    Ok(())
}

/// Polls `done` for up to a minute: the stand-ins take a moment.
fn wait_for(done: impl Fn() -> bool) -> Result<(), String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !done() {
        if std::time::Instant::now() > deadline {
            return Err("the operator stand-in did not get there within a minute".to_string());
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    Ok(())
}

fn wait_for_ctrl_c() {
    let (sender, receiver) = std::sync::mpsc::channel();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    if let Ok(runtime) = runtime {
        std::thread::spawn(move || {
            runtime.block_on(async {
                let _ = tokio::signal::ctrl_c().await;
            });
            let _ = sender.send(());
        });
        let _ = receiver.recv();
    }
}
