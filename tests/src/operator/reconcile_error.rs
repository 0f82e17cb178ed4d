//! Why one reconcile of a stand-in failed; the controller logs it and tries
//! again later, as controller-runtime does.

/// A failed reconcile.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// The apiserver (or a webhook it called) refused a request, or could
    /// not be reached.
    #[error("{0}")]
    Api(#[from] kube::Error),
    /// The stand-in itself would not go on, as upstream would not (e.g. the
    /// object is already controlled by someone else).
    #[error("{0}")]
    Refused(String),
}

impl ReconcileError {
    /// HTTP 409: someone else wrote the object since it was read.
    pub fn is_conflict(&self) -> bool {
        matches!(self, ReconcileError::Api(kube::Error::Api(status)) if status.code == 409)
    }
}
