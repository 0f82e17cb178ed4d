//! The Performer CRD with our rules written as CEL `x-kubernetes-validations`,
//! for the benchmark that compares our webhook with the apiserver's own
//! validation. Derived at run time from `manifests/crds/performers.yaml`, so
//! the schema cannot drift from the real one: a path that no longer exists
//! fails loudly instead of silently dropping a rule.
//!
//! What CEL cannot say is listed in [`NOT_EXPRESSIBLE`]. The CRD's own schema
//! already carries the avsAddress pattern, the grpcPort range, the gpuCount
//! minimum and the enums, so those are not repeated here.

use serde_json::{Value, json};

/// A rule attached to the schema node at `path`.
///
/// `path` walks `properties` by dotted names; a name ending in `[]` steps
/// into the array's `items`, one ending in `{}` into a map's
/// `additionalProperties`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CelRule {
    pub path: &'static str,
    pub rule: String,
    pub message: String,
}

/// A size bound added to a schema node. CEL's cost estimator charges a rule
/// by the largest string or list it could see; without bounds it assumes
/// anything up to the request size limit and refuses rules over lists of
/// strings. Each bound is at or above what our rules accept anyway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaBound {
    pub path: String,
    pub keyword: &'static str,
    pub value: u64,
}

/// What our webhook does that the CEL variant cannot, and why.
pub const NOT_EXPRESSIBLE: &[&str] = &[
    "the EIP-55 checksum of a mixed-case spec.avsAddress: it needs keccak-256, and CEL has no hash functions",
    "warnings (untagged or :latest image, version differing from the image tag, gpuCount without gpuType, teeType without teeRequired, an executorRef naming no executor): CRD rules can only refuse",
    "the executorRef lookup and the executor's defaultScheduling: a CRD rule sees only the object itself",
    "the whole mutation (defaults, inherited scheduling, node affinity, tolerations and GPU resources from hardwareRequirements): CRDs cannot mutate, and a schema `default` is a constant, never derived from other fields",
    "the 255-character limit on the image name alone: bounded only by maxLength on the whole reference (name + tag + digest)",
    "unbounded node-affinity lists: to fit the apiserver's CEL cost budget the variant caps nodeSelectorTerms, matchExpressions/matchFields and preferred terms at 16 and values at 64 (of at most 63 characters), and requests/limits at 7 resources each; our webhook accepts any number",
];

/// RFC 1123 subdomain, each label at most 63 characters (RE2, no escapes).
const SUBDOMAIN: &str =
    "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?([.][a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$";
const SUBDOMAIN_MAX: u64 = 253;
/// The portable environment variable name our rules accept.
const ENV_NAME: &str = "^[-._a-zA-Z][-._a-zA-Z0-9]*$";
/// Longest image reference our parser accepts: a 255-character name, a
/// 128-character tag and a sha256 digest, with their separators.
const IMAGE_MAX: u64 = 255 + 1 + 128 + 1 + 71;
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

/// The distribution grammar of image references, as our parser reads it: a
/// first component is a registry only when it has a dot or a port or is
/// `localhost`; repositories are lowercase.
fn image_pattern() -> String {
    let path_component = "[a-z0-9]+(([.]|_|__|-+)[a-z0-9]+)*";
    let domain_component = "[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?";
    let registry = format!(
        "({domain_component}([.]{domain_component})+(:[0-9]+)?|{domain_component}:[0-9]+|localhost|\\[[0-9a-fA-F:]+\\](:[0-9]+)?)"
    );
    let tag = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
    let digest = "sha256:[a-f0-9]{64}";
    format!("^({registry}/)?{path_component}(/{path_component})*(:{tag})?(@{digest})?$")
}

/// CEL single-quoted string literal for `text` (which must not contain `'`).
fn quoted(text: &str) -> String {
    debug_assert!(!text.contains('\''));
    format!("'{}'", text.replace('\\', "\\\\"))
}

fn subdomain_rule(path: &'static str, field: &str) -> CelRule {
    CelRule {
        path,
        rule: format!("self.matches({})", quoted(SUBDOMAIN)),
        message: format!(
            "{field} must be a valid object name: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"
        ),
    }
}

