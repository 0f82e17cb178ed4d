//! Percentiles of a set of request latencies, and the throughput of the run
//! that produced them.

use std::time::Duration;

/// What one measured run of requests comes to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LatencySummary {
    pub count: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    /// Requests completed per second of the run's wall time.
    pub per_second: f64,
}

impl LatencySummary {
    /// Summarises `latencies` of a run that took `wall` from first request
    /// sent to last answer. `None` when there is nothing to summarise.
    pub fn of(latencies: &[Duration], wall: Duration) -> Option<Self> {
        if latencies.is_empty() {
            return None;
        }
        let mut sorted = latencies.to_vec();
        sorted.sort_unstable();
        let seconds = wall.as_secs_f64();
        Some(LatencySummary {
            count: sorted.len(),
            p50: percentile(&sorted, 50.0),
            p99: percentile(&sorted, 99.0),
            max: sorted[sorted.len() - 1],
            per_second: if seconds > 0.0 {
                sorted.len() as f64 / seconds
            } else {
                f64::INFINITY
            },
        })
    }
}

/// The nearest-rank percentile of an ascending, non-empty slice: the
/// smallest value with at least `p` percent of the values at or below it.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The median of some durations (the upper median for an even count).
pub fn median(values: &[Duration]) -> Option<Duration> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    Some(sorted[sorted.len() / 2])
}

/// Milliseconds with two decimals, for tables of figures.
pub fn millis(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|v| Duration::from_millis(*v)).collect()
    }

    #[test]
    fn nearest_rank_percentiles() {
        let sorted = ms(&(1..=100).collect::<Vec<_>>());
        assert_eq!(percentile(&sorted, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&sorted, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&sorted, 100.0), Duration::from_millis(100));
        assert_eq!(percentile(&ms(&[7]), 99.0), Duration::from_millis(7));
    }

    #[test]
    fn summary_sorts_and_counts() {
        let summary = LatencySummary::of(&ms(&[30, 10, 20, 40]), Duration::from_secs(2)).unwrap();
        assert_eq!(summary.count, 4);
        assert_eq!(summary.p50, Duration::from_millis(20));
        assert_eq!(summary.p99, Duration::from_millis(40));
        assert_eq!(summary.max, Duration::from_millis(40));
        assert_eq!(summary.per_second, 2.0);
        assert_eq!(LatencySummary::of(&[], Duration::from_secs(1)), None);
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&ms(&[3, 1, 2])), Some(Duration::from_millis(2)));
        assert_eq!(median(&ms(&[4, 1, 3, 2])), Some(Duration::from_millis(3)));
        assert_eq!(median(&[]), None);
    }
}
