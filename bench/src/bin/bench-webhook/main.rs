//! `cargo run --release -p hourglass-bench --bin bench-webhook`: the webhook
//! alone, over loopback TLS and HTTP/2, driven by h2load with the Complex
//! Performer's CREATE review.
//!
//! The release binary runs as it would in a cluster (JSON logs at `info`,
//! to a file), except `--no-executor-watch`: no cluster is involved. For
//! each endpoint and each number of concurrent streams: a short run that
//! sizes the others, a warm-up, then the measured run, each a fixed number
//! of requests that takes about the asked-for time. Prints reviews/s,
//! p50/p99 latency (from h2load's per-request log), failed requests, the
//! webhook's CPU (from /proc/<pid>/stat) per 1,000 reviews and as a share
//! of one core, its peak RSS (VmHWM, reset before each run), and the CPU
//! h2load itself took from the same cores.
//!
//! Exits 1 if any request failed; a missed target is reported, not an error.
//!
//! Beside this file: `args.rs` (the flags), `webhook_process.rs` (the
//! release webhook on loopback), `review_body.rs` (what is sent),
//! `h2load.rs` (the load generator), `answer_counts.rs` and
//! `process_memory.rs` (what the webhook did and held), `report.rs` (the
//! table and the verdict on the targets).

mod answer_counts;
mod args;
mod h2load;
mod process_memory;
mod report;
mod review_body;
mod webhook_process;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser as _;
use hourglass_bench::latency::percentile;
use hourglass_bench::machine::{load_average, machine_line};
use hourglass_bench::process_cpu::cpu_time;

use crate::answer_counts::AnswerCounts;
use crate::args::{Args, Plan};
use crate::h2load::Load;
use crate::report::Row;
use crate::webhook_process::BenchWebhook;

/// Requests of the run that sizes a row's warm-up and measured run.
const CALIBRATION_REQUESTS: u64 = 2_000;

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("bench-webhook: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `Ok(false)` when some request failed.
fn run(args: Args) -> Result<bool, String> {
    let plan = args.plan()?;
    h2load::ensure_installed()?;

    let mut webhook = BenchWebhook::start(&plan.log_level)?;
    let body = webhook.scratch("complex-performer-review.json");
    let review = review_body::complex_performer_create()?;
    std::fs::write(&body, review.to_string())
        .map_err(|e| format!("cannot write {}: {e}", body.display()))?;

    println!("{}", machine_line());
    println!(
        "{}; one h2load thread; streams = h2load -c (TLS connections, at most 4) x -m (streams per connection)",
        h2load::version_line()
    );
    println!(
        "webhook: release build, --no-executor-watch, --log-format=json --log-level={}, log to a file; {}s warm-up + {}s measured per row",
        plan.log_level,
        plan.warm_up.as_secs(),
        plan.duration.as_secs()
    );
    println!();

    let mut rows = Vec::new();
    for endpoint in &plan.endpoints {
        for load in &plan.loads {
            eprintln!(
                "bench-webhook: /{endpoint} at {} streams ...",
                load.streams()
            );
            rows.push(measure(&webhook, &body, endpoint, *load, &plan)?);
        }
    }
    webhook.stop();

    print!("{}", report::table(&rows));
    println!();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    print!("{}", report::verdicts(&rows, cores));
    println!(
        "(the machine is shared: other processes' CPU during the run lowers these figures; load average now {})",
        load_average()
    );
    Ok(rows.iter().all(|row| row.failed == 0))
}

/// A warm-up, then one measured run of `endpoint` at `load`.
fn measure(
    webhook: &BenchWebhook,
    body: &std::path::Path,
    endpoint: &'static str,
    load: Load,
    plan: &Plan,
) -> Result<Row, String> {
    let url = webhook.url(&format!("/{endpoint}"));
    let log = webhook.scratch("h2load.log");
    // A short run sizes the others: h2load runs by count (see `h2load`), and
    // the count that fills the asked-for time depends on the throughput.
    let probe = h2load::run(&url, body, load, CALIBRATION_REQUESTS, &log)?;
    let rate = probe.status_2xx as f64 / probe.duration.as_secs_f64().max(1e-3);
    let requests_for = |time: Duration| (rate * time.as_secs_f64()).ceil() as u64;
    if !plan.warm_up.is_zero() {
        h2load::run(&url, body, load, requests_for(plan.warm_up), &log)?;
    }
    let pid = webhook.pid();
    process_memory::reset_peak_rss(pid);
    let answers_before = AnswerCounts::parse(&webhook.metrics()?);
    let webhook_cpu_before = webhook_cpu(pid)?;
    let generator_cpu_before = reaped_children_cpu();
    let began = Instant::now();

    let run = h2load::run(&url, body, load, requests_for(plan.duration), &log)?;

    let cpu_window = began.elapsed();
    let webhook_cpu = webhook_cpu(pid)?.saturating_sub(webhook_cpu_before);
    let generator_cpu = reaped_children_cpu().saturating_sub(generator_cpu_before);
    let answers = AnswerCounts::parse(&webhook.metrics()?).since(answers_before);
    let peak_rss_kib = process_memory::peak_rss_kib(pid);

    if run.failures() + answers.refused() > 0 {
        eprintln!(
            "bench-webhook: /{endpoint} at {} streams: h2load counted {} failed and {} of {} answers not 2xx; the webhook counted {} denials and {} HTTP errors (log: {})",
            load.streams(),
            run.failed,
            run.done.saturating_sub(run.status_2xx),
            run.done,
            answers.denied,
            answers.http_errors,
            webhook.log_path().display()
        );
    }
    let mut latencies = run.latencies.clone();
    latencies.sort_unstable();
    if latencies.is_empty() {
        return Err(format!(
            "h2load logged no request to {url}; see {}",
            webhook.log_path().display()
        ));
    }
    let seconds = run.duration.as_secs_f64().max(f64::MIN_POSITIVE);
    Ok(Row {
        endpoint,
        load,
        reviews_per_second: run.status_2xx as f64 / seconds,
        p50: percentile(&latencies, 50.0),
        p99: percentile(&latencies, 99.0),
        failed: run.failures() + answers.refused(),
        reviews: answers.admitted + answers.refused(),
        cpu_window,
        webhook_cpu,
        peak_rss_kib,
        generator_cpu,
    })
}

fn webhook_cpu(pid: u32) -> Result<Duration, String> {
    cpu_time(pid).ok_or_else(|| format!("cannot read /proc/{pid}/stat of the webhook"))
}

/// User plus system CPU of this process's children that have been waited
/// for: across one h2load run (the webhook is still running, so not
/// counted), that is h2load's own.
fn reaped_children_cpu() -> Duration {
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a live local for getrusage to fill.
    if unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) } != 0 {
        return Duration::ZERO;
    }
    let time = |value: libc::timeval| {
        Duration::from_secs(u64::try_from(value.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(value.tv_usec).unwrap_or(0))
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}
