//! Typed access to our two resources and the errors that name them.

use kube::Client;
use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use serde_json::Value;

use hourglass_shared::constants::{EXECUTOR_PLURAL, PERFORMER_PLURAL};
use hourglass_shared::object::ObjectKind;
use hourglass_shared::{HourglassExecutor, HourglassObject, ParseError, Performer};

use crate::context::Context;
use crate::error::{CliError, Result};

/// The field manager of every write this plugin makes.
pub const FIELD_MANAGER: &str = "kubectl-hourglass";

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

/// One object as the server sent it (without managed fields), and what our
/// types make of it: an object that does not fit them is still shown by
/// `-o json|yaml`, and named where a table cannot show it.
#[derive(Clone, Debug)]
pub struct Fetched {
    pub raw: Value,
    pub parsed: std::result::Result<HourglassObject, ParseError>,
}

impl Fetched {
    fn from_dynamic(kind: ObjectKind, object: DynamicObject) -> Result<Self> {
        let raw = serde_json::to_value(object).map_err(|e| CliError::msg(e.to_string()))?;
        let raw = crate::render::structured::without_managed_fields(raw);
        let parsed = HourglassObject::from_value_as(kind, &raw);
        Ok(Fetched { raw, parsed })
    }

    /// `kind/name`, for messages.
    pub fn what(&self) -> String {
        crate::input::describe(&self.raw)
    }
}

/// One object, with kubectl's errors.
pub async fn fetch_one(
    ctx: &Context,
    kind: ObjectKind,
    namespace: &str,
    name: &str,
) -> Result<Fetched> {
    let object = dynamic(ctx.client().await?, kind, namespace)
        .get(name)
        .await
        .map_err(|e| CliError::from_kube_for(kind.plural(), e))?;
    Fetched::from_dynamic(kind, object)
}

/// Every object of `kind` in `namespace` (all with `None`), filtered by
/// `-l`, sorted by namespace and name.
pub async fn fetch_all(
    ctx: &Context,
    kind: ObjectKind,
    namespace: Option<&str>,
) -> Result<Vec<Fetched>> {
    let client = ctx.client().await?;
    let resource = api_resource(kind);
    let api: Api<DynamicObject> = match namespace {
        Some(ns) => Api::namespaced_with(client, ns, &resource),
        None => Api::all_with(client, &resource),
    };
    let mut items = api
        .list(&list_params(ctx))
        .await
        .map_err(|e| CliError::from_kube_for(kind.plural(), e))?
        .items;
    items.sort_by(|a, b| {
        (&a.metadata.namespace, &a.metadata.name).cmp(&(&b.metadata.namespace, &b.metadata.name))
    });
    items
        .into_iter()
        .map(|object| Fetched::from_dynamic(kind, object))
        .collect()
}

/// `executors|performers` as typed on the command line: every name the
/// apiserver knows the resource by (singular, plural, short name,
/// `<plural>.<group>`), and `executor(s)` for short.
pub fn parse_kind(text: &str) -> std::result::Result<ObjectKind, String> {
    let friendly = match text.to_ascii_lowercase().as_str() {
        "executor" | "executors" => Some(ObjectKind::Executor),
        _ => None,
    };
    friendly
        .or_else(|| ObjectKind::from_resource_name(text))
        .ok_or_else(|| {
            format!(
                "the server doesn't have a resource type {:?} here; expected executors or performers",
                text.to_ascii_lowercase()
            )
        })
}

/// `No resources found in <ns> namespace.` (or `No resources found` with -A).
pub fn no_resources(namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!("No resources found in {ns} namespace."),
        None => "No resources found".to_string(),
    }
}
