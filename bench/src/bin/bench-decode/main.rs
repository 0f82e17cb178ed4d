//! bench-decode: what reading one review costs the webhook, in process (no
//! TLS, no HTTP, no other process), beside two yardsticks timed in the same
//! rounds on the same body: the reference decoder (`decode_via_value`, the
//! body through a `Value`, as every review was read before issue 14) and a
//! floor that only tokenizes the body (serde_json skipping every value).
//! The body is bench-webhook's: the Complex Performer's CREATE review.
//!
//! Why in process: bench-webhook's CPU per review is the decoder plus the
//! stack around it, and on a shared machine the two move together by more
//! than a decoder change; here the decoder alone is timed, rounds
//! interleaved so that a neighbour's burst falls on all three alike, and
//! the median round reported.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use hourglass_bench::machine::{load_average, machine_line};
use hourglass_bench::review_body::complex_performer_create;
use hourglass_webhook::decode::{decode, decode_via_value};
use serde::de::IgnoredAny;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Times the webhook's review decoder in process against the reference
/// decoder and a bare tokenizer.
#[derive(Debug, Parser)]
#[command(name = "bench-decode")]
struct Args {
    /// Decodes per way and round.
    #[arg(long, default_value_t = 20_000)]
    iterations: u32,
    /// Rounds; each times the three ways in turn, and the median is reported.
    #[arg(long, default_value_t = 9)]
    rounds: usize,
}

const JSON: Option<&str> = Some("application/json");

/// A way of reading the body, by name.
type Way<'a> = (&'a str, &'a dyn Fn(&[u8]));

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench-decode: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    if args.iterations == 0 || args.rounds == 0 {
        return Err("--iterations and --rounds must be at least 1".to_string());
    }
    let body = complex_performer_create()?.to_string().into_bytes();
    // Both decoders must read this body to the same request, or the
    // comparison is of different work.
    let one_pass = decode(JSON, &body).map_err(|e| format!("the review does not decode: {e:?}"))?;
    if decode_via_value(JSON, &body).as_ref() != Ok(&one_pass) {
        return Err("the two decoders disagree on the review".to_string());
    }
    println!(
        "{}, load average {} at the start",
        machine_line(),
        load_average()
    );
    println!(
        "body: the Complex Performer's CREATE review, {} bytes; {} decodes per way and round, {} rounds",
        body.len(),
        args.iterations,
        args.rounds
    );

    let ways: [Way; 3] = [
        ("one-pass (decode)", &|body| {
            black_box(decode(JSON, body).ok());
        }),
        ("reference (decode_via_value)", &|body| {
            black_box(decode_via_value(JSON, body).ok());
        }),
        ("floor (tokenize only)", &|body| {
            black_box(serde_json::from_slice::<IgnoredAny>(body).ok());
        }),
    ];
    let mut rounds: Vec<[f64; 3]> = Vec::with_capacity(args.rounds);
    for _ in 0..args.rounds {
        let mut round = [0.0; 3];
        for (at, (_, way)) in ways.iter().enumerate() {
            let started = Instant::now();
            for _ in 0..args.iterations {
                way(black_box(&body));
            }
            round[at] = started.elapsed().as_secs_f64() * 1e6 / f64::from(args.iterations);
        }
        rounds.push(round);
    }

    let median = |at: usize| median_of(rounds.iter().map(|round| round[at]).collect());
    // Ratios per round, then their median: a burst slows a round's three
    // ways alike, so the ratio holds where the absolute figure does not.
    let median_ratio = |of: usize, to: usize| {
        median_of(rounds.iter().map(|round| round[of] / round[to]).collect())
    };
    for (at, (name, _)) in ways.iter().enumerate() {
        println!("{name:30} {:8.2} us per review (median round)", median(at));
    }
    println!(
        "one-pass/reference {:.2}x, one-pass/floor {:.2}x (medians of the per-round ratios)",
        median_ratio(0, 1),
        median_ratio(0, 2)
    );
    println!("(load average now {})", load_average());
    Ok(())
}

/// The middle value (the upper one of an even count); `values` is not empty.
fn median_of(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
