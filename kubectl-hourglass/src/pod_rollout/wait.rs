//! Waiting for an upgrade (or a restart: the same goal, with the image the
//! spec already holds) to take, judged from the performer's pod and what
//! the operator reports (`shared::status::judge_upgrade`), with one
//! deadline, progress lines and Ctrl-C.

use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use tokio::time::Instant;

use hourglass_shared::status::{UpgradeGoal, UpgradeProgress, judge_upgrade};

use super::api::UpgradeApi;
use crate::error::Result;
use hourglass_shared::formats::duration;

/// What `wait_for` waits for, and how.
#[derive(Clone, Debug)]
pub struct Goal {
    pub upgrade: UpgradeGoal,
    pub deadline: Instant,
    /// When a missing new pod stops being patience and becomes a failure.
    pub new_pod_deadline: Instant,
    pub new_pod_timeout: Duration,
    pub poll: Duration,
}

/// How waiting ended.
#[derive(Debug, PartialEq, Eq)]
pub enum WaitEnd {
    Done,
    TimedOut(String),
    Failed(String),
    Replaced(String),
    Interrupted(String),
}

/// Polls the performer and its pod until the upgrade is done, fails or is
/// replaced, the deadline passes or `interrupt` resolves. Prints a progress
/// line whenever the state changes.
pub async fn wait_for(
    api: &UpgradeApi,
    name: &str,
    goal: &Goal,
    interrupt: impl Future<Output = ()>,
    progress: &mut dyn FnMut(String),
) -> Result<WaitEnd> {
    let mut interrupt = pin!(interrupt);
    let mut printed = String::new();
    loop {
        let performer = api.read(name).await?;
        let pod = api.pod_of(&performer).await?;
        let summary = match judge_upgrade(&performer, pod.as_ref(), &goal.upgrade) {
            UpgradeProgress::Done => return Ok(WaitEnd::Done),
            UpgradeProgress::Failed(why) => return Ok(WaitEnd::Failed(why)),
            UpgradeProgress::Replaced(other) => return Ok(WaitEnd::Replaced(other)),
            UpgradeProgress::NoNewPod(detail) if Instant::now() >= goal.new_pod_deadline => {
                return Ok(WaitEnd::Failed(format!(
                    "no new pod within {} of the change ({detail}); is the Hourglass operator running?",
                    duration::display(goal.new_pod_timeout)
                )));
            }
            UpgradeProgress::NoNewPod(detail) | UpgradeProgress::Waiting(detail) => detail,
        };
        if summary != printed {
            progress(format!("waiting for performer \"{name}\": {summary}"));
            printed = summary;
        }
        let now = Instant::now();
        if now >= goal.deadline {
            return Ok(WaitEnd::TimedOut(printed));
        }
        let sleep = goal.poll.min(goal.deadline - now);
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            _ = &mut interrupt => return Ok(WaitEnd::Interrupted(printed)),
        }
    }
}
