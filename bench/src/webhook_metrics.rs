//! The webhook's own account of its review time, from its Prometheus text
//! on the admin port: how much of a create's latency is spent inside it.

use std::time::Duration;

/// Reviews answered and the time spent answering them, over all endpoints.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ReviewTime {
    pub count: u64,
    pub total: Duration,
}

impl ReviewTime {
    /// Sums `hourglass_webhook_review_duration_seconds_{sum,count}` over
    /// every label set in `metrics` (OpenMetrics text).
    pub fn parse(metrics: &str) -> ReviewTime {
        let mut time = ReviewTime::default();
        for line in metrics.lines() {
            let Some((name, value)) = line.rsplit_once(' ') else {
                continue;
            };
            let name = name.split('{').next().unwrap_or(name);
            match name {
                "hourglass_webhook_review_duration_seconds_sum" => {
                    if let Ok(seconds) = value.parse::<f64>() {
                        time.total += Duration::from_secs_f64(seconds.max(0.0));
                    }
                }
                "hourglass_webhook_review_duration_seconds_count" => {
                    time.count += value.parse::<u64>().unwrap_or(0);
                }
                _ => {}
            }
        }
        time
    }

    /// What was added between `earlier` and `self`.
    pub fn since(self, earlier: ReviewTime) -> ReviewTime {
        ReviewTime {
            count: self.count.saturating_sub(earlier.count),
            total: self.total.saturating_sub(earlier.total),
        }
    }

    /// Mean time per review.
    pub fn mean(self) -> Option<Duration> {
        (self.count > 0).then(|| self.total / u32::try_from(self.count).unwrap_or(u32::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_every_endpoint() {
        let text = "\
# HELP hourglass_webhook_review_duration_seconds Time
hourglass_webhook_review_duration_seconds_sum{endpoint=\"mutate\"} 0.5
hourglass_webhook_review_duration_seconds_count{endpoint=\"mutate\"} 10
hourglass_webhook_review_duration_seconds_bucket{endpoint=\"mutate\",le=\"0.001\"} 3
hourglass_webhook_review_duration_seconds_sum{endpoint=\"validate\"} 0.25
hourglass_webhook_review_duration_seconds_count{endpoint=\"validate\"} 10
";
        let time = ReviewTime::parse(text);
        assert_eq!(time.count, 20);
        assert_eq!(time.total, Duration::from_millis(750));
        assert_eq!(time.mean(), Some(Duration::from_micros(37_500)));
        assert_eq!(time.since(time).count, 0);
        assert_eq!(ReviewTime::default().mean(), None);
    }
}
