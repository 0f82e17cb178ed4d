//! `--diff`: the spec before and after, as a unified diff of its YAML.

use serde_json::json;
use similar::TextDiff;

use hourglass_shared::Performer;

/// The unified diff of the two performers' specs, headed like kubectl diff.
pub fn spec_diff(name: &str, live: &Performer, upgraded: &Performer) -> String {
    let (old, new) = (spec_yaml(live), spec_yaml(upgraded));
    TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(usize::MAX / 2)
        .header(
            &format!("performer/{name} (live)"),
            &format!("performer/{name} (upgraded)"),
        )
        .to_string()
}

fn spec_yaml(performer: &Performer) -> String {
    serde_yaml_ng::to_string(&json!({ "spec": performer.spec })).unwrap_or_default()
}
