//! Where the objects to create come from: flags, files (or standard
//! input), or the executor Helm chart's values.

use std::io::Read;

use serde_json::Value;

use super::from_flags::{executor_from_flags, performer_from_flags};
use super::{Args, CreateKind};
use crate::chart_values::{self, Overrides};
use crate::context::Context;
use crate::error::{CliError, Result};
use crate::input;

/// A typed object as it is sent: no status.
fn to_value<T: serde::Serialize>(object: &T) -> Value {
    let mut value = serde_json::to_value(object).unwrap_or(Value::Null);
    if let Some(map) = value.as_object_mut() {
        map.remove("status");
    }
    value
}

/// The objects the command line asks for, as written.
pub async fn objects(args: &Args, ctx: &Context, stdin: &mut dyn Read) -> Result<Vec<Value>> {
    match &args.kind {
        Some(CreateKind::Executor(executor)) => match &executor.from_chart_values {
            Some(path) => from_chart_values(ctx, path, executor).await,
            None => Ok(vec![to_value(&executor_from_flags(executor))]),
        },
        Some(CreateKind::Performer(performer)) => {
            Ok(vec![to_value(&performer_from_flags(performer))])
        }
        None if args.filenames.is_empty() => Err(CliError::msg(
            "must specify executor, performer or -f FILE; see 'kubectl hourglass create --help'",
        )),
        None => from_files(args, stdin),
    }
}

async fn from_chart_values(
    ctx: &Context,
    path: &str,
    executor: &super::from_flags::ExecutorArgs,
) -> Result<Vec<Value>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::msg(format!("cannot read {path}: {e}")))?;
    let namespace = ctx.namespace().await;
    let mapped = chart_values::map(
        &text,
        &Overrides {
            name: executor.name.as_deref(),
            image: executor.image.as_deref(),
            namespace: &namespace,
        },
    )
    .map_err(|errors| {
        CliError::msg(format!(
            "{path}: the chart values cannot be mapped:\n  {}",
            errors.join("\n  ")
        ))
    })?;
    for note in &mapped.notes {
        ctx.note(format!("note: {note}"));
    }
    let mut values = vec![to_value(&mapped.executor)];
    values.extend(mapped.performers.iter().map(to_value));
    Ok(values)
}

fn from_files(args: &Args, stdin: &mut dyn Read) -> Result<Vec<Value>> {
    let mut values = Vec::new();
    let mut failed = Vec::new();
    for entry in input::read_all(&args.filenames, args.recursive, stdin) {
        match entry {
            Ok(document) => values.push(document.value),
            Err(error) => failed.push(format!("{}: {}", error.source, error.message)),
        }
    }
    if !failed.is_empty() {
        return Err(CliError::msg(failed.join("\n")));
    }
    if values.is_empty() {
        return Err(CliError::msg("no objects passed to create"));
    }
    Ok(values)
}
