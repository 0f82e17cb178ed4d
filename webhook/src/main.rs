//! `hourglass-webhook`: flags in, exit code out. Everything else is in the library.

use std::process::ExitCode;

use clap::Parser;
use hourglass_webhook::{Args, renewer, server, telemetry};

/// Reviews allocate many small, short-lived JSON nodes; see Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // `hourglass-webhook renew-certificates ...`: the certificate renewer,
    // shipped in the same image and run as a Deployment of its own.
    let mut argv = std::env::args_os().skip(1).peekable();
    if argv
        .peek()
        .is_some_and(|first| first == renewer::SUBCOMMAND)
    {
        let _ = rustls::crypto::ring::default_provider().install_default();
        return renewer::main(argv.skip(1));
    }
    let args = Args::parse();
    if let Err(error) = telemetry::init(args.log_format, &args.log_level) {
        eprintln!("hourglass-webhook: {error}");
        return ExitCode::FAILURE;
    }
    telemetry::log_panics();
    // kube's client and our server both use ring; make it the process default too.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("hourglass-webhook: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(server::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("hourglass-webhook: {error}");
            ExitCode::FAILURE
        }
    }
}
