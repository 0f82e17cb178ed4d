//! Counting one client's requests from kube-apiserver's audit log.
//!
//! The apiserver is the one place that sees every request a command makes,
//! retries and discovery included, without changing the command. With the
//! policy below it writes one JSON line per finished request
//! (`--audit-log-path`, format json, blocking mode: the line is written
//! before the response is complete). A client is told apart by the start
//! of its `userAgent`; a run by the byte range of the file it wrote.

use std::collections::BTreeMap;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::Path;

use serde_json::Value;

/// Metadata for every request (who, verb, object, answer; no bodies), and
/// no `RequestReceived` line, so each request is one line.
pub const POLICY: &str = "\
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages:
  - RequestReceived
rules:
  - level: Metadata
";

/// The kube-apiserver flags that write the audit log to `log` under the
/// policy file `policy` (which must hold [`POLICY`]).
pub fn apiserver_flags(policy: &Path, log: &Path) -> Vec<String> {
    vec![
        format!("--audit-policy-file={}", policy.display()),
        format!("--audit-log-path={}", log.display()),
    ]
}

/// What a request did: its verb and what it was on, e.g. `get` on
/// `performers`, `patch` on `pods/status`, or `get` on `/version` for a
/// request outside the resource API.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RequestKind {
    pub verb: String,
    pub target: String,
}

/// How many requests of one kind, and how many of those the apiserver
/// refused or failed (status 400 or above, e.g. 409 conflicts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub requests: usize,
    pub failed: usize,
}

/// One client's requests in a stretch of the log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestCounts {
    pub by_kind: BTreeMap<RequestKind, Tally>,
    /// Lines of the stretch, from any client.
    pub lines: usize,
    /// Lines that were not an audit event (should stay 0).
    pub unreadable: usize,
}

impl RequestCounts {
    pub fn total(&self) -> usize {
        self.by_kind.values().map(|t| t.requests).sum()
    }

    pub fn failed(&self) -> usize {
        self.by_kind.values().map(|t| t.failed).sum()
    }
}

/// Counts the finished requests (`ResponseComplete`, or `Panic`) of `text`,
/// audit log lines, whose user agent starts with `user_agent_prefix`.
/// Long-running requests (watches) also log `ResponseStarted`, which would
/// count them twice, so only the last stage counts.
pub fn count_requests(text: &str, user_agent_prefix: &str) -> RequestCounts {
    let mut counts = RequestCounts::default();
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        counts.lines += 1;
        let Ok(event) = serde_json::from_str::<Value>(line) else {
            counts.unreadable += 1;
            continue;
        };
        let text_of = |key: &str| event.get(key).and_then(Value::as_str).unwrap_or_default();
        if text_of("kind") != "Event" {
            counts.unreadable += 1;
            continue;
        }
        if !matches!(text_of("stage"), "ResponseComplete" | "Panic")
            || !text_of("userAgent").starts_with(user_agent_prefix)
        {
            continue;
        }
        let kind = RequestKind {
            verb: text_of("verb").to_string(),
            target: target(&event),
        };
        let code = event["responseStatus"]["code"].as_u64().unwrap_or(0);
        let tally = counts.by_kind.entry(kind).or_default();
        tally.requests += 1;
        if code >= 400 || text_of("stage") == "Panic" {
            tally.failed += 1;
        }
    }
    counts
}

/// `resource`, `resource/subresource`, or the path of a non-resource URL
/// (discovery, `/version`) without its query.
fn target(event: &Value) -> String {
    let object = &event["objectRef"];
    match object["resource"].as_str() {
        Some(resource) => match object["subresource"].as_str() {
            Some(sub) => format!("{resource}/{sub}"),
            None => resource.to_string(),
        },
        None => {
            let uri = event["requestURI"].as_str().unwrap_or("?");
            uri.split('?').next().unwrap_or(uri).to_string()
        }
    }
}

