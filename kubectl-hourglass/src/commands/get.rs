//! `get executors|performers [NAME]` with `-o wide|json|yaml|name`,
//! `-o jsonpath=|custom-columns=` and `--sort-by`, `--show-labels`,
//! `--no-headers` as kubectl has them: the
//! objects fetched and parsed once (`api::fetch_*`); JSON and YAML show
//! what the server sent, the tables the typed objects, judged from their
//! pods as `status` does, naming any object that does not fit its type.

use kube::api::ListParams;
use serde_json::Value;

use hourglass_shared::HourglassObject;
use hourglass_shared::object::ObjectKind;

use crate::api::{self, Fetched, no_resources, parse_kind};
use crate::context::Context;
use crate::error::{CliError, Result};
use crate::options::{Format, FormatParser, ListingArgs, ObjectOutput};
use crate::pods::list_performer_pods;
use crate::render::sort::permute;
use crate::render::table::TableStyle;
use crate::render::{columns, listing, structured, table};
use crate::view::{ExecutorRow, PerformerRow};

const FORMATS: FormatParser = FormatParser {
    plain: &["wide", "json", "yaml", "name"],
};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
RBAC: get and list on the kind; list on pods for the performers table.

Examples:
  kubectl hourglass get performers
  kubectl hourglass get performers -A -o wide
  kubectl hourglass get executor main-executor -o yaml
  kubectl hourglass get performers -A --sort-by .spec.image --show-labels
  kubectl hourglass get performers -o jsonpath='{range .items[*]}{.metadata.name}{\"\\t\"}{.spec.image}{\"\\n\"}{end}'
  kubectl hourglass get performers -o custom-columns=NAME:.metadata.name,IMAGE:.spec.image --no-headers")]
pub struct Args {
    /// executors (executor, hge) or performers (performer, hgp)
    #[arg(value_parser = parse_kind, value_name = "executors|performers")]
    pub kind: ObjectKind,
    /// Only this object
    pub name: Option<String>,
    /// Output format: wide, json, yaml, name, jsonpath=TEMPLATE or custom-columns=SPEC (on the objects as -o json shows them)
    #[arg(short = 'o', long, value_parser = FORMATS)]
    pub output: Option<Format>,
    #[command(flatten)]
    pub listing: ListingArgs,
}

pub async fn run(args: &Args, ctx: &Context) -> Result<()> {
    let namespace = if args.name.is_some() {
        Some(ctx.namespace().await)
    } else {
        ctx.list_namespace().await
    };
    let fetched = match &args.name {
        Some(name) => vec![
            api::fetch_one(
                ctx,
                args.kind,
                namespace.as_deref().unwrap_or("default"),
                name,
            )
            .await?,
        ],
        None => api::fetch_all(ctx, args.kind, namespace.as_deref()).await?,
    };
    let fetched = sorted(args, fetched)?;
    let as_list = args.name.is_none();
    let style = TableStyle {
        wide: args.output == Some(Format::Wide),
        all_namespaces: namespace.is_none(),
        no_headers: args.listing.no_headers,
        color: ctx.color(),
    };
    let objects_output = match &args.output {
        Some(Format::Json) => ObjectOutput::Json,
        Some(Format::Yaml) => ObjectOutput::Yaml,
        Some(Format::Name) if fetched.is_empty() => {
            ctx.note(no_resources(namespace.as_deref()));
            return Ok(());
        }
        Some(Format::Name) => ObjectOutput::Name,
        Some(Format::JsonPath(template)) => {
            let mut raw: Vec<Value> = fetched.into_iter().map(|f| f.raw).collect();
            // A named object is the template's root, as in kubectl.
            let data = if as_list {
                structured::list(raw)
            } else {
                raw.pop().unwrap_or_default()
            };
            listing::write_jsonpath(&mut *ctx.out(), template, &data)?;
            return Ok(());
        }
        Some(Format::CustomColumns(columns)) => {
            let raw: Vec<Value> = fetched.into_iter().map(|f| f.raw).collect();
            listing::write_custom_columns(&mut *ctx.out(), columns, &raw, &style)?;
            return Ok(());
        }
        None | Some(Format::Wide) => {
            if fetched.is_empty() {
                ctx.note(no_resources(namespace.as_deref()));
                return Ok(());
            }
            return write_table(args, ctx, fetched, namespace.as_deref(), &style).await;
        }
    };
    let raw = fetched.into_iter().map(|f| f.raw).collect();
    structured::write_objects(&mut *ctx.out(), objects_output, raw, as_list)?;
    Ok(())
}

/// `fetched` in `--sort-by` order (the server's JSON of each), or as listed.
fn sorted(args: &Args, fetched: Vec<Fetched>) -> Result<Vec<Fetched>> {
    let Some(sort_by) = &args.listing.sort_by else {
        return Ok(fetched);
    };
    let raw: Vec<Value> = fetched.iter().map(|f| f.raw.clone()).collect();
    let order = sort_by.order(&raw).map_err(CliError::Message)?;
    Ok(permute(fetched, &order))
}

/// The kind's table, performers judged from their pods.
async fn write_table(
    args: &Args,
    ctx: &Context,
    fetched: Vec<Fetched>,
    namespace: Option<&str>,
    style: &TableStyle,
) -> Result<()> {
    let (objects, labels): (Vec<HourglassObject>, Vec<String>) =
        readable(ctx, fetched).into_iter().unzip();
    let labels = args.listing.show_labels.then_some(labels.as_slice());
    let now = ctx.now();
    match args.kind {
        ObjectKind::Executor => {
            let rows: Vec<ExecutorRow> = objects
                .iter()
                .filter_map(|o| match o {
                    HourglassObject::Executor(e) => Some(ExecutorRow::from(e, now)),
                    HourglassObject::Performer(_) => None,
                })
                .collect();
            table::write_rows(&mut *ctx.out(), columns::EXECUTORS, &rows, labels, style)?;
        }
        ObjectKind::Performer => {
            let performers: Vec<&hourglass_shared::Performer> = objects
                .iter()
                .filter_map(|o| match o {
                    HourglassObject::Performer(p) => Some(p),
                    HourglassObject::Executor(_) => None,
                })
                .collect();
            // The table judges each performer from its pod, as `status` does.
            let pods = list_performer_pods(ctx, namespace, &ListParams::default()).await?;
            let rows: Vec<PerformerRow> = performers
                .iter()
                .map(|p| PerformerRow::from(p, pods.as_ref(), now))
                .collect();
            table::write_rows(&mut *ctx.out(), columns::PERFORMERS, &rows, labels, style)?;
        }
    }
    Ok(())
}

/// The objects that fit their type, with their LABELS cell; each that does
/// not is named on stderr, with the field where it stops fitting, rather
/// than left out silently.
fn readable(ctx: &Context, fetched: Vec<Fetched>) -> Vec<(HourglassObject, String)> {
    fetched
        .into_iter()
        .filter_map(|f| {
            let what = f.what();
            let labels = table::labels_of(&f.raw);
            match f.parsed {
                Ok(object) => Some((object, labels)),
                Err(error) => {
                    ctx.note(format!(
                        "warning: {what} is not shown: it does not fit its type ({error}); see it with -o yaml"
                    ));
                    None
                }
            }
        })
        .collect()
}
