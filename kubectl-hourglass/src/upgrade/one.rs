//! One performer's upgrade from start to end: write, wait, roll back.
//! It prints progress lines but never the outcome: the caller says it, in
//! one line for a single upgrade, in a table for many.

use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use tokio::time::Instant;

use hourglass_shared::Performer;
use hourglass_shared::formats::duration;
use hourglass_shared::status::UpgradeGoal;
use hourglass_shared::upgrade_history::{self, Replaced};

use super::rollback::{
    ROLLBACK_RETRY, RollbackEnd, RollbackPlan, roll_back_within, rollback_failure,
};
use super::write::{Change, Target, Written, desired_version, write_target, written_at};
use crate::error::{CliError, Result};
use crate::interrupt::Presses;
use crate::pod_rollout::UpgradeApi;
use crate::pod_rollout::{Goal, WaitEnd, wait_for};

/// What to upgrade to, and how.
#[derive(Clone, Debug)]
pub struct Request {
    /// The image and version for a performer as just read.
    pub image: String,
    /// `--version`; `None` derives it from the image's tag when the
    /// performer tracks a version, unless `version_as_given`.
    pub version: Option<String>,
    /// Write `version` as it is, `None` removing it (`undo` restores a
    /// recorded spec exactly).
    pub version_as_given: bool,
    pub timeout: Duration,
    pub operator_timeout: Duration,
    pub no_wait: bool,
    pub rollback: bool,
    pub rollback_timeout: Duration,
    pub server_dry_run: bool,
    pub poll: Duration,
    /// Recorded in the history as who upgraded.
    pub who: Option<String>,
}

/// How one upgrade ended.
#[derive(Debug, PartialEq, Eq)]
pub enum UpgradeEnd {
    /// The spec already held the image and version: nothing written.
    AlreadyThere,
    /// Written (or accepted with dry run), not waited for.
    Written,
    /// The new pod runs the new image and is ready.
    Upgraded,
    /// Did not take; `message` says why and what became of the spec.
    Failed { message: String, restored: bool },
}

impl UpgradeEnd {
    pub fn is_failure(&self) -> bool {
        matches!(self, UpgradeEnd::Failed { .. })
    }
}

/// Upgrades `name` as `request` says. `Err` is a refusal before anything
/// was written (not found, invalid, forbidden); once the new image is
/// written every ending is an [`UpgradeEnd`].
pub async fn upgrade_one(
    api: &UpgradeApi,
    namespace: &str,
    name: &str,
    request: &Request,
    interrupts: &mut Presses,
    progress: &mut dyn FnMut(String),
) -> Result<UpgradeEnd> {
    let deadline = Instant::now() + request.timeout;
    // The pod running now, so that the wait does not take it for the new one.
    let replaced_pod_uid = if request.server_dry_run || request.no_wait {
        None
    } else {
        let current = api.read(name).await?;
        api.pod_of(&current).await?.and_then(|pod| pod.metadata.uid)
    };
    let target_for = |current: &Performer| Target {
        image: request.image.clone(),
        version: if request.version_as_given {
            request.version.clone()
        } else {
            desired_version(current, &request.image, request.version.as_deref())
        },
    };
    let history_for = |current: &Performer| -> Result<Option<String>> {
        let history = upgrade_history::read(current.metadata.annotations.as_ref())
            .map_err(|e| CliError::msg(format!("performer \"{name}\": {e}")))?;
        let replaced = Replaced {
            image: current.spec.image.clone(),
            version: current.spec.version.clone(),
            at: now_to_the_second(),
            by: request.who.clone(),
        };
        Ok(Some(upgrade_history::to_annotation(
            &upgrade_history::push(history, replaced),
        )))
    };
    let change = Change {
        target_for: &target_for,
        keep_if: &|_| Ok(()),
        history_for: &history_for,
    };
    let (recorded, object) = match write_target(
        api,
        name,
        &change,
        request.server_dry_run,
        deadline,
        progress,
    )
    .await?
    {
        Written::AlreadyThere => return Ok(UpgradeEnd::AlreadyThere),
        Written::Changed { recorded, object } => (recorded, object),
    };
    if request.server_dry_run {
        return Ok(UpgradeEnd::Written);
    }
    let ours = Target::of(&object);
    let added_revision = upgrade_history::read(object.metadata.annotations.as_ref())
        .ok()
        .and_then(|history| history.last().map(|entry| entry.revision));
    let generation = object.metadata.generation.unwrap_or(0);
    progress(format!(
        "performer \"{name}\": recorded {}; wrote {} (generation {generation})",
        recorded.describe(),
        ours.describe()
    ));
    if request.no_wait {
        progress(format!(
            "performer \"{name}\": not waiting for the new image to run (--no-wait)"
        ));
        return Ok(UpgradeEnd::Written);
    }
    let goal = Goal {
        upgrade: UpgradeGoal {
            image: ours.image.clone(),
            generation,
            written_at: written_at(&object),
            replaced_pod_uid,
        },
        deadline,
        new_pod_deadline: Instant::now() + request.operator_timeout,
        new_pod_timeout: request.operator_timeout,
        poll: request.poll,
    };
    let failure = match wait_for(api, name, &goal, interrupts.next(), progress).await? {
        WaitEnd::Done => return Ok(UpgradeEnd::Upgraded),
        WaitEnd::Replaced(other) => {
            return Ok(UpgradeEnd::Failed {
                message: format!(
                    "performer \"{name}\" now has image {other}, written by someone else while waiting; not touching it"
                ),
                restored: false,
            });
        }
        WaitEnd::TimedOut(last) => format!(
            "timed out after {} waiting for performer \"{name}\" to run {} ({last})",
            duration::display(request.timeout),
            ours.image
        ),
        WaitEnd::Failed(why) => format!("performer \"{name}\" failed to run {}: {why}", ours.image),
        WaitEnd::Interrupted(last) => format!(
            "interrupted while waiting for performer \"{name}\" to run {} ({last})",
            ours.image
        ),
    };
    if !request.rollback {
        return Ok(UpgradeEnd::Failed {
            message: format!(
                "{failure}; the spec keeps the new image (pass --rollback to restore {} on failure)",
                recorded.describe()
            ),
            restored: false,
        });
    }
    progress(format!("{failure}; rolling back"));
    let plan = RollbackPlan {
        ours: &ours,
        recorded: &recorded,
        added_revision,
        budget: request.rollback_timeout,
        retry_every: ROLLBACK_RETRY.min(request.poll.max(Duration::from_millis(100))),
    };
    let end = roll_back_within(api, name, &plan, interrupts.next(), progress).await;
    Ok(UpgradeEnd::Failed {
        message: rollback_failure(&failure, name, namespace, &ours, &recorded, &end),
        restored: end == RollbackEnd::Restored,
    })
}

/// History times are to the second, as the apiserver's own are.
fn now_to_the_second() -> String {
    let now = Timestamp::now();
    now.round(k8s_openapi::jiff::Unit::Second)
        .unwrap_or(now)
        .to_string()
}
