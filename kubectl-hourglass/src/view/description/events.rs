//! kubectl describe's `Events:` section.

use k8s_openapi::api::core::v1::Event;
use k8s_openapi::jiff::Timestamp;

use crate::view::{age, human_duration};

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
                human_duration(now.as_second() - first.as_second())
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
