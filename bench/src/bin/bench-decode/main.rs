//! bench-decode: what reading one review costs the webhook, in process (no
//! TLS, no HTTP, no other process), beside four yardsticks timed in the
//! same rounds on the same body: the reference decoder (`decode_via_value`,
//! the body through a `Value`, as every review was read before issue 14); a
//! floor that only tokenizes the body (serde_json skipping every value); a
//! typed floor (`typed_floor`), serde's derived reading of the same body
//! straight into the same `Performer` with no check at all (no strictness,
//! nothing borrowed):
//! the least that reading into k8s-openapi's owned types costs, whoever
//! writes the decoder; and a borrowed floor (`borrowed_floor`), the same
//! derive into structs of the same shape whose strings point into the body:
//! what reading into borrowing types would cost instead.
//! Then the whole review in process: the webhook's router answering
//! /validate (the body read, decoded, judged, answered, counted) beside
//! bench-webhook's floor handler answering the same request with the same
//! bytes through the same axum router type; their difference is what
//! reviewing costs the webhook, without TLS, HTTP/2 and the kernel around it.
//! The body is bench-webhook's: the Complex Performer's CREATE review.
//!
//! Why in process: bench-webhook's CPU per review is the decoder plus the
//! stack around it, and on a shared machine the two move together by more
//! than a decoder change; here the decoder alone is timed, rounds
//! interleaved so that a neighbour's burst falls on all ways alike, and
//! the median round reported.

mod borrowed_floor;
mod envelope_read;
mod typed_floor;

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::hint::black_box;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use clap::Parser;
use hourglass_bench::floor_router::floor_router;
use hourglass_bench::machine::{load_average, machine_line};
use hourglass_bench::review_body::{canned_answers, complex_performer_create};
use hourglass_webhook::decode::{decode, decode_via_value};
use hourglass_webhook::executor_cache::NoExecutors;
use hourglass_webhook::{AppState, Limits, router};
use serde::de::IgnoredAny;
use tokio::runtime::Runtime;
use tower::ServiceExt as _;

use crate::borrowed_floor::BorrowedReview;
use crate::typed_floor::PlainReview;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// The webhook's allocator (mimalloc), counting allocations and
/// reallocations on this thread: a count per review is exact on a machine
/// where a time is not, and allocation is a fair share of a review's cost.
struct Counting;

fn count_one() {
    ALLOCATIONS.with(|count| count.set(count.get() + 1));
}

// SAFETY: every call is passed on unchanged to mimalloc, which upholds
// GlobalAlloc's contract; the count is a thread-local integer.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: as for this trait method.
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: as for this trait method.
        unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: as for this trait method.
        unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for this trait method.
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }
}

/// Allocations (and reallocations) one call of `way` makes, averaged over
/// a few calls after a first one that may fill caches.
fn allocations_per_call(way: &dyn Fn(&[u8]), body: &[u8]) -> f64 {
    const CALLS: u32 = 16;
    way(body);
    let before = ALLOCATIONS.with(Cell::get);
    for _ in 0..CALLS {
        way(black_box(body));
    }
    (ALLOCATIONS.with(Cell::get) - before) as f64 / f64::from(CALLS)
}