/// The complete lines of the file at `path` from byte `from` on, and the
/// offset just past the last of them: where the next stretch starts. A
/// line still being written is left for the next read.
pub fn lines_since(path: &Path, from: u64) -> Result<(String, u64), String> {
    let mut file = std::fs::File::open(path)
        .map_err(|e| format!("cannot open the audit log {}: {e}", path.display()))?;
    file.seek(SeekFrom::Start(from))
        .map_err(|e| format!("cannot seek in the audit log {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the audit log {}: {e}", path.display()))?;
    let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    bytes.truncate(complete);
    let end = from + complete as u64;
    String::from_utf8(bytes)
        .map(|text| (text, end))
        .map_err(|_| format!("the audit log {} is not UTF-8", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An audit line as kube-apiserver 1.33 writes it, cut to what is read.
    fn line(stage: &str, agent: &str, verb: &str, object: &str, code: u16) -> String {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"x","stage":"{stage}","requestURI":"/apis/hourglass.eigenlayer.io/v1alpha1/namespaces/n/performers?labelSelector=avs%3Dbench","verb":"{verb}","userAgent":"{agent}",{object}"responseStatus":{{"metadata":{{}},"code":{code}}}}}"#
        )
    }

    const PLUGIN: &str = "kubectl-hourglass/0.1.0 (linux/amd64)";
    const PERFORMER: &str = r#""objectRef":{"resource":"performers","namespace":"n","name":"p","apiGroup":"hourglass.eigenlayer.io"},"#;

    fn kind(verb: &str, target: &str) -> RequestKind {
        RequestKind {
            verb: verb.to_string(),
            target: target.to_string(),
        }
    }

    #[test]
    fn counts_the_plugins_finished_requests_by_verb_and_target() {
        let pod_status = r#""objectRef":{"resource":"pods","subresource":"status","name":"p"},"#;
        let text = [
            line("ResponseComplete", PLUGIN, "get", PERFORMER, 200),
            line("ResponseComplete", PLUGIN, "get", PERFORMER, 200),
            line("ResponseComplete", PLUGIN, "patch", PERFORMER, 409),
            line("ResponseComplete", PLUGIN, "list", PERFORMER, 200),
            line("ResponseComplete", PLUGIN, "patch", pod_status, 200),
            // Other clients: the operator stand-in (kube-rs sends no agent), kubectl.
            line("ResponseComplete", "", "get", PERFORMER, 200),
            line(
                "ResponseComplete",
                "kubectl/v1.33.13 (linux/amd64)",
                "get",
                PERFORMER,
                200,
            ),
            // A watch's first stage, then its end: one request.
            line("ResponseStarted", PLUGIN, "watch", PERFORMER, 200),
            line("ResponseComplete", PLUGIN, "watch", PERFORMER, 200),
        ]
        .join("\n");
        let counts = count_requests(&text, "kubectl-hourglass/");
        assert_eq!((counts.lines, counts.unreadable), (9, 0));
        assert_eq!(counts.total(), 6);
        assert_eq!(counts.failed(), 1);
        assert_eq!(
            counts.by_kind[&kind("get", "performers")],
            Tally {
                requests: 2,
                failed: 0
            }
        );
        assert_eq!(counts.by_kind[&kind("patch", "performers")].failed, 1);
        assert_eq!(counts.by_kind[&kind("patch", "pods/status")].requests, 1);
        assert_eq!(counts.by_kind[&kind("watch", "performers")].requests, 1);
    }

    #[test]
    fn requests_outside_the_resource_api_count_by_path() {
        let version = r#"{"kind":"Event","stage":"ResponseComplete","requestURI":"/version?timeout=32s","verb":"get","userAgent":"kubectl-hourglass/0.1.0 (linux/amd64)","responseStatus":{"code":200}}"#;
        let counts = count_requests(version, "kubectl-hourglass/");
        assert_eq!(counts.by_kind[&kind("get", "/version")].requests, 1);
    }

    #[test]
    fn what_is_not_an_event_is_counted_apart() {
        let event = line("ResponseComplete", PLUGIN, "get", PERFORMER, 200);
        let text = format!("not json\n{{\"kind\":\"Status\"}}\n\n{event}");
        let counts = count_requests(&text, "kubectl-hourglass/");
        assert_eq!((counts.lines, counts.unreadable, counts.total()), (3, 2, 1));
        assert_eq!(count_requests("", "kubectl-hourglass/").total(), 0);
    }

    #[test]
    fn reads_complete_lines_from_an_offset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        std::fs::write(&path, "one\ntwo\nthr").unwrap();
        let (text, end) = lines_since(&path, 0).unwrap();
        assert_eq!((text.as_str(), end), ("one\ntwo\n", 8));
        let (text, end) = lines_since(&path, 4).unwrap();
        assert_eq!((text.as_str(), end), ("two\n", 8));
        std::fs::write(&path, "one\ntwo\nthree\n").unwrap();
        let (text, end) = lines_since(&path, 8).unwrap();
        assert_eq!((text.as_str(), end), ("three\n", 14));
        assert!(lines_since(&dir.path().join("missing"), 0).is_err());
    }
}
