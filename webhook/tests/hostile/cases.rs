//! The hand-written rows: broken JSON, the envelope and the request's own
//! fields, unicode, duplicate keys, v1beta1, methods, paths, content types,
//! gzip claims, sizes near and over the limit, and HTTP/1.1 the router
//! never sees; then the generated wrong-type rows of both kinds.

use serde_json::{Value, json};

use super::wrong_types::wrong_type_cases;
use super::*;
use crate::common::*;

/// The hand-written rows.
pub fn cases() -> Vec<Case> {
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
            post_json("/validate", bytes(&review(Operation::Update, Some(&performer()), None))),
            ADMITTED,
        ),
        case(
            "UPDATE with oldObject a number (judged alone, with a warning)",
            post_json(
                "/mutate",
                bytes(&edited(review(Operation::Update, Some(&performer()), None), |r| {
                    r["request"]["oldObject"] = json!(7);
                })),
            ),
            ADMITTED,
        ),
        case(
            "DELETE with a garbage oldObject (not read)",
            post_json(
                "/validate",
                bytes(&edited(review(Operation::Delete, None, Some(&performer())), |r| {
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
