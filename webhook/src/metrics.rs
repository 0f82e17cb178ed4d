//! Prometheus metrics, served as text on the admin port's `/metrics`.

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hourglass_shared::Operation;
use hourglass_shared::constants::{EXECUTOR_KIND, PERFORMER_KIND};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::handler::Endpoint;
use crate::request::operation_name;

/// Every value is a constant, so counting a review allocates nothing.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReviewLabels {
    /// HourglassExecutor, Performer, or "unknown" for a review we could not read.
    pub kind: &'static str,
    /// CREATE, UPDATE, DELETE, CONNECT or "unknown".
    pub operation: &'static str,
    /// "true" or "false".
    pub allowed: &'static str,
    /// "true" or "false".
    pub mutated: &'static str,
    /// "validate" or "mutate".
    pub endpoint: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EndpointLabels {
    pub endpoint: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpErrorLabels {
    pub endpoint: String,
    pub code: String,
}

/// Every metric of the webhook, cheap to clone (all handles are shared).
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    pub reviews: Family<ReviewLabels, Counter>,
    /// `reviews`' series of judged reviews, each looked up once (see
    /// [`Metrics::count_review`]).
    judged_reviews: Arc<[OnceLock<Counter>; JUDGED_SERIES]>,
    pub review_duration: Family<EndpointLabels, Histogram>,
    /// `review_duration`'s two series, looked up once: the family's lookup
    /// takes its lock and hashes the labels, per review otherwise.
    validate_duration: Arc<OnceLock<Histogram>>,
    mutate_duration: Arc<OnceLock<Histogram>>,
    pub in_flight: Gauge,
    /// Requests answered without an AdmissionReview (no uid): 400, 408, 413, 500.
    pub http_errors: Family<HttpErrorLabels, Counter>,
    pub certificate_expiry: Gauge<f64, AtomicU64>,
    pub certificate_reloads: Counter,
    pub certificate_reload_errors: Counter,
}

/// The judged reviews' label values, each list in a fixed order: a
/// series' place in [`Metrics::count_review`]'s cache is its values' places.
/// The names come from where the handler takes them, so they cannot drift.
const KINDS: [&str; 2] = [EXECUTOR_KIND, PERFORMER_KIND];
const OPERATIONS: [&str; 4] = [
    operation_name(Operation::Create),
    operation_name(Operation::Update),
    operation_name(Operation::Delete),
    operation_name(Operation::Connect),
];
const BOOLEANS: [&str; 2] = ["false", "true"];
const ENDPOINTS: [&str; 2] = [Endpoint::Validate.as_str(), Endpoint::Mutate.as_str()];
const JUDGED_SERIES: usize =
    KINDS.len() * OPERATIONS.len() * BOOLEANS.len() * BOOLEANS.len() * ENDPOINTS.len();

/// The place of a judged review's series in the cache; `None` for labels
/// outside the lists above.
fn judged_series(labels: &ReviewLabels) -> Option<usize> {
    let place = |values: &[&str], value: &str| values.iter().position(|v| *v == value);
    let mut at = place(&KINDS, labels.kind)?;
    at = at * OPERATIONS.len() + place(&OPERATIONS, labels.operation)?;
    at = at * BOOLEANS.len() + place(&BOOLEANS, labels.allowed)?;
    at = at * BOOLEANS.len() + place(&BOOLEANS, labels.mutated)?;
    at = at * ENDPOINTS.len() + place(&ENDPOINTS, labels.endpoint)?;
    Some(at)
}

