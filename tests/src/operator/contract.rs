//! Which operator a test runs against, so one scenario can be proven
//! against both contracts.

use super::real_upstream::{self, RealUpstream};
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
    /// when the returned value is dropped. With `HOURGLASS_UPSTREAM_OPERATOR`
    /// set, the upstream contract is the real operator (see `real_upstream`).
    pub fn start(self, client: kube::Client, namespace: &str) -> RunningOperator {
        match self {
            OperatorContract::Upstream => match real_upstream::binary() {
                Some(binary) => RunningOperator::Real(real_upstream::shared(binary)),
                None => RunningOperator::Upstream(UpstreamOperator::start(client, namespace)),
            },
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
    /// The real upstream operator, shared by the test binary.
    Real(&'static RealUpstream),
}

impl RunningOperator {
    /// Every failed reconcile so far, as `<namespace>/<name>: <error>`.
    pub fn errors(&self) -> Vec<String> {
        match self {
            RunningOperator::Upstream(operator) => operator.errors(),
            RunningOperator::Documented(operator) => operator.errors(),
            RunningOperator::Real(operator) => operator.errors(),
        }
    }
}
