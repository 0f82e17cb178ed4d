//! Putting the recorded image and version back after a failed, timed out
//! or interrupted upgrade, without ever overwriting another writer's image,
//! and saying exactly how to do it by hand when the apiserver keeps refusing.

use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use super::write::{Change, Target, write_target};
use crate::error::{CliError, Result};
use crate::pod_rollout::UpgradeApi;
use hourglass_shared::formats::duration;
use hourglass_shared::upgrade_history;

/// Pause before trying a rollback again after a refusal that may pass.
pub const ROLLBACK_RETRY: Duration = Duration::from_secs(1);

/// What a rollback restores, and how hard it tries.
#[derive(Clone, Copy, Debug)]
pub struct RollbackPlan<'a> {
    /// What our upgrade wrote: the rollback only replaces this.
    pub ours: &'a Target,
    /// What the spec held before the upgrade.
    pub recorded: &'a Target,
    /// The history entry the upgrade added, taken out again on rollback.
    pub added_revision: Option<u64>,
    /// How long refusals that may pass are retried.
    pub budget: Duration,
    pub retry_every: Duration,
}

/// How a rollback ended.
#[derive(Debug, PartialEq, Eq)]
pub enum RollbackEnd {
    /// The recorded image and version are back.
    Restored,
    /// Another writer changed the image; their change stays.
    LeftAlone(String),
    /// The write never landed: refused for good, or still refused for a
    /// passing reason when the budget ran out or the user interrupted.
    Refused { error: String, attempts: usize },
}

impl RollbackEnd {
    /// One line for the final message.
    pub fn describe(&self, recorded: &Target) -> String {
        match self {
            RollbackEnd::Restored => format!("rolled back to {}", recorded.describe()),
            RollbackEnd::LeftAlone(why) => {
                format!("{why}; the recorded spec was {}", recorded.describe())
            }
            RollbackEnd::Refused { error, .. } => {
                format!("{error}; the recorded spec was {}", recorded.describe())
            }
        }
    }
}

/// Whether a refused write may succeed if sent again unchanged: the
/// apiserver or a webhook it calls is unavailable (5xx, 429), or the
/// apiserver could not be reached. A denial (4xx) stays a denial.
pub fn is_transient_refusal(error: &CliError) -> bool {
    match error {
        CliError::Api(status) => status.code >= 500 || status.code == 429,
        CliError::Connect(_) => true,
        _ => false,
    }
}

/// Restores `plan.recorded` if the spec still holds `plan.ours`, trying
/// again every `retry_every` while the refusal may pass, until `budget` is
/// spent or `interrupt` resolves. Never gives up silently: the caller gets
/// the last refusal to report.
pub async fn roll_back_within(
    api: &UpgradeApi,
    name: &str,
    plan: &RollbackPlan<'_>,
    interrupt: impl Future<Output = ()>,
    progress: &mut dyn FnMut(String),
) -> RollbackEnd {
    let deadline = Instant::now() + plan.budget;
    let ours_image = plan.ours.image.clone();
    let restore = plan.recorded.clone();
    let mut interrupt = pin!(interrupt);
    let mut attempts = 0;
    loop {
        attempts += 1;
        // Set when a fresh read shows another writer's image.
        let left_alone = std::cell::RefCell::new(None);
        let keep_if = |current: &hourglass_shared::Performer| {
            if current.spec.image == ours_image {
                return Ok(());
            }
            let why = format!(
                "not rolling back: spec.image is now {} (written by someone else)",
                current.spec.image
            );
            *left_alone.borrow_mut() = Some(why.clone());
            Err(why)
        };
        let history_for = |current: &hourglass_shared::Performer| -> Result<Option<String>> {
            let Some(revision) = plan.added_revision else {
                return Ok(None);
            };
            let history = upgrade_history::read(current.metadata.annotations.as_ref())
                .map_err(CliError::Message)?;
            if !history.iter().any(|entry| entry.revision == revision) {
                return Ok(None);
            }
            Ok(Some(upgrade_history::to_annotation(
                &upgrade_history::without(history, revision),
            )))
        };
        let change = Change {
            target_for: &|_| restore.clone(),
            keep_if: &keep_if,
            history_for: &history_for,
        };
        let result = write_target(api, name, &change, false, deadline, progress).await;
        if let Some(why) = left_alone.into_inner() {
            return RollbackEnd::LeftAlone(why);
        }
        let error = match result {
            Ok(_) => return RollbackEnd::Restored,
            Err(error) => error,
        };
        let text = error.to_string();
        let text = text.trim_start_matches("error: ").to_string();
        let now = Instant::now();
        if !is_transient_refusal(&error) || now >= deadline {
            return RollbackEnd::Refused {
                error: text,
                attempts,
            };
        }
        progress(format!(
            "rollback of performer \"{name}\" refused (attempt {attempts}): {text}; trying again for up to {}",
            duration::display(deadline - now)
        ));
        tokio::select! {
            _ = tokio::time::sleep(plan.retry_every.min(deadline - now)) => {}
            _ = &mut interrupt => {
                return RollbackEnd::Refused {
                    error: format!("{text} (interrupted while retrying)"),
                    attempts,
                };
            }
        }
    }
}

/// The command that restores `recorded` by hand: a merge patch of the two
/// fields (a null version removes it), shell-quoted.
pub fn restore_command(name: &str, namespace: &str, recorded: &Target) -> String {
    let patch = json!({ "spec": { "image": recorded.image, "version": recorded.version } });
    format!(
        "kubectl patch performer {name} -n {namespace} --type merge -p {}",
        shell_quote(&patch.to_string())
    )
}

/// `text` in single quotes for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// The final message after a rollback. A rollback that never landed must
/// not lose the user's spec: it says what the spec holds now, what it held
/// before, and the command that puts it back.
pub fn rollback_failure(
    failure: &str,
    name: &str,
    namespace: &str,
    ours: &Target,
    recorded: &Target,
    end: &RollbackEnd,
) -> String {
    match end {
        RollbackEnd::Refused { error, attempts } => format!(
            "{failure}; the rollback was refused ({attempts} attempt{}): {error}\n\
             performer \"{name}\" still has {}; before the upgrade it had {}.\n\
             Once the apiserver accepts writes again (is the webhook up? `kubectl hourglass doctor`), restore it with:\n  {}",
            if *attempts == 1 { "" } else { "s" },
            ours.describe(),
            recorded.describe(),
            restore_command(name, namespace, recorded)
        ),
        other => format!("{failure}; {}", other.describe(recorded)),
    }
}
