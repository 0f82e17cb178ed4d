//! One row per field of a spec example: that field given a value of the
//! wrong JSON type, denied with a message naming its path.

use serde_json::{Value, json};

use super::*;

/// One row per field of `object` (as in the spec's example): that field
/// given a value of the wrong JSON type, denied with a message that names
/// its path.
pub fn wrong_type_cases(kind: &str, object: &Value) -> Vec<Case> {
    let mut leaves = Vec::new();
    collect_fields(object, &mut Vec::new(), &mut leaves);
    leaves
        .into_iter()
        // apiVersion and kind of the object are the envelope's business: the
        // request's kind decides the type.
        .filter(|(path, _)| !matches!(path.as_slice(), [PathStep::Key(k)] if k == "apiVersion" || k == "kind"))
        .map(|(path, value)| {
            let wrong = wrong_type(&value);
            let mut broken = object.clone();
            *pointer(&mut broken, &path) = wrong.clone();
            let shown = kubectl_path(&path);
            // The request names the object as the apiserver does, whatever
            // its metadata.name holds.
            let body = edited(create(&broken), |r| {
                r["request"]["name"] = object["metadata"]["name"].clone();
            });
            case(
                format!("{kind} {shown} = {wrong}"),
                post_json("/validate", bytes(&body)),
                denied(403, shown),
            )
        })
        .collect()
}

/// One step of a field's path in a JSON document: a key or an index.
#[derive(Clone, Debug)]
enum PathStep {
    Key(String),
    Index(usize),
}

/// Every field of `value`: objects and arrays themselves, and their leaves.
fn collect_fields(value: &Value, path: &mut Vec<PathStep>, out: &mut Vec<(Vec<PathStep>, Value)>) {
    if !path.is_empty() {
        out.push((path.clone(), value.clone()));
    }
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                path.push(PathStep::Key(key.clone()));
                collect_fields(child, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                path.push(PathStep::Index(index));
                collect_fields(child, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn pointer<'a>(value: &'a mut Value, path: &[PathStep]) -> &'a mut Value {
    path.iter().fold(value, |value, step| match step {
        PathStep::Key(key) => &mut value[key.as_str()],
        PathStep::Index(index) => &mut value[*index],
    })
}

/// A value of another JSON type than `value`. Strings get a boolean, not a
/// number: quantities (`cpu: "2"`) take numbers too, as in Kubernetes.
fn wrong_type(value: &Value) -> Value {
    match value {
        Value::String(_) => json!(true),
        Value::Number(_) | Value::Bool(_) => json!("not-this-type"),
        Value::Object(_) => json!("not-an-object"),
        Value::Array(_) => json!({"not": "a list"}),
        Value::Null => json!(1),
    }
}

/// `spec.config.args[0]`, as the webhook names fields.
fn kubectl_path(path: &[PathStep]) -> String {
    let mut text = String::new();
    for step in path {
        match step {
            PathStep::Key(key) => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(key);
            }
            PathStep::Index(index) => text.push_str(&format!("[{index}]")),
        }
    }
    text
}
