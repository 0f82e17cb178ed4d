//! The README's first command: a real control plane with our CRDs and
//! webhook, the spec's examples applied, one refusal, the status view, and
//! then it stays up until Ctrl-C so you can try things yourself.

use std::io::Write as _;
use std::process::{Command, ExitCode};

use hourglass_e2e::{
    ControlPlane, Outcome, WebhookServer, install_crds, workspace_binary, workspace_root,
};

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

    let plugin =
        workspace_binary("kubectl-hourglass", "kubectl-hourglass").map_err(|e| e.to_string())?;
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
    eprintln!(
        "$ kubectl get performer complex-performer -o jsonpath='{{.spec.scheduling.nodeAffinity}}'"
    );
    show(&kubectl(
        &[
            "get",
            "performer",
            "complex-performer",
            "-o",
            "jsonpath={.spec.scheduling.nodeAffinity}\n",
        ],
        None,
    ));

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

    step(
        "kubectl hourglass status (no operator runs here, so performers are not ready: exit code 2)",
    );
    eprintln!("$ kubectl hourglass status");
    show(&kubectl(&["hourglass", "status", "-n", "default"], None));

    eprintln!(
        "\nThe control plane and the webhook keep running. In another shell:\n\
         \n    export KUBECONFIG={}\n    export PATH={}:$PATH\n    kubectl get hourglass\n    kubectl hourglass status\n\
         \nPress Ctrl-C here to stop everything.",
        control_plane.kubeconfig_path().display(),
        plugin_dir.display()
    );
    wait_for_ctrl_c();
    drop(webhook);
    control_plane.stop();
    eprintln!("stopped.");
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
