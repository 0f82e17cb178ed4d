//! Our performer rules written as CEL, each attached to the schema node it
//! speaks about.

use super::CelRule;

/// RFC 1123 subdomain, each label at most 63 characters (RE2, no escapes).
const SUBDOMAIN: &str =
    "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?([.][a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$";
/// The portable environment variable name our rules accept.
const ENV_NAME: &str = "^[-._a-zA-Z][-._a-zA-Z0-9]*$";

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
