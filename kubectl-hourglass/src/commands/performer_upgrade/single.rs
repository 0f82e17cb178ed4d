//! One performer by name: the outcome in one line, or the error.

use std::io::Write as _;

use super::Args;
use crate::context::Context;
use crate::error::{CliError, Result};
use crate::interrupt::{Interrupt, Presses};
use crate::options::DryRun;
use crate::upgrade::{
    Target, UpgradeApi, UpgradeEnd, desired_version, spec_diff, upgrade_one, upgraded, who_am_i,
};

pub async fn run(args: &Args, name: &str, ctx: &Context) -> Result<()> {
    let namespace = ctx.namespace().await;
    let client = ctx.client().await?;
    let api = UpgradeApi::new(client.clone(), &namespace);
    if args.diff || args.dry_run == DryRun::Client {
        return preview(args, name, ctx, &api).await;
    }
    // Listen before writing: a Ctrl-C at any point after the write must end
    // in the wait's interrupted branch (and its rollback), never in a kill.
    let mut presses = Presses::count(Interrupt::listen()?);
    let request = args.request(who_am_i(client).await);
    let mut progress = |line: String| ctx.note(line);
    let end = upgrade_one(
        &api,
        &namespace,
        name,
        &request,
        &mut presses,
        &mut progress,
    )
    .await?;
    let suffix = if request.server_dry_run {
        DryRun::Server.suffix()
    } else {
        ""
    };
    match end {
        UpgradeEnd::AlreadyThere => say(
            ctx,
            &format!("performer \"{name}\" already at {}", args.image),
        ),
        UpgradeEnd::Written | UpgradeEnd::Upgraded => say(
            ctx,
            &format!("performer \"{name}\" upgraded to {}{suffix}", args.image),
        ),
        UpgradeEnd::Failed { message, .. } => Err(CliError::msg(message)),
    }
}

/// `--diff` and `--dry-run=client`: what would change, changing nothing.
async fn preview(args: &Args, name: &str, ctx: &Context, api: &UpgradeApi) -> Result<()> {
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
        write!(ctx.out(), "{}", spec_diff(name, &current, &updated))?;
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
