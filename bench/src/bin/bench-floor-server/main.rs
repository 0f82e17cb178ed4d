//! bench-webhook's floor: the webhook's own serving stack (the same
//! listeners, rustls, hyper-util's HTTP/1.1 and HTTP/2 settings, axum, body
//! limits, allocator and runtime, through `server::start_serving`) with
//! `floor_router`'s handler, which reads the body and answers a canned
//! AdmissionReview (the bytes of `--validate-answer` and
//! `--mutate-answer`, which bench-webhook takes from the webhook's own
//! answers to the same review, so the size is the same) without decoding
//! anything. What the webhook costs above it is what reviewing costs.
//!
//! Benchmark code only: the webhook binary always serves its own router.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use axum::body::Bytes;
use clap::Parser;
use hourglass_bench::floor_router::floor_router;
use hourglass_webhook::executor_cache::NoExecutors;
use hourglass_webhook::server::{Settings, start_serving};
use hourglass_webhook::{AppState, shutdown};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Serves a canned AdmissionReview on POST /validate and /mutate over the
/// webhook's TLS and HTTP/2 stack.
#[derive(Debug, Parser)]
#[command(name = "bench-floor-server")]
struct Args {
    #[arg(long, default_value = "127.0.0.1:8443")]
    tls_listen: SocketAddr,
    #[arg(long, default_value = "127.0.0.1:8080")]
    admin_listen: SocketAddr,
    #[arg(long)]
    tls_cert: PathBuf,
    #[arg(long)]
    tls_key: PathBuf,
    /// The answer to /validate: a file with the AdmissionReview to send back.
    #[arg(long, value_name = "FILE")]
    validate_answer: PathBuf,
    /// The answer to /mutate.
    #[arg(long, value_name = "FILE")]
    mutate_answer: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench-floor-server: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let read = |path: &PathBuf| {
        std::fs::read(path)
            .map(Bytes::from)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let validate = read(&args.validate_answer)?;
    let mutate = read(&args.mutate_answer)?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async move {
        let mut settings = Settings::local(&args.tls_cert, &args.tls_key);
        settings.tls_listen = args.tls_listen;
        settings.admin_listen = args.admin_listen;
        let limits = settings.limits;
        let routes = move |_state: AppState| floor_router(validate, mutate, limits);
        let webhook = start_serving(settings, Arc::new(NoExecutors), routes)
            .await
            .map_err(|e| e.to_string())?;
        shutdown::signal().await;
        webhook.shutdown().await;
        Ok(())
    })
}
