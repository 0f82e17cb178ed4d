//! `kubectl hourglass`: the kubectl plugin for Hourglass executors and performers.
//!
//! argv -> [`cli::Cli`] -> `commands::<verb>::run(args, &Context)` -> kube API
//! -> view model ([`view`]) -> renderer ([`render`]) -> a writer. Errors are
//! typed ([`error::CliError`]) and turned into kubectl-style messages and an
//! exit code in [`run_main`].
//!
//! Where things are:
//! - `cli` defines the command line; `options` the flags several verbs
//!   take. Verbs import options, never the CLI.
//! - `commands/` holds one verb per file, or per folder when it has parts
//!   (`create/`, `doctor/`, `performer_upgrade/`, `logs/`). No verb imports another:
//!   what two verbs share lives in the modules below.
//! - Reading the cluster: `api` (our two kinds, parsed once at the
//!   boundary), `status_lists` and `pods` (what `status` lists),
//!   `pod_rollout` (a performer's pod replaced and the wait for the new
//!   one: `performer upgrade` and `performer restart`),
//!   `references` (Secrets and ConfigMaps a performer names), `warnings`
//!   (the apiserver's warning headers). Writing: `cluster` (server-side
//!   apply of manifests), `install_plan` and `manifests` (what `install`
//!   writes, also read by `doctor` and `uninstall`).
//! - Reading files: `input` (`-f`), `chart_values/` (the executor chart's
//!   values).
//! - Showing: `view/` turns objects into view models (rows for `get`, the
//!   overview for `status`, the description for `describe`, the findings
//!   of `audit`); `render/` writes them as tables (one `Column` list per
//!   view, serving `-o wide`, `--show-labels`, `--no-headers`), YAML/JSON,
//!   kubectl's `-o jsonpath=` and `-o custom-columns=`, `--sort-by`,
//!   aligned descriptions and ANSI.
//! - `completion/` answers shell completion; `interrupt` makes Ctrl-C an
//!   event; `context` is what every verb gets.
//! - The rules, defaults, status vocabulary and durations are
//!   `hourglass_shared`'s; nothing here restates them.

pub mod api;
pub mod chart_values;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod completion;
pub mod context;
pub mod error;
pub mod input;
pub mod install_plan;
pub mod interrupt;
pub mod manifests;
pub mod options;
pub mod pod_rollout;
pub mod pods;
pub mod references;
pub mod render;
pub mod status_lists;
pub mod upgrade;
pub mod view;
pub mod warnings;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::cli::{Cli, Command, PerformerCommand};
use crate::context::Context;
use crate::error::Result;

/// Runs one command against a prepared context.
pub async fn dispatch(command: &Command, ctx: &Context) -> Result<()> {
    match command {
        Command::Install(args) => commands::install::run(args, ctx).await,
        Command::Uninstall(args) => commands::uninstall::run(args, ctx).await,
        Command::Doctor(args) => commands::doctor::run(args, ctx).await,
        Command::Create(args) => commands::create::run(args, ctx, &mut std::io::stdin()).await,
        Command::Performer(performer) => match &performer.command {
            PerformerCommand::Upgrade(args) => commands::performer_upgrade::run(args, ctx).await,
            PerformerCommand::History(args) => commands::performer_history::run(args, ctx).await,
            PerformerCommand::Undo(args) => commands::performer_undo::run(args, ctx).await,
            PerformerCommand::Restart(args) => commands::performer_restart::run(args, ctx).await,
        },
        Command::Status(args) => commands::status::run(args, ctx).await,
        Command::Get(args) => commands::get::run(args, ctx).await,
        Command::Describe(args) => commands::describe::run(args, ctx).await,
        Command::Logs(args) => commands::logs::run(args, ctx).await,
        Command::Validate(args) => commands::validate::run(args, ctx, &mut std::io::stdin()).await,
        Command::Audit(args) => commands::audit::run(args, ctx).await,
        Command::Completion(args) => commands::completion::run(args, ctx),
        Command::Version(args) => commands::version::run(args, ctx).await,
        Command::Complete(args) => {
            let mut buffer = Vec::new();
            completion::complete(&Cli::command(), &args.words, &mut buffer).await?;
            ctx.out().write_all(&buffer)?;
            Ok(())
        }
    }
}

fn init_logging(verbosity: u8) {
    // kube-client logs failed requests itself; our errors already say it.
    let level = match verbosity {
        0 | 1 => "warn,kube_client=off",
        2 | 3 => "info",
        4 | 5 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(verbosity >= 6)
        .try_init();
}

/// The whole program: parse, run, print the error, return the exit code.
pub fn run_main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 1 } else { 0 });
        }
    };
    init_logging(cli.global.verbosity);
    let stdout = std::io::stdout();
    let is_terminal = stdout.is_terminal();
    let ctx = Context::new(
        cli.global.clone(),
        Box::new(stdout),
        Box::new(std::io::stderr()),
        is_terminal,
    );
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(error::EXIT_ERROR);
        }
    };
    let result = runtime.block_on(dispatch(&cli.command, &ctx));
    let _ = ctx.out().flush();
    finish(result, &ctx)
}

fn finish(result: Result<()>, ctx: &Context) -> ExitCode {
    // Warnings a command did not print next to its output, before any error.
    ctx.print_warnings();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let text = error.render();
            if !text.is_empty() {
                ctx.note(text);
            }
            ExitCode::from(error.exit_code())
        }
    }
}

/// `kubectl_complete-hourglass ARGS...`: kubectl's plugin completion.
pub fn run_complete_helper(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let words: Vec<String> = args
        .into_iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(_) => return ExitCode::from(error::EXIT_ERROR),
    };
    let mut out = std::io::stdout();
    match runtime.block_on(completion::complete(&Cli::command(), &words, &mut out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(error::EXIT_ERROR),
    }
}
