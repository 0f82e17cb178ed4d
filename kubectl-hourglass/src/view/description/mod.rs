//! What `describe` shows, as lines of tab-separated cells: kubectl's layout
//! for custom resources (Name, Namespace, Labels, Annotations, then every
//! field), for a performer its pod (`pod`), and the object's events last
//! (`events`). Built without I/O; `render::describe` only aligns the cells.

mod events;
mod fields;
mod pod;

use k8s_openapi::api::core::v1::Event;
use k8s_openapi::jiff::Timestamp;
use serde_json::Value;

pub use events::events_section;
pub use fields::smart_label;
pub use pod::{PodDescription, pod_section};

/// Lines of tab-separated cells, each indented by its level.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Description {
    pub lines: Vec<String>,
}

impl Description {
    fn push(&mut self, level: usize, text: String) {
        self.lines.push(format!("{}{text}", "  ".repeat(level)));
    }
}

/// The description of one object (as the server sent it), what `pod` adds
/// about a performer's pod, and the object's events (`None`: unreadable).
pub fn describe_object(
    object: &Value,
    pod: Option<&PodDescription<'_>>,
    events: Option<&[Event]>,
    now: Timestamp,
) -> Description {
    let mut lines = Description::default();
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
    fields::multiline_map(
        &mut lines,
        "Labels",
        metadata
            .and_then(|m| m.get("labels"))
            .and_then(Value::as_object),
    );
    fields::multiline_map(
        &mut lines,
        "Annotations",
        metadata
            .and_then(|m| m.get("annotations"))
            .and_then(Value::as_object),
    );
    if let Some(map) = object.as_object() {
        fields::content(&mut lines, 0, map, "");
    }
    lines
        .lines
        .extend(pod.map(|pod| pod_section(pod, now)).unwrap_or_default());
    lines.lines.extend(events_section(events, now));
    lines
}
