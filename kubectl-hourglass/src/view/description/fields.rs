//! kubectl's generic description of a custom resource's fields: keys in
//! order, camelCase turned into words, maps and lists indented.

use serde_json::Value;

use super::Description;

/// Fields shown elsewhere (the header) or never (managed fields).
const SKIP: &[&str] = &[
    ".metadata.managedFields",
    ".metadata.name",
    ".metadata.namespace",
    ".metadata.labels",
    ".metadata.annotations",
];

/// kubectl's `smartLabelFor`: `avsAddress` -> `Avs Address`, `apiVersion` -> `API Version`.
pub fn smart_label(field: &str) -> String {
    if field.chars().any(|c| !c.is_alphabetic() && c != '-') {
        return field.to_string();
    }
    let mut parts: Vec<String> = Vec::new();
    let chars: Vec<char> = field.chars().collect();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let boundary = i > 0
            && c.is_uppercase()
            && (chars[i - 1].is_lowercase()
                || chars.get(i + 1).is_some_and(|n| n.is_lowercase())
                    && chars[i - 1].is_uppercase());
        if boundary && !current.is_empty() {
            parts.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        parts.push(current);
    }
    const ACRONYMS: &[&str] = &["API", "URL", "UID", "OSB", "GUID"];
    parts
        .into_iter()
        .map(|part| {
            let upper = part.to_uppercase();
            if ACRONYMS.contains(&upper.as_str()) {
                upper
            } else {
                let mut chars = part.chars();
                match chars.next() {
                    Some(first) => first.to_uppercase().chain(chars).collect(),
                    None => String::new(),
                }
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".to_string(),
        other => other.to_string(),
    }
}

pub(super) fn content(
    lines: &mut Description,
    level: usize,
    map: &serde_json::Map<String, Value>,
    prefix: &str,
) {
    let mut fields: Vec<&String> = map.keys().collect();
    fields.sort();
    for field in fields {
        let path = format!("{prefix}.{field}");
        if SKIP.contains(&path.as_str()) {
            continue;
        }
        match &map[field] {
            Value::Object(child) => {
                lines.push(level, format!("{}:", smart_label(field)));
                content(lines, level + 1, child, &path);
            }
            Value::Array(items) => {
                lines.push(level, format!("{}:", smart_label(field)));
                for item in items {
                    match item {
                        Value::Object(child) => content(lines, level + 1, child, &path),
                        other => lines.push(level + 1, scalar(other)),
                    }
                }
            }
            other => lines.push(level, format!("{}:\t{}", smart_label(field), scalar(other))),
        }
    }
}

/// kubectl leaves this annotation out of `describe`.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// kubectl shortens longer annotation values.
const MAX_ANNOTATION_LEN: usize = 140;

pub(super) fn multiline_map(
    lines: &mut Description,
    title: &str,
    map: Option<&serde_json::Map<String, Value>>,
) {
    let mut entries: Vec<(String, String)> = map
        .map(|m| {
            m.iter()
                .filter(|(k, _)| k.as_str() != LAST_APPLIED)
                .map(|(k, v)| {
                    let value = scalar(v);
                    let value = if value.chars().count() > MAX_ANNOTATION_LEN {
                        format!(
                            "{}...",
                            value.chars().take(MAX_ANNOTATION_LEN).collect::<String>()
                        )
                    } else {
                        value
                    };
                    (k.clone(), value)
                })
                .collect()
        })
        .unwrap_or_default();
    entries.sort();
    if entries.is_empty() {
        lines.push(0, format!("{title}:\t<none>"));
        return;
    }
    for (i, (key, value)) in entries.iter().enumerate() {
        let label = if i == 0 {
            format!("{title}:")
        } else {
            String::new()
        };
        lines.push(0, format!("{label}\t{key}={value}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_like_kubectl() {
        assert_eq!(smart_label("avsAddress"), "Avs Address");
        assert_eq!(smart_label("apiVersion"), "API Version");
        assert_eq!(smart_label("grpcEndpoint"), "Grpc Endpoint");
        assert_eq!(smart_label("uid"), "UID");
        assert_eq!(smart_label("nvidia.com/gpu"), "nvidia.com/gpu");
        assert_eq!(smart_label("readyTime"), "Ready Time");
    }
}
