//! The cold start of `kubectl-hourglass version`, with `--client` and with
//! no cluster configured at all.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use hourglass_bench::isolated_measure::measure_isolated;
use hourglass_bench::latency::median;
use hourglass_e2e::Outcome;

/// Cold start of `version`: with `--client`, and with no cluster configured
/// at all (no kubeconfig, an empty HOME), where it must not try a server.
pub struct VersionTimes {
    pub client_flag: Duration,
    pub no_cluster: Duration,
    pub max_rss_kib: u64,
}

pub fn version_cold_start(plugin: &Path, runs: usize) -> Result<VersionTimes, String> {
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
