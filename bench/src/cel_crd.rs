//! The Performer CRD with our rules written as CEL `x-kubernetes-validations`,
//! for the benchmark that compares our webhook with the apiserver's own
//! validation. Derived at run time from `manifests/crds/performers.yaml`, so
//! the schema cannot drift from the real one: a path that no longer exists
//! fails loudly instead of silently dropping a rule.
//!
//! What CEL cannot say is listed in [`NOT_EXPRESSIBLE`]. The CRD's own schema
//! already carries the avsAddress pattern, the grpcPort range, the gpuCount
//! minimum and the enums, so those are not repeated here.
//!
//! `rules.rs` holds the rules, `bounds.rs` the size bounds the apiserver's
//! CEL cost estimator needs before it accepts them; this file puts both
//! onto the CRD.

mod bounds;
mod rules;

use serde_json::{Value, json};

pub use bounds::performer_bounds;
pub use rules::performer_rules;

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
                    "manifests/crds/performers.yaml has no schema for {path} (missing {name:?}); update the rules and bounds of bench/src/cel_crd.rs to the new schema"
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
    use super::bounds::IMAGE_MAX;
    use super::*;
    use crate::crd_install::crd_manifest;

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
