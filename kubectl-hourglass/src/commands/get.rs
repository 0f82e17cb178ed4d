//! `get executors|performers [NAME]` with `-o wide|json|yaml|name`: the
//! objects fetched and parsed once (`api::fetch_*`); JSON and YAML show
//! what the server sent, the tables the typed objects, judged from their
//! pods as `status` does, naming any object that does not fit its type.

use kube::api::ListParams;

use hourglass_shared::HourglassObject;
use hourglass_shared::object::ObjectKind;

use crate::api::{self, Fetched, no_resources, parse_kind};
use crate::context::Context;
use crate::error::Result;
use crate::options::ObjectOutput;
use crate::pods::list_performer_pods;
use crate::render::{structured, table};
use crate::view::{ExecutorRow, PerformerRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GetOutput {
    Wide,
    Json,
    Yaml,
    Name,
}

impl GetOutput {
    fn objects(self) -> Option<ObjectOutput> {
        match self {
            GetOutput::Json => Some(ObjectOutput::Json),
            GetOutput::Yaml => Some(ObjectOutput::Yaml),
            GetOutput::Name => Some(ObjectOutput::Name),
            GetOutput::Wide => None,
        }
    }
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
RBAC: get and list on the kind; list on pods for the performers table.

Examples:
  kubectl hourglass get performers
  kubectl hourglass get performers -A -o wide
  kubectl hourglass get executor main-executor -o yaml")]
pub struct Args {
    /// executors (executor, hge) or performers (performer, hgp)
    #[arg(value_parser = parse_kind, value_name = "executors|performers")]
    pub kind: ObjectKind,
    /// Only this object
    pub name: Option<String>,
    /// Output format
    #[arg(short = 'o', long, value_enum)]
    pub output: Option<GetOutput>,
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
    if let Some(output) = args.output.and_then(GetOutput::objects) {
        if fetched.is_empty() && output == ObjectOutput::Name {
            ctx.note(no_resources(namespace.as_deref()));
            return Ok(());
        }
        let raw = fetched.into_iter().map(|f| f.raw).collect();
        structured::write_objects(&mut *ctx.out(), output, raw, args.name.is_none())?;
        return Ok(());
    }
    if fetched.is_empty() {
        ctx.note(no_resources(namespace.as_deref()));
        return Ok(());
    }
    let objects = readable(ctx, fetched);
    let wide = args.output == Some(GetOutput::Wide);
    let show_namespace = namespace.is_none();
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
            table::executors(&mut *ctx.out(), &rows, wide, show_namespace, ctx.color())?;
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
            let pods =
                list_performer_pods(ctx, namespace.as_deref(), &ListParams::default()).await?;
            let rows: Vec<PerformerRow> = performers
                .iter()
                .map(|p| PerformerRow::from(p, pods.as_ref(), now))
                .collect();
            table::performers(&mut *ctx.out(), &rows, wide, show_namespace, ctx.color())?;
        }
    }
    Ok(())
}

/// The objects that fit their type; each that does not is named on stderr,
/// with the field where it stops fitting, rather than left out silently.
fn readable(ctx: &Context, fetched: Vec<Fetched>) -> Vec<HourglassObject> {
    fetched
        .into_iter()
        .filter_map(|f| {
            let what = f.what();
            match f.parsed {
                Ok(object) => Some(object),
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
