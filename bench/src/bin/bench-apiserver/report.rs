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
                "\nInside the webhook, {}: {} reviews ({} per create), mean {} each from request to answer.",
                m.variant.name(),
                m.webhook_reviews.map_or(0, |r| r.count),
                if m.variant == AdmissionVariant::WebhookOneCall {
                    "mutate only"
                } else {
                    "mutate + validate"
                },
                micros(mean)
            );
        }
    }
    println!();
    print!("{}", ratios(results));
    if results.iter().any(|m| m.variant == AdmissionVariant::Cel) {
        println!("\nThe CEL variant cannot express:");
        for line in NOT_EXPRESSIBLE {
            println!("  - {line}");
        }
    }
}

/// The ratios of ours (two calls, one call) to none and to CEL: p50, p99
/// and the CPU per create of the apiserver and the webhook together, with
/// the targets' verdicts.
fn ratios(results: &[Measured]) -> String {
    use std::fmt::Write as _;
    let find = |variant| results.iter().find(|m| m.variant == variant);
    let mut out = String::new();
    for (ours, name) in [
        (AdmissionVariant::Webhook, "ours"),
        (AdmissionVariant::WebhookOneCall, "one-call"),
    ] {
        let Some(ours) = find(ours) else { continue };
        for (other, label, p50_target, cpu_target) in [
            (AdmissionVariant::SchemaOnly, "none", Some(1.10), None),
            (AdmissionVariant::Cel, "CEL", None, Some(1.0)),
        ] {
            let Some(other) = find(other) else { continue };
            let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
            let p50 = ratio(ours.summary.p50, other.summary.p50);
            let p99 = ratio(ours.summary.p99, other.summary.p99);
            let mut line = format!("{name}/{label}  p50 {p50:.2}x  p99 {p99:.2}x");
            let cpu = total_cpu(ours)
                .zip(total_cpu(other))
                .map(|(a, b)| ratio(a, b));
            if let Some(cpu) = cpu {
                let _ = write!(line, "  CPU per create (apiserver + webhook) {cpu:.2}x");
            }
            if let Some(target) = p50_target {
                let met = if p50 <= target { "met" } else { "MISSED" };
                let _ = write!(line, "   (target p50 <= {target:.2}: {met})");
            }
            if ours.variant == AdmissionVariant::WebhookOneCall
                && let Some(target) = cpu_target
            {
                let met = p50 <= target && cpu.is_some_and(|cpu| cpu <= target);
                let _ = write!(
                    line,
                    "   (target p50 and CPU <= {target:.2}: {})",
                    if met { "met" } else { "MISSED" }
                );
            }
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

/// The apiserver's CPU per create plus the webhook's, when measured.
fn total_cpu(measured: &Measured) -> Option<Duration> {
    let apiserver = measured.apiserver_cpu?;
    Some(apiserver + measured.webhook_cpu.unwrap_or(Duration::ZERO))
}

fn micros(duration: Duration) -> String {
    format!("{:.0} us", duration.as_secs_f64() * 1e6)
}
