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
use crate::options::{Format, FormatParser, ListingArgs};
use crate::pods::{PodIndex, list_performer_pods};
use crate::render::sort::permute;
use crate::render::status as render_status;
use crate::render::table::TableStyle;
use crate::render::{listing, structured};
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
  kubectl hourglass status -A --watch
  kubectl hourglass status -o jsonpath='{range .performers[?(@.ready==false)]}{.name}{\"\\n\"}{end}'
  kubectl hourglass status -A --sort-by .reason --show-labels";

const FORMATS: FormatParser = FormatParser {
    plain: &["json", "yaml"],
};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// An executor (shown with its performers), or a performer
    pub name: Option<String>,
    /// Output format: json, yaml (everything the table shows), jsonpath=TEMPLATE on that JSON, or custom-columns=SPEC on each of its executors and performers
    #[arg(short = 'o', long, value_parser = FORMATS)]
    pub output: Option<Format>,
    #[command(flatten)]
    pub listing: ListingArgs,
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

/// How `status` lays out its text.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    pub output: Option<Format>,
    pub listing: ListingArgs,
    pub all_namespaces: bool,
    pub color: bool,
}

/// The text `status` prints for a view.
pub fn render(view: &StatusView, layout: &Layout) -> Result<String> {
    let mut view = view.clone();
    if let Some(sort_by) = &layout.listing.sort_by {
        // Each table in the order of its rows' JSON (as -o json shows
        // them); a field only performers have still sorts them.
        let executors = json_items(&view.executors)?;
        let performers = json_items(&view.performers)?;
        sort_by
            .check(executors.iter().chain(&performers))
            .map_err(CliError::Message)?;
        view.executors = permute(view.executors, &sort_by.order_unchecked(&executors));
        view.performers = permute(view.performers, &sort_by.order_unchecked(&performers));
    }
    let style = TableStyle {
        wide: false,
        all_namespaces: layout.all_namespaces,
        no_headers: layout.listing.no_headers,
        color: layout.color,
    };
    let mut buffer = Vec::new();
    match &layout.output {
        Some(Format::Json) => structured::write_json(&mut buffer, &view)?,
        Some(Format::Yaml) => structured::write_yaml(&mut buffer, &view)?,
        Some(Format::JsonPath(template)) => {
            let data = serde_json::to_value(&view).map_err(|e| CliError::msg(e.to_string()))?;
            listing::write_jsonpath(&mut buffer, template, &data)?;
        }
        Some(Format::CustomColumns(columns)) => {
            let mut items = json_items(&view.executors)?;
            items.extend(json_items(&view.performers)?);
            listing::write_custom_columns(&mut buffer, columns, &items, &style)?;
        }
        _ => render_status::status(&mut buffer, &view, &style, layout.listing.show_labels)?,
    }
    Ok(String::from_utf8_lossy(&buffer).into_owned())
}

fn json_items(rows: &[impl serde::Serialize]) -> Result<Vec<serde_json::Value>> {
    rows.iter()
        .map(|row| serde_json::to_value(row).map_err(|e| CliError::msg(e.to_string())))
        .collect()
}

fn layout(args: &Args, ctx: &Context, all_namespaces: bool) -> Layout {
    Layout {
        output: args.output.clone(),
        listing: args.listing.clone(),
        all_namespaces,
        color: ctx.color(),
    }
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
        let text = render(&view, &layout(args, ctx, namespace.is_none()))?;
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
            render(&view, &layout(args, ctx, namespace.is_none()))?
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
