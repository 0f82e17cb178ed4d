//! `/mutate`: defaults, the executor's default scheduling and hardware
//! scheduling, as a JSON patch computed by `hourglass-shared`.
//!
//! This endpoint also runs the rules and denies with every violation. The
//! apiserver checks the CRD schema after the mutating webhooks and before
//! the validating ones, and the schema carries a few of the constraints
//! (patterns, ranges, enums): a bad object would otherwise be refused by the
//! schema with only those, and the user would fix them one round at a time.
//! Denying here gives one answer that names every violation. `/validate`
//! checks again afterwards, with the final say after any other mutator.

use std::time::Instant;

use hourglass_shared::mutate::MutationContext;
use hourglass_shared::references::missing_reference_warnings;
use hourglass_shared::violation::{abbreviate, fit_warning};
use hourglass_shared::{HourglassObject, Performer, SchedulingConfig};

use crate::AppState;
use crate::executor_cache::ExecutorLookupResult;
use crate::request::ReviewRequest;
use crate::response::AdmissionResponseOut;
use crate::validate::old_object_warning;

/// How often a review re-reads the executor cache while it waits for its first list.
const SYNC_POLL: std::time::Duration = std::time::Duration::from_millis(25);

pub(crate) async fn answer(state: &AppState, request: &ReviewRequest) -> AdmissionResponseOut {
    // DELETE and CONNECT carry nothing to change.
    let Some(object) = request.object.as_deref() else {
        return AdmissionResponseOut::allow(&request.uid);
    };
    // Nothing to add to an object on its way out (see `is_finishing_deletion`).
    if request.is_finishing_deletion() {
        return AdmissionResponseOut::allow(&request.uid);
    }
    let mut warnings = old_object_warning(request);
    let mut cluster_warnings = Vec::new();
    let inherited = match object {
        HourglassObject::Performer(performer) => {
            cluster_warnings.extend(missing_reference_warnings(
                performer,
                &request.namespace,
                &*state.references,
            ));
            executor_scheduling(state, performer, request, &mut cluster_warnings).await
        }
        HourglassObject::Executor(_) => None,
    };
    let context = MutationContext {
        profile: &state.profile,
        executor_scheduling: inherited.as_ref(),
    };
    let outcome = hourglass_shared::review(object, request.old_object.as_deref(), &context);
    warnings.extend(outcome.verdict.warnings.iter().cloned());
    warnings.extend(cluster_warnings);
    if !outcome.verdict.is_allowed() {
        return AdmissionResponseOut::deny(&request.uid, outcome.verdict.denial_message())
            .with_warnings(warnings);
    }
    AdmissionResponseOut::allow(&request.uid)
        .with_warnings(warnings)
        .with_patch(&outcome.patch)
}

/// The default scheduling of the executor `performer` names, from the cache.
/// A dangling `executorRef` is admitted with a warning: the executor may be
/// created right after the performer.
async fn executor_scheduling(
    state: &AppState,
    performer: &Performer,
    request: &ReviewRequest,
    warnings: &mut Vec<String>,
) -> Option<SchedulingConfig> {
    let namespace = request.namespace.as_str();
    // The label stands in for executorRef after a writer dropped the field.
    let name = performer.executor_name()?;
    let deadline = Instant::now() + state.limits.executor_sync_wait;
    let mut result = state.executors.lookup(namespace, name);
    while result == ExecutorLookupResult::NotSynced && Instant::now() < deadline {
        tokio::time::sleep(SYNC_POLL).await;
        result = state.executors.lookup(namespace, name);
    }
    let quoted = abbreviate(name, 24);
    // Without the watch, every performer would log the same line; the
    // startup warning about --no-executor-watch already said it once.
    let log_it = result != ExecutorLookupResult::Disabled;
    let warning = match result {
        ExecutorLookupResult::Found(scheduling) => return scheduling.map(|boxed| *boxed),
        ExecutorLookupResult::NotFound => format!(
            "spec.executorRef: executor \"{quoted}\" not found in namespace \"{}\"; no default scheduling inherited",
            abbreviate(namespace, 16)
        ),
        ExecutorLookupResult::NotSynced => format!(
            "spec.executorRef: executor cache not synced yet; default scheduling of \"{quoted}\" not inherited"
        ),
        ExecutorLookupResult::Disabled => format!(
            "spec.executorRef: this webhook does not watch executors; scheduling of \"{quoted}\" not inherited"
        ),
    };
    if log_it {
        tracing::info!(
            uid = request.uid,
            object_name = request.name,
            executor = name,
            namespace,
            warning,
            "executor scheduling not inherited"
        );
    }
    warnings.push(fit_warning(&warning));
    None
}