/// The checks of one node selector requirement (matchExpressions or matchFields item).
fn requirement_rules(path: &'static str) -> Vec<CelRule> {
    let rule = |rule: &str, message: &str| CelRule {
        path,
        rule: rule.to_string(),
        message: message.to_string(),
    };
    vec![
        rule(
            "self.key != ''",
            "key is required: the node label key to match",
        ),
        rule(
            "self.operator in ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']",
            "operator must be In, NotIn, Exists, DoesNotExist, Gt or Lt",
        ),
        rule(
            "!(self.operator in ['In', 'NotIn']) || (has(self.values) && size(self.values) > 0)",
            "values must not be empty with operator In or NotIn",
        ),
        rule(
            "!(self.operator in ['Exists', 'DoesNotExist']) || !has(self.values) || size(self.values) == 0",
            "values must be empty with operator Exists or DoesNotExist",
        ),
        rule(
            "!(self.operator in ['Gt', 'Lt']) || (has(self.values) && size(self.values) == 1 && self.values[0].matches('^[-+]?[0-9]+$'))",
            "values must be a single integer with operator Gt or Lt",
        ),
    ]
}

/// Every rule of `hourglass-shared`'s performer validation that CEL can say.
pub fn performer_rules() -> Vec<CelRule> {
    let rule = |path: &'static str, rule: String, message: &str| CelRule {
        path,
        rule,
        message: message.to_string(),
    };
    // On each value rather than over the map: the estimator charges an
    // int-or-string as the largest possible string, whatever its maxLength.
    // A value that is no quantity makes quantity() fail, which refuses the
    // object too (with CEL's message rather than ours).
    let quantity_ok = "!quantity(string(self)).isLessThan(quantity('0'))";
    let mut rules = vec![
        rule(
            "spec.avsAddress",
            "self.lowerAscii() == oldSelf.lowerAscii()".to_string(),
            "spec.avsAddress cannot change; create a new performer for another AVS instead",
        ),
        rule(
            "spec.image",
            format!("self.matches({})", quoted(&image_pattern())),
            "spec.image must be [registry[:port]/]repository[:tag][@sha256:<64 hex>], e.g. ghcr.io/org/performer:v1.2.0",
        ),
        subdomain_rule("spec.executorRef", "spec.executorRef"),
        rule(
            "spec.config.environment",
            format!("self.all(k, k.matches({}))", quoted(ENV_NAME)),
            "spec.config.environment names must be letters, digits, '_', '-' or '.', not starting with a digit",
        ),
        rule(
            "spec.config.environmentFrom[]",
            format!("self.name.matches({})", quoted(ENV_NAME)),
            "spec.config.environmentFrom[].name must be letters, digits, '_', '-' or '.', not starting with a digit",
        ),
        rule(
            "spec.config.environmentFrom[]",
            "has(self.valueFrom.secretKeyRef) != has(self.valueFrom.configMapKeyRef)".to_string(),
            "spec.config.environmentFrom[].valueFrom must set exactly one of secretKeyRef or configMapKeyRef",
        ),
        subdomain_rule("spec.config.serviceAccountName", "spec.config.serviceAccountName"),
        rule(
            "spec.resources.requests{}",
            quantity_ok.to_string(),
            "spec.resources.requests must be quantities of 0 or more, e.g. 500m, 2, 4Gi",
        ),
        rule(
            "spec.resources.limits{}",
            quantity_ok.to_string(),
            "spec.resources.limits must be quantities of 0 or more, e.g. 500m, 2, 4Gi",
        ),
        rule(
            "spec.resources",
            "!has(self.requests) || !has(self.limits) || self.requests.all(k, !(k in self.limits) || !quantity(string(self.requests[k])).isGreaterThan(quantity(string(self.limits[k]))))".to_string(),
            "spec.resources: a request must not exceed its limit",
        ),
        rule(
            "spec.scheduling.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[]",
            "self.weight >= 1 && self.weight <= 100".to_string(),
            "weight must be 1-100",
        ),
        rule(
            "spec.scheduling.tolerations[]",
            "!has(self.operator) || self.operator in ['Exists', 'Equal']".to_string(),
            "toleration operator must be Exists or Equal",
        ),
        rule(
            "spec.scheduling.tolerations[]",
            "!has(self.operator) || self.operator != 'Exists' || !has(self.value) || self.value == ''".to_string(),
            "toleration value must be empty with operator Exists",
        ),
        rule(
            "spec.scheduling.tolerations[]",
            "(has(self.operator) && self.operator != 'Equal') || (has(self.key) && self.key != '')".to_string(),
            "toleration key is required with operator Equal (use Exists to tolerate every taint)",
        ),
        rule(
            "spec.scheduling.tolerations[]",
            "!has(self.effect) || self.effect in ['', 'NoSchedule', 'PreferNoSchedule', 'NoExecute']".to_string(),
            "toleration effect must be NoSchedule, PreferNoSchedule or NoExecute",
        ),
        subdomain_rule("spec.scheduling.runtimeClass", "spec.scheduling.runtimeClass"),
        subdomain_rule(
            "spec.scheduling.priorityClassName",
            "spec.scheduling.priorityClassName",
        ),
        rule(
            "spec.hardwareRequirements",
            "!has(self.teeRequired) || !self.teeRequired || (has(self.teeType) && self.teeType != '')".to_string(),
            "spec.hardwareRequirements.teeType is required when teeRequired is true: expected sgx, sev or tdx",
        ),
        subdomain_rule("spec.imagePullSecrets[].name", "spec.imagePullSecrets[].name"),
    ];
    for path in [
        "spec.scheduling.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[].matchExpressions[]",
        "spec.scheduling.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[].matchFields[]",
        "spec.scheduling.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[].preference.matchExpressions[]",
        "spec.scheduling.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[].preference.matchFields[]",
    ] {
        rules.extend(requirement_rules(path));
    }
    rules
}

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

