//! `status [NAME]`: executors and their performers in one view, with what
//! is not healthy, and an exit code scripts can use.

use std::io::Write;
use std::time::Duration;

use hourglass_shared::Performer;
use hourglass_shared::constants::{EXECUTOR_PLURAL, PERFORMER_PLURAL};

use crate::api::{self, no_resources};
use crate::context::Context;
use crate::error::{CliError, EXIT_UNHEALTHY, Result};
use crate::interrupt::Interrupt;
use crate::pods::{PodIndex, list_performer_pods};
use crate::render::{structured, table};
use crate::status_lists::{Freshness, StatusLists, list_for_status};
use crate::view::StatusView;

pub const AFTER_HELP: &str = "\
Exit codes:
  0  every performer shown is healthy (its pod runs the spec's image and is ready, the
     operator reports it ready, no bad condition), and so is every executor with a status
  1  the command failed (bad flags, API error, not found)
  2  something is not ready or degraded

Examples:
  kubectl hourglass status
  kubectl hourglass status main-executor -o json
  kubectl hourglass status -A --watch";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusOutput {
    Json,
    Yaml,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// An executor (shown with its performers), or a performer
    pub name: Option<String>,
    /// Output format (carries everything the table shows)
    #[arg(short = 'o', long, value_enum)]
    pub output: Option<StatusOutput>,
    /// Keep watching; redraw only when something changes (Ctrl-C to stop)
    #[arg(short = 'w', long)]
    pub watch: bool,
    /// How often to look again with --watch
    #[arg(long, value_parser = hourglass_shared::formats::duration::parse, default_value = "2s")]
    pub interval: Duration,
}

/// Reads what `status` shows.
pub async fn gather(
    ctx: &Context,
    name: Option<&str>,
    freshness: Freshness,
) -> Result<(StatusView, Option<String>)> {
    let namespace = if name.is_some() {
        Some(ctx.namespace().await)
    } else {
        ctx.list_namespace().await
    };
    let ns = namespace.as_deref();
    let lists = match name {
        None => list_for_status(ctx, ns, freshness).await?,
        Some(name) => {
            let client = ctx.client().await?;
            match api::executors(client.clone(), ns).get(name).await {
                Ok(executor) => {
                    let performers: Vec<Performer> = api::list_performers(ctx, ns)
                        .await?
                        .into_iter()
                        .filter(|p| p.executor_name() == Some(name))
                        .collect();
                    StatusLists {
                        executors: vec![executor],
                        pods: pods_for(ctx, ns, &performers).await?,
                        performers,
                    }
                }
                Err(executor_error) => {
                    let executor_error = CliError::from_kube_for(EXECUTOR_PLURAL, executor_error);
                    if !executor_error.is_not_found() {
                        return Err(executor_error);
                    }
                    match api::performers(client, ns).get(name).await {
                        Ok(performer) => {
                            let performers = vec![performer];
                            StatusLists {
                                executors: Vec::new(),
                                pods: pods_for(ctx, ns, &performers).await?,
                                performers,
                            }
                        }
                        Err(e) => {
                            let performer_error = CliError::from_kube_for(PERFORMER_PLURAL, e);
                            return Err(if performer_error.is_not_found() {
                                executor_error
                            } else {
                                performer_error
                            });
                        }
                    }
                }
            }
        }
    };
    let view = StatusView::build(
        &lists.executors,
        &lists.performers,
        lists.pods.as_ref(),
        ctx.now(),
    );
    Ok((view, namespace))
}

/// The pods of a few performers named on the command line.
async fn pods_for(
    ctx: &Context,
    namespace: Option<&str>,
    performers: &[Performer],
) -> Result<Option<PodIndex>> {
    if performers.is_empty() {
        return Ok(Some(PodIndex::default()));
    }
    list_performer_pods(ctx, namespace, &kube::api::ListParams::default()).await
}

/// The text `status` prints for a view.
pub fn render(
    view: &StatusView,
    output: Option<StatusOutput>,
    show_namespace: bool,
    color: bool,
) -> Result<String> {
    let mut buffer = Vec::new();
    match output {
        Some(StatusOutput::Json) => structured::write_json(&mut buffer, view)?,
        Some(StatusOutput::Yaml) => structured::write_yaml(&mut buffer, view)?,
        None => table::status(&mut buffer, view, show_namespace, color)?,
    }
    Ok(String::from_utf8_lossy(&buffer).into_owned())
}

fn exit(view: &StatusView) -> Result<()> {
    if view.healthy {
        Ok(())
    } else {
        Err(CliError::Silent(EXIT_UNHEALTHY))
    }
}

pub async fn run(args: &Args, ctx: &Context) -> Result<()> {
    if !args.watch {
        let (view, namespace) = gather(ctx, args.name.as_deref(), Freshness::Consistent).await?;
        if view.is_empty() && args.output.is_none() {
            ctx.note(no_resources(namespace.as_deref()));
            return Ok(());
        }
        let text = render(&view, args.output, namespace.is_none(), ctx.color())?;
        ctx.out().write_all(text.as_bytes())?;
        return exit(&view);
    }
    // Ctrl-C ends the watch with the last view's exit code, wherever it lands.
    let mut interrupt = Interrupt::listen()?;
    let mut last: Option<String> = None;
    let mut last_view;
    loop {
        let (view, namespace) = gather(ctx, args.name.as_deref(), Freshness::WatchCache).await?;
        let text = if view.is_empty() && args.output.is_none() {
            format!("{}\n", no_resources(namespace.as_deref()))
        } else {
            render(&view, args.output, namespace.is_none(), ctx.color())?
        };
        if last.as_deref() != Some(text.as_str()) {
            let mut out = ctx.out();
            if ctx.stdout_is_terminal() {
                // Redraw in place: home, clear screen.
                write!(out, "\x1b[H\x1b[2J")?;
            } else if last.is_some() {
                writeln!(out)?;
            }
            out.write_all(text.as_bytes())?;
            out.flush()?;
            last = Some(text);
        }
        last_view = view;
        tokio::select! {
            _ = tokio::time::sleep(args.interval) => {}
            _ = interrupt.recv() => break,
        }
    }
    exit(&last_view)
}
