//! Many performers: choose them, show the plan, confirm, upgrade at most
//! `--max-parallel` at a time, end with a summary.
//!
//! The upgrades run as futures in this one task (the plugin's context is
//! single-threaded); each waits on the network, so N of them overlap as N
//! threads would.

mod plan;
mod select;
mod summary;

use std::collections::VecDeque;
use std::io::Write as _;

use futures::StreamExt;
use futures::stream::FuturesUnordered;

use super::Args;
use crate::context::Context;
use crate::error::{CliError, Result};
use crate::interrupt::{Interrupt, Presses};
use crate::options::DryRun;
use crate::upgrade::{UpgradeApi, UpgradeEnd, upgrade_one, who_am_i};
use plan::{Step, confirm, write_plan};
use summary::{Ending, write_summary};

pub async fn run(args: &Args, ctx: &Context) -> Result<()> {
    let client = ctx.client().await?;
    let performers = select::chosen(ctx, &args.names, args.executor.as_deref()).await?;
    let steps: Vec<Step> = performers
        .iter()
        .map(|performer| Step::new(performer, &args.image, args.version.as_deref()))
        .collect();
    write_plan(&mut *ctx.out(), &steps, ctx.color())?;
    let to_upgrade = steps.iter().filter(|step| !step.is_already_there()).count();
    if args.diff || args.dry_run == DryRun::Client {
        ctx.note(format!(
            "{to_upgrade} of {} performers would be upgraded{}",
            steps.len(),
            DryRun::Client.suffix()
        ));
        return Ok(());
    }
    if to_upgrade == 0 {
        ctx.note("every chosen performer is already at the image; nothing to do");
        return Ok(());
    }
    if !args.yes && args.dry_run == DryRun::None {
        confirm(ctx, to_upgrade, &args.image)?;
    }
    // Listen before the first write, as a single upgrade does.
    let mut presses = Presses::count(Interrupt::listen()?);
    let request = args.request(who_am_i(client.clone()).await);

    let mut endings: Vec<Option<Ending>> = steps
        .iter()
        .map(|step| step.is_already_there().then_some(Ending::AlreadyThere))
        .collect();
    let mut queue: VecDeque<usize> = (0..steps.len())
        .filter(|&index| endings[index].is_none())
        .collect();
    let mut in_flight = FuturesUnordered::new();
    let mut stop: Option<String> = None;
    loop {
        while stop.is_none() && in_flight.len() < usize::from(args.max_parallel) {
            let Some(index) = queue.pop_front() else {
                break;
            };
            let step = &steps[index];
            let api = UpgradeApi::new(client.clone(), &step.namespace);
            let mut listener = presses.fork();
            let request = &request;
            in_flight.push(async move {
                // Lines name the performer; across namespaces, name those too.
                let mut progress = |line: String| {
                    if ctx.global.all_namespaces {
                        ctx.note(format!("{}: {line}", step.namespace));
                    } else {
                        ctx.note(line);
                    }
                };
                let result = upgrade_one(
                    &api,
                    &step.namespace,
                    &step.name,
                    request,
                    &mut listener,
                    &mut progress,
                )
                .await;
                (index, result)
            });
        }
        if in_flight.is_empty() {
            break;
        }
        tokio::select! {
            Some((index, result)) = in_flight.next() => {
                let ending = match result {
                    Ok(end) => Ending::Ran(end),
                    Err(error) => Ending::Refused(error.to_string().trim_start_matches("error: ").to_string()),
                };
                if let Ending::Ran(UpgradeEnd::Failed { message, .. }) | Ending::Refused(message) = &ending {
                    ctx.note(message);
                    if args.halt_on_failure && stop.is_none() {
                        stop = Some(format!("halted after {} failed (--halt-on-failure)", steps[index].name));
                    }
                }
                endings[index] = Some(ending);
            }
            _ = presses.next(), if stop.is_none() => {
                stop = Some("interrupted (Ctrl-C)".to_string());
                ctx.note("interrupted: starting no new upgrade; ending the waits of those in flight");
            }
        }
    }
    let endings: Vec<(String, String, Ending)> = steps
        .iter()
        .zip(endings)
        .map(|(step, ending)| {
            let ending = ending.unwrap_or_else(|| {
                Ending::NotStarted(stop.clone().unwrap_or_else(|| "not started".to_string()))
            });
            (step.namespace.clone(), step.name.clone(), ending)
        })
        .collect();
    writeln!(ctx.out())?;
    write_summary(&mut *ctx.out(), &endings, ctx.color())?;
    let failed = endings
        .iter()
        .filter(|(_, _, ending)| !ending.is_success())
        .count();
    if failed == 0 {
        Ok(())
    } else {
        ctx.note(format!(
            "{failed} of {} performers not upgraded",
            endings.len()
        ));
        Err(CliError::Silent(crate::error::EXIT_ERROR))
    }
}
