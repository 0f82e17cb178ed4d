//! The request's own fields as a floor read them, held to what the
//! webhook's decoder read: a floor that skipped one would time less work.

use hourglass_shared::ObjectKind;
use hourglass_shared::constants::{API_GROUP, API_VERSION};
use hourglass_webhook::request::{ReviewRequest, operation_name};

pub struct EnvelopeRead<'a> {
    pub uid: &'a str,
    pub group: &'a str,
    pub version: &'a str,
    pub kind: &'a str,
    pub operation: &'a str,
    pub name: Option<&'a str>,
    pub namespace: Option<&'a str>,
    pub dry_run: Option<bool>,
}

impl EnvelopeRead<'_> {
    /// Whether these are `request`'s fields (its objects aside).
    pub fn reads_as(&self, request: &ReviewRequest) -> bool {
        self.uid == request.uid
            && self.group == API_GROUP
            && self.version == API_VERSION
            && Some(request.kind) == ObjectKind::from_kind(self.kind)
            && self.operation == operation_name(request.operation)
            && self.name.unwrap_or_default() == request.name
            && self.namespace.unwrap_or_default() == request.namespace
            && self.dry_run.unwrap_or(false) == request.dry_run
    }
}
