//! `-o json|yaml|name` the way kubectl prints them: JSON indented by four
//! spaces, managed fields hidden, several objects as a `List`.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::{Value, json};

/// Hides `metadata.managedFields`, as kubectl does unless asked.
pub fn without_managed_fields(mut value: Value) -> Value {
    if let Some(metadata) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("managedFields");
    }
    value
}

/// kubectl's `List` wrapper for several objects.
pub fn list(items: Vec<Value>) -> Value {
    json!({
        "apiVersion": "v1",
        "items": items,
        "kind": "List",
        "metadata": { "resourceVersion": "" },
    })
}

pub fn write_json(w: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut *w, formatter);
    value.serialize(&mut serializer).map_err(io::Error::other)?;
    writeln!(w)
}

pub fn write_yaml(w: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    let text = serde_yaml_ng::to_string(value).map_err(io::Error::other)?;
    w.write_all(text.as_bytes())
}

/// `-o json|yaml|name` for objects: as a `List` when `as_list` (a listing,
/// or several created objects), else the one object bare.
pub fn write_objects(
    w: &mut impl Write,
    output: crate::options::ObjectOutput,
    objects: Vec<Value>,
    as_list: bool,
) -> io::Result<()> {
    use crate::options::ObjectOutput;
    match output {
        ObjectOutput::Name => {
            for object in &objects {
                let kind = object
                    .get("kind")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let name = object
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                writeln!(w, "{}", name_line(kind, name))?;
            }
            Ok(())
        }
        ObjectOutput::Json | ObjectOutput::Yaml => {
            let value = if as_list {
                list(objects)
            } else {
                objects.into_iter().next().unwrap_or(Value::Null)
            };
            if output == ObjectOutput::Json {
                write_json(w, &value)
            } else {
                write_yaml(w, &value)
            }
        }
    }
}

/// `performer.hourglass.eigenlayer.io/name`.
pub fn name_line(kind: &str, name: &str) -> String {
    format!(
        "{}.{}/{name}",
        kind.to_lowercase(),
        hourglass_shared::constants::API_GROUP
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_like_kubectl() {
        let mut out = Vec::new();
        write_json(&mut out, &json!({"a": {"b": 1}})).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\n    \"a\": {\n        \"b\": 1\n    }\n}\n"
        );
    }

    #[test]
    fn managed_fields_are_hidden() {
        let value = json!({"metadata": {"name": "x", "managedFields": []}});
        assert_eq!(
            without_managed_fields(value),
            json!({"metadata": {"name": "x"}})
        );
    }

    #[test]
    fn names_are_qualified() {
        assert_eq!(
            name_line("Performer", "p"),
            "performer.hourglass.eigenlayer.io/p"
        );
        assert_eq!(
            name_line("HourglassExecutor", "e"),
            "hourglassexecutor.hourglass.eigenlayer.io/e"
        );
    }
}
