//! The typed floor: serde's plain derive reading the review straight into
//! the webhook's own `Performer` (k8s-openapi's owned types inside), with no
//! check of any kind. The least that reading into these types costs,
//! whoever writes the decoder; `reads_as` holds it to reading the same
//! request as the webhook's decoder before anything is timed.

use hourglass_shared::{HourglassObject, Performer};
use hourglass_webhook::request::ReviewRequest;
use serde::Deserialize;

use crate::envelope_read::EnvelopeRead;

/// The typed floor's review: what a webhook reads of an AdmissionReview for
/// a Performer, by serde's derive alone (unknown keys skipped, a key given
/// twice or an array for a struct taken as serde takes them).
#[derive(Deserialize)]
pub struct PlainReview {
    pub request: PlainRequest,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlainRequest {
    uid: String,
    kind: PlainKind,
    operation: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    dry_run: Option<bool>,
    #[serde(default)]
    object: Option<Performer>,
    #[serde(default)]
    old_object: Option<Performer>,
}

impl PlainRequest {
    /// Whether this is `request`, field for field.
    pub fn reads_as(self, request: &ReviewRequest) -> bool {
        let object = |performer: Option<Performer>| performer.map(HourglassObject::Performer);
        let envelope = EnvelopeRead {
            uid: &self.uid,
            group: &self.kind.group,
            version: &self.kind.version,
            kind: &self.kind.kind,
            operation: &self.operation,
            name: self.name.as_deref(),
            namespace: self.namespace.as_deref(),
            dry_run: self.dry_run,
        };
        envelope.reads_as(request)
            && object(self.object).as_ref() == request.object.as_deref()
            && object(self.old_object).as_ref() == request.old_object.as_deref()
    }
}

#[derive(Deserialize)]
pub struct PlainKind {
    #[serde(default)]
    group: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    kind: String,
}
