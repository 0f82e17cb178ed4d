//! `performer restart NAME`: delete the performer's pod so the operator
//! creates a new one, then wait until that new pod runs and is ready.
//!
//! The operator that runs (hourglass-operator 11f1554) creates the pod
//! `performer-<name>` whenever it is missing, on the next reconcile (the
//! pod's deletion triggers one, since it owns the pod). Nothing in the
//! performer changes, so the wait is the upgrade's own
//! (`shared::status::judge_upgrade`) with the goal "the image the spec
//! already holds, on a pod that is not the deleted one".

use std::io::Write as _;
use std::time::Duration;

use tokio::time::Instant;

use hourglass_shared::formats::duration;
use hourglass_shared::status::UpgradeGoal;

use crate::context::Context;
use crate::error::{CliError, Result};
use crate::interrupt::Interrupt;
use crate::pod_rollout::{Goal, UpgradeApi, WaitEnd, wait_for};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Deletes the performer's pod (performer-<name>, only if it is still the pod
that was read, by uid) so the Hourglass operator creates a new one, then
waits until a pod with another uid runs the performer's image and is ready,
and the operator reports the performer ready: the judgement of `performer
upgrade`. A new pod that cannot run (ImagePullBackOff, CrashLoopBackOff,
Unschedulable, ...) fails at once with its reason; so does no new pod within
--operator-timeout. On timeout the error says what the pod is doing.

RBAC: get on performers; get and delete on pods, in the performer's namespace.

Examples:
  kubectl hourglass performer restart my-avs
  kubectl hourglass performer restart my-avs -n avs --timeout 10m")]
pub struct Args {
    /// The performer
    pub name: String,
    /// One deadline for the restart, from the deletion until the new pod is ready, e.g. 90s, 5m
    #[arg(long, value_parser = duration::parse, default_value = "5m")]
    pub timeout: Duration,
    /// How long the operator may take to create the new pod before the restart counts as failed
    /// (the old pod may take its 30 s grace period to go; the operator requeues every 2m)
    #[arg(long, value_parser = duration::parse, default_value = "2m")]
    pub operator_timeout: Duration,
    /// Return once the pod is deleted, without waiting for the new one
    #[arg(long)]
    pub no_wait: bool,
    /// How often to look at the performer and its pod while waiting
    #[arg(long, value_parser = duration::parse, default_value = "1s", hide = true)]
    pub poll_interval: Duration,
}

pub async fn run(args: &Args, ctx: &Context) -> Result<()> {
    let started = Instant::now();
    let namespace = ctx.namespace().await;
    let api = UpgradeApi::new(ctx.client().await?, &namespace);
    let name = args.name.as_str();
    // Before deleting: a Ctrl-C from here on ends in a message saying the
    // pod is already gone, not in a silent kill.
    let mut interrupt = Interrupt::listen()?;

    let performer = api.read(name).await?;
    let Some(pod) = api.pod_of(&performer).await? else {
        return Err(CliError::msg(format!(
            "performer \"{name}\" has no pod to restart in namespace \"{namespace}\" \
             (the operator names it performer-{name}); is the Hourglass operator running? \
             `kubectl hourglass status -n {namespace}` says more"
        )));
    };
    let pod_name = pod.metadata.name.clone().unwrap_or_default();
    let old_uid = pod.metadata.uid.clone().unwrap_or_default();
    let deleted = api.delete_pod(&pod_name, &old_uid).await?;
    ctx.note(if deleted {
        format!("performer \"{name}\": deleted pod {pod_name} (uid {old_uid})")
    } else {
        format!("performer \"{name}\": pod {pod_name} (uid {old_uid}) was already gone")
    });
    if args.no_wait {
        ctx.note("not waiting for the new pod (--no-wait)");
        return say(ctx, &format!("performer \"{name}\" restarted"));
    }

    let goal = Goal {
        upgrade: UpgradeGoal {
            image: performer.spec.image.clone(),
            generation: performer.metadata.generation.unwrap_or(0),
            // The uid tells the new pod apart; a delete has no stored time.
            written_at: None,
            replaced_pod_uid: Some(old_uid),
        },
        deadline: started + args.timeout,
        new_pod_deadline: Instant::now() + args.operator_timeout,
        new_pod_timeout: args.operator_timeout,
        poll: args.poll_interval,
    };
    let mut progress = |line: String| ctx.note(line);
    let end = wait_for(&api, name, &goal, interrupt.recv(), &mut progress).await?;
    let image = &performer.spec.image;
    match end {
        WaitEnd::Done => {
            // Only to name the new pod; the restart itself is done.
            let new_uid = match api.read(name).await {
                Ok(performer) => api.pod_of(&performer).await.ok().flatten(),
                Err(_) => None,
            }
            .and_then(|pod| pod.metadata.uid);
            let uid = new_uid
                .map(|uid| format!(" (uid {uid})"))
                .unwrap_or_default();
            say(
                ctx,
                &format!("performer \"{name}\" restarted: pod {pod_name}{uid} is ready"),
            )
        }
        WaitEnd::TimedOut(last) => Err(CliError::msg(format!(
            "timed out after {} waiting for performer \"{name}\"'s new pod to be ready: {last}",
            duration::display(args.timeout)
        ))),
        WaitEnd::Failed(why) => Err(CliError::msg(format!(
            "performer \"{name}\"'s new pod cannot run {image}: {why}"
        ))),
        WaitEnd::Replaced(other) => Err(CliError::msg(format!(
            "performer \"{name}\" now has image {other}, written by someone else during the restart; \
             `kubectl hourglass status -n {namespace}` shows how that goes"
        ))),
        WaitEnd::Interrupted(last) => Err(CliError::msg(format!(
            "interrupted while waiting for performer \"{name}\"'s new pod ({last}); \
             the old pod is deleted and the operator creates the new one regardless"
        ))),
    }
}

fn say(ctx: &Context, line: &str) -> Result<()> {
    writeln!(ctx.out(), "{line}")?;
    Ok(())
}
