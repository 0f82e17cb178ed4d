//! kubectl's generic `describe` layout for custom resources: Name,
//! Namespace, Labels, Annotations, then every field with camelCase keys
//! turned into words, aligned like kubectl's tabwriter, and Events last.

use std::io::{self, Write};

use serde_json::Value;

use crate::view::age;
use hourglass_shared::status::{PerformerHealth, pod_image};
use k8s_openapi::api::core::v1::{Event, Pod};
use k8s_openapi::jiff::Timestamp;

const SKIP: &[&str] = &[
    ".metadata.managedFields",
    ".metadata.name",
    ".metadata.namespace",
    ".metadata.labels",
    ".metadata.annotations",
];

/// Lines with tab-separated cells, aligned in blocks of consecutive lines
/// that have a tab (kubectl: padding 2).
#[derive(Default)]
struct Lines(Vec<String>);

impl Lines {
    fn push(&mut self, level: usize, text: String) {
        self.0.push(format!("{}{text}", "  ".repeat(level)));
    }

    fn write(&self, w: &mut impl Write) -> io::Result<()> {
        let mut index = 0;
        while index < self.0.len() {
            if !self.0[index].contains('\t') {
                writeln!(w, "{}", self.0[index])?;
                index += 1;
                continue;
            }
            let end = (index..self.0.len())
                .find(|&i| !self.0[i].contains('\t'))
                .unwrap_or(self.0.len());
            let block = &self.0[index..end];
            let columns = block
                .iter()
                .map(|l| l.split('\t').count())
                .max()
                .unwrap_or(1);
            let mut widths = vec![0usize; columns];
            for line in block {
                let cells: Vec<&str> = line.split('\t').collect();
                for (i, cell) in cells.iter().enumerate().take(cells.len() - 1) {
                    widths[i] = widths[i].max(cell.chars().count());
                }
            }
            for line in block {
                let cells: Vec<&str> = line.split('\t').collect();
                let mut out = String::new();
                for (i, cell) in cells.iter().enumerate() {
                    if i + 1 < cells.len() {
                        out.push_str(cell);
                        out.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
                    } else {
                        out.push_str(cell);
                    }
                }
                writeln!(w, "{}", out.trim_end())?;
            }
            index = end;
        }
        Ok(())
    }
}

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

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".to_string(),
        other => other.to_string(),
    }
}

