//! The typed admission request the endpoints judge, and the AdmissionReview
//! versions it comes in. `decode` makes it from bytes; `response` answers it.

use hourglass_shared::{HourglassObject, ObjectKind, Operation};

/// The AdmissionReview versions we read and answer in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewVersion {
    V1,
    V1Beta1,
}

impl ReviewVersion {
    pub fn api_version(self) -> &'static str {
        match self {
            ReviewVersion::V1 => "admission.k8s.io/v1",
            ReviewVersion::V1Beta1 => "admission.k8s.io/v1beta1",
        }
    }

    pub fn from_api_version(text: &str) -> Option<Self> {
        match text {
            "admission.k8s.io/v1" => Some(ReviewVersion::V1),
            "admission.k8s.io/v1beta1" => Some(ReviewVersion::V1Beta1),
            _ => None,
        }
    }
}

/// One admission request, decoded and typed.
#[derive(Debug, PartialEq)]
pub struct ReviewRequest {
    pub version: ReviewVersion,
    pub uid: String,
    pub kind: ObjectKind,
    pub operation: Operation,
    pub name: String,
    pub namespace: String,
    pub dry_run: bool,
    /// The object on CREATE and UPDATE; `None` on DELETE and CONNECT.
    /// Boxed where it is read: an object is over a kilobyte, and the
    /// request is moved several times on its way from the decoder to the
    /// rules (a tenth of the one-pass decode was copying it, by perf).
    pub object: Option<Box<HourglassObject>>,
    /// The stored object on UPDATE.
    pub old_object: Option<Box<HourglassObject>>,
    /// Set when the stored object no longer fits our type: the checks that
    /// compare with it are skipped, and the user is told.
    pub old_object_problem: Option<String>,
}

impl ReviewRequest {
    /// Takes the review's object, and from it the name and namespace when
    /// the request leaves them out; both decoders fill them in alike.
    pub(crate) fn set_object(&mut self, object: Box<HourglassObject>) {
        if self.name.is_empty()
            && let Some(name) = object.name()
        {
            self.name = name.to_string();
        }
        if self.namespace.is_empty()
            && let Some(namespace) = object.namespace()
        {
            self.namespace = namespace.to_string();
        }
        self.object = Some(object);
    }

    /// An UPDATE of an object that is being deleted: the only changes left
    /// are its finalizers going away, and refusing them (say, because the
    /// stored object predates a rule) would leave it stuck in deletion.
    pub fn is_finishing_deletion(&self) -> bool {
        self.operation == Operation::Update
            && self
                .object
                .as_ref()
                .is_some_and(|object| object.metadata().deletion_timestamp.is_some())
    }
}

/// The operation as `request.operation` spells it (and the metrics label it).
pub const fn operation_name(operation: Operation) -> &'static str {
    match operation {
        Operation::Create => "CREATE",
        Operation::Update => "UPDATE",
        Operation::Delete => "DELETE",
        Operation::Connect => "CONNECT",
    }
}

/// The operation `request.operation` names; `None` for anything else
/// (lower case included, as the apiserver never sends it).
pub fn operation_from_name(name: &str) -> Option<Operation> {
    [
        Operation::Create,
        Operation::Update,
        Operation::Delete,
        Operation::Connect,
    ]
    .into_iter()
    .find(|operation| operation_name(*operation) == name)
}