/// Times the webhook's review decoder in process against the reference
/// decoder and a bare tokenizer, and its whole review against the floor's.
#[derive(Debug, Parser)]
#[command(name = "bench-decode")]
struct Args {
    /// Decodes per way and round.
    #[arg(long, default_value_t = 20_000)]
    iterations: u32,
    /// Rounds; each times every way in turn, and the median is reported.
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
    let review = complex_performer_create()?;
    let body = review.to_string().into_bytes();
    // Both decoders must read this body to the same request, or the
    // comparison is of different work.
    let one_pass = decode(JSON, &body).map_err(|e| format!("the review does not decode: {e:?}"))?;
    if decode_via_value(JSON, &body).as_ref() != Ok(&one_pass) {
        return Err("the two decoders disagree on the review".to_string());
    }
    // The typed floor must read the same request, or it skips work ours does.
    let plain: PlainReview = serde_json::from_slice(&body)
        .map_err(|e| format!("the typed floor does not read the review: {e}"))?;
    if !plain.request.reads_as(&one_pass) {
        return Err("the typed floor reads another request than the decoder".to_string());
    }
    let text = std::str::from_utf8(&body).map_err(|e| format!("the review is not UTF-8: {e}"))?;
    let borrowed: BorrowedReview = serde_json::from_str(text)
        .map_err(|e| format!("the borrowed floor does not read the review: {e}"))?;
    if !borrowed.request.reads_as(&one_pass) {
        return Err("the borrowed floor reads another request than the decoder".to_string());
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

    let (validate_answer, mutate_answer) = canned_answers(&review)?;
    let ours = router(AppState::new(Arc::new(NoExecutors)));
    let floor = floor_router(
        Bytes::from(validate_answer.clone()),
        Bytes::from(mutate_answer),
        Limits::default(),
    );
    // One runtime, as the webhook's handler needs (the body read is bounded
    // in time); each call is a request through the router to its answer's
    // last byte.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    let body_bytes = Bytes::from(body.clone());
    // Both routers must answer this request with the same bytes, or the
    // comparison is of different work.
    for (name, app) in [("the webhook", &ours), ("the floor", &floor)] {
        if validate(&runtime, app, &body_bytes)? != validate_answer[..] {
            return Err(format!(
                "{name} answers /validate with other bytes than the webhook's own answer"
            ));
        }
    }

    let ways: [Way; 7] = [
        ("one-pass (decode)", &|body| {
            black_box(decode(JSON, body).ok());
        }),
        ("reference (decode_via_value)", &|body| {
            black_box(decode_via_value(JSON, body).ok());
        }),
        ("floor (tokenize only)", &|body| {
            black_box(serde_json::from_slice::<IgnoredAny>(body).ok());
        }),
        ("typed floor (serde derive)", &|body| {
            black_box(serde_json::from_slice::<PlainReview>(body).ok());
        }),
        ("borrowed floor (serde derive)", &|body| {
            // As the one-pass decoder does: one UTF-8 check, then text.
            let text = std::str::from_utf8(body).ok();
            black_box(text.and_then(|text| serde_json::from_str::<BorrowedReview>(text).ok()));
        }),
        ("review: webhook router", &|_| {
            black_box(validate(&runtime, &ours, &body_bytes).ok());
        }),
        ("review: floor router", &|_| {
            black_box(validate(&runtime, &floor, &body_bytes).ok());
        }),
    ];
    let mut rounds: Vec<[f64; 7]> = Vec::with_capacity(args.rounds);
    for _ in 0..args.rounds {
        let mut round = [0.0; 7];
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
    // Ratios per round, then their median: a burst slows a round's ways
    // alike, so the ratio holds where the absolute figure does not.
    let median_ratio = |of: usize, to: usize| {
        median_of(rounds.iter().map(|round| round[of] / round[to]).collect())
    };
    for (at, (name, way)) in ways.iter().enumerate() {
        println!(
            "{name:30} {:8.2} us per review (median round), {:6.1} allocations",
            median(at),
            allocations_per_call(*way, &body)
        );
    }
    println!(
        "decode: one-pass/reference {:.2}x, one-pass/floor {:.2}x, one-pass/typed floor {:.2}x, one-pass/borrowed floor {:.2}x (medians of the per-round ratios)",
        median_ratio(0, 1),
        median_ratio(0, 2),
        median_ratio(0, 3),
        median_ratio(0, 4)
    );
    println!(
        "owned types: typed floor/borrowed floor {:.2}x, typed floor - borrowed floor {:.2} us per review: what filling owned strings costs over pointing into the body",
        median_ratio(3, 4),
        median_of(rounds.iter().map(|round| round[3] - round[4]).collect())
    );
    println!(
        "review in process: webhook/floor {:.2}x; webhook - floor {:.2} us per review (medians per round): what reviewing costs above reading the body and answering",
        median_ratio(5, 6),
        median_of(rounds.iter().map(|round| round[5] - round[6]).collect())
    );
    println!("(load average now {})", load_average());
    Ok(())
}

/// POST /validate with `body` through `app`, to the answer's last byte.
fn validate(runtime: &Runtime, app: &Router, body: &Bytes) -> Result<Bytes, String> {
    runtime.block_on(async {
        let request = axum::http::Request::post("/validate")
            .header("content-type", "application/json")
            .body(Body::from(body.clone()))
            .map_err(|e| e.to_string())?;
        let response = app
            .clone()
            .oneshot(request)
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("/validate answered {}", response.status()));
        }
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .map_err(|e| e.to_string())
    })
}

/// The middle value (the upper one of an even count); `values` is not empty.
fn median_of(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
