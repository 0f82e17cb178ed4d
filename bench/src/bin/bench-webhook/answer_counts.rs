//! The webhook's own count of what it answered, from its metrics: h2load
//! sees only HTTP statuses, and a denial is a 200 too, so a run is checked
//! against these to show every answer was the admission we expect.

/// Reviews admitted and denied, and requests answered with an HTTP error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AnswerCounts {
    pub admitted: u64,
    pub denied: u64,
    pub http_errors: u64,
}

impl AnswerCounts {
    /// Sums `hourglass_webhook_reviews_total` by `allowed` and
    /// `hourglass_webhook_http_errors_total` over every label set.
    pub fn parse(metrics: &str) -> AnswerCounts {
        let mut counts = AnswerCounts::default();
        for line in metrics.lines() {
            let Some((series, value)) = line.rsplit_once(' ') else {
                continue;
            };
            let Ok(value) = value.trim().parse::<u64>() else {
                continue;
            };
            let (name, labels) = series.split_once('{').unwrap_or((series, ""));
            match name {
                "hourglass_webhook_reviews_total" if labels.contains("allowed=\"true\"") => {
                    counts.admitted += value;
                }
                "hourglass_webhook_reviews_total" => counts.denied += value,
                "hourglass_webhook_http_errors_total" => counts.http_errors += value,
                _ => {}
            }
        }
        counts
    }

    /// What was added between `earlier` and `self`.
    pub fn since(self, earlier: AnswerCounts) -> AnswerCounts {
        AnswerCounts {
            admitted: self.admitted.saturating_sub(earlier.admitted),
            denied: self.denied.saturating_sub(earlier.denied),
            http_errors: self.http_errors.saturating_sub(earlier.http_errors),
        }
    }

    /// Answers that were not an admission.
    pub fn refused(self) -> u64 {
        self.denied + self.http_errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_by_decision() {
        let text = r#"# HELP hourglass_webhook_reviews Admission reviews answered
hourglass_webhook_reviews_total{kind="Performer",operation="CREATE",allowed="true",mutated="true",endpoint="mutate"} 40
hourglass_webhook_reviews_total{kind="Performer",operation="CREATE",allowed="true",mutated="false",endpoint="validate"} 2
hourglass_webhook_reviews_total{kind="unknown",operation="unknown",allowed="false",mutated="false",endpoint="mutate"} 3
hourglass_webhook_http_errors_total{endpoint="validate",code="400"} 5
hourglass_webhook_in_flight_reviews 0
"#;
        let counts = AnswerCounts::parse(text);
        assert_eq!(
            counts,
            AnswerCounts {
                admitted: 42,
                denied: 3,
                http_errors: 5
            }
        );
        assert_eq!(counts.refused(), 8);
        assert_eq!(counts.since(counts), AnswerCounts::default());
    }
}
