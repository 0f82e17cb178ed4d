//! What the edits of `object_from_bytes.rs` write: values on the edge of
//! some rule, free keys, and every word the examples and the CRDs use.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_json::Value;

use super::{EXECUTOR_CRD, PERFORMER_CRD, examples};

/// Strings that sit on the edge of some rule: empty and blank, case and
/// unicode, numbers and quantities at their limits, operators, URLs and
/// host:port forms, image references and addresses.
pub(super) const EDGE_STRINGS: &[&str] = &[
    "",
    " ",
    "-",
    "a",
    "A",
    "0",
    "-1",
    "1",
    "+1",
    "1.5",
    ".5",
    "500m",
    "0.1m",
    "4Gi",
    "1e3",
    "1E-3",
    "1e400",
    "9223372036854775807",
    "9999999999999999999999999999999Ei",
    "1Ki",
    "1.5Gi",
    "latest",
    "v1.0.0",
    "In",
    "NotIn",
    "Exists",
    "DoesNotExist",
    "Gt",
    "Lt",
    "Equal",
    "NoSchedule",
    "NoExecute",
    "PreferNoSchedule",
    "sgx",
    "sev",
    "tdx",
    "SGX",
    "nvidia-a100",
    "nvidia.com/gpu",
    "kubernetes.io/arch",
    "example.com/",
    "/name",
    "a/b/c",
    "UPPER",
    "a..b",
    "-leading",
    "trailing-",
    "with space",
    "tab\there",
    "new\nline",
    "ñandú",
    "日本語",
    "e\u{301}",
    "\u{200d}",
    "\u{1F600}",
    "0x",
    "0x1234567890abcdef1234567890abcdef12345678",
    "0x1234567890ABCDEF1234567890abcdef12345678",
    "0X1234567890abcdef1234567890abcdef12345678",
    "0x1234567890abcdef1234567890abcdef1234567",
    "0xZZ34567890abcdef1234567890abcdef12345678",
    "http://rpc.example.com",
    "https://rpc.example.com:8545/path?q=1",
    "ws://[::1]:8546",
    "wss://",
    "ftp://rpc.example.com",
    "host:9090",
    "host:0",
    "host:65536",
    "host:",
    ":9090",
    "[::1]:9090",
    "[::1]",
    "::1:9090",
    "host:port:9090",
    "registry.example.com:5000/team/app:v1",
    "app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "app:tag@sha256:0123",
    "App:Tag",
    "app:",
    "app:latest",
    "docker.io/library/app",
    "kubernetes",
    "docker",
    "debug",
    "Always",
    "IfNotPresent",
    "2024-01-01T00:00:00Z",
    "not-a-time",
];

pub(super) const EDGE_INTEGERS: &[i64] = &[
    0,
    1,
    -1,
    2,
    8,
    100,
    101,
    9090,
    65535,
    65536,
    i32::MAX as i64,
    i32::MIN as i64,
    i32::MAX as i64 + 1,
    i64::MAX,
    i64::MIN,
];

/// Keys for maps whose keys are free (labels, environment, resources).
pub(super) const EDGE_KEYS: &[&str] = &[
    "",
    "cpu",
    "memory",
    "nvidia.com/gpu",
    "ephemeral-storage",
    "kubernetes.io/arch",
    "example.com/team",
    "LOG_LEVEL",
    "1BAD",
    "with space",
    "a=b",
    "ñ",
    "ecdsa",
    "bls",
];

/// Every string in the examples and every enum value in the CRDs.
pub(super) fn vocabulary() -> &'static [String] {
    static WORDS: OnceLock<Vec<String>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut words = BTreeSet::new();
        for example in examples() {
            collect_strings(example, &mut words);
        }
        for crd in [EXECUTOR_CRD, PERFORMER_CRD] {
            let crd: Value = serde_yaml_ng::from_str(crd).expect("generated CRDs are YAML");
            collect_enums(&crd, &mut words);
        }
        words.into_iter().collect()
    })
}

fn collect_strings(value: &Value, words: &mut BTreeSet<String>) {
    match value {
        Value::String(text) => {
            words.insert(text.clone());
        }
        Value::Array(items) => items.iter().for_each(|item| collect_strings(item, words)),
        Value::Object(map) => map.values().for_each(|item| collect_strings(item, words)),
        _ => {}
    }
}

fn collect_enums(value: &Value, words: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(options) = map.get("enum").and_then(Value::as_array) {
                words.extend(options.iter().filter_map(Value::as_str).map(String::from));
            }
            map.values().for_each(|item| collect_enums(item, words));
        }
        Value::Array(items) => items.iter().for_each(|item| collect_enums(item, words)),
        _ => {}
    }
}