/// `crd` (the Performer CRD as generated) with [`performer_rules`] and
/// [`performer_bounds`] added to every version's schema.
pub fn performer_crd_with_cel(crd: &Value) -> Result<Value, String> {
    let mut crd = crd.clone();
    let versions = crd["spec"]["versions"]
        .as_array_mut()
        .filter(|versions| !versions.is_empty())
        .ok_or("the Performer CRD has no spec.versions")?;
    for version in versions {
        let schema = &mut version["schema"]["openAPIV3Schema"];
        for bound in performer_bounds() {
            let node = schema_node(schema, &bound.path)?;
            node[bound.keyword] = json!(bound.value);
        }
        for rule in performer_rules() {
            let node = schema_node(schema, rule.path)?;
            let list = node
                .as_object_mut()
                .ok_or_else(|| format!("schema node {} is not an object", rule.path))?
                .entry("x-kubernetes-validations")
                .or_insert_with(|| json!([]));
            list.as_array_mut()
                .ok_or_else(|| format!("{}: x-kubernetes-validations is not a list", rule.path))?
                .push(json!({ "rule": rule.rule, "message": rule.message }));
        }
    }
    Ok(crd)
}

/// The schema node at `path` (see [`CelRule`] for the syntax).
fn schema_node<'a>(schema: &'a mut Value, path: &str) -> Result<&'a mut Value, String> {
    let mut node = schema;
    for segment in path.split('.') {
        let (name, step) = if let Some(name) = segment.strip_suffix("[]") {
            (name, Some("items"))
        } else if let Some(name) = segment.strip_suffix("{}") {
            (name, Some("additionalProperties"))
        } else {
            (segment, None)
        };
        node = node
            .get_mut("properties")
            .and_then(|properties| properties.get_mut(name))
            .ok_or_else(|| {
                format!(
                    "manifests/crds/performers.yaml has no schema for {path} (missing {name:?}); update tests/src/bench/cel_crd.rs to the new schema"
                )
            })?;
        if let Some(step) = step {
            node = node.get_mut(step).ok_or_else(|| {
                format!("manifests/crds/performers.yaml: {path}: {name:?} has no {step}")
            })?;
        }
    }
    Ok(node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::crd_install::crd_manifest;

    fn rules_at<'a>(crd: &'a Value, pointer: &str) -> Vec<&'a str> {
        crd.pointer(pointer)
            .and_then(|node| node["x-kubernetes-validations"].as_array())
            .map(|list| list.iter().filter_map(|r| r["rule"].as_str()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn every_rule_and_bound_lands_on_the_generated_schema() {
        let crd = crd_manifest("performers.yaml").unwrap();
        let variant = performer_crd_with_cel(&crd).unwrap();
        let spec = "/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties";
        assert_eq!(
            rules_at(&variant, &format!("{spec}/avsAddress")),
            ["self.lowerAscii() == oldSelf.lowerAscii()"]
        );
        assert_eq!(
            rules_at(
                &variant,
                &format!("{spec}/scheduling/properties/tolerations/items")
            )
            .len(),
            4
        );
        assert_eq!(
            variant
                .pointer(&format!("{spec}/image/maxLength"))
                .and_then(Value::as_u64),
            Some(IMAGE_MAX)
        );
        let added: usize = variant.to_string().matches("\"rule\":").count();
        let before: usize = crd.to_string().matches("\"rule\":").count();
        assert_eq!(added - before, performer_rules().len());
    }

    #[test]
    fn a_schema_path_that_disappeared_is_an_error_naming_it() {
        let crd = json!({"spec": {"versions": [{"schema": {"openAPIV3Schema": {
            "properties": {"spec": {"properties": {}}}
        }}}]}});
        let error = performer_crd_with_cel(&crd).unwrap_err();
        assert!(error.contains("spec."), "{error}");
        assert!(error.contains("cel_crd.rs"), "{error}");
    }
}
