//! Whether the objects a performer's pod names exist, asked with the
//! user's own rights. The webhook watches RuntimeClasses, PriorityClasses
//! and ServiceAccounts, but may not read Secrets and ConfigMaps (RBAC
//! cannot limit a list or watch to metadata); the plugin asks for each
//! named one with a metadata-only GET, which needs `get` on it.
//!
//! The rules and the wording are `shared::references`; this only answers
//! "does it exist".

use std::collections::HashMap;

use k8s_openapi::api::core::v1::{ConfigMap, Secret, ServiceAccount};
use k8s_openapi::api::node::v1::RuntimeClass;
use k8s_openapi::api::scheduling::v1::PriorityClass;
use kube::Api;

use hourglass_shared::Performer;
use hourglass_shared::references::{
    ReferenceKind, ReferenceLookup, missing_reference_warnings, references,
};

use crate::context::Context;
use crate::error::Result;

/// The kinds the webhook cannot check.
pub const UNWATCHED_KINDS: &[ReferenceKind] = &[ReferenceKind::Secret, ReferenceKind::ConfigMap];
/// Every kind a performer's pod may name.
pub const ALL_KINDS: &[ReferenceKind] = &[
    ReferenceKind::RuntimeClass,
    ReferenceKind::PriorityClass,
    ReferenceKind::ServiceAccount,
    ReferenceKind::Secret,
    ReferenceKind::ConfigMap,
];

type Key = (ReferenceKind, String, String);

/// What the lookups found: present, absent, or not known (not allowed).
#[derive(Default)]
struct Found(HashMap<Key, Option<bool>>);

impl ReferenceLookup for Found {
    fn exists(&self, kind: ReferenceKind, namespace: &str, name: &str) -> Option<bool> {
        *self
            .0
            .get(&(kind, namespace.to_string(), name.to_string()))?
    }
}

/// One warning per object of `kinds` that a performer names and that does
/// not exist, prefixed with the performer; objects the user may not read
/// are skipped, and said so once.
pub async fn missing_references(
    ctx: &Context,
    performers: &[&Performer],
    kinds: &[ReferenceKind],
) -> Result<Vec<String>> {
    let client = ctx.client().await?;
    let mut found = Found::default();
    let mut forbidden = Vec::new();
    for performer in performers {
        let namespace = performer.metadata.namespace.clone().unwrap_or_default();
        for reference in references(performer) {
            if !kinds.contains(&reference.kind) {
                continue;
            }
            let scope = if reference.kind.is_namespaced() {
                namespace.clone()
            } else {
                String::new()
            };
            let key = (reference.kind, scope, reference.name.clone());
            if found.0.contains_key(&key) {
                continue;
            }
            let answer = exists(&client, &key).await;
            if answer.is_none() && !forbidden.contains(&reference.kind) {
                forbidden.push(reference.kind);
            }
            found.0.insert(key, answer);
        }
    }
    for kind in forbidden {
        ctx.note(format!(
            "cannot check that the {kind}s the performers name exist (not allowed to get them)"
        ));
    }
    Ok(performers
        .iter()
        .flat_map(|performer| {
            let namespace = performer.metadata.namespace.as_deref().unwrap_or_default();
            let name = performer.metadata.name.as_deref().unwrap_or_default();
            missing_reference_warnings(performer, namespace, &found)
                .into_iter()
                .map(move |warning| format!("performer/{name}: {warning}"))
        })
        .collect())
}

/// A metadata-only GET: `Some(exists)`, or `None` when not allowed or the
/// apiserver did not answer.
async fn exists(client: &kube::Client, (kind, namespace, name): &Key) -> Option<bool> {
    let client = client.clone();
    let answer = match kind {
        ReferenceKind::Secret => Api::<Secret>::namespaced(client, namespace)
            .get_metadata_opt(name)
            .await
            .map(|o| o.is_some()),
        ReferenceKind::ConfigMap => Api::<ConfigMap>::namespaced(client, namespace)
            .get_metadata_opt(name)
            .await
            .map(|o| o.is_some()),
        ReferenceKind::ServiceAccount => Api::<ServiceAccount>::namespaced(client, namespace)
            .get_metadata_opt(name)
            .await
            .map(|o| o.is_some()),
        ReferenceKind::RuntimeClass => Api::<RuntimeClass>::all(client)
            .get_metadata_opt(name)
            .await
            .map(|o| o.is_some()),
        ReferenceKind::PriorityClass => Api::<PriorityClass>::all(client)
            .get_metadata_opt(name)
            .await
            .map(|o| o.is_some()),
    };
    match answer {
        Ok(exists) => Some(exists),
        Err(error) => {
            tracing::debug!("cannot check {kind} {namespace}/{name}: {error}");
            None
        }
    }
}
