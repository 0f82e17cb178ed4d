//! `performer undo NAME [--to-revision K]`: upgrade back to a recorded
//! spec, with every guarantee of `performer upgrade` (precondition, wait
//! judged from the pod, rollback with --rollback). The undo is an upgrade
//! like any other, so it records the spec it replaces: undoing twice goes
//! back and forth, as `kubectl rollout undo` does.

use std::io::Write as _;

use hourglass_shared::upgrade_history;

use crate::context::Context;
use crate::error::{CliError, Result};
use crate::interrupt::{Interrupt, Presses};
use crate::upgrade::{UpgradeApi, UpgradeEnd, UpgradeOptions, upgrade_one, who_am_i};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Goes back to the image and version recorded before the last upgrade, or to
revision K of `performer history`. If the performer no longer has the image
that entry replaced, the undo still goes to the recorded spec: it is what
the history says ran before.

RBAC: as `performer upgrade`: get and patch on performers, get on pods.

Examples:
  kubectl hourglass performer undo my-avs
  kubectl hourglass performer undo my-avs --to-revision 3 --rollback")]
pub struct Args {
    /// The performer
    pub name: String,
    /// The revision of `performer history` to go back to (default: the latest)
    #[arg(long, value_name = "K")]
    pub to_revision: Option<u64>,
    #[command(flatten)]
    pub options: UpgradeOptions,
}

pub async fn run(args: &Args, ctx: &Context) -> Result<()> {
    let namespace = ctx.namespace().await;
    let client = ctx.client().await?;
    let api = UpgradeApi::new(client.clone(), &namespace);
    let name = args.name.as_str();
    let performer = api.read(name).await?;
    let history = upgrade_history::read(performer.metadata.annotations.as_ref())
        .map_err(|e| CliError::msg(format!("performer \"{name}\": {e}")))?;
    let entry = upgrade_history::undo_target(&history, args.to_revision)
        .map_err(|e| CliError::msg(format!("performer \"{name}\": {e}")))?;
    ctx.note(format!(
        "performer \"{name}\": going back to revision {} (image {}{})",
        entry.revision,
        entry.image,
        entry
            .version
            .as_deref()
            .map(|v| format!(" version {v}"))
            .unwrap_or_default()
    ));
    let mut presses = Presses::count(Interrupt::listen()?);
    // The recorded version as it was, none included: `undo` restores.
    let mut request = args.options.request(
        &entry.image,
        entry.version.clone(),
        false,
        who_am_i(client).await,
    );
    request.version_as_given = true;
    let mut progress = |line: String| ctx.note(line);
    match upgrade_one(
        &api,
        &namespace,
        name,
        &request,
        &mut presses,
        &mut progress,
    )
    .await?
    {
        UpgradeEnd::AlreadyThere => {
            writeln!(ctx.out(), "performer \"{name}\" already at {}", entry.image)?;
            Ok(())
        }
        UpgradeEnd::Written | UpgradeEnd::Upgraded => {
            writeln!(
                ctx.out(),
                "performer \"{name}\" rolled back to revision {} ({})",
                entry.revision,
                entry.image
            )?;
            Ok(())
        }
        UpgradeEnd::Failed { message, .. } => Err(CliError::msg(message)),
    }
}
