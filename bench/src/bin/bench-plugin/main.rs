//! `cargo run --release -p hourglass-bench --bin bench-plugin`: the plugin at
//! scale. Fills a fresh control plane with executors and performers (with
//! their pods, services and status, made by the upstream operator stand-in
//! and the simulated kubelet), then compares `kubectl hourglass status -A`,
//! which judges every performer from its pod, against
//! `kubectl get performers,hourglassexecutors,pods -A`, the same picture
//! from kubectl (wall time and peak RSS, medians of interleaved runs), and
//! times the cold start of `kubectl hourglass version`.
//!
//! Beside this file: `args.rs` (the flags), `fill.rs` (the fleet made as a
//! cluster would store it), `listing.rs` (the commands compared and how
//! one run is measured), `version_cold_start.rs`, `report.rs` (what is
//! printed).

mod args;
mod fill;
mod listing;
mod report;
mod version_cold_start;

use std::process::ExitCode;

use clap::Parser as _;
use hourglass_bench::child_usage::ChildUsage;
use hourglass_bench::isolated_measure::serve_if_spawner;
use hourglass_e2e::{
    BuildProfile, ControlPlane, ControlPlaneOptions, TestNamespace, workspace_binary_with,
};

use crate::args::Args;
use crate::fill::fill;
use crate::listing::{Listing, Runner, check_outputs};
use crate::report::print_report;
use crate::version_cold_start::version_cold_start;

fn main() -> ExitCode {
    // Commands are measured from a small copy of this process (see
    // `isolated_measure`); that copy stops here.
    serve_if_spawner();
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench-plugin: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let Args {
        performers,
        executors,
        namespaces: namespace_count,
        runs,
        version_runs,
        etcd,
        hold,
    } = args.checked()?;

    eprintln!("==> building kubectl-hourglass (release)");
    let plugin = workspace_binary_with(
        "kubectl-hourglass",
        "kubectl-hourglass",
        BuildProfile::Release,
    )
    .map_err(|e| e.to_string())?;
    let version = version_cold_start(&plugin, version_runs)?;

    eprintln!("==> fresh control plane");
    let control_plane = ControlPlane::start_with(&ControlPlaneOptions {
        etcd: etcd.into(),
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
    if hold {
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
