//! `get executors|performers [NAME]` with `-o wide|json|yaml|name`.

use kube::api::ListParams;
use serde_json::Value;

use hourglass_shared::object::ObjectKind;

use crate::api::{self, no_resources, parse_kind};
use crate::context::Context;
use crate::error::{CliError, Result};
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

#[derive(Debug, clap::Args)]
#[command(after_help = "\
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
    let now = ctx.now();
    let (values, executor_rows, performer_rows) = match args.kind {
        ObjectKind::Executor => {
            let items = match &args.name {
                Some(name) => vec![get_one(ctx, args.kind, namespace.as_deref(), name).await?],
                None => api::list_executors(ctx, namespace.as_deref())
                    .await?
                    .into_iter()
                    .map(|e| serde_json::to_value(e).unwrap_or(Value::Null))
                    .collect(),
            };
            let typed: Vec<hourglass_shared::HourglassExecutor> = items
                .iter()
                .filter_map(|v| serde_json::from_value(v.clone()).ok())
                .collect();
            let rows = typed.iter().map(|e| ExecutorRow::from(e, now)).collect();
            (items, rows, Vec::new())
        }
        ObjectKind::Performer => {
            let items = match &args.name {
                Some(name) => vec![get_one(ctx, args.kind, namespace.as_deref(), name).await?],
                None => api::list_performers(ctx, namespace.as_deref())
                    .await?
                    .into_iter()
                    .map(|p| serde_json::to_value(p).unwrap_or(Value::Null))
                    .collect(),
            };
            let typed: Vec<hourglass_shared::Performer> = items
                .iter()
                .filter_map(|v| serde_json::from_value(v.clone()).ok())
                .collect();
            // The table judges each performer from its pod, as `status` does.
            let table = !matches!(
                args.output,
                Some(GetOutput::Json | GetOutput::Yaml | GetOutput::Name)
            );
            let pods = if table && !typed.is_empty() {
                list_performer_pods(ctx, namespace.as_deref(), &ListParams::default()).await?
            } else {
                None
            };
            let rows = typed
                .iter()
                .map(|p| PerformerRow::from(p, pods.as_ref(), now))
                .collect();
            (items, Vec::new(), rows)
        }
    };
    let values: Vec<Value> = values
        .into_iter()
        .map(structured::without_managed_fields)
        .collect();
    let single = args.name.is_some();
    match args.output {
        Some(GetOutput::Json | GetOutput::Yaml | GetOutput::Name) => {
            let output = match args.output {
                Some(GetOutput::Json) => ObjectOutput::Json,
                Some(GetOutput::Yaml) => ObjectOutput::Yaml,
                _ => ObjectOutput::Name,
            };
            if values.is_empty() && output == ObjectOutput::Name {
                ctx.note(no_resources(namespace.as_deref()));
                return Ok(());
            }
            let value = if single {
                values.into_iter().next().unwrap_or(Value::Null)
            } else {
                structured::list(values)
            };
            match output {
                ObjectOutput::Name => {
                    let items = match value.get("items") {
                        Some(Value::Array(items)) => items.clone(),
                        _ => vec![value],
                    };
                    crate::commands::create::print_objects(ctx, ObjectOutput::Name, items)
                }
                ObjectOutput::Json => Ok(structured::write_json(&mut *ctx.out(), &value)?),
                ObjectOutput::Yaml => Ok(structured::write_yaml(&mut *ctx.out(), &value)?),
            }
        }
        wide => {
            if values.is_empty() {
                ctx.note(no_resources(namespace.as_deref()));
                return Ok(());
            }
            let wide = wide == Some(GetOutput::Wide);
            let show_namespace = namespace.is_none();
            let mut out = ctx.out();
            match args.kind {
                ObjectKind::Executor => {
                    table::executors(&mut *out, &executor_rows, wide, show_namespace, ctx.color())?
                }
                ObjectKind::Performer => table::performers(
                    &mut *out,
                    &performer_rows,
                    wide,
                    show_namespace,
                    ctx.color(),
                )?,
            }
            Ok(())
        }
    }
}

/// One object as JSON, with kubectl's errors.
pub async fn get_one(
    ctx: &Context,
    kind: ObjectKind,
    namespace: Option<&str>,
    name: &str,
) -> Result<Value> {
    let namespace = namespace.unwrap_or("default");
    let object = api::dynamic(ctx.client().await?, kind, namespace)
        .get(name)
        .await
        .map_err(|e| CliError::from_kube_for(api::plural(kind), e))?;
    serde_json::to_value(object).map_err(|e| CliError::msg(e.to_string()))
}
