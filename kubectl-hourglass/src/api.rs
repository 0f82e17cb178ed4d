//! Typed access to our two resources and the errors that name them.

use kube::Client;
use kube::api::{Api, ApiResource, DynamicObject, ListParams};

use hourglass_shared::constants::{EXECUTOR_PLURAL, PERFORMER_PLURAL};
use hourglass_shared::object::ObjectKind;
use hourglass_shared::{HourglassExecutor, Performer};

use crate::context::Context;
use crate::error::{CliError, Result};

/// The field manager of every write this plugin makes.
pub const FIELD_MANAGER: &str = "kubectl-hourglass";

pub fn plural(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Executor => EXECUTOR_PLURAL,
        ObjectKind::Performer => PERFORMER_PLURAL,
    }
}

pub fn api_resource(kind: ObjectKind) -> ApiResource {
    match kind {
        ObjectKind::Executor => ApiResource::erase::<HourglassExecutor>(&()),
        ObjectKind::Performer => ApiResource::erase::<Performer>(&()),
    }
}

pub fn dynamic(client: Client, kind: ObjectKind, namespace: &str) -> Api<DynamicObject> {
    Api::namespaced_with(client, namespace, &api_resource(kind))
}

pub fn performers(client: Client, namespace: Option<&str>) -> Api<Performer> {
    match namespace {
        Some(ns) => Api::namespaced(client, ns),
        None => Api::all(client),
    }
}

pub fn executors(client: Client, namespace: Option<&str>) -> Api<HourglassExecutor> {
    match namespace {
        Some(ns) => Api::namespaced(client, ns),
        None => Api::all(client),
    }
}

pub fn list_params(ctx: &Context) -> ListParams {
    let mut params = ListParams::default();
    if let Some(selector) = &ctx.global.selector {
        params = params.labels(selector);
    }
    params
}

/// Every executor in the namespace (all with `-A`), filtered by `-l`, sorted.
pub async fn list_executors(
    ctx: &Context,
    namespace: Option<&str>,
) -> Result<Vec<HourglassExecutor>> {
    let api = executors(ctx.client().await?, namespace);
    let mut items = api
        .list(&list_params(ctx))
        .await
        .map_err(|e| CliError::from_kube_for(EXECUTOR_PLURAL, e))?
        .items;
    items.sort_by(|a, b| {
        (&a.metadata.namespace, &a.metadata.name).cmp(&(&b.metadata.namespace, &b.metadata.name))
    });
    Ok(items)
}

pub async fn list_performers(ctx: &Context, namespace: Option<&str>) -> Result<Vec<Performer>> {
    let api = performers(ctx.client().await?, namespace);
    let mut items = api
        .list(&list_params(ctx))
        .await
        .map_err(|e| CliError::from_kube_for(PERFORMER_PLURAL, e))?
        .items;
    items.sort_by(|a, b| {
        (&a.metadata.namespace, &a.metadata.name).cmp(&(&b.metadata.namespace, &b.metadata.name))
    });
    Ok(items)
}

/// `executors|performers` as typed on the command line, with kubectl's aliases.
pub fn parse_kind(text: &str) -> std::result::Result<ObjectKind, String> {
    match text.to_ascii_lowercase().as_str() {
        "executor"
        | "executors"
        | "hourglassexecutor"
        | "hourglassexecutors"
        | "hge"
        | "hourglassexecutors.hourglass.eigenlayer.io" => Ok(ObjectKind::Executor),
        "performer" | "performers" | "hgp" | "performers.hourglass.eigenlayer.io" => {
            Ok(ObjectKind::Performer)
        }
        other => Err(format!(
            "the server doesn't have a resource type {other:?} here; expected executors or performers"
        )),
    }
}

/// `No resources found in <ns> namespace.` (or `No resources found` with -A).
pub fn no_resources(namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!("No resources found in {ns} namespace."),
        None => "No resources found".to_string(),
    }
}
