//! `cargo run --release -p hourglass-e2e --bin bench-apiserver`: what our
//! admission webhook costs a Performer create through a real kube-apiserver,
//! next to no admission at all and to the same rules as CEL in the CRD.
//!
//! Each variant gets a control plane of its own (all three run side by
//! side), a namespace, a check that its rules are in force, and a warm-up.
//! Then `--count` creates per variant of the Complex Performer example
//! (renamed) with `--concurrency` in flight, in rounds that rotate through
//! the variants. Prints p50/p99 latency, throughput, the CPU the apiserver
//! (and webhook) used per create, and the ratios.

use std::process::ExitCode;
use std::time::Duration;

use hourglass_e2e::bench::admission_variant::{AdmissionVariant, performer_resource};
use hourglass_e2e::bench::cel_crd::{NOT_EXPRESSIBLE, performer_crd_with_cel};
use hourglass_e2e::bench::crd_install::crd_manifest;
use hourglass_e2e::bench::create_load::create_all;
use hourglass_e2e::bench::examples::{example, numbered_name, renamed};
use hourglass_e2e::bench::flags::{Flags, help};
use hourglass_e2e::bench::latency::{LatencySummary, millis};
use hourglass_e2e::bench::process_cpu::{cpu_time, find_pid_with_argument};
use hourglass_e2e::bench::webhook_metrics::ReviewTime;
use hourglass_e2e::{ControlPlane, WebhookServer};
use serde_json::Value;

const FLAGS: &[(&str, &str)] = &[
    (
        "count",
        "performers created and measured per variant (default 2000)",
    ),
    ("concurrency", "creates in flight (default 16)"),
    (
        "warmup",
        "creates before measuring, not counted (default 48)",
    ),
    (
        "variants",
        "comma-separated: none,webhook,cel (default all three)",
    ),
    (
        "rounds",
        "interleaved rounds the measured creates are split into (default 8)",
    ),
    (
        "print-cel-crd",
        "true: print the CEL variant of the Performer CRD as JSON and exit",
    ),
];

/// One variant's figures.
struct Measured {
    variant: AdmissionVariant,
    summary: LatencySummary,
    apiserver_cpu: Option<Duration>,
    webhook_cpu: Option<Duration>,
    webhook_reviews: Option<ReviewTime>,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench-apiserver: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let flags = Flags::parse(std::env::args().skip(1), FLAGS)?;
    if flags.wants_help() {
        print!(
            "{}",
            help(
                "Creates performers through a real kube-apiserver three ways and compares the latency.",
                FLAGS
            )
        );
        return Ok(());
    }
    if flags.get("print-cel-crd", false)? {
        let crd = crd_manifest("performers.yaml").map_err(|e| e.to_string())?;
        let variant = performer_crd_with_cel(&crd)?;
        println!(
            "{}",
            serde_json::to_string_pretty(&variant).unwrap_or_default()
        );
        return Ok(());
    }
    let count = flags.get("count", 2000usize)?;
    let concurrency = flags.get("concurrency", 16usize)?;
    let warmup = flags.get("warmup", 48usize)?;
    let variants = match flags.text("variants") {
        None => AdmissionVariant::ALL.to_vec(),
        Some(list) => list
            .split(',')
            .map(AdmissionVariant::parse)
            .collect::<Result<Vec<_>, _>>()?,
    };
    if count == 0 || concurrency == 0 {
        return Err("--count and --concurrency must be at least 1".to_string());
    }
    let rounds = flags.get("rounds", 8usize)?.clamp(1, count);
    let template = example("complex-performer.yaml").map_err(|e| e.to_string())?;
    let executor = example("main-executor.yaml").map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("tokio runtime: {e}"))?;

    let mut benches = Vec::new();
    for variant in variants {
        eprintln!(
            "==> {}: fresh control plane, verdict probe, {warmup} warm-up creates",
            variant.describe()
        );
        benches.push(VariantBench::prepare(
            variant,
            &runtime,
            &template,
            &executor,
            warmup,
            concurrency,
        )?);
    }
    // Rounds rotate through the variants, so load from other processes on a
    // shared machine falls on all of them alike rather than on whichever ran
    // while a neighbour was compiling.
    eprintln!("==> {count} measured creates per variant in {rounds} interleaved rounds");
    let mut created = 0;
    for round in 0..rounds {
        let batch = (count - created) / (rounds - round);
        for offset in 0..benches.len() {
            let which = (round + offset) % benches.len();
            benches[which].measure_batch(&runtime, &template, created, batch, concurrency)?;
        }
        created += batch;
    }
    let mut results = Vec::new();
    for bench in benches {
        results.push(bench.finish(count + warmup)?);
    }
    print_report(&results, count, concurrency, warmup, rounds);
    Ok(())
}

/// One variant's control plane, namespace and client, and what its
/// measured creates have added up to.
struct VariantBench {
    variant: AdmissionVariant,
    control_plane: ControlPlane,
    webhook: Option<WebhookServer>,
    namespace: String,
    client: kube::Client,
    latencies: Vec<Duration>,
    wall: Duration,
    apiserver_cpu: Option<Duration>,
    webhook_cpu: Option<Duration>,
    reviews: Option<ReviewTime>,
}

