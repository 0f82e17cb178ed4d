//! The benchmark's table, the same-run ratios and the verdict on the
//! targets, rendered to strings so the layout can be tested.

use std::fmt::Write as _;
use std::time::Duration;

use crate::h2load::Load;
use crate::webhook_process::Role;

/// Ratio targets at [`TARGET_STREAMS`] on /validate (issue 14): reviews/s at
/// least this share of the floor's ...
pub const TARGET_OF_FLOOR: f64 = 0.6;
/// ... at least this many times the controller-runtime peer's ...
pub const TARGET_OF_PEER: f64 = 2.0;
/// ... and CPU per review at most this share of the webhook before.
pub const TARGET_CPU_OF_BEFORE: f64 = 0.5;

/// Target throughput at [`TARGET_STREAMS`] on the 2-core machine.
pub const TARGET_REVIEWS_PER_SECOND: f64 = 20_000.0;
/// Target p99 latency at [`TARGET_STREAMS`].
pub const TARGET_P99: Duration = Duration::from_millis(5);
pub const TARGET_STREAMS: u32 = 64;

/// One server, one endpoint, one load, one round.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub server: Role,
    /// Which pass over the servers (`--rounds`), from 0.
    pub round: usize,
    pub endpoint: &'static str,
    pub load: Load,
    /// Successful reviews per second of the measured time.
    pub reviews_per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
    /// Requests without a 2xx answer, plus answers that were not an admission.
    pub failed: u64,
    /// Reviews the webhook answered in the CPU window (the CPU is divided by these).
    pub reviews: u64,
    /// From just before h2load starts to just after it exits.
    pub cpu_window: Duration,
    /// CPU time the webhook used in the window, user plus system.
    pub webhook_cpu: Duration,
    /// VmHWM during the run, KiB.
    pub peak_rss_kib: Option<u64>,
    /// CPU time h2load used in the window: it shares the cores with the webhook.
    pub generator_cpu: Duration,
}

impl Row {
    pub fn cpu_seconds_per_thousand(&self) -> f64 {
        if self.reviews == 0 {
            return 0.0;
        }
        self.webhook_cpu.as_secs_f64() * 1000.0 / self.reviews as f64
    }

    pub fn webhook_core_percent(&self) -> f64 {
        percent_of_a_core(self.webhook_cpu, self.cpu_window)
    }

    pub fn generator_core_percent(&self) -> f64 {
        percent_of_a_core(self.generator_cpu, self.cpu_window)
    }

    /// Reviews/s the machine's `cores` could answer if the webhook and h2load
    /// had them to themselves and CPU were the only limit: `cores` divided
    /// by the CPU both spent per review. An estimate for a shared machine,
    /// where other processes take cores during the run.
    pub fn cpu_bound_ceiling(&self, cores: usize) -> Option<f64> {
        let per_review =
            (self.webhook_cpu + self.generator_cpu).as_secs_f64() / self.reviews as f64;
        (self.reviews > 0 && per_review > 0.0).then(|| cores as f64 / per_review)
    }

    /// `None` for a row the targets do not speak about.
    pub fn meets_targets(&self) -> Option<bool> {
        (self.server == Role::Ours && self.load.streams() == TARGET_STREAMS).then(|| {
            self.reviews_per_second >= TARGET_REVIEWS_PER_SECOND
                && self.p99 < TARGET_P99
                && self.failed == 0
        })
    }
}

fn percent_of_a_core(cpu: Duration, wall: Duration) -> f64 {
    if wall.is_zero() {
        return 0.0;
    }
    cpu.as_secs_f64() * 100.0 / wall.as_secs_f64()
}

const HEADER: [&str; 11] = [
    "server",
    "endpoint",
    "streams (-c x -m)",
    "reviews/s",
    "p50",
    "p99",
    "failed",
    "CPU s/1k reviews",
    "CPU % of a core",
    "peak RSS",
    "h2load CPU %",
];

