//! `cargo run --release -p hourglass-e2e --bin bench-plugin`: the plugin at
//! scale. Fills a fresh control plane with executors and performers (with
//! their pods, services and status, made by the upstream operator stand-in
//! and the simulated kubelet), then compares `kubectl hourglass status -A`,
//! which judges every performer from its pod, against
//! `kubectl get performers,hourglassexecutors,pods -A`, the same picture
//! from kubectl (wall time and peak RSS, medians of interleaved runs), and
//! times the cold start of `kubectl hourglass version`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use hourglass_e2e::bench::admission_variant::performer_resource;
use hourglass_e2e::bench::child_usage::ChildUsage;
use hourglass_e2e::bench::crd_install::{self, standard_crds};
use hourglass_e2e::bench::create_load::{create_all, write_statuses};
use hourglass_e2e::bench::examples::{example, renamed};
use hourglass_e2e::bench::flags::{Flags, help};
use hourglass_e2e::bench::fleet::{self, executor_status, pod_policy};
use hourglass_e2e::bench::isolated_measure::{measure_isolated, serve_if_spawner};
use hourglass_e2e::bench::latency::{median, millis};
use hourglass_e2e::{
    BuildProfile, ControlPlane, ControlPlaneOptions, EtcdSource, OperatorTiming, Outcome,
    SimulatedKubelet, TestNamespace, UpstreamOperator, WebhookServer, ensure_runtime_class,
    workspace_binary_with,
};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ApiResource, ListParams};

const FLAGS: &[(&str, &str)] = &[
    (
        "performers",
        "performers in the control plane (default 2000)",
    ),
    ("executors", "executors in the control plane (default 100)"),
    ("namespaces", "namespaces they are spread over (default 4)"),
    ("runs", "measured runs of each listing command (default 10)"),
    (
        "version-runs",
        "runs of `version` for its cold start (default 200)",
    ),
    (
        "etcd",
        "system: Debian's etcd 3.4, as the suites run; built: etcd 3.5 from the Go module proxy, which lets the apiserver serve consistent lists from its cache as production clusters do (default system)",
    ),
    (
        "hold",
        "true: keep the filled control plane up after the report, until stdin closes (to profile by hand)",
    ),
];

/// The commands compared, as a user would type them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Listing {
    /// `kubectl-hourglass status -A`: the binary kubectl execs for a plugin.
    PluginStatus,
    /// `kubectl hourglass status -A`: through kubectl's plugin dispatch.
    DispatchedStatus,
    /// `kubectl get performers,hourglassexecutors,pods -A`.
    KubectlGet,
}

impl Listing {
    const ALL: [Listing; 3] = [
        Listing::PluginStatus,
        Listing::DispatchedStatus,
        Listing::KubectlGet,
    ];

    fn describe(self) -> &'static str {
        match self {
            Listing::PluginStatus => "kubectl-hourglass status -A",
            Listing::DispatchedStatus => "kubectl hourglass status -A (dispatch)",
            Listing::KubectlGet => "kubectl get performers,hourglassexecutors,pods -A",
        }
    }
}

/// How to run the commands against one control plane.
struct Runner<'a> {
    control_plane: &'a ControlPlane,
    plugin: PathBuf,
}

impl Runner<'_> {
    fn command(&self, listing: Listing) -> Command {
        match listing {
            Listing::PluginStatus => {
                let mut command = Command::new(&self.plugin);
                command
                    .env("KUBECONFIG", self.control_plane.kubeconfig_path())
                    .args(["status", "-A"]);
                command
            }
            Listing::DispatchedStatus => {
                let mut command = self.control_plane.kubectl();
                let plugin_dir = self.plugin.parent().unwrap_or(Path::new("."));
                let path = format!(
                    "{}:{}",
                    plugin_dir.display(),
                    std::env::var("PATH").unwrap_or_default()
                );
                command
                    .env("PATH", path)
                    .args(["hourglass", "status", "-A"]);
                command
            }
            Listing::KubectlGet => {
                let mut command = self.control_plane.kubectl();
                command.args(["get", "performers,hourglassexecutors,pods", "-A"]);
                command
            }
        }
    }

    /// One measured run; status exits 2 when something is unhealthy, which
    /// the fleet has on purpose.
    fn measure(&self, listing: Listing) -> Result<ChildUsage, String> {
        let usage = measure_isolated(&self.command(listing))?;
        let expected: &[i32] = match listing {
            Listing::KubectlGet => &[0],
            _ => &[0, 2],
        };
        if usage.code.is_none_or(|code| !expected.contains(&code)) {
            return Err(format!(
                "{} ended with {:?}",
                listing.describe(),
                usage.code
            ));
        }
        Ok(usage)
    }
}

