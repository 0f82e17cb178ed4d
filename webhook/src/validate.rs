//! `/validate`: the rules of `hourglass-shared`, nothing else. It runs after
//! every mutating webhook, so it has the final say on what is stored.

use hourglass_shared::violation::fit_warning;

use crate::request::ReviewRequest;
use crate::response::AdmissionResponseOut;

pub(crate) fn answer(request: &ReviewRequest) -> AdmissionResponseOut {
    // DELETE and CONNECT carry nothing to check.
    let Some(object) = request.object.as_deref() else {
        return AdmissionResponseOut::allow(&request.uid);
    };
    if request.is_finishing_deletion() {
        return AdmissionResponseOut::allow(&request.uid);
    }
    let mut verdict = object.validate(request.old_object.as_deref());
    let mut warnings = old_object_warning(request);
    // Almost always nothing comes before the rules' warnings: take their
    // list whole rather than copy it into a new one.
    if warnings.is_empty() {
        warnings = std::mem::take(&mut verdict.warnings);
    } else {
        warnings.append(&mut verdict.warnings);
    }
    if verdict.is_allowed() {
        AdmissionResponseOut::allow(&request.uid).with_warnings(warnings)
    } else {
        AdmissionResponseOut::deny(&request.uid, verdict.denial_message()).with_warnings(warnings)
    }
}

/// On UPDATE, a stored object that no longer fits the type cannot be
/// compared with: the update is judged on its own, and the user told.
pub(crate) fn old_object_warning(request: &ReviewRequest) -> Vec<String> {
    match &request.old_object_problem {
        Some(problem) => {
            tracing::warn!(
                uid = request.uid,
                kind = request.kind.as_str(),
                object_name = request.name,
                namespace = request.namespace,
                problem,
                "oldObject unreadable; immutable fields not compared"
            );
            vec![fit_warning(&format!(
                "the stored {} does not fit its type, so immutable fields were not compared: {problem}",
                request.kind
            ))]
        }
        None => Vec::new(),
    }
}
