//! The upgrade history a performer carries: what its spec held before each
//! upgrade, kept in one annotation on the performer itself.
//!
//! Why an annotation: it travels with the object (backups, `kubectl get -o
//! yaml`, GitOps diffs), needs no other resource or RBAC, and survives the
//! upstream operator's typed updates, which keep all of `metadata` while
//! they drop spec fields its Go type lacks. It is written in the same
//! request as the new image, under the same resourceVersion precondition,
//! so the history and the spec never disagree.
//!
//! The value is a JSON array, oldest first, at most [`MAX_ENTRIES`] long.
//! Each entry has a revision number that only grows, so `undo
//! --to-revision K` names one spec even after older entries fall off.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const UPGRADE_HISTORY_ANNOTATION: &str = "hourglass.eigenlayer.io/upgrade-history";

/// How many earlier specs a performer keeps; older ones are dropped.
pub const MAX_ENTRIES: usize = 10;

/// A spec the performer held before an upgrade replaced it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    pub revision: u64,
    pub image: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// When the upgrade away from this spec was written (RFC 3339).
    pub replaced_at: String,
    /// Who wrote that upgrade, as the apiserver knows them, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
}

/// The entry an upgrade adds, before it has a revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replaced {
    pub image: String,
    pub version: Option<String>,
    pub at: String,
    pub by: Option<String>,
}

/// The history in `annotations`: empty when there is none; an error naming
/// the annotation and the fix when its value is not ours to read (it is
/// never overwritten then: it may be someone's edit).
pub fn read(annotations: Option<&BTreeMap<String, String>>) -> Result<Vec<HistoryEntry>, String> {
    let Some(text) = annotations.and_then(|map| map.get(UPGRADE_HISTORY_ANNOTATION)) else {
        return Ok(Vec::new());
    };
    serde_json::from_str(text).map_err(|error| {
        format!(
            "metadata.annotations[{UPGRADE_HISTORY_ANNOTATION:?}] is not an upgrade history ({error}); \
             fix it or remove it (`kubectl annotate performer NAME {UPGRADE_HISTORY_ANNOTATION}-`)"
        )
    })
}

/// `history` with `replaced` appended as the next revision, the oldest
/// entries dropped beyond [`MAX_ENTRIES`].
pub fn push(mut history: Vec<HistoryEntry>, replaced: Replaced) -> Vec<HistoryEntry> {
    let revision = history
        .iter()
        .map(|entry| entry.revision)
        .max()
        .unwrap_or(0)
        + 1;
    history.push(HistoryEntry {
        revision,
        image: replaced.image,
        version: replaced.version,
        replaced_at: replaced.at,
        replaced_by: replaced.by,
    });
    let excess = history.len().saturating_sub(MAX_ENTRIES);
    history.drain(..excess);
    history
}

/// `history` without the entry of `revision`: a rolled-back upgrade leaves
/// no trace, so the next `undo` goes to the spec before it, not to the
/// image that failed.
pub fn without(mut history: Vec<HistoryEntry>, revision: u64) -> Vec<HistoryEntry> {
    history.retain(|entry| entry.revision != revision);
    history
}

/// The entry `undo` goes back to: `revision` when given, else the latest.
pub fn undo_target(
    history: &[HistoryEntry],
    revision: Option<u64>,
) -> Result<&HistoryEntry, String> {
    match revision {
        None => history
            .last()
            .ok_or_else(|| "no upgrade recorded on this performer; nothing to undo".to_string()),
        Some(revision) => history
            .iter()
            .find(|entry| entry.revision == revision)
            .ok_or_else(|| {
                let known: Vec<String> = history.iter().map(|e| e.revision.to_string()).collect();
                if known.is_empty() {
                    format!("--to-revision {revision}: no upgrade recorded on this performer")
                } else {
                    format!(
                        "--to-revision {revision}: no such revision; recorded: {}",
                        known.join(", ")
                    )
                }
            }),
    }
}

/// The annotation's value for `history`.
pub fn to_annotation(history: &[HistoryEntry]) -> String {
    serde_json::to_string(history).expect("history entries are plain strings and numbers")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replaced(image: &str) -> Replaced {
        Replaced {
            image: image.to_string(),
            version: Some("v1".to_string()),
            at: "2026-11-30T10:00:00Z".to_string(),
            by: Some("alice".to_string()),
        }
    }

    fn annotations(value: &str) -> BTreeMap<String, String> {
        BTreeMap::from([(UPGRADE_HISTORY_ANNOTATION.to_string(), value.to_string())])
    }

    #[test]
    fn a_performer_without_the_annotation_has_no_history() {
        assert_eq!(read(None), Ok(Vec::new()));
        assert_eq!(read(Some(&BTreeMap::new())), Ok(Vec::new()));
    }

    #[test]
    fn entries_round_trip_through_the_annotation() {
        let history = push(push(Vec::new(), replaced("a:1")), replaced("a:2"));
        let text = to_annotation(&history);
        assert!(text.contains("\"replacedBy\":\"alice\""), "{text}");
        assert_eq!(read(Some(&annotations(&text))), Ok(history));
    }

    #[test]
    fn revisions_grow_and_only_the_last_ten_are_kept() {
        let mut history = Vec::new();
        for n in 1..=13 {
            history = push(history, replaced(&format!("a:{n}")));
        }
        assert_eq!(history.len(), MAX_ENTRIES);
        assert_eq!(history[0].revision, 4);
        assert_eq!(history[0].image, "a:4");
        assert_eq!(history.last().unwrap().revision, 13);
        // A dropped entry's number is never given again.
        let history = push(without(history, 13), replaced("b"));
        assert_eq!(history.last().unwrap().revision, 13);
        let history = push(history, replaced("c"));
        assert_eq!(history.last().unwrap().revision, 14);
    }

    #[test]
    fn an_unreadable_annotation_is_named_with_its_fix() {
        let error = read(Some(&annotations("not json"))).unwrap_err();
        assert!(error.contains(UPGRADE_HISTORY_ANNOTATION), "{error}");
        assert!(error.contains("kubectl annotate performer NAME"), "{error}");
    }

    #[test]
    fn undo_goes_to_the_latest_entry_or_the_named_revision() {
        let history = push(push(Vec::new(), replaced("a:1")), replaced("a:2"));
        assert_eq!(undo_target(&history, None).unwrap().image, "a:2");
        assert_eq!(undo_target(&history, Some(1)).unwrap().image, "a:1");
        let error = undo_target(&history, Some(7)).unwrap_err();
        assert!(error.contains("recorded: 1, 2"), "{error}");
        assert!(
            undo_target(&[], None)
                .unwrap_err()
                .contains("nothing to undo")
        );
    }

    #[test]
    fn a_rolled_back_upgrade_leaves_no_entry() {
        let history = push(push(Vec::new(), replaced("a:1")), replaced("a:2"));
        let history = without(history, 2);
        assert_eq!(history.len(), 1);
        assert_eq!(undo_target(&history, None).unwrap().image, "a:1");
    }
}
