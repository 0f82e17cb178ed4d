//! Fixtures for the rule and mutation tests: the API reference's examples.
#![allow(dead_code)]

use hourglass_shared::HourglassObject;
use serde_json::Value;

pub const MINIMAL_EXECUTOR: &str =
    include_str!("../../../manifests/examples/minimal-executor.yaml");
pub const MAIN_EXECUTOR: &str = include_str!("../../../manifests/examples/main-executor.yaml");
pub const MINIMAL_PERFORMER: &str =
    include_str!("../../../manifests/examples/minimal-performer.yaml");
pub const COMPLEX_PERFORMER: &str =
    include_str!("../../../manifests/examples/complex-performer.yaml");

pub fn value(yaml: &str) -> Value {
    serde_yaml_ng::from_str(yaml).expect("fixture is YAML")
}

pub fn object(value: &Value) -> HourglassObject {
    HourglassObject::from_value(value).unwrap_or_else(|e| panic!("fixture parses: {e}"))
}

/// Sets the JSON pointer `pointer` in `value`, creating parent objects.
pub fn set(value: &mut Value, pointer: &str, new: Value) {
    let mut current = value;
    let parts: Vec<String> = pointer
        .trim_start_matches('/')
        .split('/')
        .map(|part| part.replace("~1", "/").replace("~0", "~"))
        .collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i == parts.len() - 1;
        current = match current {
            Value::Array(items) => {
                let index: usize = part.parse().expect("array index");
                if last {
                    items[index] = new;
                    return;
                }
                &mut items[index]
            }
            other => {
                if !other.is_object() {
                    *other = Value::Object(Default::default());
                }
                let map = other.as_object_mut().expect("object");
                if last {
                    map.insert(part.clone(), new);
                    return;
                }
                map.entry(part.clone())
                    .or_insert(Value::Object(Default::default()))
            }
        };
    }
}

/// `yaml` with `pointer` set to `new`, parsed.
pub fn with(yaml: &str, pointer: &str, new: Value) -> HourglassObject {
    let mut v = value(yaml);
    set(&mut v, pointer, new);
    object(&v)
}