impl VariantBench {
    fn prepare(
        variant: AdmissionVariant,
        runtime: &tokio::runtime::Runtime,
        template: &Value,
        executor: &Value,
        warmup: usize,
        concurrency: usize,
    ) -> Result<Self, String> {
        let control_plane = ControlPlane::start().map_err(|e| e.to_string())?;
        let webhook = variant.set_up(&control_plane)?;
        // A plain namespace: the control plane and all in it go at the end.
        let namespace = format!("bench-{}", variant.name());
        control_plane
            .run_kubectl(&["create", "namespace", &namespace], None)
            .map_err(|e| e.to_string())?;
        // The executor the example names, so the webhook's lookup finds it
        // as it would in a real cluster.
        control_plane
            .run_kubectl(
                &["create", "-f", "-"],
                Some(
                    renamed(executor, "main-executor", &namespace)
                        .to_string()
                        .as_bytes(),
                ),
            )
            .map_err(|e| e.to_string())?;
        let client = runtime.block_on(async {
            let client = control_plane
                .kube_client()
                .await
                .map_err(|e| e.to_string())?;
            variant
                .check_verdict(&client, &performer_resource(), template, &namespace)
                .await?;
            let warm = numbered(template, "warmup", 0, warmup, &namespace);
            create_all(&client, &performer_resource(), warm, concurrency).await?;
            Ok::<_, String>(client)
        })?;
        Ok(VariantBench {
            variant,
            control_plane,
            webhook,
            namespace,
            client,
            latencies: Vec::new(),
            wall: Duration::ZERO,
            apiserver_cpu: Some(Duration::ZERO),
            webhook_cpu: Some(Duration::ZERO),
            reviews: Some(ReviewTime::default()),
        })
    }

    /// Creates performers `first + 1 ..= first + n` and adds up their cost.
    fn measure_batch(
        &mut self,
        runtime: &tokio::runtime::Runtime,
        template: &Value,
        first: usize,
        n: usize,
        concurrency: usize,
    ) -> Result<(), String> {
        let objects = numbered(template, "performer", first, n, &self.namespace);
        let apiserver_pid = self.control_plane.pids().apiserver;
        let webhook_pid = self.webhook.as_ref().and_then(webhook_pid);
        let apiserver_before = cpu_time(apiserver_pid);
        let webhook_before = webhook_pid.and_then(cpu_time);
        let reviews_before = self.webhook.as_ref().map(review_time);
        let run = runtime.block_on(create_all(
            &self.client,
            &performer_resource(),
            objects,
            concurrency,
        ))?;
        let spent = |before: Option<Duration>, after: Option<Duration>| {
            Some(after?.saturating_sub(before?))
        };
        add(
            &mut self.apiserver_cpu,
            spent(apiserver_before, cpu_time(apiserver_pid)),
        );
        add(
            &mut self.webhook_cpu,
            spent(webhook_before, webhook_pid.and_then(cpu_time)),
        );
        self.reviews = match (
            self.reviews,
            self.webhook.as_ref().map(review_time),
            reviews_before,
        ) {
            (Some(total), Some(after), Some(before)) => {
                let batch = after.since(before);
                Some(ReviewTime {
                    count: total.count + batch.count,
                    total: total.total + batch.total,
                })
            }
            _ => None,
        };
        self.latencies.extend(run.latencies);
        self.wall += run.wall;
        Ok(())
    }

    /// Checks every create was stored, stops the control plane, summarises.
    fn finish(self, expected: usize) -> Result<Measured, String> {
        let stored = self
            .control_plane
            .run_kubectl(
                &["get", "performers", "-n", &self.namespace, "-o", "name"],
                None,
            )
            .map_err(|e| e.to_string())?
            .lines()
            .count();
        if stored != expected {
            return Err(format!(
                "{stored} performers stored in {}, expected {expected}",
                self.namespace
            ));
        }
        let summary =
            LatencySummary::of(&self.latencies, self.wall).ok_or("no create was measured")?;
        let per_create = |total: Option<Duration>| {
            total.map(|t| t / u32::try_from(summary.count).unwrap_or(u32::MAX))
        };
        let measured = Measured {
            variant: self.variant,
            summary,
            apiserver_cpu: per_create(self.apiserver_cpu),
            webhook_cpu: if self.webhook.is_some() {
                per_create(self.webhook_cpu)
            } else {
                None
            },
            webhook_reviews: if self.webhook.is_some() {
                self.reviews
            } else {
                None
            },
        };
        drop(self.webhook);
        self.control_plane.stop();
        Ok(measured)
    }
}

fn add(total: &mut Option<Duration>, more: Option<Duration>) {
    *total = total.zip(more).map(|(a, b)| a + b);
}

/// `<prefix>-<first + 1>` to `<prefix>-<first + n>`, copies of `template`.
fn numbered(template: &Value, prefix: &str, first: usize, n: usize, namespace: &str) -> Vec<Value> {
    (first + 1..=first + n)
        .map(|i| renamed(template, &numbered_name(prefix, i), namespace))
        .collect()
}

fn webhook_pid(webhook: &WebhookServer) -> Option<u32> {
    find_pid_with_argument(&format!("--tls-listen=127.0.0.1:{}", webhook.tls_port()))
}

fn review_time(webhook: &WebhookServer) -> ReviewTime {
    match webhook.admin_get("/metrics") {
        Ok((200, text)) => ReviewTime::parse(&text),
        _ => ReviewTime::default(),
    }
}

fn print_report(
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
