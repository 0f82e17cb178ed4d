//! Which performers a bulk upgrade touches: the names given, those matching
//! `-l`, those of `--executor`, in the namespace or with `-A` in all.

use hourglass_shared::Performer;
use hourglass_shared::constants::EXECUTOR_LABEL;

use crate::api::list_performers;
use crate::context::Context;
use crate::error::{CliError, Result};

/// The chosen performers, sorted by namespace and name.
pub async fn chosen(
    ctx: &Context,
    names: &[String],
    executor: Option<&str>,
) -> Result<Vec<Performer>> {
    let namespace = ctx.list_namespace().await;
    let listed = list_performers(ctx, namespace.as_deref()).await?;
    let chosen: Vec<Performer> = listed
        .into_iter()
        .filter(|performer| {
            names.is_empty()
                || names
                    .iter()
                    .any(|n| Some(n) == performer.metadata.name.as_ref())
        })
        .filter(|performer| executor.is_none_or(|executor| belongs_to(performer, executor)))
        .collect();
    if !names.is_empty() && !ctx.global.all_namespaces {
        let missing: Vec<&str> = names
            .iter()
            .filter(|name| {
                !chosen
                    .iter()
                    .any(|p| p.metadata.name.as_ref() == Some(*name))
            })
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(CliError::msg(format!(
                "performers not found in namespace {}: {}; nothing was upgraded",
                namespace.unwrap_or_default(),
                missing.join(", ")
            )));
        }
    }
    if chosen.is_empty() {
        return Err(CliError::msg(format!(
            "no performer matches ({}); nothing to upgrade",
            describe_choice(ctx, namespace.as_deref(), executor)
        )));
    }
    Ok(chosen)
}

/// A performer names its executor in `spec.executorRef`; the upstream
/// operator's updates drop that field, and our webhook keeps it in the
/// `hourglass.eigenlayer.io/executor` label, so either counts.
fn belongs_to(performer: &Performer, executor: &str) -> bool {
    performer.spec.executor_ref.as_deref() == Some(executor)
        || performer
            .metadata
            .labels
            .as_ref()
            .and_then(|labels| labels.get(EXECUTOR_LABEL))
            .is_some_and(|label| label == executor)
}

fn describe_choice(ctx: &Context, namespace: Option<&str>, executor: Option<&str>) -> String {
    let mut parts = vec![match namespace {
        Some(namespace) => format!("namespace {namespace}"),
        None => "all namespaces".to_string(),
    }];
    if let Some(selector) = &ctx.global.selector {
        parts.push(format!("-l {selector}"));
    }
    if let Some(executor) = executor {
        parts.push(format!("--executor {executor}"));
    }
    parts.join(", ")
}
