//! A performer's pod being replaced, and the wait for its successor: what
//! `performer upgrade` and `performer restart` share. The operator that runs
//! (hourglass-operator 11f1554) replaces a pod by deleting it and creating
//! another of the same name, so "the new pod" is told apart by its uid, and
//! whether it has taken is `shared::status::judge_upgrade`, for both verbs.

mod api;
mod wait;

pub use api::UpgradeApi;
pub use wait::{Goal, WaitEnd, wait_for};
