//! `cargo run --release -p hourglass-bench --bin bench-webhook`: the webhook
//! alone, over loopback TLS and HTTP/2, driven by h2load with the Complex
//! Performer's CREATE review, next to its yardsticks measured in the same
//! run on the same machine:
//!
//! - the floor: our serving stack (TLS, HTTP/2, axum, body limits) answering
//!   a canned AdmissionReview of the same size without decoding anything
//!   (`bench-floor-server`);
//! - the peer: controller-runtime's webhook server decoding the review into
//!   a Go struct of the Performer and checking two fields (`bench/peer/`,
//!   built once from the Go module proxy); /validate only;
//! - optionally `--compare-binary`: another build of the webhook (main's,
//!   before a change), run exactly as ours.
//!
//! The release binary runs as it would in a cluster (JSON logs at `info`,
//! to a file), except `--no-executor-watch`: no cluster is involved. For
//! each endpoint and each number of concurrent streams, every server in
//! turn: a short run that sizes the others, a warm-up, then the measured
//! run, each a fixed number of requests that takes about the asked-for
//! time. Prints reviews/s, p50/p99 latency (from h2load's per-request log),
//! failed requests, each server's CPU (from /proc/<pid>/stat) per 1,000
//! reviews and as a share of one core, its peak RSS (VmHWM, reset before
//! each run), and the CPU h2load itself took from the same cores; then the
//! ratios ours/floor, ours/peer (and ours/before), which hold on any
//! machine where the absolute figures do not.
//!
//! Exits 1 if any request failed; a missed target is reported, not an error.
//!
//! Beside this file: `args.rs` (the flags), `webhook_process.rs` (the
//! servers on loopback), `h2load.rs` (the load generator), `answer_counts.rs` and
//! `process_memory.rs` (what a server did and held), `report.rs` (the
//! table, the ratios and the verdict on the targets).

mod answer_counts;
mod args;
mod h2load;
mod process_memory;
mod report;
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
use crate::webhook_process::{BenchServer, Role, Workspace};

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

    let workspace = Workspace::new()?;
    let body = workspace.scratch("complex-performer-review.json");
    let review = hourglass_bench::review_body::complex_performer_create()?;
    std::fs::write(&body, review.to_string())
        .map_err(|e| format!("cannot write {}: {e}", body.display()))?;

    let mut servers = vec![BenchServer::ours(
        &workspace,
        plan.webhook_binary.as_deref(),
        &plan.log_level,
    )?];
    if let Some(binary) = &plan.compare_binary {
        servers.push(BenchServer::before(&workspace, binary, &plan.log_level)?);
    }
    if plan.yardsticks {
        let (validate, mutate) = hourglass_bench::review_body::canned_answers(&review)?;
        let validate_file = workspace.scratch("validate-answer.json");
        let mutate_file = workspace.scratch("mutate-answer.json");
        for (file, answer) in [(&validate_file, &validate), (&mutate_file, &mutate)] {
            std::fs::write(file, answer)
                .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        }
        servers.push(BenchServer::floor(
            &workspace,
            &validate_file,
            &mutate_file,
        )?);
        servers.push(BenchServer::peer(&workspace)?);
    }

    println!(
        "{}, load average {} at the start",
        machine_line(),
        load_average()
    );
    println!(
        "{}; one h2load thread; streams = h2load -c (TLS connections, at most 4) x -m (streams per connection)",
        h2load::version_line()
    );
    println!(
        "webhook: release build, --no-executor-watch, --log-format=json --log-level={}, log to a file; {}s warm-up + {}s measured per row; servers measured in turn for each row, {} round(s)",
        plan.log_level,
        plan.warm_up.as_secs(),
        plan.duration.as_secs(),
        plan.rounds
    );
    if let Some(binary) = &plan.compare_binary {
        println!("before: {} (the same flags)", binary.display());
    }
    println!();

    let mut rows = Vec::new();
    for endpoint in &plan.endpoints {
        for load in &plan.loads {
            // Rounds inside a row: a round's servers are measured one right
            // after the other, which is what its ratios compare.
            for round in 0..plan.rounds {
                for server in &servers {
                    // The peer is a validating webhook only.
                    if server.role == Role::Peer && *endpoint != "validate" {
                        continue;
                    }
                    eprintln!(
                        "bench-webhook: {} /{endpoint} at {} streams, round {} of {} ...",
                        server.role.name(),
                        load.streams(),
                        round + 1,
                        plan.rounds
                    );
                    let mut row = measure(server, &body, endpoint, *load, &plan)?;
                    row.round = round;
                    rows.push(row);
                }
            }
        }
    }
    let mut memory = Vec::new();
    if plan.memory {
        let padded = workspace.scratch("padded-review.json");
        let size = hourglass_webhook::MAX_BODY_BYTES - 1024;
        std::fs::write(&padded, hourglass_bench::review_body::padded_create(size)?)
            .map_err(|e| format!("cannot write {}: {e}", padded.display()))?;
        for server in servers.iter().filter(|s| s.role.counts_answers()) {
            eprintln!("bench-webhook: {} memory ...", server.role.name());
            memory.push(measure_memory(server, &padded)?);
        }
    }
    for server in &mut servers {
        server.stop();
    }

    print!("{}", report::table(&rows));
    println!();
    print!("{}", report::ratios(&rows));
    println!();
    if !memory.is_empty() {
        print!("{}", report::memory(&memory));
        println!();
    }
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    print!("{}", report::ratio_verdicts(&rows));
    print!("{}", report::verdicts(&rows, cores));
    println!(
        "(the machine is shared: other processes' CPU during the run lowers the absolute figures, far less the ratios; load average now {})",
        load_average()
    );
    Ok(rows.iter().all(|row| row.failed == 0))
}

