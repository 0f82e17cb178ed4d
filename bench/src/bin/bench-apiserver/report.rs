//! What bench-apiserver prints: each variant's latency, throughput and
//! CPU per create, the time spent inside the webhook, and the ratios.

use std::time::Duration;

use hourglass_bench::admission_variant::AdmissionVariant;
use hourglass_bench::cel_crd::NOT_EXPRESSIBLE;
use hourglass_bench::latency::{LatencySummary, millis};
use hourglass_bench::webhook_metrics::ReviewTime;

/// One variant's figures.
pub struct Measured {
    pub variant: AdmissionVariant,
    pub summary: LatencySummary,
    pub apiserver_cpu: Option<Duration>,
    pub webhook_cpu: Option<Duration>,
    pub webhook_reviews: Option<ReviewTime>,
}

pub fn print_report(
    results: &[Measured],
    count: usize,
    concurrency: usize,
    warmup: usize,
    rounds: usize,
) {
    println!(
        "\nPerformer creates through kube-apiserver {} ({count} measured per variant in {rounds} interleaved rounds after {warmup} warm-up, {concurrency} in flight, {} cores):\n",
        hourglass_e2e::KUBERNETES_VERSION,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    println!(
        "{:<38} {:>10} {:>10} {:>10} {:>10} {:>15} {:>13}",
        "variant", "p50", "p99", "max", "creates/s", "apiserver CPU", "webhook CPU"
    );
    for m in results {
        let cpu = |d: Option<Duration>| d.map_or("-".to_string(), |d| format!("{}/op", micros(d)));
        println!(
            "{:<38} {:>10} {:>10} {:>10} {:>10.0} {:>15} {:>13}",
            m.variant.describe(),
            millis(m.summary.p50),
            millis(m.summary.p99),
            millis(m.summary.max),
            m.summary.per_second,
            cpu(m.apiserver_cpu),
            cpu(m.webhook_cpu),
        );
    }
    for m in results {
        if let Some(mean) = m.webhook_reviews.and_then(ReviewTime::mean) {
            println!(
                "\nInside the webhook: {} reviews (mutate + validate per create), mean {} each from request to answer.",
                m.webhook_reviews.map_or(0, |r| r.count),
                micros(mean)
            );
        }
    }
    let find = |variant| results.iter().find(|m| m.variant == variant);
    if let Some(ours) = find(AdmissionVariant::Webhook) {
        println!();
        for (other, label, target) in [
            (AdmissionVariant::SchemaOnly, "ours/none", Some(1.10)),
            (AdmissionVariant::Cel, "ours/CEL ", None),
        ] {
            if let Some(other) = find(other) {
                let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
                let p50 = ratio(ours.summary.p50, other.summary.p50);
                let p99 = ratio(ours.summary.p99, other.summary.p99);
                let verdict = target.map_or(String::new(), |t| {
                    format!(
                        "   (target p50 <= {t:.2}: {})",
                        if p50 <= t { "met" } else { "MISSED" }
                    )
                });
                println!("{label}  p50 {p50:.2}x  p99 {p99:.2}x{verdict}");
            }
        }
    }
    if results.iter().any(|m| m.variant == AdmissionVariant::Cel) {
        println!("\nThe CEL variant cannot express:");
        for line in NOT_EXPRESSIBLE {
            println!("  - {line}");
        }
    }
}

fn micros(duration: Duration) -> String {
    format!("{:.0} us", duration.as_secs_f64() * 1e6)
}
