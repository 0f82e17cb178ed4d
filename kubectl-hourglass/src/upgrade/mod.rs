//! Upgrading one performer: record the current spec, change only image and
//! version under a resourceVersion precondition (re-reading on conflict),
//! then wait until the performer's pod runs the new image and is ready,
//! with one deadline, progress lines and an optional rollback that never
//! overwrites another writer. `performer upgrade` (one or many) and
//! `performer undo` run it; they differ only in how they choose the
//! performers and the target.
//!
//! Done is judged from the pod (`shared::status::judge_upgrade`): the
//! operator that runs today (hourglass-operator 11f1554) writes no
//! conditions, deletes the pod whose image differs from the spec and
//! creates a new one, and reports `phase` and `ready` from it.

mod diff;
mod one;
mod options;
mod rollback;
mod who;
mod write;

pub use crate::pod_rollout::{Goal, UpgradeApi, WaitEnd, wait_for};
pub use diff::spec_diff;
pub use one::{Request, UpgradeEnd, upgrade_one};
pub use options::UpgradeOptions;
pub use rollback::{
    ROLLBACK_RETRY, RollbackEnd, RollbackPlan, is_transient_refusal, restore_command,
    roll_back_within, rollback_failure,
};
pub use who::who_am_i;
pub use write::{
    Change, Target, Written, desired_version, patch_body, upgraded, write_target, written_at,
};