fn main() -> ExitCode {
    // Commands are measured from a small copy of this process (see
    // `isolated_measure`); that copy stops here.
    serve_if_spawner();
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench-plugin: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let flags = Flags::parse(std::env::args().skip(1), FLAGS)?;
    if flags.wants_help() {
        print!(
            "{}",
            help(
                "Compares `kubectl hourglass status -A` with `kubectl get` on a filled control plane.",
                FLAGS
            )
        );
        return Ok(());
    }
    let performers = flags.get("performers", 2000usize)?;
    let executors = flags.get("executors", 100usize)?;
    let namespace_count = flags.get("namespaces", 4usize)?;
    let runs = flags.get("runs", 10usize)?;
    let version_runs = flags.get("version-runs", 200usize)?;
    if namespace_count == 0 || runs == 0 || version_runs == 0 {
        return Err("--namespaces, --runs and --version-runs must be at least 1".to_string());
    }

    eprintln!("==> building kubectl-hourglass (release)");
    let plugin = workspace_binary_with(
        "kubectl-hourglass",
        "kubectl-hourglass",
        BuildProfile::Release,
    )
    .map_err(|e| e.to_string())?;
    let version = version_cold_start(&plugin, version_runs)?;

    let etcd = match flags.text("etcd").unwrap_or("system") {
        "system" => EtcdSource::System,
        "built" => EtcdSource::Built,
        other => return Err(format!("--etcd: {other:?} is neither system nor built")),
    };
    eprintln!("==> fresh control plane");
    let control_plane = ControlPlane::start_with(&ControlPlaneOptions {
        etcd,
        // A Service per performer: the suites' /24 holds only 254.
        extra_apiserver_flags: vec!["--service-cluster-ip-range=10.0.0.0/16".to_string()],
    })
    .map_err(|e| e.to_string())?;
    let etcd_version = control_plane.etcd_info().version.clone();
    let namespaces: Vec<TestNamespace> = (0..namespace_count)
        .map(|i| TestNamespace::create_named(&control_plane, &format!("bench-plugin-{i}")))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let names: Vec<String> = namespaces.iter().map(|ns| ns.name().to_string()).collect();
    eprintln!(
        "==> filling it: {executors} executors and {performers} performers over {namespace_count} namespaces; the upstream operator stand-in and a simulated kubelet make their pods and status"
    );
    fill(&control_plane, &names, executors, performers)?;

    let runner = Runner {
        control_plane: &control_plane,
        plugin,
    };
    check_outputs(&runner, executors, performers)?;
    eprintln!("==> {runs} interleaved runs of each listing (after one warm-up each)");
    for listing in Listing::ALL {
        runner.measure(listing)?;
    }
    let mut usages: Vec<(Listing, Vec<ChildUsage>)> =
        Listing::ALL.iter().map(|l| (*l, Vec::new())).collect();
    for _ in 0..runs {
        for (listing, measured) in &mut usages {
            measured.push(runner.measure(*listing)?);
        }
    }
    print_report(
        &usages,
        &version,
        executors,
        performers,
        namespace_count,
        &etcd_version,
    );
    if flags.get("hold", false)? {
        eprintln!(
            "\n==> holding the control plane: KUBECONFIG={} (close stdin to stop)",
            control_plane.kubeconfig_path().display()
        );
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
    }
    drop(namespaces);
    control_plane.stop();
    Ok(())
}