/// A warm-up, then one measured run of `endpoint` on `server` at `load`.
fn measure(
    server: &BenchServer,
    body: &std::path::Path,
    endpoint: &'static str,
    load: Load,
    plan: &Plan,
) -> Result<Row, String> {
    let url = server.url(&format!("/{endpoint}"));
    let log = server.log_path().with_extension("h2load.log");
    // A short run sizes the others: h2load runs by count (see `h2load`), and
    // the count that fills the asked-for time depends on the throughput.
    let probe = h2load::run(&url, body, load, CALIBRATION_REQUESTS, &log)?;
    let rate = probe.status_2xx as f64 / probe.duration.as_secs_f64().max(1e-3);
    let requests_for = |time: Duration| (rate * time.as_secs_f64()).ceil() as u64;
    if !plan.warm_up.is_zero() {
        h2load::run(&url, body, load, requests_for(plan.warm_up), &log)?;
    }
    let pid = server.pid();
    let counts = || -> Result<AnswerCounts, String> {
        if server.role.counts_answers() {
            Ok(AnswerCounts::parse(&server.metrics()?))
        } else {
            Ok(AnswerCounts::default())
        }
    };
    process_memory::reset_peak_rss(pid);
    let answers_before = counts()?;
    let server_cpu_before = server_cpu(pid)?;
    let generator_cpu_before = reaped_children_cpu();
    let began = Instant::now();

    let run = h2load::run(&url, body, load, requests_for(plan.duration), &log)?;

    let cpu_window = began.elapsed();
    let webhook_cpu = server_cpu(pid)?.saturating_sub(server_cpu_before);
    let generator_cpu = reaped_children_cpu().saturating_sub(generator_cpu_before);
    let answers = counts()?.since(answers_before);
    let peak_rss_kib = process_memory::peak_rss_kib(pid);

    if run.failures() + answers.refused() > 0 {
        eprintln!(
            "bench-webhook: {} /{endpoint} at {} streams: h2load counted {} failed and {} of {} answers not 2xx; the server counted {} denials and {} HTTP errors (log: {})",
            server.role.name(),
            load.streams(),
            run.failed,
            run.done.saturating_sub(run.status_2xx),
            run.done,
            answers.denied,
            answers.http_errors,
            server.log_path().display()
        );
    }
    let mut latencies = run.latencies.clone();
    latencies.sort_unstable();
    if latencies.is_empty() {
        return Err(format!(
            "h2load logged no request to {url}; see {}",
            server.log_path().display()
        ));
    }
    let seconds = run.duration.as_secs_f64().max(f64::MIN_POSITIVE);
    // Servers without our metrics: every 2xx answer is a review.
    let reviews = if server.role.counts_answers() {
        answers.admitted + answers.refused()
    } else {
        run.status_2xx
    };
    Ok(Row {
        server: server.role,
        round: 0,
        endpoint,
        load,
        reviews_per_second: run.status_2xx as f64 / seconds,
        p50: percentile(&latencies, 50.0),
        p99: percentile(&latencies, 99.0),
        failed: run.failures() + answers.refused(),
        reviews,
        cpu_window,
        webhook_cpu,
        peak_rss_kib,
        generator_cpu,
    })
}

/// Resident memory of a webhook: idle after the load (steady), then the
/// peak while [`MEMORY_STREAMS`] reviews of nearly the body limit (7 MiB)
/// arrive at once on /mutate, as in the hostile table.
fn measure_memory(
    server: &BenchServer,
    padded: &std::path::Path,
) -> Result<report::Memory, String> {
    const MEMORY_STREAMS: u32 = 4;
    let pid = server.pid();
    std::thread::sleep(Duration::from_secs(1));
    let steady_rss_kib = process_memory::rss_kib(pid);
    process_memory::reset_peak_rss(pid);
    let load = Load::for_streams(MEMORY_STREAMS)?;
    let log = server.log_path().with_extension("memory.log");
    let run = h2load::run(&server.url("/mutate"), padded, load, 4 * 4, &log)?;
    if run.failures() > 0 {
        return Err(format!(
            "{}: {} of the 7 MiB reviews failed (log: {})",
            server.role.name(),
            run.failures(),
            server.log_path().display()
        ));
    }
    Ok(report::Memory {
        server: server.role,
        steady_rss_kib,
        peak_rss_kib: process_memory::peak_rss_kib(pid),
        streams: MEMORY_STREAMS,
    })
}

fn server_cpu(pid: u32) -> Result<Duration, String> {
    cpu_time(pid).ok_or_else(|| format!("cannot read /proc/{pid}/stat of the server"))
}

/// User plus system CPU of this process's children that have been waited
/// for: across one h2load run (the servers are still running, so not
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
