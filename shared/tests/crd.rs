//! The committed CRDs match the types, and the constraints the schema
//! carries never stop the webhook from naming every violation.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use serde_json::{Value, json};

#[test]
fn committed_crds_match_the_types() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../manifests/crds");
    for (file, crd) in hourglass_shared::crd::crds() {
        let generated = hourglass_shared::crd::to_yaml(&crd).unwrap();
        let committed = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        assert!(
            committed == generated,
            "manifests/crds/{file} differs from the types; run `cargo run -p hourglass-shared --bin crdgen`"
        );
    }
}

/// `#[kube(...)]` takes literals; the rest of the workspace takes the
/// constants. This ties the two.
#[test]
fn the_derives_name_the_resources_as_the_constants_do() {
    use hourglass_shared::constants::*;
    use hourglass_shared::object::ObjectKind;
    for (kind, (_, crd)) in [ObjectKind::Executor, ObjectKind::Performer]
        .into_iter()
        .zip(hourglass_shared::crd::crds())
    {
        let crd = serde_json::to_value(crd).unwrap();
        let names = &crd["spec"]["names"];
        assert_eq!(crd["spec"]["group"], API_GROUP, "{kind}");
        assert_eq!(crd["spec"]["versions"][0]["name"], API_VERSION, "{kind}");
        assert_eq!(names["kind"], kind.as_str());
        assert_eq!(names["plural"], kind.plural());
        assert_eq!(names["singular"], kind.as_str().to_ascii_lowercase());
        assert_eq!(names["shortNames"], json!([kind.short_name()]));
        assert_eq!(names["categories"], json!([CATEGORY]));
        assert_eq!(GROUP_VERSION, format!("{API_GROUP}/{API_VERSION}"));
        for name in [
            names["kind"].as_str().unwrap(),
            names["plural"].as_str().unwrap(),
            names["shortNames"][0].as_str().unwrap(),
            &format!("{}.{API_GROUP}", kind.plural()),
        ] {
            assert_eq!(ObjectKind::from_resource_name(name), Some(kind), "{name}");
        }
    }
    assert_eq!(ObjectKind::from_resource_name("pods"), None);
}

#[test]
fn crds_carry_names_columns_and_subresources() {
    let crds: Vec<Value> = hourglass_shared::crd::crds()
        .into_iter()
        .map(|(_, crd)| serde_json::to_value(crd).unwrap())
        .collect();
    let executor = &crds[0];
    let performer = &crds[1];
    assert_eq!(
        executor["spec"]["names"]["categories"],
        json!(["hourglass"])
    );
    assert_eq!(
        performer["spec"]["names"]["categories"],
        json!(["hourglass"])
    );
    assert_eq!(executor["spec"]["names"]["shortNames"], json!(["hge"]));
    assert_eq!(performer["spec"]["names"]["shortNames"], json!(["hgp"]));
    assert_eq!(executor["spec"]["scope"], json!("Namespaced"));

    let version = &executor["spec"]["versions"][0];
    assert_eq!(
        version["subresources"]["scale"],
        json!({"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"})
    );
    assert!(version["subresources"]["status"].is_object());
    let columns = |crd: &Value| -> Vec<String> {
        crd["spec"]["versions"][0]["additionalPrinterColumns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        columns(executor),
        ["Image", "Replicas", "Ready", "Phase", "Age"]
    );
    assert_eq!(
        columns(performer),
        ["AVS", "Image", "Version", "Phase", "Endpoint", "Age"]
    );
    assert!(performer["spec"]["versions"][0]["subresources"]["status"].is_object());
}

/// Paths in the schema that carry a value constraint, as `spec.config.grpcPort`.
fn constrained_paths(schema: &Value, path: &str, found: &mut BTreeSet<String>) {
    const CONSTRAINTS: [&str; 8] = [
        "pattern",
        "minimum",
        "maximum",
        "enum",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
    ];
    if CONSTRAINTS.iter().any(|c| schema.get(c).is_some()) {
        found.insert(path.to_string());
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, child) in properties {
            let child_path = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            constrained_paths(child, &child_path, found);
        }
    }
    if let Some(items) = schema.get("items") {
        constrained_paths(items, &format!("{path}[*]"), found);
    }
    if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object()) {
        constrained_paths(values, &format!("{path}[*]"), found);
    }
}

/// The apiserver checks the schema after the mutating webhooks and before
/// the validating ones. Our mutating webhook denies with every violation
/// first, so a schema constraint is only safe if the rules catch the same
/// value. This table ties each constraint to a value the rules refuse; a new
/// schema constraint without a row here fails the test.
#[test]
fn every_schema_constraint_is_also_a_rule() {
    let table: Vec<(&str, &str, &str, Value, &str)> = vec![
        (
            "performers",
            COMPLEX_PERFORMER,
            "/spec/avsAddress",
            json!("0x12"),
            "spec.avsAddress",
        ),
        (
            "performers",
            COMPLEX_PERFORMER,
            "/spec/config/grpcPort",
            json!(0),
            "spec.config.grpcPort",
        ),
        (
            "performers",
            COMPLEX_PERFORMER,
            "/spec/hardwareRequirements/gpuCount",
            json!(-2),
            "spec.hardwareRequirements.gpuCount",
        ),
        (
            "performers",
            COMPLEX_PERFORMER,
            "/spec/hardwareRequirements/teeType",
            json!("tz"),
            "spec.hardwareRequirements.teeType",
        ),
        (
            "performers",
            COMPLEX_PERFORMER,
            "/spec/imagePullPolicy",
            json!("Sometimes"),
            "spec.imagePullPolicy",
        ),
        (
            "hourglassexecutors",
            MAIN_EXECUTOR,
            "/spec/replicas",
            json!(0),
            "spec.replicas",
        ),
        (
            "hourglassexecutors",
            MAIN_EXECUTOR,
            "/spec/config/chains",
            json!([]),
            "spec.config.chains",
        ),
        (
            "hourglassexecutors",
            MAIN_EXECUTOR,
            "/spec/config/chains/0/chainId",
            json!(0),
            "spec.config.chains[0].chainId",
        ),
        (
            "hourglassexecutors",
            MAIN_EXECUTOR,
            "/spec/config/performerMode",
            json!("podman"),
            "spec.config.performerMode",
        ),
        (
            "hourglassexecutors",
            MAIN_EXECUTOR,
            "/spec/config/logLevel",
            json!("loud"),
            "spec.config.logLevel",
        ),
    ];

    let mut schema_paths = BTreeSet::new();
    for (file, crd) in hourglass_shared::crd::crds() {
        let plural = file.trim_end_matches(".yaml");
        let crd = serde_json::to_value(crd).unwrap();
        let mut found = BTreeSet::new();
        constrained_paths(
            &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"],
            "",
            &mut found,
        );
        schema_paths.extend(found.into_iter().map(|p| format!("{plural}:{p}")));
    }
    let table_paths: BTreeSet<String> = table
        .iter()
        .map(|(plural, _, _, _, path)| format!("{plural}:{}", path.replace("[0]", "[*]")))
        .collect();
    assert_eq!(
        schema_paths, table_paths,
        "schema constraints and rules differ"
    );

    for (_, fixture, pointer, bad, path) in table {
        let verdict = with(fixture, pointer, bad.clone()).validate(None);
        assert!(
            verdict.violations.iter().any(|v| v.path == path),
            "{pointer} = {bad} is refused by the schema but not by the rules: {verdict:?}"
        );
    }
}
