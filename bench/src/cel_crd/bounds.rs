//! The size bounds CEL's cost estimator needs on the schema before it
//! accepts our rules.

use super::SchemaBound;

/// Longest RFC 1123 subdomain.
const SUBDOMAIN_MAX: u64 = 253;
/// Longest image reference our parser accepts: a 255-character name, a
/// 128-character tag and a sha256 digest, with their separators.
pub(super) const IMAGE_MAX: u64 = 255 + 1 + 128 + 1 + 71;
/// Lists and maps in a performer are short; bounds for the cost estimator.
const ITEMS_MAX: u64 = 256;
const SHORT_TEXT_MAX: u64 = 1024;
/// Node-affinity lists nest three deep (terms, requirements, values) and the
/// estimator multiplies their bounds: 256 each is 11 times over the CRD's
/// budget, so these are capped lower. Our webhook has no such caps; a
/// Kubernetes label value has at most 63 characters anyway.
const NESTED_ITEMS_MAX: u64 = 16;
const VALUES_MAX: u64 = 64;
const LABEL_VALUE_MAX: u64 = 63;
/// Requests against limits loops over a map of int-or-string quantities,
/// which the estimator charges at the request size limit whatever their
/// maxLength: 7 resources is the most that fits the budget of one rule.
const RESOURCES_MAX: u64 = 7;
const QUANTITY_MAX: u64 = 64;

/// The size bounds the rules need to fit the apiserver's cost budget.
pub fn performer_bounds() -> Vec<SchemaBound> {
    let bound = |path: &str, keyword, value| SchemaBound {
        path: path.to_string(),
        keyword,
        value,
    };
    let mut bounds = vec![
        bound("spec.avsAddress", "maxLength", 42),
        bound("spec.image", "maxLength", IMAGE_MAX),
        bound("spec.executorRef", "maxLength", SUBDOMAIN_MAX),
        bound("spec.config.environment", "maxProperties", ITEMS_MAX),
        bound("spec.config.environmentFrom", "maxItems", ITEMS_MAX),
        bound(
            "spec.config.environmentFrom[].name",
            "maxLength",
            SHORT_TEXT_MAX,
        ),
        bound("spec.config.serviceAccountName", "maxLength", SUBDOMAIN_MAX),
        bound("spec.resources.requests", "maxProperties", RESOURCES_MAX),
        bound("spec.resources.limits", "maxProperties", RESOURCES_MAX),
        bound("spec.resources.requests{}", "maxLength", QUANTITY_MAX),
        bound("spec.resources.limits{}", "maxLength", QUANTITY_MAX),
        bound("spec.scheduling.tolerations", "maxItems", ITEMS_MAX),
        bound("spec.scheduling.runtimeClass", "maxLength", SUBDOMAIN_MAX),
        bound(
            "spec.scheduling.priorityClassName",
            "maxLength",
            SUBDOMAIN_MAX,
        ),
        bound("spec.imagePullSecrets", "maxItems", ITEMS_MAX),
        bound("spec.imagePullSecrets[].name", "maxLength", SUBDOMAIN_MAX),
        bound(
            "spec.scheduling.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution",
            "maxItems",
            NESTED_ITEMS_MAX,
        ),
        bound(
            "spec.scheduling.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms",
            "maxItems",
            NESTED_ITEMS_MAX,
        ),
    ];
    for terms in [
        "spec.scheduling.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[]",
        "spec.scheduling.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[].preference",
    ] {
        for list in ["matchExpressions", "matchFields"] {
            bounds.push(bound(
                &format!("{terms}.{list}"),
                "maxItems",
                NESTED_ITEMS_MAX,
            ));
            bounds.push(bound(
                &format!("{terms}.{list}[].values"),
                "maxItems",
                VALUES_MAX,
            ));
            bounds.push(bound(
                &format!("{terms}.{list}[].values[]"),
                "maxLength",
                LABEL_VALUE_MAX,
            ));
        }
    }
    bounds
}
