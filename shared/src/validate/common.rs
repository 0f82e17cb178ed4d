//! Rules that both kinds share: images and resource requirements.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{LocalObjectReference, ResourceRequirements};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use crate::formats::{image, names, quantity};
use crate::violation::{FieldPath, Verdict, abbreviate};

/// `image` must parse; an untagged or `:latest` image is admitted with a warning.
/// Returns the tag, for rules that compare it with a version.
pub(super) fn check_image<'a>(
    verdict: &mut Verdict,
    path: &FieldPath,
    image: &'a str,
) -> Option<&'a str> {
    match image::parse(image) {
        Ok(reference) => {
            match (reference.tag, reference.digest) {
                (None, None) => verdict.warning(
                    path,
                    format_args!(
                        "{:?} has no tag, so it means :latest; pin a version tag or digest",
                        abbreviate(image, 40)
                    ),
                ),
                (Some("latest"), None) => verdict.warning(
                    path,
                    format_args!(
                        "{:?} uses :latest; pin a version tag or digest so upgrades are deliberate",
                        abbreviate(image, 40)
                    ),
                ),
                _ => {}
            }
            reference.tag
        }
        Err(problem) => {
            verdict.violation(path, problem);
            None
        }
    }
}

/// Every quantity parses, and no request is above its limit.
pub(super) fn check_resources(
    verdict: &mut Verdict,
    path: &FieldPath,
    resources: &ResourceRequirements,
) {
    let requests = resources.requests.as_ref();
    let limits = resources.limits.as_ref();
    let requests_path = path.child("requests");
    report_unparsable(verdict, &requests_path, requests);
    report_unparsable(verdict, &path.child("limits"), limits);
    // Parsed again rather than kept from above: a quantity parses without
    // allocating, and the maps that kept them were most of this rule's cost.
    for (name, request_text) in requests.into_iter().flatten() {
        let limit_text = limits.and_then(|limits| limits.get(name));
        if let (Some(request), Some(limit_text)) = (usable(request_text), limit_text)
            && let Some(limit) = usable(limit_text)
            && request > limit
        {
            verdict.violation(
                requests_path.key(name),
                format!(
                    "request {} is above the limit {}; a request must not exceed its limit",
                    request_text.0, limit_text.0
                ),
            );
        }
    }
}

/// Reports each quantity of one section (`requests` or `limits`) that does
/// not parse or is negative. The field's path is built only for a
/// violation: most quantities have none.
fn report_unparsable(
    verdict: &mut Verdict,
    path: &FieldPath,
    section: Option<&BTreeMap<String, Quantity>>,
) {
    for (name, value) in section.into_iter().flatten() {
        match quantity::parse(&value.0) {
            Ok(q) if q < quantity::Quantity::from_units(0) => {
                verdict.violation(
                    path.key(name),
                    format!("{:?} is negative; expected 0 or more", value.0),
                );
            }
            Ok(_) => {}
            Err(problem) => verdict.violation(path.key(name), problem),
        }
    }
}

/// The quantity, when it parses and is not negative (else reported above).
fn usable(value: &Quantity) -> Option<quantity::Quantity> {
    quantity::parse(&value.0)
        .ok()
        .filter(|q| *q >= quantity::Quantity::from_units(0))
}

pub(super) fn check_pull_secrets(
    verdict: &mut Verdict,
    path: &FieldPath,
    secrets: &[LocalObjectReference],
) {
    for (i, secret) in secrets.iter().enumerate() {
        if let Some(problem) = names::object_name_problem(&secret.name) {
            verdict.violation(path.index(i).child("name"), problem);
        }
    }
}

pub(super) fn require_non_empty(
    verdict: &mut Verdict,
    path: &FieldPath,
    value: &str,
    what: &str,
) -> bool {
    if value.trim().is_empty() {
        verdict.violation(path, format!("is required: {what}"));
        return false;
    }
    true
}
