//! The borrowed floor: serde's plain derive reading the review into structs
//! of the Performer's shape whose strings point into the body (`&str`), so
//! that only maps and lists allocate. No decoder that fills k8s-openapi's
//! owned types (a `String` per string) can get near it; the gap between it
//! and the typed floor is what the owned model costs, and so what reading
//! the review into borrowing types would save (issue 14).
//!
//! A floor for the benchmark's body only: a string with a JSON escape in
//! it cannot be borrowed and fails the read, and keys the Performer does
//! not have are skipped. `reads_as` holds it to reading the same object as
//! the webhook's decoder, field for field, before anything is timed.

use std::collections::BTreeMap;

use hourglass_shared::{HourglassObject, Performer};
use hourglass_webhook::request::ReviewRequest;
use serde::{Deserialize, Serialize};

use crate::envelope_read::EnvelopeRead;

#[derive(Deserialize)]
pub struct BorrowedReview<'a> {
    #[serde(borrow)]
    pub request: BorrowedRequest<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BorrowedRequest<'a> {
    pub uid: &'a str,
    #[serde(borrow)]
    pub kind: Kind<'a>,
    pub operation: &'a str,
    #[serde(default)]
    pub name: Option<&'a str>,
    #[serde(default)]
    pub namespace: Option<&'a str>,
    #[serde(default)]
    pub dry_run: Option<bool>,
    #[serde(default, borrow)]
    pub object: Option<Object<'a>>,
    #[serde(default, borrow)]
    pub old_object: Option<Object<'a>>,
}

#[derive(Deserialize)]
pub struct Kind<'a> {
    pub group: &'a str,
    pub version: &'a str,
    pub kind: &'a str,
}

/// Serialize, to be compared with the decoder's `Performer` (see
/// [`reads_as`]); only what was read is written.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Object<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    api_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    #[serde(borrow)]
    metadata: Metadata<'a>,
    #[serde(borrow)]
    spec: Spec<'a>,
}

type Strings<'a> = BTreeMap<&'a str, &'a str>;

#[derive(Deserialize, Serialize)]
struct Metadata<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'a str>,
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    labels: Option<Strings<'a>>,
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    annotations: Option<Strings<'a>>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct Spec<'a> {
    avs_address: &'a str,
    image: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    executor_ref: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_pull_policy: Option<&'a str>,
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    config: Option<Config<'a>>,
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    resources: Option<Resources<'a>>,
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    scheduling: Option<Scheduling<'a>>,
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    hardware_requirements: Option<Hardware<'a>>,
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    image_pull_secrets: Option<Vec<Named<'a>>>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct Config<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    grpc_port: Option<i32>,
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    environment: Option<Strings<'a>>,
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    args: Option<Vec<&'a str>>,
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    command: Option<Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_account_name: Option<&'a str>,
}

#[derive(Deserialize, Serialize)]
struct Resources<'a> {
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    requests: Option<Strings<'a>>,
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    limits: Option<Strings<'a>>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct Scheduling<'a> {
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    node_selector: Option<Strings<'a>>,
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    node_affinity: Option<NodeAffinity<'a>>,
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    tolerations: Option<Vec<Toleration<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    runtime_class: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority_class_name: Option<&'a str>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct NodeAffinity<'a> {
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    required_during_scheduling_ignored_during_execution: Option<NodeSelector<'a>>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct NodeSelector<'a> {
    #[serde(borrow)]
    node_selector_terms: Vec<NodeSelectorTerm<'a>>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct NodeSelectorTerm<'a> {
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    match_expressions: Option<Vec<Requirement<'a>>>,
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    match_fields: Option<Vec<Requirement<'a>>>,
}

#[derive(Deserialize, Serialize)]
struct Requirement<'a> {
    key: &'a str,
    operator: &'a str,
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    values: Option<Vec<&'a str>>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct Toleration<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operator: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    effect: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    toleration_seconds: Option<i64>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct Hardware<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    gpu_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gpu_count: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tee_required: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tee_type: Option<&'a str>,
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    custom_labels: Option<Strings<'a>>,
}

#[derive(Deserialize, Serialize)]
struct Named<'a> {
    name: &'a str,
}

/// Whether `object` is `performer` (or both are absent), field for field:
/// the borrowed object written out and read back as a `Performer`.
fn reads_as(object: Option<&Object<'_>>, performer: Option<&Performer>) -> bool {
    match (object, performer) {
        (None, None) => true,
        (Some(object), Some(performer)) => serde_json::to_value(object)
            .and_then(serde_json::from_value::<Performer>)
            .is_ok_and(|read| &read == performer),
        _ => false,
    }
}

impl BorrowedRequest<'_> {
    /// Whether this is `request`, field for field.
    pub fn reads_as(&self, request: &ReviewRequest) -> bool {
        let envelope = EnvelopeRead {
            uid: self.uid,
            group: self.kind.group,
            version: self.kind.version,
            kind: self.kind.kind,
            operation: self.operation,
            name: self.name,
            namespace: self.namespace,
            dry_run: self.dry_run,
        };
        envelope.reads_as(request)
            && same_object(self.object.as_ref(), request.object.as_deref())
            && same_object(self.old_object.as_ref(), request.old_object.as_deref())
    }
}

/// `reads_as` for the decoder's object, which must be a performer if any.
fn same_object(object: Option<&Object<'_>>, decoded: Option<&HourglassObject>) -> bool {
    match decoded {
        Some(HourglassObject::Performer(performer)) => reads_as(object, Some(performer)),
        Some(_) => false,
        None => reads_as(object, None),
    }
}