/// The table, one line per row, columns aligned; a round column when
/// there was more than one.
pub fn table(rows: &[Row]) -> String {
    let rounds = rows.iter().any(|row| row.round > 0);
    let mut header: Vec<String> = HEADER.map(str::to_string).to_vec();
    if rounds {
        header.insert(1, "round".to_string());
    }
    // Names (server, round, endpoint, streams) left, figures right.
    let names = if rounds { 4 } else { 3 };
    let mut lines: Vec<Vec<String>> = vec![header];
    for row in rows {
        let mut line = vec![
            row.server.name().to_string(),
            format!("/{}", row.endpoint),
            format!(
                "{} ({} x {})",
                row.load.streams(),
                row.load.connections,
                row.load.streams_per_connection
            ),
            format!("{:.0}", row.reviews_per_second),
            millis(row.p50),
            millis(row.p99),
            row.failed.to_string(),
            format!("{:.3}", row.cpu_seconds_per_thousand()),
            format!("{:.0}%", row.webhook_core_percent()),
            row.peak_rss_kib.map_or_else(
                || "n/a".to_string(),
                |kib| format!("{:.1} MiB", kib as f64 / 1024.0),
            ),
            format!("{:.0}%", row.generator_core_percent()),
        ];
        if rounds {
            line.insert(1, (row.round + 1).to_string());
        }
        lines.push(line);
    }
    let widths: Vec<usize> = (0..lines[0].len())
        .map(|column| {
            lines
                .iter()
                .map(|line| line[column].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for line in &lines {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(column, (cell, width))| {
                if column < names {
                    format!("{cell:<width$}")
                } else {
                    format!("{cell:>width$}")
                }
            })
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    out
}

/// A webhook's memory: idle after the load, and at its peak under reviews
/// of nearly the body limit.
#[derive(Clone, Debug, PartialEq)]
pub struct Memory {
    pub server: Role,
    pub steady_rss_kib: Option<u64>,
    pub peak_rss_kib: Option<u64>,
    /// Near-limit reviews in flight at once.
    pub streams: u32,
}

/// One line per webhook measured.
pub fn memory(figures: &[Memory]) -> String {
    let mib = |kib: Option<u64>| {
        kib.map_or_else(
            || "n/a".to_string(),
            |kib| format!("{:.1} MiB", kib as f64 / 1024.0),
        )
    };
    let mut out = String::new();
    for figure in figures {
        let _ = writeln!(
            out,
            "memory, {}: steady RSS {}, peak {} with {} reviews of 7 MiB in flight",
            figure.server.name(),
            mib(figure.steady_rss_kib),
            mib(figure.peak_rss_kib),
            figure.streams
        );
    }
    out
}

/// Ours against each yardstick measured at the same endpoint and load:
/// reviews/s, p99 and CPU per review as ratios (above 1 means ours is more:
/// better for reviews/s, worse for p99 and CPU). With several rounds, each
/// ratio is taken within a round (the two servers measured one after the
/// other) and the median is given, with the range over the rounds.
pub fn ratios(rows: &[Row]) -> String {
    let mut out = String::new();
    for (ours, other) in compared_pairs(rows) {
        let per_round = round_ratios(rows, ours, other);
        let show = |pick: fn(&RoundRatios) -> f64| {
            let values: Vec<f64> = per_round.iter().map(pick).collect();
            spread(&values)
        };
        let _ = write!(
            out,
            "/{} at {} streams, ours/{}: reviews/s {}, p99 {}, CPU per review {}",
            ours.endpoint,
            ours.load.streams(),
            other.name(),
            show(|r| r.reviews_per_second),
            show(|r| r.p99),
            show(|r| r.cpu_per_review),
        );
        if per_round.len() > 1 {
            let _ = write!(out, " (medians of {} rounds)", per_round.len());
        }
        out.push('\n');
    }
    out
}

/// Ours' rows of the first round, each with every other server measured
/// at its endpoint and load, in the order they were measured.
fn compared_pairs(rows: &[Row]) -> Vec<(&Row, Role)> {
    let mut pairs = Vec::new();
    for ours in rows
        .iter()
        .filter(|row| row.server == Role::Ours && row.round == 0)
    {
        for other in rows.iter().filter(|row| {
            row.server != Role::Ours
                && row.round == 0
                && row.endpoint == ours.endpoint
                && row.load == ours.load
        }) {
            pairs.push((ours, other.server));
        }
    }
    pairs
}

/// Ours over `other` in one round.
struct RoundRatios {
    reviews_per_second: f64,
    p99: f64,
    cpu_per_review: f64,
}

/// The ratios of ours over `other` at `like`'s endpoint and load, one per
/// round in which both were measured.
fn round_ratios(rows: &[Row], like: &Row, other: Role) -> Vec<RoundRatios> {
    let find = |server: Role, round: usize| {
        rows.iter().find(|row| {
            row.server == server
                && row.round == round
                && row.endpoint == like.endpoint
                && row.load == like.load
        })
    };
    let rounds = rows.iter().map(|row| row.round + 1).max().unwrap_or(0);
    (0..rounds)
        .filter_map(|round| Some((find(Role::Ours, round)?, find(other, round)?)))
        .map(|(ours, other)| RoundRatios {
            reviews_per_second: quotient(ours.reviews_per_second, other.reviews_per_second),
            p99: quotient(ours.p99.as_secs_f64(), other.p99.as_secs_f64()),
            cpu_per_review: quotient(
                ours.cpu_seconds_per_thousand(),
                other.cpu_seconds_per_thousand(),
            ),
        })
        .collect()
}

fn quotient(ours: f64, other: f64) -> f64 {
    if other > 0.0 { ours / other } else { f64::NAN }
}

/// The middle value (the upper one of an even count); NaN when empty.
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN)
}

/// `0.60x`, or with several values their median and range: `0.60x (0.55-0.63x)`.
fn spread(values: &[f64]) -> String {
    let shown = |value: f64| {
        if value.is_finite() {
            format!("{value:.2}x")
        } else {
            "n/a".to_string()
        }
    };
    let middle = shown(median(values));
    if values.len() < 2 {
        return middle;
    }
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{middle} ({:.2}-{})", low, shown(high))
}

/// The ratio targets at [`TARGET_STREAMS`] on /validate, for the
/// yardsticks that were measured: one line each, "met" or "MISSED". With
/// several rounds, the median of the rounds' ratios is judged.
pub fn ratio_verdicts(rows: &[Row]) -> String {
    let mut out = String::new();
    let Some(ours) = rows.iter().find(|row| {
        row.server == Role::Ours
            && row.round == 0
            && row.endpoint == "validate"
            && row.load.streams() == TARGET_STREAMS
    }) else {
        return out;
    };
    let judged = |other: Role, pick: fn(&RoundRatios) -> f64| {
        let per_round = round_ratios(rows, ours, other);
        let values: Vec<f64> = per_round.iter().map(pick).collect();
        (!values.is_empty()).then(|| (median(&values), values.len()))
    };
    let mut judge = |what: String, (value, rounds): (f64, usize), met: bool| {
        let of_rounds = if rounds > 1 {
            format!(" (median of {rounds} rounds)")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "/validate at {TARGET_STREAMS} streams: {what} {value:.2}x{of_rounds}: {}",
            if met { "target met" } else { "TARGET MISSED" }
        );
    };
    if let Some(floor) = judged(Role::Floor, |r| r.reviews_per_second) {
        judge(
            format!("reviews/s ours/floor (target >= {TARGET_OF_FLOOR})"),
            floor,
            floor.0 >= TARGET_OF_FLOOR,
        );
    }
    if let Some(peer) = judged(Role::Peer, |r| r.reviews_per_second) {
        judge(
            format!("reviews/s ours/peer (target >= {TARGET_OF_PEER})"),
            peer,
            peer.0 >= TARGET_OF_PEER,
        );
    }
    if let Some(before) = judged(Role::Before, |r| r.cpu_per_review) {
        judge(
            format!("CPU per review ours/before (target <= {TARGET_CPU_OF_BEFORE})"),
            before,
            before.0 <= TARGET_CPU_OF_BEFORE,
        );
    }
    out
}

/// One line per row of ours at the target load: the figures next to the
/// absolute targets, and the CPU-bound ceiling on `cores`.
pub fn verdicts(rows: &[Row], cores: usize) -> String {
    let mut out = String::new();
    for row in rows {
        let Some(met) = row.meets_targets() else {
            continue;
        };
        let _ = writeln!(
            out,
            "/{} at {} streams: {:.0} reviews/s (target >= {:.0}), p99 {} (target < {}), {} failed: {}",
            row.endpoint,
            TARGET_STREAMS,
            row.reviews_per_second,
            TARGET_REVIEWS_PER_SECOND,
            millis(row.p99),
            millis(TARGET_P99),
            row.failed,
            if met { "target met" } else { "TARGET MISSED" }
        );
        if let Some(ceiling) = row.cpu_bound_ceiling(cores) {
            let _ = writeln!(
                out,
                "  CPU-bound ceiling on {cores} cores (webhook + h2load CPU per review): {ceiling:.0} reviews/s"
            );
        }
    }
    out
}

fn millis(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(streams: u32, per_second: f64, p99_micros: u64) -> Row {
        Row {
            server: Role::Ours,
            round: 0,
            endpoint: "validate",
            load: Load::for_streams(streams).unwrap(),
            reviews_per_second: per_second,
            p50: Duration::from_micros(900),
            p99: Duration::from_micros(p99_micros),
            failed: 0,
            reviews: 200_000,
            cpu_window: Duration::from_secs(10),
            webhook_cpu: Duration::from_secs(12),
            peak_rss_kib: Some(12 * 1024),
            generator_cpu: Duration::from_secs(5),
        }
    }

    #[test]
    fn cpu_figures() {
        let row = row(64, 20_000.0, 4000);
        assert_eq!(row.cpu_seconds_per_thousand(), 0.06);
        assert_eq!(row.cpu_bound_ceiling(2).map(f64::round), Some(23529.0));
        assert_eq!(row.webhook_core_percent(), 120.0);
        assert_eq!(row.generator_core_percent(), 50.0);
    }

    #[test]
    fn only_the_target_load_is_judged() {
        assert_eq!(row(16, 1.0, 90_000).meets_targets(), None);
        assert_eq!(row(64, 20_000.0, 4999).meets_targets(), Some(true));
        assert_eq!(row(64, 19_999.0, 1000).meets_targets(), Some(false));
        assert_eq!(row(64, 30_000.0, 5000).meets_targets(), Some(false));
        let mut failed = row(64, 30_000.0, 1000);
        failed.failed = 1;
        assert_eq!(failed.meets_targets(), Some(false));
    }

    #[test]
    fn the_table_aligns_and_the_verdict_names_the_miss() {
        let rows = [row(1, 3_000.0, 700), row(64, 18_000.0, 6_000)];
        let text = table(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("server"));
        assert!(lines[1].starts_with("ours"), "{text}");
        assert!(lines[1].contains("1 (1 x 1)"), "{text}");
        assert!(lines[2].contains("64 (4 x 16)"), "{text}");
        assert!(lines[2].contains("6.00 ms"), "{text}");
        assert!(lines[2].contains("12.0 MiB"), "{text}");
        let verdict = verdicts(&rows, 2);
        let lines: Vec<&str> = verdict.lines().collect();
        assert_eq!(lines.len(), 2, "{verdict}");
        assert!(lines[0].contains("18000 reviews/s"), "{verdict}");
        assert!(lines[0].ends_with("TARGET MISSED"), "{verdict}");
        // 17 s of CPU for 200,000 reviews is 85 us each: 2 cores, 23,529/s.
        assert!(lines[1].ends_with("23529 reviews/s"), "{verdict}");
    }

    #[test]
    fn ratios_compare_ours_with_each_yardstick_at_the_same_load() {
        let ours = row(64, 12_000.0, 4_000);
        let mut floor = row(64, 20_000.0, 2_000);
        floor.server = Role::Floor;
        floor.webhook_cpu = Duration::from_secs(6);
        let mut peer = row(64, 4_000.0, 16_000);
        peer.server = Role::Peer;
        let mut before = row(64, 8_000.0, 8_000);
        before.server = Role::Before;
        before.webhook_cpu = Duration::from_secs(30);
        let mut other_load = row(16, 1.0, 1);
        other_load.server = Role::Floor;
        let rows = [ours, floor, peer, before, other_load];

        let text = ratios(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(
            lines[0],
            "/validate at 64 streams, ours/floor: reviews/s 0.60x, p99 2.00x, CPU per review 2.00x"
        );
        assert!(
            lines[1].contains("ours/peer: reviews/s 3.00x, p99 0.25x"),
            "{text}"
        );
        assert!(lines[2].contains("ours/before: reviews/s 1.50x"), "{text}");
        assert!(lines[2].ends_with("CPU per review 0.40x"), "{text}");

        let verdict = ratio_verdicts(&rows);
        let lines: Vec<&str> = verdict.lines().collect();
        assert_eq!(lines.len(), 3, "{verdict}");
        assert!(lines[0].ends_with("0.60x: target met"), "{verdict}");
        assert!(lines[1].ends_with("3.00x: target met"), "{verdict}");
        assert!(lines[2].ends_with("0.40x: target met"), "{verdict}");

        let mut slow = rows.clone();
        slow[0].reviews_per_second = 7_000.0;
        let verdict = ratio_verdicts(&slow);
        assert!(
            verdict
                .lines()
                .next()
                .unwrap()
                .ends_with("0.35x: TARGET MISSED"),
            "{verdict}"
        );
        assert!(
            verdict
                .lines()
                .nth(1)
                .unwrap()
                .ends_with("1.75x: TARGET MISSED"),
            "{verdict}"
        );
    }

    #[test]
    fn with_rounds_each_ratio_is_taken_within_a_round_and_the_median_judged() {
        // Three rounds of ours and the floor at 64 streams; the machine is
        // faster in the second, so both servers are.
        let mut rows = Vec::new();
        for (round, (ours_rate, floor_rate)) in [
            (12_000.0, 20_000.0),
            (18_000.0, 36_000.0),
            (13_000.0, 20_000.0),
        ]
        .into_iter()
        .enumerate()
        {
            let mut ours = row(64, ours_rate, 4_000);
            ours.round = round;
            let mut floor = row(64, floor_rate, 2_000);
            floor.server = Role::Floor;
            floor.round = round;
            rows.push(ours);
            rows.push(floor);
        }

        let text = ratios(&rows);
        assert_eq!(
            text,
            "/validate at 64 streams, ours/floor: reviews/s 0.60x (0.50-0.65x), p99 2.00x (2.00-2.00x), CPU per review 1.00x (1.00-1.00x) (medians of 3 rounds)\n"
        );
        let verdict = ratio_verdicts(&rows);
        assert_eq!(
            verdict,
            "/validate at 64 streams: reviews/s ours/floor (target >= 0.6) 0.60x (median of 3 rounds): target met\n"
        );
        // A round without its floor is left out, not compared across rounds.
        rows.remove(5);
        assert!(ratios(&rows).contains("reviews/s 0.60x (0.50-0.60x)"));

        let table = table(&rows);
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].starts_with("server  round  endpoint"), "{table}");
        assert!(lines[3].starts_with("ours    2      /validate"), "{table}");
    }
}
