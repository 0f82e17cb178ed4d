//! `describe executor|performer NAME`: kubectl's layout, events last; a
//! performer also gets its pod's state and events, which say why it does
//! not run when the operator's status does not.
//!
//! RBAC: get on the kind, get on pods and list on events in the namespace
//! (without the last two the description is printed without them).

use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, ListParams};
use serde_json::Value;

use hourglass_shared::Performer;
use hourglass_shared::object::ObjectKind;
use hourglass_shared::status::{PerformerHealth, owned_pod, pod_name};

use crate::api::{self, parse_kind};
use crate::context::Context;
use crate::error::Result;
use crate::render::describe;
use crate::view::description::{PodDescription, describe_object};

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
    let object = api::fetch_one(ctx, args.kind, &namespace, &args.name)
        .await?
        .raw;
    let events = events_for(
        ctx,
        &namespace,
        object
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default(),
        &args.name,
        object.pointer("/metadata/uid").and_then(Value::as_str),
    )
    .await;
    let performer: Option<Performer> = match args.kind {
        ObjectKind::Performer => serde_json::from_value(object.clone()).ok(),
        ObjectKind::Executor => None,
    };
    let Some(performer) = performer else {
        let description = describe_object(&object, None, events.as_deref(), ctx.now());
        describe::write(&mut *ctx.out(), &description)?;
        return Ok(());
    };
    let name = pod_name(&performer);
    let pod = pod_of(ctx, &namespace, &name, &performer).await;
    let health = PerformerHealth::judge(&performer, pod.as_ref().map(|pod| pod.as_ref()));
    let pod_events = match pod.as_ref().and_then(|pod| pod.as_ref()) {
        Some(pod) => {
            let uid = pod.metadata.uid.as_deref();
            events_for(ctx, &namespace, "Pod", &name, uid).await
        }
        None => None,
    };
    let description = PodDescription {
        name,
        pod: pod.as_ref().and_then(|pod| pod.as_ref()),
        health: &health,
        events: pod_events.as_deref(),
    };
    let description = describe_object(&object, Some(&description), events.as_deref(), ctx.now());
    describe::write(&mut *ctx.out(), &description)?;
    Ok(())
}

/// `Some(pod or none)`, or `None` when the pod could not be read.
async fn pod_of(
    ctx: &Context,
    namespace: &str,
    name: &str,
    performer: &Performer,
) -> Option<Option<Pod>> {
    let client = ctx.client().await.ok()?;
    let api: Api<Pod> = Api::namespaced(client, namespace);
    match api.get_opt(name).await {
        Ok(pod) => Some(owned_pod(performer, pod.as_ref()).cloned()),
        Err(error) => {
            tracing::warn!("cannot read pod {name}: {error}");
            None
        }
    }
}

/// The object's events, newest last; `None` when they cannot be read (the
/// description is still worth printing).
async fn events_for(
    ctx: &Context,
    namespace: &str,
    kind: &str,
    name: &str,
    uid: Option<&str>,
) -> Option<Vec<Event>> {
    let client = ctx.client().await.ok()?;
    let mut selector = format!(
        "involvedObject.name={name},involvedObject.namespace={namespace},involvedObject.kind={kind}"
    );
    if let Some(uid) = uid {
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
