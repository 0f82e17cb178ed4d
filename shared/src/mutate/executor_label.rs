//! `spec.executorRef` and its label, [`EXECUTOR_LABEL`]: the field wins
//! when present; when a writer whose type lacks the field (the upstream
//! operator, on its first reconcile) has dropped it, the label puts it back.
//! To detach a performer from its executor, remove both.

use crate::constants::EXECUTOR_LABEL;
use crate::performer::Performer;

pub(super) fn mirror(performer: &mut Performer) {
    let field = performer
        .spec
        .executor_ref
        .as_deref()
        .filter(|name| !name.is_empty());
    match field {
        Some(name) => {
            let labels = performer
                .metadata
                .labels
                .get_or_insert_with(Default::default);
            if labels.get(EXECUTOR_LABEL).map(String::as_str) != Some(name) {
                labels.insert(EXECUTOR_LABEL.to_string(), name.to_string());
            }
        }
        None => {
            let label = performer
                .metadata
                .labels
                .as_ref()
                .and_then(|labels| labels.get(EXECUTOR_LABEL))
                .filter(|name| !name.is_empty());
            if let Some(name) = label {
                performer.spec.executor_ref = Some(name.clone());
            }
        }
    }
}
