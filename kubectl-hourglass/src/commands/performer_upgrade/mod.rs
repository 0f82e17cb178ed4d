//! `performer upgrade`: one performer by name, or many (several names,
//! `-l`, `--executor`, `-A`) with a plan, a confirmation, at most
//! `--max-parallel` at a time and a summary. Each performer's upgrade is
//! `crate::upgrade::upgrade_one`, with the same guarantees either way.

mod bulk;
mod single;

use crate::context::Context;
use crate::error::{CliError, Result};
use crate::options::DryRun;
use crate::upgrade::{Request, UpgradeOptions};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Only spec.image and spec.version change, with the performer's resourceVersion
as a precondition: if someone else writes in between, the performer is read
again and the change re-applied on top. The spec it replaces is recorded in
the performer's upgrade history (`performer history`, `performer undo`).
Then the command waits until the operator has replaced the performer's pod:
a new pod runs the new image and is ready, and the operator reports the
performer ready (or Available for the new generation, where it writes
conditions). A new pod that cannot run (ErrImagePull, ImagePullBackOff,
CrashLoopBackOff, Unschedulable, ...) fails the upgrade at once, with its
reason; so does no new pod within --operator-timeout. With --rollback, a
timeout, failure or Ctrl-C restores the recorded image and version, unless
another writer has changed the image meanwhile. A rollback refused for a
reason that may pass (the admission webhook or the apiserver unavailable) is
tried again for --rollback-timeout; if it never lands, the command says so,
prints the recorded spec and the kubectl patch that restores it, and exits 1.

Many performers (several names, -l, --executor or -A): the plan is shown as a
table and, on a terminal, confirmed (--yes skips the question; without a
terminal --yes is required). At most --max-parallel upgrade at once, each
with its own --timeout. --halt-on-failure starts no new upgrade after the
first failure; Ctrl-C starts no new one and ends the waits of those in flight
(rolled back with --rollback). Performers already at the image are skipped.
A summary table ends the run; the exit code is 0 when every performer is
upgraded or already there, 1 otherwise.

RBAC: get, list and patch on performers, get on pods, in the performers'
namespaces; create on selfsubjectreviews (optional: who upgraded, for the
history).

Examples:
  kubectl hourglass performer upgrade my-avs --image ghcr.io/org/performer:v1.1.0 --version v1.1.0
  kubectl hourglass performer upgrade my-avs --image ghcr.io/org/performer:v1.1.0 --timeout 10m --rollback
  kubectl hourglass performer upgrade my-avs --image ghcr.io/org/performer:v1.1.0 --diff
  kubectl hourglass performer upgrade -l avs=price-oracle --image ghcr.io/org/performer:v1.1.0 --max-parallel 5 --rollback --halt-on-failure
  kubectl hourglass performer upgrade --executor main-executor -A --image ghcr.io/org/performer:v1.1.0 --yes")]
pub struct Args {
    /// The performers; or choose them with -l, --executor or -A
    pub names: Vec<String>,
    /// The new image
    #[arg(long)]
    pub image: String,
    /// The new version (default: the new image's tag when the performer tracks a version)
    #[arg(long)]
    pub version: Option<String>,
    /// Every performer of this executor (spec.executorRef)
    #[arg(long, value_name = "NAME")]
    pub executor: Option<String>,
    /// How many performers upgrade at once
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub max_parallel: u16,
    /// Start no new upgrade after the first failure
    #[arg(long)]
    pub halt_on_failure: bool,
    /// Upgrade many performers without asking
    #[arg(long, short = 'y')]
    pub yes: bool,
    #[command(flatten)]
    pub options: UpgradeOptions,
    /// client: show the change; server: send it with dryRun so the apiserver and webhook check it
    #[arg(long, value_enum, num_args = 0..=1, default_value_t = DryRun::None, default_missing_value = "client", require_equals = true)]
    pub dry_run: DryRun,
    /// Show the change to the spec as a diff (one performer) or the plan (many), and make no change
    #[arg(long)]
    pub diff: bool,
}

impl Args {
    /// The upgrade each chosen performer gets.
    pub fn request(&self, who: Option<String>) -> Request {
        self.options.request(
            &self.image,
            self.version.clone(),
            self.dry_run == DryRun::Server,
            who,
        )
    }

    /// Whether the performers are chosen otherwise than by one name.
    fn is_bulk(&self, ctx: &Context) -> bool {
        self.names.len() > 1
            || self.executor.is_some()
            || ctx.global.selector.is_some()
            || ctx.global.all_namespaces
    }
}

pub async fn run(args: &Args, ctx: &Context) -> Result<()> {
    if args.names.is_empty() && !args.is_bulk(ctx) {
        return Err(CliError::msg(
            "name the performer to upgrade, or choose many with -l SELECTOR, --executor NAME or -A",
        ));
    }
    if !args.names.is_empty() && (args.executor.is_some() || ctx.global.selector.is_some()) {
        return Err(CliError::msg(
            "choose performers either by name or with -l/--executor, not both",
        ));
    }
    if args.is_bulk(ctx) {
        bulk::run(args, ctx).await
    } else {
        single::run(args, &args.names[0], ctx).await
    }
}
