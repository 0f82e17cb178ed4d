//! The hostile-request table of `hostile_requests.rs`: what a row is (how
//! it reaches the server, [`Transport`], and what it must get back,
//! [`Expect`]) and the words the table is written in. The rows themselves
//! are in `cases.rs` (written by hand) and `wrong_types.rs` (generated
//! from the spec's examples).

pub mod cases;
mod wrong_types;

use serde_json::{Value, json};

use crate::common::*;

/// The webhook's body limit, which several rows straddle.
pub const LIMIT: usize = hourglass_webhook::MAX_BODY_BYTES;

/// What a row must get back.
#[derive(Clone, Debug)]
pub enum Expect {
    /// 200, an AdmissionReview of `version` for the uid, allowed.
    Admitted { version: &'static str },
    /// 200, an AdmissionReview for the uid, not allowed, with `status.code`
    /// `code` and a message containing `needle`.
    Denied {
        version: &'static str,
        code: u16,
        needle: String,
    },
    /// `status` with `{"error": "..."}` containing `needle`.
    JsonError { status: u16, needle: &'static str },
    /// `status` and no body to read: HEAD, or HTTP refusing the request
    /// before the router sees it.
    Bare { status: u16 },
}

pub const V1: &str = "admission.k8s.io/v1";
pub const V1BETA1: &str = "admission.k8s.io/v1beta1";

pub fn denied(code: u16, needle: impl Into<String>) -> Expect {
    Expect::Denied {
        version: V1,
        code,
        needle: needle.into(),
    }
}

pub fn json_error(status: u16, needle: &'static str) -> Expect {
    Expect::JsonError { status, needle }
}

pub const ADMITTED: Expect = Expect::Admitted { version: V1 };

/// How a row reaches the server.
#[derive(Clone, Debug)]
pub enum Transport {
    /// A request on the shared HTTP/2 connection.
    H2 {
        method: &'static str,
        path: String,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// Bytes written as they are on a fresh HTTP/1.1 TLS connection.
    RawHttp1(Vec<u8>),
}

pub struct Case {
    pub name: String,
    pub transport: Transport,
    pub expect: Expect,
}

pub fn post(path: &str, content_type: Option<&str>, body: impl Into<Vec<u8>>) -> Transport {
    Transport::H2 {
        method: "POST",
        path: path.to_string(),
        headers: content_type
            .map(|value| vec![("content-type", value.to_string())])
            .unwrap_or_default(),
        body: body.into(),
    }
}

pub fn post_json(path: &str, body: impl Into<Vec<u8>>) -> Transport {
    post(path, Some("application/json"), body)
}

pub fn case(name: impl Into<String>, transport: Transport, expect: Expect) -> Case {
    Case {
        name: name.into(),
        transport,
        expect,
    }
}

pub fn performer() -> Value {
    example("complex-performer.yaml")
}

pub fn executor() -> Value {
    example("main-executor.yaml")
}

pub fn create(object: &Value) -> Value {
    review(Operation::Create, Some(object), None)
}

/// `review` with `edit` applied to it.
pub fn edited(mut review: Value, edit: impl FnOnce(&mut Value)) -> Value {
    edit(&mut review);
    review
}

pub fn bytes(value: &Value) -> Vec<u8> {
    value.to_string().into_bytes()
}

/// A CREATE review of the Complex Performer whose JSON text is `padding`
/// bytes longer than usual, in an annotation (rules do not read it).
pub fn padded_review(total: usize) -> Vec<u8> {
    let base = bytes(&create(&performer_with_annotation(String::new())));
    let padding = total.saturating_sub(base.len());
    bytes(&create(&performer_with_annotation("x".repeat(padding))))
}

pub fn performer_with_annotation(text: String) -> Value {
    let mut object = performer();
    object["metadata"]["annotations"] = json!({ "bench.example/padding": text });
    object
}
