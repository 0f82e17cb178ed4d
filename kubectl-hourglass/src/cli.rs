//! The command line: global flags (kubectl does not pass its own to plugins)
//! and one subcommand per verb, each defined next to its `run`; the option
//! types verbs share are in `options`.

use clap::{Parser, Subcommand};

use crate::commands::{
    audit, completion, create, describe, doctor, get, install, logs, performer_history,
    performer_restart, performer_undo, performer_upgrade, status, uninstall, validate, version,
};
use crate::options::GlobalArgs;

pub const ABOUT: &str = "Install, create, upgrade and inspect Hourglass executors and performers";

const AFTER_HELP: &str = "\
Examples:
  kubectl hourglass install
  kubectl hourglass doctor
  kubectl hourglass create performer my-avs --image ghcr.io/org/performer:v1.0.0 --avs-address 0x1234567890abcdef1234567890abcdef12345678
  kubectl hourglass create executor --from-chart-values my-executor-values.yaml
  kubectl hourglass performer upgrade my-avs --image ghcr.io/org/performer:v1.1.0 --version v1.1.0
  kubectl hourglass performer restart my-avs
  kubectl hourglass logs performer my-avs -f
  kubectl hourglass status
  kubectl hourglass audit -A
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
    /// Print a performer's or an executor's logs; -f follows a performer across its re-created pods
    Logs(logs::Args),
    /// Check files offline with the same rules as the admission webhook
    Validate(validate::Args),
    /// Judge stored executors and performers with the webhook's rules; exit code 0 clean, 1 error, 2 findings
    Audit(audit::Args),
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
    /// List the images and versions a performer had before its upgrades
    History(performer_history::Args),
    /// Upgrade a performer back to the spec before its last upgrade (or --to-revision)
    Undo(performer_undo::Args),
    /// Delete a performer's pod so the operator re-creates it, then wait until the new pod is ready
    Restart(performer_restart::Args),
}