/// Creates the fleet as a real cluster would store it (through our webhook,
/// so performers carry their mutated scheduling), lets the upstream
/// operator stand-in and a simulated kubelet per namespace make and run
/// every performer's pod, then stops them before anything is measured.
fn fill(
    control_plane: &ControlPlane,
    namespaces: &[String],
    executors: usize,
    performers: usize,
) -> Result<(), String> {
    crd_install::install(control_plane, &standard_crds().map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let webhook = WebhookServer::start_with(control_plane, BuildProfile::Release)
        .map_err(|e| e.to_string())?;
    webhook.register(control_plane).map_err(|e| e.to_string())?;
    let executor_template = example("main-executor.yaml").map_err(|e| e.to_string())?;
    let performer_template = example("complex-performer.yaml").map_err(|e| e.to_string())?;
    let layout = fleet::layout(namespaces, executors, performers);
    let executor_objects = layout
        .executors
        .iter()
        .map(|(ns, name)| renamed(&executor_template, name, ns))
        .collect();
    let performer_objects = layout
        .performers
        .iter()
        .map(|(ns, name, executor)| fleet::performer(&performer_template, ns, name, executor))
        .collect();
    let executor_statuses = layout
        .executors
        .iter()
        .map(|(ns, name)| (ns.clone(), name.clone(), executor_status()))
        .collect();
    let executor_resource = ApiResource::erase::<hourglass_shared::HourglassExecutor>(&());
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("tokio runtime: {e}"))?;
    runtime.block_on(async {
        let client = control_plane
            .kube_client()
            .await
            .map_err(|e| e.to_string())?;
        ensure_runtime_class(&client, "gvisor").await;
        create_all(&client, &executor_resource, executor_objects, 16).await?;
        create_all(&client, &performer_resource(), performer_objects, 16).await?;
        write_statuses(&client, &executor_resource, executor_statuses, 16).await?;
        let operator =
            UpstreamOperator::start_with(client.clone(), None, OperatorTiming::default());
        let kubelets: Vec<SimulatedKubelet> = namespaces
            .iter()
            .map(|ns| SimulatedKubelet::start(client.clone(), ns, pod_policy()))
            .collect();
        wait_for_pods(&client, performers).await?;
        drop(operator);
        drop(kubelets);
        Ok::<_, String>(())
    })?;
    drop(webhook);
    Ok(())
}

