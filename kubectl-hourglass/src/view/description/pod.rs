//! What `describe performer` adds about the performer's pod: its phase,
//! image and state, what makes the performer unhealthy, then the pod's own
//! events, where the kubelet and the scheduler say why it does not run.

use hourglass_shared::status::{PerformerHealth, pod_image};
use k8s_openapi::api::core::v1::{Event, Pod};
use k8s_openapi::jiff::Timestamp;

use super::events::events_section;
use crate::view::age;

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
