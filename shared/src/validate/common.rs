//! Rules that both kinds share: images and resource requirements.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{LocalObjectReference, ResourceRequirements};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use crate::formats::{image, names, quantity};
use crate::violation::{FieldPath, Verdict, abbreviate};

/// `image` must parse; an untagged or `:latest` image is admitted with a warning.
/// Returns the tag, for rules that compare it with a version.
pub(super) fn check_image(verdict: &mut Verdict, path: &FieldPath, image: &str) -> Option<String> {
    match image::parse(image) {
        Ok(reference) => {
            let shown = abbreviate(image, 40);
            match (reference.tag.as_deref(), reference.digest.as_deref()) {
                (None, None) => verdict.warning(
                    path,
                    &format!("{shown:?} has no tag, so it means :latest; pin a version tag or digest"),
                ),
                (Some("latest"), None) => verdict.warning(
                    path,
                    &format!("{shown:?} uses :latest; pin a version tag or digest so upgrades are deliberate"),
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
    let requests = parse_section(
        verdict,
        &path.child("requests"),
        resources.requests.as_ref(),
    );
    let limits = parse_section(verdict, &path.child("limits"), resources.limits.as_ref());
    for (name, (request, request_text)) in &requests {
        if let Some((limit, limit_text)) = limits.get(name)
            && request > limit
        {
            verdict.violation(
                    path.child("requests").key(name),
                    format!("request {request_text} is above the limit {limit_text}; a request must not exceed its limit"),
                );
        }
    }
}

/// The quantities of one section (`requests` or `limits`) that parse, with
/// their text; the others are reported.
fn parse_section<'a>(
    verdict: &mut Verdict,
    path: &FieldPath,
    section: Option<&'a BTreeMap<String, Quantity>>,
) -> BTreeMap<&'a str, (quantity::Quantity, &'a str)> {
    let mut parsed = BTreeMap::new();
    // The field's path is built only for a violation: most quantities have none.
    for (name, value) in section.into_iter().flatten() {
        match quantity::parse(&value.0) {
            Ok(q) if q < quantity::Quantity::from_units(0) => {
                verdict.violation(
                    path.key(name),
                    format!("{:?} is negative; expected 0 or more", value.0),
                );
            }
            Ok(q) => {
                parsed.insert(name.as_str(), (q, value.0.as_str()));
            }
            Err(problem) => verdict.violation(path.key(name), problem),
        }
    }
    parsed
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
