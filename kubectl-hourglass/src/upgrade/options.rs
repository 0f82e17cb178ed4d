//! The flags every upgrade takes, whichever verb starts it (`performer
//! upgrade`, `performer undo`): how long to wait and what to do on failure.

use std::time::Duration;

use hourglass_shared::formats::duration;

use super::one::Request;

#[derive(Debug, Clone, clap::Args)]
pub struct UpgradeOptions {
    /// One deadline for each performer's upgrade, e.g. 90s, 5m, 1h
    #[arg(long, value_parser = duration::parse, default_value = "5m")]
    pub timeout: Duration,
    /// How long the operator may take to start a new pod before the upgrade
    /// counts as failed (it reacts within seconds when it runs; an old pod
    /// may take its 30 s grace period to go, and the operator requeues every 2m)
    #[arg(long, value_parser = duration::parse, default_value = "2m")]
    pub operator_timeout: Duration,
    /// Return once the change is written, without waiting for it to run
    #[arg(long)]
    pub no_wait: bool,
    /// On timeout, failure or Ctrl-C, restore the recorded image and version
    #[arg(long, conflicts_with = "no_wait")]
    pub rollback: bool,
    /// How long the rollback keeps trying while writes are refused for a
    /// passing reason (webhook or apiserver unavailable)
    #[arg(long, value_parser = duration::parse, default_value = "30s")]
    pub rollback_timeout: Duration,
    /// How often to look at the performer while waiting
    #[arg(long, value_parser = duration::parse, default_value = "1s", hide = true)]
    pub poll_interval: Duration,
}

impl UpgradeOptions {
    pub fn request(
        &self,
        image: &str,
        version: Option<String>,
        server_dry_run: bool,
        who: Option<String>,
    ) -> Request {
        Request {
            image: image.to_string(),
            version,
            version_as_given: false,
            timeout: self.timeout,
            operator_timeout: self.operator_timeout,
            no_wait: self.no_wait,
            rollback: self.rollback,
            rollback_timeout: self.rollback_timeout,
            server_dry_run,
            poll: self.poll_interval,
            who,
        }
    }
}
