//! What bench-upgrade prints: the bulk run against the ideal the single
//! runs give, then the plugin's requests per performer by verb and
//! resource.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::Duration;

use hourglass_bench::audit_log::{RequestCounts, RequestKind};
use hourglass_bench::latency::median;

use crate::upgrade_run::Observed;

/// Everything one run of the command found.
pub struct Figures<'a> {
    pub performers: usize,
    pub max_parallel: u16,
    pub bulk: &'a Observed,
    pub singles: &'a [Observed],
    /// The machine line and the load averages around the measured runs.
    pub machine: String,
    pub load_before: String,
    pub load_after: String,
    pub etcd_version: String,
}

/// With perfect overlap, `max_parallel` upgrades take as long as one, so
/// the performers go through in `performers / max_parallel` rounds of one
/// single upgrade each. Fewer performers than `max_parallel` still take
/// one single upgrade.
pub fn ideal(single: Duration, performers: usize, max_parallel: u16) -> Duration {
    let lanes = usize::from(max_parallel).clamp(1, performers.max(1));
    single.mul_f64(performers as f64 / lanes as f64)
}

pub fn render(figures: &Figures) -> String {
    let mut out = String::new();
    let walls: Vec<Duration> = figures.singles.iter().map(|s| s.usage.wall).collect();
    let single = median(&walls).unwrap_or_default();
    let ideal = ideal(single, figures.performers, figures.max_parallel);
    let bulk = figures.bulk.usage;
    let _ = writeln!(
        out,
        "\nbulk / ideal: {:.2}x   bulk {}, ideal {} x {} / {} = {}",
        bulk.wall.as_secs_f64() / ideal.as_secs_f64(),
        seconds(bulk.wall),
        figures.performers,
        seconds(single),
        figures.max_parallel,
        seconds(ideal),
    );
    let _ = writeln!(
        out,
        "  bulk: `kubectl-hourglass performer upgrade -l avs=bench --max-parallel {} --yes --timeout 10m` on {} performers; CPU {}, peak RSS {:.1} MiB",
        figures.max_parallel,
        figures.performers,
        seconds(bulk.cpu),
        bulk.max_rss_kib as f64 / 1024.0
    );
    let _ = writeln!(
        out,
        "  single: median of {} one-at-a-time `performer upgrade NAME` of other performers, same run (min {}, max {})",
        walls.len(),
        seconds(walls.iter().min().copied().unwrap_or_default()),
        seconds(walls.iter().max().copied().unwrap_or_default()),
    );
    let _ = writeln!(
        out,
        "  upstream operator stand-in, simulated kubelet (every pod Running and ready), our webhook; kube-apiserver {}, etcd {}; poll interval 1s (the default)",
        hourglass_e2e::KUBERNETES_VERSION,
        figures.etcd_version
    );
    let _ = writeln!(
        out,
        "{}; load average {} before the measured runs, {} after",
        figures.machine, figures.load_before, figures.load_after
    );
    out.push_str(&requests_table(figures));
    out
}

/// The plugin's requests per performer in the bulk run beside those of one
/// single upgrade, by verb and resource, from the audit log.
fn requests_table(figures: &Figures) -> String {
    let mut out = String::new();
    let bulk = &figures.bulk.requests;
    let singles: Vec<&RequestCounts> = figures.singles.iter().map(|s| &s.requests).collect();
    let kinds: BTreeSet<&RequestKind> = bulk
        .by_kind
        .keys()
        .chain(singles.iter().flat_map(|s| s.by_kind.keys()))
        .collect();
    let per_single = |kind: Option<&RequestKind>| {
        let sum: usize = singles
            .iter()
            .map(|s| match kind {
                Some(kind) => s.by_kind.get(kind).map_or(0, |t| t.requests),
                None => s.total(),
            })
            .sum();
        sum as f64 / singles.len().max(1) as f64
    };
    let performers = figures.performers.max(1) as f64;
    let _ = writeln!(
        out,
        "\nAPI requests by kubectl-hourglass (User-Agent kubectl-hourglass/..., audit log, ResponseComplete):\n"
    );
    let _ = writeln!(
        out,
        "{:<8} {:<24} {:>14} {:>10} {:>16} {:>16}",
        "verb", "resource", "bulk/performer", "bulk all", "bulk code>=400", "single/upgrade"
    );
    for kind in kinds {
        let tally = bulk.by_kind.get(kind).copied().unwrap_or_default();
        let _ = writeln!(
            out,
            "{:<8} {:<24} {:>14.2} {:>10} {:>16} {:>16.1}",
            kind.verb,
            kind.target,
            tally.requests as f64 / performers,
            tally.requests,
            tally.failed,
            per_single(Some(kind)),
        );
    }
    let _ = writeln!(
        out,
        "{:<8} {:<24} {:>14.2} {:>10} {:>16} {:>16.1}",
        "total",
        "",
        bulk.total() as f64 / performers,
        bulk.total(),
        bulk.failed(),
        per_single(None),
    );
    if bulk.unreadable > 0 {
        let _ = writeln!(
            out,
            "({} audit lines of the bulk run were not events)",
            bulk.unreadable
        );
    }
    out
}

fn seconds(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ideal_is_rounds_of_single_upgrades() {
        let single = Duration::from_secs(3);
        assert_eq!(ideal(single, 200, 20), Duration::from_secs(30));
        assert_eq!(ideal(single, 30, 20), Duration::from_millis(4500));
        // Fewer performers than lanes: one upgrade's time, not less.
        assert_eq!(ideal(single, 5, 20), single);
    }
}
