//! The command line: global flags (kubectl does not pass its own to plugins)
//! and one subcommand per verb, each defined next to its `run`.

use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use crate::commands::{
    completion, create, describe, doctor, get, install, performer_upgrade, status, uninstall,
    validate, version,
};

pub const ABOUT: &str = "Install, create, upgrade and inspect Hourglass executors and performers";

const AFTER_HELP: &str = "\
Examples:
  kubectl hourglass install
  kubectl hourglass doctor
  kubectl hourglass create performer my-avs --image ghcr.io/org/performer:v1.0.0 --avs-address 0x1234567890abcdef1234567890abcdef12345678
  kubectl hourglass create executor --from-chart-values my-executor-values.yaml
  kubectl hourglass performer upgrade my-avs --image ghcr.io/org/performer:v1.1.0 --version v1.1.0
  kubectl hourglass status
  kubectl hourglass validate -f performers/";

#[derive(Debug, Parser)]
#[command(
    name = "kubectl hourglass",
    bin_name = "kubectl hourglass",
    about = ABOUT,
    version,
    after_help = AFTER_HELP,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// kubectl's global flags, accepted anywhere on the line.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, which may list several files, then ~/.kube/config, then in-cluster)
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<std::path::PathBuf>,
    /// The kubeconfig context to use
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// The namespace (default: the context's namespace; for install, uninstall and doctor: hourglass-system)
    #[arg(short = 'n', long, global = true, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// List across all namespaces
    #[arg(short = 'A', long, global = true)]
    pub all_namespaces: bool,
    /// Label selector to filter on, e.g. -l app=avs,tier!=test
    #[arg(short = 'l', long, global = true, value_name = "SELECTOR")]
    pub selector: Option<String>,
    /// Time to wait for one server request, e.g. 30s, 1m; 0 means no limit
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_duration, default_value = "0")]
    pub request_timeout: Duration,
    /// Log verbosity on stderr: 0 warnings, 2 info, 4 debug, 6 and more trace
    #[arg(
        short = 'v',
        long = "v",
        global = true,
        value_name = "LEVEL",
        default_value_t = 0
    )]
    pub verbosity: u8,
    /// Colour output: auto (only on a terminal, and never when NO_COLOR is set), always or never
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour, given whether stdout is a terminal and `NO_COLOR`.
    pub fn enabled(self, is_terminal: bool, no_color: Option<&str>) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_terminal && no_color.is_none_or(str::is_empty),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Install the CRDs and the admission webhook (server-side apply; safe to re-run)
    Install(install::Args),
    /// Remove what install created (the CRDs, and so every executor and performer, only with --delete-crds)
    Uninstall(uninstall::Args),
    /// Check the installation: CRDs, webhook endpoints, certificates, admission
    Doctor(doctor::Args),
    /// Create an executor or a performer from flags, files or the executor chart's values
    Create(create::Args),
    /// Act on performers
    Performer(PerformerArgs),
    /// Executors and their performers at a glance; exit code 0 healthy, 1 error, 2 not ready or degraded
    #[command(after_help = status::AFTER_HELP)]
    Status(status::Args),
    /// List executors or performers
    Get(get::Args),
    /// Show an executor or a performer in detail, with its events
    Describe(describe::Args),
    /// Check files offline with the same rules as the admission webhook
    Validate(validate::Args),
    /// Print a shell completion script (bash, zsh or fish)
    Completion(completion::Args),
    /// Print the client version and, if reachable, the server's
    Version(version::Args),
    /// Shell-completion backend in cobra's format (used by the completion scripts)
    #[command(name = "__complete", hide = true)]
    Complete(completion::CompleteArgs),
}

#[derive(Debug, clap::Args)]
pub struct PerformerArgs {
    #[command(subcommand)]
    pub command: PerformerCommand,
}

#[derive(Debug, Subcommand)]
pub enum PerformerCommand {
    /// Change a performer's image (and version) safely, then wait until it runs
    Upgrade(performer_upgrade::Args),
}

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    crate::duration::parse(text)
}

/// `--dry-run`: kubectl's values; a bare `--dry-run` means `client`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum DryRun {
    #[default]
    None,
    Client,
    Server,
}

impl DryRun {
    pub fn suffix(self) -> &'static str {
        match self {
            DryRun::None => "",
            DryRun::Client => " (dry run)",
            DryRun::Server => " (server dry run)",
        }
    }
}

/// kubectl's `-o` values for objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ObjectOutput {
    Json,
    Yaml,
    Name,
}
