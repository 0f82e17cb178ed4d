//! `cargo run --release -p hourglass-bench --bin bench-upgrade`: the
//! plugin's bulk upgrade at scale. On a fresh control plane whose apiserver
//! writes an audit log, with our webhook, the upstream operator stand-in
//! and a simulated kubelet running every pod ready, it upgrades a few
//! performers one at a time (half before the bulk run, half after, so a
//! change in the machine's load falls on both), then 200 at once with
//! `performer upgrade -l avs=bench --max-parallel 20 --yes`. It prints the
//! bulk run's wall time against the ideal the single runs give, and the
//! plugin's API requests per performer counted from the audit log, then
//! checks that every performer's pod runs the new image.
//!
//! Beside this file: `args.rs` (the flags), `fleet.rs` (the performers and
//! the check of their pods), `upgrade_run.rs` (the commands and one
//! observed run), `report.rs` (what is printed).

mod args;
mod fleet;
mod report;
mod upgrade_run;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser as _;
use hourglass_bench::audit_log;
use hourglass_bench::crd_install::{self, standard_crds};
use hourglass_bench::isolated_measure::serve_if_spawner;
use hourglass_bench::machine::{load_average, machine_line};
use hourglass_e2e::{
    BuildProfile, ControlPlane, ControlPlaneOptions, PodOutcome, PodPolicy, SimulatedKubelet,
    TestNamespace, UpstreamOperator, WebhookServer, workspace_binary_with,
};

use crate::args::Args;
use crate::fleet::{NEW_IMAGE, Names, OLD_IMAGE, few, not_running, wait_until_running};
use crate::report::{Figures, render};
use crate::upgrade_run::{Observed, Upgrader};

/// How long the fleet may take to run its first pods.
const FLEET_PATIENCE: Duration = Duration::from_secs(15 * 60);

fn main() -> ExitCode {
    // Commands are measured from a small copy of this process (see
    // `isolated_measure`); that copy stops here.
    serve_if_spawner();
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench-upgrade: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let Args {
        performers,
        max_parallel,
        singles,
    } = args.checked()?;

    eprintln!("==> building kubectl-hourglass (release)");
    let plugin = workspace_binary_with(
        "kubectl-hourglass",
        "kubectl-hourglass",
        BuildProfile::Release,
    )
    .map_err(|e| e.to_string())?;

    eprintln!("==> fresh control plane, writing an audit log");
    let audit_dir = audit_directory()?;
    let (policy, audit_file) = (
        audit_dir.path().join("policy.yaml"),
        audit_dir.path().join("audit.log"),
    );
    std::fs::write(&policy, audit_log::POLICY)
        .map_err(|e| format!("cannot write {}: {e}", policy.display()))?;
    // A Service per performer: the suites' /24 holds 253 besides the
    // apiserver's own, fewer than --performers may ask for.
    let mut flags = vec!["--service-cluster-ip-range=10.0.0.0/16".to_string()];
    flags.extend(audit_log::apiserver_flags(&policy, &audit_file));
    let control_plane = ControlPlane::start_with(&ControlPlaneOptions {
        extra_apiserver_flags: flags,
        ..ControlPlaneOptions::default()
    })
    .map_err(|e| e.to_string())?;
    let namespace =
        TestNamespace::create_named(&control_plane, "bench-upgrade").map_err(|e| e.to_string())?;
    crd_install::install(&control_plane, &standard_crds().map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let webhook = WebhookServer::start_with(&control_plane, BuildProfile::Release)
        .map_err(|e| e.to_string())?;
    webhook
        .register(&control_plane)
        .map_err(|e| e.to_string())?;

    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("tokio runtime: {e}"))?;
    let client = runtime
        .block_on(control_plane.kube_client())
        .map_err(|e| e.to_string())?;
    let ns = namespace.name();
    let names = Names::new(performers, singles);
    // The stand-ins run on the runtime's workers while this thread waits
    // for the plugin. Not `OperatorContract::Upstream`: with the real
    // operator configured, that one serves the suites' shared control
    // plane, not this one.
    let entered = runtime.enter();
    let operator = UpstreamOperator::start(client.clone(), ns);
    let kubelet = SimulatedKubelet::start(
        client.clone(),
        ns,
        PodPolicy::always(PodOutcome::RunningReady),
    );
    eprintln!(
        "==> {} performers at {OLD_IMAGE}, until each pod runs and is ready",
        performers + singles
    );
    runtime.block_on(async {
        fleet::create(&client, ns, &names).await?;
        wait_until_running(&client, ns, &names.all(), OLD_IMAGE, FLEET_PATIENCE).await
    })?;

    let load_before = load_average();
    let mut upgrader = Upgrader::new(plugin, control_plane.kubeconfig_path(), ns, &audit_file);
    let (early, late) = names.singles.split_at(singles.div_ceil(2));
    let mut single_runs = measure_singles(&mut upgrader, early)?;
    eprintln!(
        "==> bulk upgrade of {performers} performers to {NEW_IMAGE}, --max-parallel {max_parallel}"
    );
    let bulk = upgrader.bulk(max_parallel)?;
    single_runs.extend(measure_singles(&mut upgrader, late)?);
    let load_after = load_average();

    let lagging = runtime.block_on(not_running(&client, ns, &names.all(), NEW_IMAGE))?;
    if !lagging.is_empty() {
        return Err(format!(
            "{} of {} performers do not run {NEW_IMAGE} after their upgrade: {}; operator errors: {:?}",
            lagging.len(),
            names.all().len(),
            few(&lagging),
            operator.errors()
        ));
    }
    print!(
        "{}",
        render(&Figures {
            performers,
            max_parallel,
            bulk: &bulk,
            singles: &single_runs,
            machine: machine_line(),
            load_before,
            load_after,
            etcd_version: control_plane.etcd_info().version.clone(),
        })
    );
    println!(
        "every one of the {performers} performers (and the {singles} upgraded singly) runs {NEW_IMAGE}, ready, in a pod of its own"
    );

    drop((operator, kubelet, entered, webhook, namespace));
    control_plane.stop();
    drop(audit_dir);
    Ok(())
}

/// One-at-a-time upgrades of `names`, each measured on its own.
fn measure_singles(upgrader: &mut Upgrader, names: &[String]) -> Result<Vec<Observed>, String> {
    names
        .iter()
        .map(|name| {
            eprintln!("==> single upgrade of {name}");
            upgrader.single(name)
        })
        .collect()
}

/// Where the audit policy and log go: removed at exit, like the control
/// plane's run directory, unless the harness's keep variable is set.
fn audit_directory() -> Result<tempfile::TempDir, String> {
    let keep = std::env::var_os(hourglass_e2e::KEEP_RUN_DIR_ENV).is_some();
    let dir = tempfile::Builder::new()
        .prefix("bench-upgrade-audit-")
        .disable_cleanup(keep)
        .tempdir()
        .map_err(|e| format!("audit directory: {e}"))?;
    eprintln!("    audit log in {}", dir.path().display());
    Ok(dir)
}
