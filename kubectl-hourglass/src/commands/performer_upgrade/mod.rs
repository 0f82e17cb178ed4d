//! `performer upgrade NAME --image ... [--version ...]`: record the current
//! spec, change only image and version under a resourceVersion precondition
//! (re-reading on conflict), then wait until the performer's pod runs the
//! new image and is ready and the operator says so, with one deadline,
//! progress lines and an optional rollback that never overwrites another
//! writer.
//!
//! Done is judged from the pod (`shared::status::judge_upgrade`): the
//! operator that runs today (hourglass-operator 11f1554) writes no
//! conditions, deletes the pod whose image differs from the spec and
//! creates a new one, and reports `phase` and `ready` from it.

mod diff;
mod rollback;
mod write;

use std::io::Write as _;
use std::time::Duration;

use tokio::time::Instant;

use hourglass_shared::status::UpgradeGoal;

use crate::context::Context;
use crate::error::{CliError, Result};
use crate::interrupt::Interrupt;
use crate::options::DryRun;
use hourglass_shared::formats::duration;

pub use crate::pod_rollout::{Goal, UpgradeApi, WaitEnd, wait_for};
pub use rollback::{
    ROLLBACK_RETRY, RollbackEnd, RollbackPlan, is_transient_refusal, restore_command,
    roll_back_within, rollback_failure,
};
pub use write::{Target, Written, desired_version, patch_body, upgraded, write_target, written_at};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Only spec.image and spec.version change, with the performer's resourceVersion
as a precondition: if someone else writes in between, the performer is read
again and the change re-applied on top. Then the command waits until the
operator has replaced the performer's pod: a new pod runs the new image and
is ready, and the operator reports the performer ready (or Available for the
new generation, where it writes conditions). A new pod that cannot run
(ErrImagePull, ImagePullBackOff, CrashLoopBackOff, Unschedulable, ...) fails
the upgrade at once, with its reason; so does no new pod within
--operator-timeout. With --rollback, a timeout, failure or Ctrl-C restores
the recorded image and version, unless another writer has changed the image
meanwhile. A rollback refused for a reason that may pass (the admission
webhook or the apiserver unavailable) is tried again for --rollback-timeout;
if it never lands, the command says so, prints the recorded spec and the
kubectl patch that restores it, and exits 1.

RBAC: get and patch on performers, get on pods, in the performer's namespace.

Examples:
  kubectl hourglass performer upgrade my-avs --image ghcr.io/org/performer:v1.1.0 --version v1.1.0
  kubectl hourglass performer upgrade my-avs --image ghcr.io/org/performer:v1.1.0 --timeout 10m --rollback
  kubectl hourglass performer upgrade my-avs --image ghcr.io/org/performer:v1.1.0 --diff")]
pub struct Args {
    /// The performer
    pub name: String,
    /// The new image
    #[arg(long)]
    pub image: String,
    /// The new version (default: the new image's tag when the performer tracks a version)
    #[arg(long)]
    pub version: Option<String>,
    /// One deadline for the whole upgrade, e.g. 90s, 5m, 1h
    #[arg(long, value_parser = duration::parse, default_value = "5m")]
    pub timeout: Duration,
    /// How long the operator may take to start a new pod before the upgrade
    /// counts as failed (it reacts within seconds when it runs; an old pod
    /// may take its 30 s grace period to go, and the operator requeues every 2m)
    #[arg(long, value_parser = duration::parse, default_value = "2m")]
    pub operator_timeout: Duration,
    /// Return once the change is written, without waiting for it to run
    #[arg(long)]
    pub no_wait: bool,
    /// On timeout, failure or Ctrl-C, restore the recorded image and version
    #[arg(long, conflicts_with = "no_wait")]
    pub rollback: bool,
    /// How long the rollback keeps trying while writes are refused for a
    /// passing reason (webhook or apiserver unavailable)
    #[arg(long, value_parser = duration::parse, default_value = "30s")]
    pub rollback_timeout: Duration,
    /// client: show the change; server: send it with dryRun so the apiserver and webhook check it
    #[arg(long, value_enum, num_args = 0..=1, default_value_t = DryRun::None, default_missing_value = "client", require_equals = true)]
    pub dry_run: DryRun,
    /// Show the change to the spec as a diff and make no change
    #[arg(long)]
    pub diff: bool,
    /// How often to look at the performer while waiting
    #[arg(long, value_parser = duration::parse, default_value = "1s", hide = true)]
    pub poll_interval: Duration,
}

