//! The big table of hostile and broken requests, sent over real TLS to the
//! real binary: broken JSON, wrong types in every field of both kinds (rows
//! generated from the spec's examples), deep nesting, bodies near and over
//! the 7 MiB limit, unicode, missing uids, duplicate keys, v1beta1,
//! methods, paths, content types, gzip claims and malformed HTTP/1.1.
//!
//! Each row states what it must get: an admission, a denial naming the
//! problem (when the uid is known), a 4xx with a JSON error, or, for HEAD
//! and requests HTTP itself refuses, a bare 4xx. Every row is checked
//! before the test fails, so one run lists every broken row. After the
//! table the process is alive, /health is 200 and its memory is bounded.
//!
//! `router_bad_input.rs` tests the same handler in process, one case per
//! behaviour (including the slow-body timeout, which is not repeated here);
//! this table is about many inputs through the whole stack.

mod common;

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::ServerName;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

const BINARY: &str = env!("CARGO_BIN_EXE_hourglass-webhook");
const LIMIT: usize = hourglass_webhook::MAX_BODY_BYTES;
/// After every row, huge ones included, the webhook stays under this.
const RSS_CEILING_KIB: u64 = 200 * 1024;

/// What a row must get back.
#[derive(Clone, Debug)]
enum Expect {
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

const V1: &str = "admission.k8s.io/v1";
const V1BETA1: &str = "admission.k8s.io/v1beta1";

fn denied(code: u16, needle: impl Into<String>) -> Expect {
    Expect::Denied {
        version: V1,
        code,
        needle: needle.into(),
    }
}

fn json_error(status: u16, needle: &'static str) -> Expect {
    Expect::JsonError { status, needle }
}

const ADMITTED: Expect = Expect::Admitted { version: V1 };

/// How a row reaches the server.
#[derive(Clone, Debug)]
enum Transport {
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

struct Case {
    name: String,
    transport: Transport,
    expect: Expect,
}

fn post(path: &str, content_type: Option<&str>, body: impl Into<Vec<u8>>) -> Transport {
    Transport::H2 {
        method: "POST",
        path: path.to_string(),
        headers: content_type
            .map(|value| vec![("content-type", value.to_string())])
            .unwrap_or_default(),
        body: body.into(),
    }
}

fn post_json(path: &str, body: impl Into<Vec<u8>>) -> Transport {
    post(path, Some("application/json"), body)
}

fn case(name: impl Into<String>, transport: Transport, expect: Expect) -> Case {
    Case {
        name: name.into(),
        transport,
        expect,
    }
}

fn performer() -> Value {
    example("complex-performer.yaml")
}

fn executor() -> Value {
    example("main-executor.yaml")
}

fn create(object: &Value) -> Value {
    review("CREATE", Some(object), None)
}

/// `review` with `edit` applied to it.
fn edited(mut review: Value, edit: impl FnOnce(&mut Value)) -> Value {
    edit(&mut review);
    review
}

fn bytes(value: &Value) -> Vec<u8> {
    value.to_string().into_bytes()
}

/// A CREATE review of the Complex Performer whose JSON text is `padding`
/// bytes longer than usual, in an annotation (rules do not read it).
fn padded_review(total: usize) -> Vec<u8> {
    let base = bytes(&create(&performer_with_annotation(String::new())));
    let padding = total.saturating_sub(base.len());
    bytes(&create(&performer_with_annotation("x".repeat(padding))))
}

fn performer_with_annotation(text: String) -> Value {
    let mut object = performer();
    object["metadata"]["annotations"] = json!({ "bench.example/padding": text });
    object
}

/// The hand-written rows.
fn cases() -> Vec<Case> {
    let good = create(&performer());
    let good_bytes = bytes(&good);
    let half = good_bytes[..good_bytes.len() / 2].to_vec();
    let mut rows = vec![
        // Broken JSON: no uid to answer to.
        case("empty body", post_json("/validate", Vec::new()), json_error(400, "not JSON")),
        case("truncated review", post_json("/validate", half), json_error(400, "not JSON")),
        case("a lone brace", post_json("/mutate", "{"), json_error(400, "not JSON")),
        case(
            "trailing garbage after the review",
            post_json("/validate", [good_bytes.clone(), b"}garbage".to_vec()].concat()),
            json_error(400, "trailing characters"),
        ),
        case(
            "invalid UTF-8 inside a string",
            post_json(
                "/validate",
                String::from_utf8_lossy(&good_bytes)
                    .replacen("complex-performer", "complex-\u{1}", 1)
                    .into_bytes()
                    .into_iter()
                    .map(|b| if b == 1 { 0xff } else { b })
                    .collect::<Vec<u8>>(),
            ),
            json_error(400, "not JSON"),
        ),
        case("JSON null", post_json("/validate", "null"), json_error(400, "not an AdmissionReview")),
        case("JSON string", post_json("/mutate", "\"review\""), json_error(400, "not an AdmissionReview")),
        case("JSON array", post_json("/validate", "[1,2,3]"), json_error(400, "not an AdmissionReview")),
        case("JSON number", post_json("/mutate", "12345"), json_error(400, "not an AdmissionReview")),
        case(
            "100,000 nested arrays",
            post_json("/validate", "[".repeat(100_000)),
            json_error(400, "recursion limit"),
        ),
        case(
            "100,000 nested objects",
            post_json("/mutate", "{\"a\":".repeat(100_000)),
            json_error(400, "recursion limit"),
        ),
        case(
            "200 nested objects inside spec.config.environment",
            post_json(
                "/validate",
                bytes(&good).replacen_bytes(
                    b"\"LOG_LEVEL\":\"debug\"",
                    format!("\"LOG_LEVEL\":{}1{}", "{\"a\":".repeat(200), "}".repeat(200)).as_bytes(),
                ),
            ),
            json_error(400, "recursion limit"),
        ),
        case("NaN literal", post_json("/validate", "{\"a\": NaN}"), json_error(400, "not JSON")),
        case(
            "a byte-order mark before the JSON",
            post_json("/validate", [b"\xef\xbb\xbf".to_vec(), good_bytes.clone()].concat()),
            json_error(400, "not JSON"),
        ),
        case(
            "a lone UTF-16 surrogate escape",
            post_json(
                "/validate",
                String::from_utf8_lossy(&good_bytes).replacen("complex-performer", "\\ud800", 1),
            ),
            json_error(400, "not JSON"),
        ),
        // The envelope.
        case("empty object", post_json("/validate", "{}"), json_error(400, "no request")),
        case(
            "request is null",
            post_json("/validate", bytes(&edited(good.clone(), |r| r["request"] = Value::Null))),
            json_error(400, "request must be an object"),
        ),
        case(
            "request is an array",
            post_json("/mutate", bytes(&edited(good.clone(), |r| r["request"] = json!([1])))),
            json_error(400, "request must be an object"),
        ),
        case(
            "request.uid missing",
            post_json(
                "/validate",
                bytes(&edited(good.clone(), |r| {
                    r["request"].as_object_mut().unwrap().remove("uid");
                })),
            ),
            json_error(400, "request.uid"),
        ),
        case(
            "request.uid a number",
            post_json("/mutate", bytes(&edited(good.clone(), |r| r["request"]["uid"] = json!(7)))),
            json_error(400, "request.uid"),
        ),
        case(
            "request.uid empty",
            post_json("/validate", bytes(&edited(good.clone(), |r| r["request"]["uid"] = json!("")))),
            json_error(400, "request.uid"),
        ),
        case(
            "request.uid null",
            post_json("/validate", bytes(&edited(good.clone(), |r| r["request"]["uid"] = Value::Null))),
            json_error(400, "request.uid"),
        ),
        case(
            "a v1beta1 review",
            post_json("/validate", bytes(&edited(good.clone(), |r| r["apiVersion"] = json!(V1BETA1)))),
            Expect::Admitted { version: V1BETA1 },
        ),
        case(
            "a v1beta1 review on /mutate",
            post_json("/mutate", bytes(&edited(good.clone(), |r| r["apiVersion"] = json!(V1BETA1)))),
            Expect::Admitted { version: V1BETA1 },
        ),
        case(
            "a v1beta1 review with a broken object",
            post_json(
                "/validate",
                bytes(&edited(good.clone(), |r| {
                    r["apiVersion"] = json!(V1BETA1);
                    r["request"]["object"]["spec"]["image"] = json!(["a"]);
                })),
            ),
            Expect::Denied {
                version: V1BETA1,
                code: 403,
                needle: "spec.image".to_string(),
            },
        ),
        case(
            "apiVersion admission.k8s.io/v2",
            post_json("/validate", bytes(&edited(good.clone(), |r| r["apiVersion"] = json!("admission.k8s.io/v2")))),
            denied(400, "admission.k8s.io/v2"),
        ),
        case(
            "apiVersion missing",
            post_json(
                "/mutate",
                bytes(&edited(good.clone(), |r| {
                    r.as_object_mut().unwrap().remove("apiVersion");
                })),
            ),
            denied(400, "is not supported"),
        ),
        case(
            "kind AdmissionResponse",
            post_json("/validate", bytes(&edited(good.clone(), |r| r["kind"] = json!("AdmissionResponse")))),
            denied(400, "is not AdmissionReview"),
        ),
        case(
            "kind a number",
            post_json("/validate", bytes(&edited(good.clone(), |r| r["kind"] = json!(1)))),
            denied(400, "is not AdmissionReview"),
        ),
        // The request's own fields.
        case(
            "request.kind a string",
            post_json("/validate", bytes(&edited(good.clone(), |r| r["request"]["kind"] = json!("Performer")))),
            denied(400, "does not fit"),
        ),
        case(
            "request.kind missing",
            post_json(
                "/mutate",
                bytes(&edited(good.clone(), |r| {
                    r["request"].as_object_mut().unwrap().remove("kind");
                })),
            ),
            denied(400, "request.kind is missing"),
        ),
        case(
            "request.kind apps/v1 Deployment",
            post_json(
                "/validate",
                bytes(&edited(good.clone(), |r| {
                    r["request"]["kind"] = json!({"group": "apps", "version": "v1", "kind": "Deployment"});
                })),
            ),
            denied(400, "Kind=Deployment is not served here"),
        ),
        case(
            "request.kind.kind a number",
            post_json("/validate", bytes(&edited(good.clone(), |r| r["request"]["kind"]["kind"] = json!(5)))),
            denied(400, "does not fit"),
        ),
        case(
            "request.operation missing",
            post_json(
                "/validate",
                bytes(&edited(good.clone(), |r| {
                    r["request"].as_object_mut().unwrap().remove("operation");
                })),
            ),
            denied(400, "is not CREATE, UPDATE, DELETE or CONNECT"),
        ),
        case(
            "request.operation a number",
            post_json("/mutate", bytes(&edited(good.clone(), |r| r["request"]["operation"] = json!(1)))),
            denied(400, "does not fit"),
        ),
        case(
            "request.operation lower case",
            post_json("/validate", bytes(&edited(good.clone(), |r| r["request"]["operation"] = json!("create")))),
            denied(400, "\"create\" is not CREATE"),
        ),
        case(
            "request.name a number",
            post_json("/validate", bytes(&edited(good.clone(), |r| r["request"]["name"] = json!(42)))),
            denied(400, "does not fit"),
        ),
        case(
            "request.namespace an array",
            post_json("/mutate", bytes(&edited(good.clone(), |r| r["request"]["namespace"] = json!([])))),
            denied(400, "does not fit"),
        ),
        case(
            "request.dryRun a string",
            post_json("/validate", bytes(&edited(good.clone(), |r| r["request"]["dryRun"] = json!("yes")))),
            denied(400, "does not fit"),
        ),
        case(
            "request.object a string",
            post_json("/validate", bytes(&edited(good.clone(), |r| r["request"]["object"] = json!("performer")))),
            denied(400, "request.object is missing or not an object"),
        ),
        case(
            "request.object an array",
            post_json("/mutate", bytes(&edited(good.clone(), |r| r["request"]["object"] = json!([])))),
            denied(400, "request.object is missing or not an object"),
        ),
        case(
            "request.object missing on CREATE",
            post_json(
                "/validate",
                bytes(&edited(good.clone(), |r| {
                    r["request"].as_object_mut().unwrap().remove("object");
                })),
            ),
            denied(400, "request.object is missing or not an object"),
        ),
        case(
            "UPDATE without oldObject (judged alone, with a warning)",
            post_json("/validate", bytes(&review("UPDATE", Some(&performer()), None))),
            ADMITTED,
        ),
        case(
            "UPDATE with oldObject a number (judged alone, with a warning)",
            post_json(
                "/mutate",
                bytes(&edited(review("UPDATE", Some(&performer()), None), |r| {
                    r["request"]["oldObject"] = json!(7);
                })),
            ),
            ADMITTED,
        ),
        case(
            "DELETE with a garbage oldObject (not read)",
            post_json(
                "/validate",
                bytes(&edited(review("DELETE", None, Some(&performer())), |r| {
                    r["request"]["oldObject"] = json!({"spec": 1});
                })),
            ),
            ADMITTED,
        ),
        case(
            "CONNECT",
            post_json("/mutate", bytes(&edited(good.clone(), |r| r["request"]["operation"] = json!("CONNECT")))),
            ADMITTED,
        ),
        case(
            "spec an array",
            post_json("/validate", bytes(&edited(good.clone(), |r| r["request"]["object"]["spec"] = json!([])))),
            denied(403, "spec"),
        ),
        case(
            "spec missing",
            post_json(
                "/mutate",
                bytes(&edited(good.clone(), |r| {
                    r["request"]["object"].as_object_mut().unwrap().remove("spec");
                })),
            ),
            denied(403, "spec"),
        ),
        case(
            "metadata a string",
            post_json("/validate", bytes(&edited(good.clone(), |r| r["request"]["object"]["metadata"] = json!("m")))),
            denied(403, "metadata"),
        ),
        // Unicode names: a performer's name must also name the operator's
        // Pod and Service (a DNS-1035 label), so these are refused, naming
        // metadata.name, and the server stays up.
        case(
            "a name with accents",
            post_json(
                "/validate",
                bytes(&edited(good.clone(), |r| r["request"]["object"]["metadata"]["name"] = json!("pérformer-ünïcode"))),
            ),
            denied(403, "metadata.name"),
        ),
        case(
            "a name with an emoji and a right-to-left override",
            post_json(
                "/mutate",
                bytes(&edited(good.clone(), |r| r["request"]["object"]["metadata"]["name"] = json!("perf\u{202e}ormer-🚀"))),
            ),
            denied(403, "metadata.name"),
        ),
        case(
            "a name with a NUL",
            post_json(
                "/validate",
                bytes(&edited(good.clone(), |r| r["request"]["object"]["metadata"]["name"] = json!("a\u{0}b"))),
            ),
            denied(403, "metadata.name"),
        ),
        case(
            "unicode in environment values is fine",
            post_json(
                "/validate",
                bytes(&edited(good.clone(), |r| {
                    r["request"]["object"]["spec"]["config"]["environment"]["GREETING"] = json!("こんにちは 🌍 مرحبا");
                })),
            ),
            ADMITTED,
        ),
        case(
            "a uid of unicode is echoed back",
            post_json("/validate", bytes(&edited(good.clone(), |r| r["request"]["uid"] = json!("üïd-🚀")))),
            ADMITTED,
        ),
        // Duplicate keys: the last one counts, as in Go's encoding/json.
        case(
            "uid given twice",
            post_json(
                "/validate",
                String::from_utf8_lossy(&good_bytes).replacen(
                    &format!("\"uid\":\"{UID}\""),
                    &format!("\"uid\":\"first\",\"uid\":\"{UID}\""),
                    1,
                ),
            ),
            ADMITTED,
        ),
        case(
            "spec.image given twice, the last of the wrong type",
            post_json(
                "/validate",
                String::from_utf8_lossy(&good_bytes).replacen(
                    "\"image\":\"myavs/performer:v2.0.0\"",
                    "\"image\":\"myavs/performer:v2.0.0\",\"image\":7",
                    1,
                ),
            ),
            denied(403, "spec.image"),
        ),
        case(
            "request given twice, the last without a uid",
            post_json(
                "/mutate",
                format!(
                    "{}, \"request\": {{\"kind\": 1}}}}",
                    String::from_utf8_lossy(&good_bytes[..good_bytes.len() - 1])
                ),
            ),
            json_error(400, "request.uid"),
        ),
        // Methods and paths.
        case("GET /validate", method("GET", "/validate"), json_error(405, "POST")),
        case("PUT /mutate", method("PUT", "/mutate"), json_error(405, "POST")),
        case("DELETE /validate", method("DELETE", "/validate"), json_error(405, "POST")),
        case("PATCH /mutate", method("PATCH", "/mutate"), json_error(405, "POST")),
        case("OPTIONS /validate", method("OPTIONS", "/validate"), json_error(405, "POST")),
        case("HEAD /validate", method("HEAD", "/validate"), Expect::Bare { status: 405 }),
        case("POST /", post_json("/", good_bytes.clone()), json_error(404, "POST /validate")),
        case("POST /validate/extra", post_json("/validate/extra", good_bytes.clone()), json_error(404, "not found")),
        case("POST /VALIDATE", post_json("/VALIDATE", good_bytes.clone()), json_error(404, "not found")),
        case("POST /%2e%2e/validate", post_json("/%2e%2e/validate", good_bytes.clone()), json_error(404, "not found")),
        case("POST /metrics on the TLS port", post_json("/metrics", good_bytes.clone()), json_error(404, "not found")),
        case("POST /health on the TLS port", post_json("/health", good_bytes.clone()), json_error(404, "not found")),
        case(
            "a path of 4,000 characters",
            post_json(&format!("/{}", "a".repeat(4000)), good_bytes.clone()),
            json_error(404, "not found"),
        ),
        case("a query is ignored", post_json("/validate?timeout=10s&x=%00", good_bytes.clone()), ADMITTED),
        // Content types.
        case(
            "text/plain with a review",
            post("/validate", Some("text/plain"), good_bytes.clone()),
            denied(400, "Content-Type must be application/json"),
        ),
        case(
            "no content type with a review",
            post("/mutate", None, good_bytes.clone()),
            denied(400, "Content-Type must be application/json, got none"),
        ),
        case(
            "application/yaml without a uid",
            post("/validate", Some("application/yaml"), "apiVersion: admission.k8s.io/v1\n"),
            json_error(400, "Content-Type must be application/json"),
        ),
        case(
            "application/json-patch+json",
            post("/validate", Some("application/json-patch+json"), good_bytes.clone()),
            denied(400, "Content-Type must be application/json"),
        ),
        case(
            "application/jsonx",
            post("/mutate", Some("application/jsonx"), good_bytes.clone()),
            denied(400, "Content-Type must be application/json"),
        ),
        case(
            "application/json with a charset",
            post("/validate", Some("application/json; charset=latin1"), good_bytes.clone()),
            ADMITTED,
        ),
        // Compression claims: the body is read as it is, never inflated.
        case(
            "gzip claimed, body plain JSON",
            with_header(post_json("/validate", good_bytes.clone()), "content-encoding", "gzip"),
            ADMITTED,
        ),
        case(
            "gzip claimed, body gzip",
            with_header(post_json("/mutate", GZIP_OF_EMPTY_OBJECT.to_vec()), "content-encoding", "gzip"),
            json_error(400, "not JSON"),
        ),
        case(
            "a gzip body without a claim",
            post_json("/validate", GZIP_OF_EMPTY_OBJECT.to_vec()),
            json_error(400, "not JSON"),
        ),
        // Size.
        case(
            "a review 64 KiB under the limit",
            post_json("/validate", padded_review(LIMIT - 64 * 1024)),
            ADMITTED,
        ),
        case(
            "a review 1 byte over the limit",
            post_json("/validate", padded_review(LIMIT + 1)),
            json_error(413, "larger than"),
        ),
        case(
            "16 MiB of spaces",
            post_json("/mutate", vec![b' '; 16 * 1024 * 1024]),
            json_error(413, "larger than"),
        ),
        case(
            "100,000 labels",
            post_json(
                "/mutate",
                bytes(&edited(good.clone(), |r| {
                    let labels: serde_json::Map<String, Value> =
                        (0..100_000).map(|i| (format!("l{i}"), json!("v"))).collect();
                    r["request"]["object"]["metadata"]["labels"] = Value::Object(labels);
                })),
            ),
            ADMITTED,
        ),
        case(
            "a million numbers in spec.config.args",
            post_json(
                "/validate",
                bytes(&edited(good.clone(), |r| {
                    r["request"]["object"]["spec"]["config"]["args"] = json!(vec![0; 1_000_000]);
                })),
            ),
            denied(403, "spec.config.args[0]"),
        ),
        // HTTP/1.1 the router never sees.
        case(
            "HTTP/1.1 over the limit, chunked without a length",
            Transport::RawHttp1(chunked_spaces(LIMIT + 1024 * 1024)),
            json_error(413, "larger than"),
        ),
        case(
            "HTTP/1.1 with a Content-Length that is not a number",
            Transport::RawHttp1(
                b"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: lots\r\nConnection: close\r\n\r\n{}"
                    .to_vec(),
            ),
            Expect::Bare { status: 400 },
        ),
        case(
            "HTTP/1.1 with both Content-Length and Transfer-Encoding",
            Transport::RawHttp1(
                b"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n"
                    .to_vec(),
            ),
            Expect::Bare { status: 400 },
        ),
        case(
            "HTTP/1.1 with a broken request line",
            Transport::RawHttp1(b"POST\x00/validate HTTP/9.9\r\n\r\n".to_vec()),
            Expect::Bare { status: 400 },
        ),
    ];
    rows.extend(wrong_type_cases("Performer", &performer()));
    rows.extend(wrong_type_cases("HourglassExecutor", &executor()));
    rows
}

/// `gzip` of `{}`: 1f8b header, a deflate block, CRC-32 and length.
const GZIP_OF_EMPTY_OBJECT: &[u8] = &[
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xab, 0xae, 0x05, 0x00, 0x43, 0xbf,
    0xa6, 0xa3, 0x02, 0x00, 0x00, 0x00,
];

fn method(method: &'static str, path: &str) -> Transport {
    Transport::H2 {
        method,
        path: path.to_string(),
        headers: vec![("content-type", "application/json".to_string())],
        body: Vec::new(),
    }
}

fn with_header(mut transport: Transport, name: &'static str, value: &str) -> Transport {
    if let Transport::H2 { headers, .. } = &mut transport {
        headers.push((name, value.to_string()));
    }
    transport
}

/// An HTTP/1.1 POST of `size` spaces in 1 MiB chunks, with no Content-Length.
fn chunked_spaces(size: usize) -> Vec<u8> {
    let mut request = b"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    let chunk = 1024 * 1024;
    let mut left = size;
    while left > 0 {
        let this = left.min(chunk);
        request.extend_from_slice(format!("{this:x}\r\n").as_bytes());
        request.extend(std::iter::repeat_n(b' ', this));
        request.extend_from_slice(b"\r\n");
        left -= this;
    }
    request.extend_from_slice(b"0\r\n\r\n");
    request
}

trait ReplaceBytes {
    fn replacen_bytes(self, from: &[u8], to: &[u8]) -> Vec<u8>;
}

impl ReplaceBytes for Vec<u8> {
    /// The first `from` replaced by `to`; panics if there is none, so a
    /// fixture that drifted fails loudly.
    fn replacen_bytes(self, from: &[u8], to: &[u8]) -> Vec<u8> {
        let at = self
            .windows(from.len())
            .position(|window| window == from)
            .unwrap_or_else(|| panic!("{:?} not in the fixture", String::from_utf8_lossy(from)));
        [&self[..at], to, &self[at + from.len()..]].concat()
    }
}

/// One row per field of `object` (as in the spec's example): that field
/// given a value of the wrong JSON type, denied with a message that names
/// its path.
fn wrong_type_cases(kind: &str, object: &Value) -> Vec<Case> {
    let mut leaves = Vec::new();
    collect_fields(object, &mut Vec::new(), &mut leaves);
    leaves
        .into_iter()
        // apiVersion and kind of the object are the envelope's business: the
        // request's kind decides the type.
        .filter(|(path, _)| !matches!(path.as_slice(), [Step::Key(k)] if k == "apiVersion" || k == "kind"))
        .map(|(path, value)| {
            let wrong = wrong_type(&value);
            let mut broken = object.clone();
            *pointer(&mut broken, &path) = wrong.clone();
            let shown = kubectl_path(&path);
            // The request names the object as the apiserver does, whatever
            // its metadata.name holds.
            let body = edited(create(&broken), |r| {
                r["request"]["name"] = object["metadata"]["name"].clone();
            });
            case(
                format!("{kind} {shown} = {wrong}"),
                post_json("/validate", bytes(&body)),
                denied(403, shown),
            )
        })
        .collect()
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

/// Every field of `value`: objects and arrays themselves, and their leaves.
fn collect_fields(value: &Value, path: &mut Vec<Step>, out: &mut Vec<(Vec<Step>, Value)>) {
    if !path.is_empty() {
        out.push((path.clone(), value.clone()));
    }
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                path.push(Step::Key(key.clone()));
                collect_fields(child, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                path.push(Step::Index(index));
                collect_fields(child, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn pointer<'a>(value: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(value, |value, step| match step {
        Step::Key(key) => &mut value[key.as_str()],
        Step::Index(index) => &mut value[*index],
    })
}

/// A value of another JSON type than `value`. Strings get a boolean, not a
/// number: quantities (`cpu: "2"`) take numbers too, as in Kubernetes.
fn wrong_type(value: &Value) -> Value {
    match value {
        Value::String(_) => json!(true),
        Value::Number(_) | Value::Bool(_) => json!("not-this-type"),
        Value::Object(_) => json!("not-an-object"),
        Value::Array(_) => json!({"not": "a list"}),
        Value::Null => json!(1),
    }
}

/// `spec.config.args[0]`, as the webhook names fields.
fn kubectl_path(path: &[Step]) -> String {
    let mut text = String::new();
    for step in path {
        match step {
            Step::Key(key) => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(key);
            }
            Step::Index(index) => text.push_str(&format!("[{index}]")),
        }
    }
    text
}

/// The answer to one row.
#[derive(Debug)]
struct Reply {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Result<Value, String> {
        serde_json::from_slice(&self.body).map_err(|error| {
            format!(
                "body is not JSON ({error}): {:?}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(200)])
            )
        })
    }
}

/// Whether `reply` is what `expect` says, for a request whose uid was `uid`.
fn check(reply: &Reply, expect: &Expect, uid: Option<&str>) -> Result<(), String> {
    let want_status = |status: u16| {
        if reply.status == status {
            Ok(())
        } else {
            Err(format!(
                "status {} instead of {status}: {:?}",
                reply.status,
                String::from_utf8_lossy(&reply.body[..reply.body.len().min(300)])
            ))
        }
    };
    match expect {
        Expect::Admitted { version } | Expect::Denied { version, .. } => {
            want_status(200)?;
            let answer = reply.json()?;
            if answer["apiVersion"] != *version || answer["kind"] != "AdmissionReview" {
                return Err(format!("not a {version} AdmissionReview: {answer}"));
            }
            let response = &answer["response"];
            if let Some(uid) = uid
                && response["uid"] != uid
            {
                return Err(format!("uid {} instead of {uid:?}", response["uid"]));
            }
            match expect {
                Expect::Admitted { .. } if response["allowed"] == true => Ok(()),
                Expect::Denied { code, needle, .. }
                    if response["allowed"] == false
                        && response["status"]["code"] == *code
                        && response["status"]["message"]
                            .as_str()
                            .is_some_and(|message| message.contains(needle.as_str())) =>
                {
                    Ok(())
                }
                _ => Err(format!("{response}")),
            }
        }
        Expect::JsonError { status, needle } => {
            want_status(*status)?;
            if !reply.content_type.starts_with("application/json") {
                return Err(format!("content type {:?}", reply.content_type));
            }
            let error = reply.json()?;
            match error["error"].as_str() {
                Some(message) if message.contains(needle) => Ok(()),
                _ => Err(format!("error lacks {needle:?}: {error}")),
            }
        }
        Expect::Bare { status } => want_status(*status),
    }
}

/// The uid a request body names, for checking the echo.
fn uid_of(transport: &Transport) -> Option<String> {
    let Transport::H2 { body, .. } = transport else {
        return None;
    };
    let review: Value = serde_json::from_slice(body).ok()?;
    review["request"]["uid"].as_str().map(str::to_string)
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/<pid>/status")
}

struct Client {
    config: Arc<rustls::ClientConfig>,
    h2_config: Arc<rustls::ClientConfig>,
    addr: SocketAddr,
    sender: hyper::client::conn::http2::SendRequest<Full<Bytes>>,
}

impl Client {
    async fn connect(pki: &TestPki, addr: SocketAddr) -> Client {
        let versions = &[&rustls::version::TLS13];
        let h2_config = client::config(pki.ca.cert_pem(), client::Alpn::H2, versions, None);
        let config = client::config(pki.ca.cert_pem(), client::Alpn::Http11, versions, None);
        let sender = Self::h2_session(&h2_config, addr).await;
        Client {
            config,
            h2_config,
            addr,
            sender,
        }
    }