fn duration_histogram() -> Histogram {
    // 0.5 ms to about 4 s: a review is a few hundred microseconds, and the
    // apiserver gives up at timeoutSeconds (5).
    Histogram::new(exponential_buckets(0.0005, 2.0, 14))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let reviews = Family::<ReviewLabels, Counter>::default();
        registry.register(
            "hourglass_webhook_reviews",
            "Admission reviews answered, by kind, operation, decision, mutation and endpoint",
            reviews.clone(),
        );
        let review_duration = Family::<EndpointLabels, Histogram>::new_with_constructor(
            duration_histogram as fn() -> Histogram,
        );
        registry.register(
            "hourglass_webhook_review_duration_seconds",
            "Time from the request to the answer of an admission review",
            review_duration.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "hourglass_webhook_in_flight_reviews",
            "Admission reviews being answered now",
            in_flight.clone(),
        );
        let http_errors = Family::<HttpErrorLabels, Counter>::default();
        registry.register(
            "hourglass_webhook_http_errors",
            "Requests answered with an HTTP error instead of an AdmissionReview",
            http_errors.clone(),
        );
        let certificate_expiry = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "hourglass_webhook_certificate_expiry_timestamp_seconds",
            "notAfter of the serving certificate in use, as a Unix timestamp",
            certificate_expiry.clone(),
        );
        let certificate_reloads = Counter::default();
        registry.register(
            "hourglass_webhook_certificate_reloads",
            "Serving certificates loaded after a change of the files",
            certificate_reloads.clone(),
        );
        let certificate_reload_errors = Counter::default();
        registry.register(
            "hourglass_webhook_certificate_reload_errors",
            "Changed certificate files that could not be used (the previous pair stays in service)",
            certificate_reload_errors.clone(),
        );
        Metrics {
            registry: Arc::new(registry),
            reviews,
            judged_reviews: Arc::new(std::array::from_fn(|_| OnceLock::new())),
            review_duration,
            validate_duration: Arc::default(),
            mutate_duration: Arc::default(),
            in_flight,
            http_errors,
            certificate_expiry,
            certificate_reloads,
            certificate_reload_errors,
        }
    }

    /// The OpenMetrics text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    pub fn set_certificate_expiry(&self, not_after: SystemTime) {
        let seconds = not_after
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs_f64();
        self.certificate_expiry.set(seconds);
    }

    /// Counts one answered review. A judged review's series (a known kind,
    /// operation and endpoint) is looked up in the family once and kept:
    /// the family's lookup takes its lock and hashes five labels, per
    /// review otherwise. Others ("unknown" kind or operation) are looked up
    /// each time, as they are rare.
    pub fn count_review(&self, labels: &ReviewLabels) {
        match judged_series(labels) {
            Some(at) => self.judged_reviews[at]
                .get_or_init(|| self.reviews.get_or_create(labels).clone())
                .inc(),
            None => self.reviews.get_or_create(labels).inc(),
        };
    }

    /// Records a review's duration under `endpoint` ("validate" or
    /// "mutate"; any other name is looked up in the family each time). The
    /// series is created on first use, so /metrics shows only endpoints
    /// that answered.
    pub fn observe_review_duration(&self, endpoint: &'static str, seconds: f64) {
        let cached = match endpoint {
            "validate" => &self.validate_duration,
            "mutate" => &self.mutate_duration,
            _ => return self.duration_series(endpoint).observe(seconds),
        };
        cached
            .get_or_init(|| self.duration_series(endpoint))
            .observe(seconds);
    }

    fn duration_series(&self, endpoint: &'static str) -> Histogram {
        self.review_duration
            .get_or_create(&EndpointLabels { endpoint })
            .clone()
    }

    pub fn http_error(&self, endpoint: &str, code: u16) {
        self.http_errors
            .get_or_create(&HttpErrorLabels {
                endpoint: endpoint.to_string(),
                code: code.to_string(),
            })
            .inc();
    }
}

/// Decrements the in-flight gauge when the review ends, however it ends.
pub struct InFlight<'a>(&'a Gauge);

impl<'a> InFlight<'a> {
    pub fn enter(gauge: &'a Gauge) -> Self {
        gauge.inc();
        InFlight(gauge)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn every_judged_labels() -> Vec<ReviewLabels> {
        let mut all = Vec::new();
        for kind in KINDS {
            for operation in OPERATIONS {
                for allowed in BOOLEANS {
                    for mutated in BOOLEANS {
                        for endpoint in ENDPOINTS {
                            all.push(ReviewLabels {
                                kind,
                                operation,
                                allowed,
                                mutated,
                                endpoint,
                            });
                        }
                    }
                }
            }
        }
        all
    }

    #[test]
    fn each_judged_series_has_its_own_place_in_the_cache() {
        let places: HashSet<usize> = every_judged_labels()
            .iter()
            .map(|labels| judged_series(labels).expect("a judged review's labels"))
            .collect();
        assert_eq!(places.len(), JUDGED_SERIES);
        assert!(places.iter().all(|at| *at < JUDGED_SERIES));
        let unknown = ReviewLabels {
            kind: "unknown",
            ..every_judged_labels()[0].clone()
        };
        assert_eq!(judged_series(&unknown), None);
    }

    #[test]
    fn counted_reviews_show_under_their_own_labels() {
        let metrics = Metrics::new();
        let all = every_judged_labels();
        for (count, labels) in all.iter().enumerate() {
            for _ in 0..count % 3 + 1 {
                metrics.count_review(labels);
            }
        }
        let unknown = ReviewLabels {
            kind: "unknown",
            operation: "unknown",
            ..all[0].clone()
        };
        metrics.count_review(&unknown);
        metrics.count_review(&unknown);
        for (count, labels) in all.iter().enumerate() {
            assert_eq!(
                metrics.reviews.get_or_create(labels).get(),
                (count % 3 + 1) as u64,
                "{labels:?}"
            );
        }
        assert_eq!(metrics.reviews.get_or_create(&unknown).get(), 2);
        // A clone shares the cache and the family.
        metrics.clone().count_review(&all[5]);
        assert_eq!(metrics.reviews.get_or_create(&all[5]).get(), 5 % 3 + 2);
    }
}
