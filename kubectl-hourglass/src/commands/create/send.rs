//! Sending one object to the apiserver (through the webhook), and what the
//! webhook cannot check about a performer: the Secrets and ConfigMaps it
//! names, looked up with the user's own rights.

use kube::api::{DynamicObject, PostParams};
use serde_json::Value;

use hourglass_shared::Performer;
use hourglass_shared::object::ObjectKind;

use super::batch::Creatable;
use crate::api::{self, FIELD_MANAGER};
use crate::context::Context;
use crate::error::{CliError, Result};
use crate::references::{UNWATCHED_KINDS, missing_references};

/// Creates `object` (or, with `server_dry_run`, has it checked and not
/// stored); returns what the apiserver answered.
pub async fn create_on_server(
    ctx: &Context,
    kind: ObjectKind,
    object: &Creatable,
    server_dry_run: bool,
) -> Result<Value> {
    let dynamic: DynamicObject = serde_json::from_value(object.raw.clone())
        .map_err(|e| CliError::msg(format!("{}: {e}", object.what)))?;
    let api = api::dynamic(ctx.client().await?, kind, object.namespace());
    let params = PostParams {
        dry_run: server_dry_run,
        field_manager: Some(FIELD_MANAGER.to_string()),
    };
    let created = api
        .create(&params, &dynamic)
        .await
        .map_err(|e| CliError::from_kube_for(kind.plural(), e))?;
    serde_json::to_value(created).map_err(|e| CliError::msg(e.to_string()))
}

/// The Secrets and ConfigMaps a created performer names that do not exist:
/// the webhook cannot see them, the user can.
pub async fn warn_of_missing_secrets(ctx: &Context, created: &Value) {
    let Ok(performer) = serde_json::from_value::<Performer>(created.clone()) else {
        return;
    };
    match missing_references(ctx, &[&performer], UNWATCHED_KINDS).await {
        Ok(warnings) => {
            for warning in warnings {
                ctx.note(format!("Warning: {warning}"));
            }
        }
        Err(error) => tracing::debug!("cannot check the performer's references: {error}"),
    }
}