    async fn h2_session(
        config: &Arc<rustls::ClientConfig>,
        addr: SocketAddr,
    ) -> hyper::client::conn::http2::SendRequest<Full<Bytes>> {
        let tls = tls(config, addr).await;
        let (sender, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
                .await
                .unwrap();
        tokio::spawn(connection);
        sender
    }

    async fn send(&mut self, transport: &Transport) -> Result<Reply, String> {
        match transport {
            Transport::H2 {
                method,
                path,
                headers,
                body,
            } => {
                if self.sender.is_closed() {
                    // A row may legitimately end the session; the next gets a new one.
                    self.sender = Self::h2_session(&self.h2_config, self.addr).await;
                }
                let mut request = hyper::Request::builder()
                    .method(*method)
                    .uri(format!("https://localhost:{}{path}", self.addr.port()));
                for (name, value) in headers {
                    request = request.header(*name, value);
                }
                let request = request
                    .body(Full::new(Bytes::from(body.clone())))
                    .map_err(|e| e.to_string())?;
                let response = self
                    .sender
                    .send_request(request)
                    .await
                    .map_err(|e| format!("request failed: {e}"))?;
                let status = response.status().as_u16();
                let content_type = response
                    .headers()
                    .get("content-type")
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                let body = response
                    .into_body()
                    .collect()
                    .await
                    .map_err(|e| format!("body failed: {e}"))?
                    .to_bytes()
                    .to_vec();
                Ok(Reply {
                    status,
                    content_type,
                    body,
                })
            }
            Transport::RawHttp1(bytes) => raw_http1(&self.config, self.addr, bytes).await,
        }
    }
}

async fn tls(
    config: &Arc<rustls::ClientConfig>,
    addr: SocketAddr,
) -> tokio_rustls::client::TlsStream<TcpStream> {
    let tcp = TcpStream::connect(addr).await.unwrap();
    TlsConnector::from(config.clone())
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap()
}

/// Writes `bytes` on a fresh HTTP/1.1 connection and reads the response
/// up to the server closing it.
async fn raw_http1(
    config: &Arc<rustls::ClientConfig>,
    addr: SocketAddr,
    bytes: &[u8],
) -> Result<Reply, String> {
    let mut stream = tls(config, addr).await;
    // The server may answer (413) and close before the body is all written.
    let _ = stream.write_all(bytes).await;
    let _ = stream.flush().await;
    let mut response = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), async {
        let mut buffer = [0u8; 16 * 1024];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => response.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    if read.is_err() {
        return Err("no end of response within 20s".to_string());
    }
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no HTTP response: {text:?}"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("no status in {head:?}"))?;
    let content_type = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_string())
        })
        .unwrap_or_default();
    Ok(Reply {
        status,
        content_type,
        body: body.as_bytes().to_vec(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_request_gets_a_proper_answer_and_the_server_stays_up() {
    let pki = TestPki::new();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _) = pki.write_serving(dir.path());
    let (tls_port, admin_port) = (free_port(), free_port());
    let tls_addr = SocketAddr::from(([127, 0, 0, 1], tls_port));
    let admin_addr = SocketAddr::from(([127, 0, 0, 1], admin_port));
    let child = Command::new(BINARY)
        .arg(format!("--tls-listen={tls_addr}"))
        .arg(format!("--admin-listen={admin_addr}"))
        .arg(format!("--tls-cert={}", cert.display()))
        .arg(format!("--tls-key={}", key.display()))
        .args(["--no-executor-watch", "--log-level=warn"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut guard = KillOnDrop(Some(child));
    let webhook = guard.0.as_mut().unwrap();
    let pid = webhook.id();
    let began = Instant::now();
    while tokio::net::TcpStream::connect(admin_addr).await.is_err()
        || admin_get(admin_addr, "/ready").await.0 != 200
    {
        assert!(began.elapsed() < Duration::from_secs(20), "not ready");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    let rows = cases();
    assert!(rows.len() >= 50, "only {} rows", rows.len());
    let mut client = Client::connect(&pki, tls_addr).await;
    let mut broken = Vec::new();
    let mut peak_rss = 0;
    for row in &rows {
        let uid = uid_of(&row.transport);
        let outcome = match client.send(&row.transport).await {
            Ok(reply) => check(&reply, &row.expect, uid.as_deref()),
            Err(error) => Err(error),
        };
        if let Err(problem) = outcome {
            broken.push(format!("{}: {problem}", row.name));
        }
        assert!(
            webhook.try_wait().unwrap().is_none(),
            "the webhook exited after {:?}",
            row.name
        );
        peak_rss = peak_rss.max(rss_kib(pid));
    }
    assert!(
        broken.is_empty(),
        "{} of {} rows answered wrongly:\n{}",
        broken.len(),
        rows.len(),
        broken.join("\n")
    );

    // Several huge reviews at once cost memory only while they are read.
    let huge = post_json("/mutate", padded_review(LIMIT - 1024));
    let mut sends = Vec::new();
    for _ in 0..4 {
        let mut client = Client::connect(&pki, tls_addr).await;
        let huge = huge.clone();
        sends.push(tokio::spawn(async move { client.send(&huge).await }));
    }
    for send in sends {
        let reply = send.await.unwrap().unwrap();
        check(&reply, &ADMITTED, Some(UID)).unwrap();
    }

    assert_eq!(admin_get(admin_addr, "/health").await.0, 200);
    assert!(webhook.try_wait().unwrap().is_none(), "the webhook exited");
    let rss = rss_kib(pid);
    eprintln!(
        "{} rows; webhook VmRSS: {rss} KiB after the table, {peak_rss} KiB at most between rows",
        rows.len()
    );
    assert!(
        rss < RSS_CEILING_KIB && peak_rss < RSS_CEILING_KIB,
        "VmRSS {rss} KiB now, {peak_rss} KiB at most between rows; ceiling {RSS_CEILING_KIB} KiB"
    );
    // And it still answers a plain review.
    let reply = client
        .send(&post_json("/validate", bytes(&create(&performer()))))
        .await
        .unwrap();
    check(&reply, &ADMITTED, Some(UID)).unwrap();
}