/// Until every performer has a pod with a status written by the node.
async fn wait_for_pods(client: &kube::Client, performers: usize) -> Result<(), String> {
    let pods: Api<Pod> = Api::all(client.clone());
    let deadline = std::time::Instant::now() + Duration::from_secs(900);
    loop {
        let listed = pods
            .list(&ListParams::default().labels("hourglass.eigenlayer.io/performer"))
            .await
            .map_err(|e| e.to_string())?;
        let with_status = listed
            .items
            .iter()
            .filter(|pod| {
                pod.status
                    .as_ref()
                    .is_some_and(|s| s.container_statuses.is_some() || s.conditions.is_some())
            })
            .count();
        if with_status >= performers {
            eprintln!("    {with_status} pods with status");
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            return Err(format!(
                "after 15 minutes only {with_status} of {performers} pods have a status"
            ));
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// Both listings must show the whole fleet, or the comparison is moot.
fn check_outputs(runner: &Runner, executors: usize, performers: usize) -> Result<(), String> {
    for listing in [Listing::PluginStatus, Listing::KubectlGet] {
        let outcome = Outcome::of(runner.command(listing), None);
        let performer_lines = outcome
            .stdout
            .lines()
            .filter(|line| line.contains("performer-"))
            .count();
        let executor_lines = outcome
            .stdout
            .lines()
            .filter(|line| line.contains("executor-") && !line.contains("performer-"))
            .count();
        if performer_lines < performers || executor_lines < executors {
            return Err(format!(
                "{} showed {performer_lines} performer and {executor_lines} executor lines, expected {performers} and {executors}; stderr: {}",
                listing.describe(),
                outcome.stderr.trim()
            ));
        }
    }
    Ok(())
}

/// Cold start of `version`: with `--client`, and with no cluster configured
/// at all (no kubeconfig, an empty HOME), where it must not try a server.
struct VersionTimes {
    client_flag: Duration,
    no_cluster: Duration,
    max_rss_kib: u64,
}

fn version_cold_start(plugin: &Path, runs: usize) -> Result<VersionTimes, String> {
    eprintln!(
        "==> {runs} runs each of `kubectl-hourglass version --client` and `version` with no cluster configured"
    );
    let home = tempfile::tempdir().map_err(|e| format!("temporary HOME: {e}"))?;
    let command = |args: &[&str]| {
        let mut command = Command::new(plugin);
        command
            .args(args)
            .env_remove("KUBECONFIG")
            .env_remove("KUBERNETES_SERVICE_HOST")
            .env_remove("KUBERNETES_SERVICE_PORT")
            .env("HOME", home.path());
        command
    };
    let offline = Outcome::of(command(&["version"]), None);
    if !offline.success || !offline.stdout.contains("Client Version") {
        return Err(format!(
            "`version` without a cluster failed: {} {}",
            offline.stdout, offline.stderr
        ));
    }
    let mut client_flag = Vec::new();
    let mut no_cluster = Vec::new();
    let mut max_rss_kib = 0;
    for _ in 0..runs {
        for (args, times) in [
            (&["version", "--client"][..], &mut client_flag),
            (&["version"][..], &mut no_cluster),
        ] {
            let usage = measure_isolated(&command(args))?;
            if usage.code != Some(0) {
                return Err(format!(
                    "`kubectl-hourglass {}` ended with {:?}",
                    args.join(" "),
                    usage.code
                ));
            }
            max_rss_kib = max_rss_kib.max(usage.max_rss_kib);
            times.push(usage.wall);
        }
    }
    Ok(VersionTimes {
        client_flag: median(&client_flag).unwrap_or_default(),
        no_cluster: median(&no_cluster).unwrap_or_default(),
        max_rss_kib,
    })
}

fn print_report(
    usages: &[(Listing, Vec<ChildUsage>)],
    version: &VersionTimes,
    executors: usize,
    performers: usize,
    namespaces: usize,
    etcd_version: &str,
) {
    let runs = usages.first().map_or(0, |(_, u)| u.len());
    println!(
        "\n{performers} performers and {executors} executors over {namespaces} namespaces (kube-apiserver {}, etcd {etcd_version}), median of {runs} interleaved runs, {} cores:\n",
        hourglass_e2e::KUBERNETES_VERSION,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    println!(
        "{:<48} {:>10} {:>10} {:>12} {:>12}",
        "command", "wall", "CPU", "peak RSS", "max RSS"
    );
    let medians = |listing: Listing| {
        let measured = &usages.iter().find(|(l, _)| *l == listing)?.1;
        let wall = median(&measured.iter().map(|u| u.wall).collect::<Vec<_>>())?;
        let cpu = median(&measured.iter().map(|u| u.cpu).collect::<Vec<_>>())?;
        let mut rss: Vec<u64> = measured.iter().map(|u| u.max_rss_kib).collect();
        rss.sort_unstable();
        Some((wall, cpu, rss[rss.len() / 2], rss[rss.len() - 1]))
    };
    for listing in Listing::ALL {
        if let Some((wall, cpu, rss, max_rss)) = medians(listing) {
            println!(
                "{:<48} {:>10} {:>10} {:>9} MiB {:>8} MiB",
                listing.describe(),
                millis(wall),
                millis(cpu),
                mib(rss),
                mib(max_rss)
            );
        }
    }
    println!();
    if let Some((get_wall, _, get_rss, _)) = medians(Listing::KubectlGet) {
        for listing in [Listing::PluginStatus, Listing::DispatchedStatus] {
            if let Some((wall, _, rss, _)) = medians(listing) {
                let wall_ratio = wall.as_secs_f64() / get_wall.as_secs_f64();
                let rss_ratio = rss as f64 / get_rss as f64;
                let verdict = |ratio: f64| if ratio <= 0.5 { "met" } else { "MISSED" };
                println!(
                    "{} / kubectl get:  wall {wall_ratio:.2}x ({}), peak RSS {rss_ratio:.2}x ({})   (target <= 0.5x)",
                    listing.describe(),
                    verdict(wall_ratio),
                    verdict(rss_ratio)
                );
            }
        }
    }
    let verdict = |d: Duration| {
        if d < Duration::from_millis(10) {
            "met"
        } else {
            "MISSED"
        }
    };
    println!(
        "\nkubectl-hourglass version --client: median {} ({}); `version` with no cluster configured: median {} ({}); peak RSS {} MiB   (target < 10 ms)",
        millis(version.client_flag),
        verdict(version.client_flag),
        millis(version.no_cluster),
        verdict(version.no_cluster),
        mib(version.max_rss_kib)
    );
}

fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}
