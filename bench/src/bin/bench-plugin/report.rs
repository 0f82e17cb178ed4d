//! What bench-plugin prints: each listing's wall time, CPU and memory, the
//! ratios to `kubectl get` against the targets, and the cold start.

use std::time::Duration;

use hourglass_bench::child_usage::ChildUsage;
use hourglass_bench::latency::{median, millis};

use crate::listing::Listing;
use crate::version_cold_start::VersionTimes;

pub fn print_report(
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
