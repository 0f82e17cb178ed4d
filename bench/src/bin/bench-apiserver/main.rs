//! `cargo run --release -p hourglass-bench --bin bench-apiserver`: what our
//! admission webhook costs a Performer create through a real kube-apiserver,
//! next to no admission at all and to the same rules as CEL in the CRD.
//!
//! Each variant gets a control plane of its own (all three run side by
//! side), a namespace, a check that its rules are in force, and a warm-up.
//! Then `--count` creates per variant of the Complex Performer example
//! (renamed) with `--concurrency` in flight, in rounds that rotate through
//! the variants. Prints p50/p99 latency, throughput, the CPU the apiserver
//! (and webhook) used per create, and the ratios.
//!
//! Beside this file: `args.rs` (the flags), `variant_bench.rs` (one
//! variant's control plane and what its creates cost), `report.rs` (what
//! is printed).

mod args;
mod report;
mod variant_bench;

use std::process::ExitCode;

use clap::Parser as _;
use hourglass_bench::cel_crd::performer_crd_with_cel;
use hourglass_bench::crd_install::crd_manifest;
use hourglass_bench::examples::example;
use hourglass_shared::mutate::{MutationContext, lent_scheduling};
use hourglass_shared::{HardwareProfile, HourglassObject};
use serde_json::Value;

use crate::args::Args;
use crate::report::print_report;
use crate::variant_bench::VariantBench;

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench-apiserver: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    if args.print_cel_crd {
        let crd = crd_manifest("performers.yaml").map_err(|e| e.to_string())?;
        let variant = performer_crd_with_cel(&crd)?;
        println!(
            "{}",
            serde_json::to_string_pretty(&variant).unwrap_or_default()
        );
        return Ok(());
    }
    let args = args.checked()?;
    let rounds = args.rounds();
    let Args {
        count,
        concurrency,
        warmup,
        variants,
        stored_alike,
        ..
    } = args;
    let written = example("complex-performer.yaml").map_err(|e| e.to_string())?;
    let executor = example("main-executor.yaml").map_err(|e| e.to_string())?;
    let template = if stored_alike {
        as_mutated(&written, &executor)?
    } else {
        written
    };
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
    if stored_alike {
        println!(
            "\n--stored-alike: every variant created the Complex Performer as our mutation leaves it (defaults and scheduling added), so all stored the same object; ours answered it without a patch."
        );
    }
    Ok(())
}

/// `performer` as our webhook's mutation leaves it, with `executor`'s
/// defaultScheduling and the default hardware profile, as the webhook of
/// the `webhook` and `one-call` variants has them.
fn as_mutated(performer: &Value, executor: &Value) -> Result<Value, String> {
    let object = HourglassObject::from_value(performer).map_err(|e| e.to_string())?;
    let executor = match HourglassObject::from_value(executor).map_err(|e| e.to_string())? {
        HourglassObject::Executor(executor) => executor,
        HourglassObject::Performer(_) => return Err("main-executor.yaml is a Performer".into()),
    };
    let HourglassObject::Performer(performer) = &object else {
        return Err("complex-performer.yaml is an executor".into());
    };
    let profile = HardwareProfile::default();
    let context = MutationContext {
        profile: &profile,
        executor_scheduling: lent_scheduling(performer, [&executor]),
    };
    Ok(object.mutate(None, &context).to_value())
}