fn content(lines: &mut Lines, level: usize, map: &serde_json::Map<String, Value>, prefix: &str) {
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

fn multiline_map(lines: &mut Lines, title: &str, map: Option<&serde_json::Map<String, Value>>) {
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

/// kubectl describe's `Events:` section; `None` when events could not be read.
pub fn events_section(events: Option<&[Event]>, now: Timestamp) -> Vec<String> {
    let Some(events) = events else {
        return Vec::new();
    };
    if events.is_empty() {
        return vec!["Events:\t<none>".to_string()];
    }
    let mut sorted: Vec<&Event> = events.iter().collect();
    sorted.sort_by_key(|e| last_seen(e));
    let mut out = vec![
        "Events:".to_string(),
        "  Type\tReason\tAge\tFrom\tMessage".to_string(),
        "  ----\t------\t----\t----\t-------".to_string(),
    ];
    for event in sorted {
        let last = last_seen(event);
        let first = event
            .first_timestamp
            .as_ref()
            .map(|t| t.0)
            .or(event.event_time.as_ref().map(|t| t.0));
        let count = event.count.unwrap_or(1);
        let age_text = match (count > 1, first) {
            (true, Some(first)) => format!(
                "{} (x{count} over {})",
                age_at(last, now),
                crate::view::human_duration(now.as_second() - first.as_second())
            ),
            _ => age_at(last, now),
        };
        let from = event
            .source
            .as_ref()
            .and_then(|s| s.component.clone())
            .or_else(|| event.reporting_component.clone())
            .unwrap_or_default();
        out.push(format!(
            "  {}\t{}\t{}\t{}\t{}",
            event.type_.as_deref().unwrap_or(""),
            event.reason.as_deref().unwrap_or(""),
            age_text,
            from,
            event.message.as_deref().unwrap_or("").trim()
        ));
    }
    out
}

fn last_seen(event: &Event) -> Option<Timestamp> {
    event
        .last_timestamp
        .as_ref()
        .map(|t| t.0)
        .or(event.event_time.as_ref().map(|t| t.0))
        .or(event.metadata.creation_timestamp.as_ref().map(|t| t.0))
}

fn age_at(time: Option<Timestamp>, now: Timestamp) -> String {
    match time {
        Some(t) => age(
            Some(&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(t)),
            now,
        ),
        None => "<unknown>".to_string(),
    }
}

/// What `describe performer` adds about the performer's pod.
pub struct PodDescription<'a> {
    /// The name the operator gives the pod.
    pub name: String,
    /// The pod, when it exists.
    pub pod: Option<&'a Pod>,
    pub health: &'a PerformerHealth,
    /// The pod's events; `None` when they could not be read.
    pub events: Option<&'a [Event]>,
}

/// The `Pod:` section: the pod's phase, image and state, what makes the
/// performer unhealthy, then the pod's own events.
pub fn pod_section(pod: &PodDescription<'_>, now: Timestamp) -> Vec<String> {
    let mut out = vec!["Pod:".to_string(), format!("  Name:\t{}", pod.name)];
    match pod.pod {
        None => out.push("  State:\t<no pod>".to_string()),
        Some(found) => {
            out.push(format!("  Phase:\t{}", pod.health.phase));
            out.push(format!(
                "  Image:\t{}",
                pod_image(found).unwrap_or("<none>")
            ));
            if let Some(state) = &pod.health.pod {
                out.push(format!("  State:\t{}", state.describe()));
            }
            out.push(format!(
                "  Created:\t{}",
                age(found.metadata.creation_timestamp.as_ref(), now)
            ));
        }
    }
    out.push(format!("  Ready:\t{}", pod.health.ready));
    if !pod.health.problems.is_empty() {
        out.push("  Not Healthy:".to_string());
        for problem in &pod.health.problems {
            out.push(format!("    {problem}"));
        }
    }
    if pod.pod.is_some() {
        out.extend(events_section(pod.events, now).into_iter().map(|line| {
            match line.strip_prefix("Events:") {
                Some(rest) => format!("  Events:{rest}"),
                None => format!("  {line}"),
            }
        }));
    }
    out
}

/// Writes the description of one object (as JSON), what it adds about
/// the performer's pod, and the object's events.
pub fn describe(
    w: &mut impl Write,
    object: &Value,
    pod: Option<&PodDescription<'_>>,
    events: Option<&[Event]>,
    now: Timestamp,
) -> io::Result<()> {
    let mut lines = Lines::default();
    let metadata = object.get("metadata");
    let field = |name: &str| {
        metadata
            .and_then(|m| m.get(name))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    lines.push(0, format!("Name:\t{}", field("name")));
    lines.push(0, format!("Namespace:\t{}", field("namespace")));
    multiline_map(
        &mut lines,
        "Labels",
        metadata
            .and_then(|m| m.get("labels"))
            .and_then(Value::as_object),
    );
    multiline_map(
        &mut lines,
        "Annotations",
        metadata
            .and_then(|m| m.get("annotations"))
            .and_then(Value::as_object),
    );
    if let Some(map) = object.as_object() {
        content(&mut lines, 0, map, "");
    }
    for line in pod.map(|pod| pod_section(pod, now)).unwrap_or_default() {
        lines.0.push(line);
    }
    for line in events_section(events, now) {
        lines.0.push(line);
    }
    lines.write(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels_read_like_kubectl() {
        assert_eq!(smart_label("avsAddress"), "Avs Address");
        assert_eq!(smart_label("apiVersion"), "API Version");
        assert_eq!(smart_label("grpcEndpoint"), "Grpc Endpoint");
        assert_eq!(smart_label("uid"), "UID");
        assert_eq!(smart_label("nvidia.com/gpu"), "nvidia.com/gpu");
        assert_eq!(smart_label("readyTime"), "Ready Time");
    }

    #[test]
    fn describe_layout() {
        let object = json!({
            "apiVersion": "hourglass.eigenlayer.io/v1alpha1",
            "kind": "Performer",
            "metadata": {"name": "p", "namespace": "ns", "labels": {"b": "2", "a": "1"}, "managedFields": []},
            "spec": {"avsAddress": "0xabc", "image": "img:v1", "config": {"args": ["--x", "y"]}},
            "status": {"conditions": [{"type": "Available", "status": "True"}]}
        });
        let mut out = Vec::new();
        describe(&mut out, &object, None, Some(&[]), Timestamp::UNIX_EPOCH).unwrap();
        let expected = "\
Name:         p
Namespace:    ns
Labels:       a=1
              b=2
Annotations:  <none>
API Version:  hourglass.eigenlayer.io/v1alpha1
Kind:         Performer
Metadata:
Spec:
  Avs Address:  0xabc
  Config:
    Args:
      --x
      y
  Image:  img:v1
Status:
  Conditions:
    Status:  True
    Type:    Available
Events:      <none>
";
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn the_pod_section_says_why_it_does_not_run() {
        let performer: hourglass_shared::Performer = serde_json::from_value(json!({
            "apiVersion": "hourglass.eigenlayer.io/v1alpha1", "kind": "Performer",
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"avsAddress": "0xabc", "image": "img:v2"},
            "status": {"phase": "Pending", "podName": "performer-p"}
        }))
        .unwrap();
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "performer-p", "creationTimestamp": "1970-01-01T00:00:00Z"},
            "spec": {"containers": [{"name": "performer", "image": "img:v2"}]},
            "status": {"phase": "Pending", "containerStatuses": [{"name": "performer", "image": "img:v2",
                "imageID": "", "ready": false, "restartCount": 0,
                "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"img:v2\""}}}]}
        }))
        .unwrap();
        let event: Event = serde_json::from_value(json!({
            "metadata": {"name": "e"}, "involvedObject": {"kind": "Pod", "name": "performer-p"},
            "type": "Normal", "reason": "BackOff", "message": "Back-off pulling image \"img:v2\"",
            "source": {"component": "kubelet"}, "lastTimestamp": "1970-01-01T00:00:00Z"
        }))
        .unwrap();
        let health = PerformerHealth::judge(&performer, Some(Some(&pod)));
        let description = PodDescription {
            name: "performer-p".to_string(),
            pod: Some(&pod),
            health: &health,
            events: Some(std::slice::from_ref(&event)),
        };
        let mut lines = Lines::default();
        for line in pod_section(&description, Timestamp::UNIX_EPOCH) {
            lines.0.push(line);
        }
        let mut out = Vec::new();
        lines.write(&mut out).unwrap();
        let expected = "\
Pod:
  Name:     performer-p
  Phase:    Pending
  Image:    img:v2
  State:    ImagePullBackOff: Back-off pulling image \"img:v2\"
  Created:  0s
  Ready:    false
  Not Healthy:
    pod performer-p: ImagePullBackOff: Back-off pulling image \"img:v2\"
  Events:
    Type    Reason   Age   From     Message
    ----    ------   ----  ----     -------
    Normal  BackOff  0s    kubelet  Back-off pulling image \"img:v2\"
";
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }
}
