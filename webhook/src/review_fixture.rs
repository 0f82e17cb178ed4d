//! AdmissionReviews shaped as the apiserver sends them, built around an
//! object: the one builder behind the webhook's tests, the fuzz seeds and
//! the webhook benchmark. Not used by the server itself.
//!
//! It lives here, not in `hourglass-shared`, because the envelope is the
//! webhook's wire format: the versions come from [`ReviewVersion`] and the
//! operation names from [`operation_name`], the very ones the decoder reads.

use hourglass_shared::constants::{API_GROUP, API_VERSION, EXECUTOR_PLURAL, PERFORMER_PLURAL};
use hourglass_shared::{ObjectKind, Operation};
use serde_json::{Value, json};

use crate::request::{ReviewVersion, operation_name};

/// The uid of the AdmissionReview example in the Kubernetes documentation;
/// the default of every fixture.
pub const EXAMPLE_UID: &str = "705ab4f5-6393-11e8-b7cc-42010a800002";

/// One AdmissionReview to build: `admission.k8s.io/v1`, uid
/// [`EXAMPLE_UID`], namespace `default` unless told otherwise.
#[derive(Clone, Debug)]
pub struct ReviewFixture<'a> {
    operation: Operation,
    object: Option<&'a Value>,
    old_object: Option<&'a Value>,
    version: ReviewVersion,
    uid: &'a str,
    namespace: &'a str,
}

impl<'a> ReviewFixture<'a> {
    /// A review of `operation` on `object` (CREATE, UPDATE), with the
    /// stored `old_object` (UPDATE, DELETE). The objects go in as they are:
    /// the request's name, kind and resource are read from them.
    pub fn new(
        operation: Operation,
        object: Option<&'a Value>,
        old_object: Option<&'a Value>,
    ) -> Self {
        ReviewFixture {
            operation,
            object,
            old_object,
            version: ReviewVersion::V1,
            uid: EXAMPLE_UID,
            namespace: "default",
        }
    }

    pub fn version(mut self, version: ReviewVersion) -> Self {
        self.version = version;
        self
    }

    pub fn uid(mut self, uid: &'a str) -> Self {
        self.uid = uid;
        self
    }

    /// `request.namespace`; the objects' own `metadata.namespace` is left
    /// as it is (the apiserver fills it in before admission).
    pub fn namespace(mut self, namespace: &'a str) -> Self {
        self.namespace = namespace;
        self
    }

    /// The review as JSON, every field the apiserver sets included.
    pub fn to_json(&self) -> Value {
        let subject = self.object.or(self.old_object).unwrap_or(&Value::Null);
        let kind = subject["kind"].as_str().unwrap_or_default();
        let resource = match ObjectKind::from_kind(kind) {
            Some(ObjectKind::Executor) => EXECUTOR_PLURAL.to_string(),
            Some(ObjectKind::Performer) => PERFORMER_PLURAL.to_string(),
            // Not ours (a decoder test): what a CRD's plural usually is.
            None => format!("{}s", kind.to_ascii_lowercase()),
        };
        let gvk = json!({"group": API_GROUP, "version": API_VERSION, "kind": kind});
        let gvr = json!({"group": API_GROUP, "version": API_VERSION, "resource": resource});
        let mut request = json!({
            "uid": self.uid,
            "kind": gvk,
            "resource": gvr,
            "requestKind": gvk,
            "requestResource": gvr,
            "name": subject["metadata"]["name"],
            "namespace": self.namespace,
            "operation": operation_name(self.operation),
            "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
            "object": self.object.cloned().unwrap_or(Value::Null),
            "oldObject": self.old_object.cloned().unwrap_or(Value::Null),
            "dryRun": false,
        });
        if let Some(options) = options_kind(self.operation) {
            request["options"] = json!({"apiVersion": "meta.k8s.io/v1", "kind": options});
        }
        json!({
            "apiVersion": self.version.api_version(),
            "kind": "AdmissionReview",
            "request": request,
        })
    }
}

/// The options the apiserver sends with each operation; CONNECT's depend
/// on the subresource, so none.
fn options_kind(operation: Operation) -> Option<&'static str> {
    match operation {
        Operation::Create => Some("CreateOptions"),
        Operation::Update => Some("UpdateOptions"),
        Operation::Delete => Some("DeleteOptions"),
        Operation::Connect => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;

    #[test]
    fn the_decoder_reads_what_the_fixture_writes() {
        let performer = json!({
            "apiVersion": "hourglass.eigenlayer.io/v1alpha1",
            "kind": "Performer",
            "metadata": {"name": "p", "namespace": "team-a"},
            "spec": {"avsAddress": "0x0000000000000000000000000000000000000001", "image": "a:1"}
        });
        let review = ReviewFixture::new(Operation::Update, Some(&performer), Some(&performer))
            .version(ReviewVersion::V1Beta1)
            .uid("u-1")
            .namespace("team-a")
            .to_json();
        assert_eq!(review["request"]["options"]["kind"], "UpdateOptions");
        let request = decode(Some("application/json"), review.to_string().as_bytes()).unwrap();
        assert_eq!(request.version, ReviewVersion::V1Beta1);
        assert_eq!(request.uid, "u-1");
        assert_eq!(request.kind, ObjectKind::Performer);
        assert_eq!(request.operation, Operation::Update);
        assert_eq!(
            (request.name.as_str(), request.namespace.as_str()),
            ("p", "team-a")
        );
        assert!(request.object.is_some() && request.old_object.is_some());
    }
}
