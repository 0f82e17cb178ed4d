//! Which operator a test runs against, so one scenario can be proven
//! against both contracts.

use super::{DocumentedOperator, UpstreamOperator};

/// The two contracts our plugin and webhook must work with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperatorContract {
    /// What the operator users run does (hourglass-operator 11f1554).
    Upstream,
    /// What its API reference promises (conditions, `scheduling.nodeAffinity`).
    Documented,
}

impl OperatorContract {
    pub const BOTH: [OperatorContract; 2] =
        [OperatorContract::Upstream, OperatorContract::Documented];

    /// Starts this operator over the performers of `namespace`; it stops
    /// when the returned value is dropped.
    pub fn start(self, client: kube::Client, namespace: &str) -> RunningOperator {
        match self {
            OperatorContract::Upstream => {
                RunningOperator::Upstream(UpstreamOperator::start(client, namespace))
            }
            OperatorContract::Documented => {
                RunningOperator::Documented(DocumentedOperator::start(client, namespace))
            }
        }
    }
}

/// A running stand-in of either contract.
#[derive(Debug)]
pub enum RunningOperator {
    Upstream(UpstreamOperator),
    Documented(DocumentedOperator),
}

impl RunningOperator {
    /// Every failed reconcile so far, as `<namespace>/<name>: <error>`.
    pub fn errors(&self) -> Vec<String> {
        match self {
            RunningOperator::Upstream(operator) => operator.errors(),
            RunningOperator::Documented(operator) => operator.errors(),
        }
    }
}
