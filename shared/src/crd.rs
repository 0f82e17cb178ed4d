//! The CustomResourceDefinitions, generated from the types.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;

use crate::executor::HourglassExecutor;
use crate::performer::Performer;

/// Where each CRD lives under `manifests/crds/`, with the definition.
pub fn crds() -> Vec<(&'static str, CustomResourceDefinition)> {
    vec![
        ("hourglassexecutors.yaml", HourglassExecutor::crd()),
        ("performers.yaml", Performer::crd()),
    ]
}

const HEADER: &str =
    "# Generated from shared/src by `cargo run -p hourglass-shared --bin crdgen`; do not edit.\n";

/// The YAML committed for one CRD.
pub fn to_yaml(crd: &CustomResourceDefinition) -> Result<String, String> {
    let body =
        serde_yaml_ng::to_string(crd).map_err(|e| format!("cannot render CRD as YAML: {e}"))?;
    Ok(format!("{HEADER}{body}"))
}