pub async fn run(args: &Args, ctx: &Context) -> Result<()> {
    let started = Instant::now();
    let deadline = started + args.timeout;
    let namespace = ctx.namespace().await;
    let api = UpgradeApi::new(ctx.client().await?, &namespace);
    let name = args.name.as_str();
    let mut progress = |line: String| ctx.note(line);

    if args.diff || args.dry_run == DryRun::Client {
        return preview(args, ctx, &api).await;
    }

    let server_dry_run = args.dry_run == DryRun::Server;
    // Listen before writing: a Ctrl-C at any point after the write must end
    // in the wait's interrupted branch (and its rollback), never in a kill.
    let mut interrupt = Interrupt::listen()?;
    // The pod running now, so that the wait does not take it for the new one.
    let replaced_pod_uid = if server_dry_run || args.no_wait {
        None
    } else {
        let current = api.read(name).await?;
        api.pod_of(&current).await?.and_then(|pod| pod.metadata.uid)
    };
    let image = args.image.clone();
    let version = args.version.clone();
    let written = write_target(
        &api,
        name,
        |current| Target {
            image: image.clone(),
            version: desired_version(current, &image, version.as_deref()),
        },
        |_| Ok(()),
        server_dry_run,
        deadline,
        &mut progress,
    )
    .await?;
    let (recorded, object) = match written {
        Written::AlreadyThere => {
            return say(
                ctx,
                &format!("performer \"{name}\" already at {}", args.image),
            );
        }
        Written::Changed { recorded, object } => (recorded, object),
    };
    let ours = Target::of(&object);
    if server_dry_run {
        return say(
            ctx,
            &format!(
                "performer \"{name}\" upgraded to {}{}",
                args.image,
                DryRun::Server.suffix()
            ),
        );
    }
    let generation = object.metadata.generation.unwrap_or(0);
    progress(format!(
        "performer \"{name}\": recorded {}; wrote {} (generation {generation})",
        recorded.describe(),
        ours.describe()
    ));
    if args.no_wait {
        progress("not waiting for the new image to run (--no-wait)".to_string());
        return say(
            ctx,
            &format!("performer \"{name}\" upgraded to {}", args.image),
        );
    }
    let written_now = Instant::now();
    let goal = Goal {
        upgrade: UpgradeGoal {
            image: args.image.clone(),
            generation,
            written_at: written_at(&object),
            replaced_pod_uid,
        },
        deadline,
        new_pod_deadline: written_now + args.operator_timeout,
        new_pod_timeout: args.operator_timeout,
        poll: args.poll_interval,
    };
    let end = wait_for(&api, name, &goal, interrupt.recv(), &mut progress).await?;
    let failure = match end {
        WaitEnd::Done => {
            return say(
                ctx,
                &format!("performer \"{name}\" upgraded to {}", args.image),
            );
        }
        WaitEnd::Replaced(other) => {
            return Err(CliError::msg(format!(
                "performer \"{name}\" now has image {other}, written by someone else while waiting; not touching it"
            )));
        }
        WaitEnd::TimedOut(last) => format!(
            "timed out after {} waiting for performer \"{name}\" to run {} ({last})",
            duration::display(args.timeout),
            args.image
        ),
        WaitEnd::Failed(why) => format!("performer \"{name}\" failed to run {}: {why}", args.image),
        WaitEnd::Interrupted(last) => format!(
            "interrupted while waiting for performer \"{name}\" to run {} ({last})",
            args.image
        ),
    };
    if args.rollback {
        progress(format!("{failure}; rolling back"));
        let plan = RollbackPlan {
            ours: &ours,
            recorded: &recorded,
            budget: args.rollback_timeout,
            retry_every: ROLLBACK_RETRY.min(args.poll_interval.max(Duration::from_millis(100))),
        };
        let end = roll_back_within(&api, name, &plan, interrupt.recv(), &mut progress).await;
        return Err(CliError::msg(rollback_failure(
            &failure, name, &namespace, &ours, &recorded, &end,
        )));
    }
    Err(CliError::msg(format!(
        "{failure}; the spec keeps the new image (pass --rollback to restore {} on failure)",
        recorded.describe()
    )))
}

/// `--diff` and `--dry-run=client`: what would change, changing nothing.
async fn preview(args: &Args, ctx: &Context, api: &UpgradeApi) -> Result<()> {
    let name = args.name.as_str();
    let current = api.read(name).await?;
    let target = Target {
        image: args.image.clone(),
        version: desired_version(&current, &args.image, args.version.as_deref()),
    };
    if Target::of(&current) == target {
        return say(
            ctx,
            &format!("performer \"{name}\" already at {}", args.image),
        );
    }
    let updated = upgraded(&current, &target)?;
    if args.diff {
        write!(ctx.out(), "{}", diff::spec_diff(name, &current, &updated))?;
        return Ok(());
    }
    say(
        ctx,
        &format!(
            "performer \"{name}\" upgraded to {}{}",
            args.image,
            DryRun::Client.suffix()
        ),
    )
}

fn say(ctx: &Context, line: &str) -> Result<()> {
    writeln!(ctx.out(), "{line}")?;
    Ok(())
}
