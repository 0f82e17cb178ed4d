//! `describe executor|performer NAME`: kubectl's layout, events last.

use k8s_openapi::api::core::v1::Event;
use kube::api::{Api, ListParams};
use serde_json::Value;

use hourglass_shared::object::ObjectKind;

use crate::api::parse_kind;
use crate::commands::get::get_one;
use crate::context::Context;
use crate::error::Result;
use crate::render::describe;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  kubectl hourglass describe performer my-avs
  kubectl hourglass describe executor main-executor -n avs")]
pub struct Args {
    /// executor or performer
    #[arg(value_parser = parse_kind, value_name = "executor|performer")]
    pub kind: ObjectKind,
    pub name: String,
}

pub async fn run(args: &Args, ctx: &Context) -> Result<()> {
    let namespace = ctx.namespace().await;
    let object = get_one(ctx, args.kind, Some(&namespace), &args.name).await?;
    let events = events_for(ctx, &namespace, &object).await;
    describe::describe(&mut *ctx.out(), &object, events.as_deref(), ctx.now())?;
    Ok(())
}

/// The object's events, newest last; `None` when they cannot be read (the
/// description is still worth printing).
async fn events_for(ctx: &Context, namespace: &str, object: &Value) -> Option<Vec<Event>> {
    let client = ctx.client().await.ok()?;
    let name = object.pointer("/metadata/name")?.as_str()?;
    let kind = object.get("kind")?.as_str()?;
    let mut selector = format!(
        "involvedObject.name={name},involvedObject.namespace={namespace},involvedObject.kind={kind}"
    );
    if let Some(uid) = object.pointer("/metadata/uid").and_then(Value::as_str) {
        selector.push_str(&format!(",involvedObject.uid={uid}"));
    }
    let api: Api<Event> = Api::namespaced(client, namespace);
    match api.list(&ListParams::default().fields(&selector)).await {
        Ok(list) => Some(list.items),
        Err(error) => {
            tracing::warn!("cannot list events: {error}");
            None
        }
    }
}
