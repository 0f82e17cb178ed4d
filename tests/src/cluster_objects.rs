//! Cluster-scoped objects the spec's examples name, which a real cluster's
//! administrator would have made: without them the apiserver refuses the
//! operator's pods (the RuntimeClass admission plugin).

use k8s_openapi::api::node::v1::RuntimeClass;
use kube::api::{Api, PostParams};
use serde_json::json;

/// Creates RuntimeClass `name` (handler `runsc`) unless it exists.
pub async fn ensure_runtime_class(client: &kube::Client, name: &str) {
    let classes: Api<RuntimeClass> = Api::all(client.clone());
    let class: RuntimeClass = serde_json::from_value(json!({
        "apiVersion": "node.k8s.io/v1",
        "kind": "RuntimeClass",
        "metadata": { "name": name },
        "handler": "runsc",
    }))
    .expect("a RuntimeClass");
    match classes.create(&PostParams::default(), &class).await {
        Ok(_) => {}
        Err(kube::Error::Api(status)) if status.code == 409 => {}
        Err(err) => panic!("cannot create RuntimeClass {name}: {err}"),
    }
}
