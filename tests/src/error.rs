//! The one error type of the harness. Every message is a single line that says
//! what could not be obtained and how to fix it: a test that cannot get a
//! control plane fails loudly with it, it never skips.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error(
        "no cache directory for the Kubernetes binaries: set HOURGLASS_CACHE_DIR (or HOME) to a writable directory"
    )]
    NoCacheDir,

    #[error("could not {what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "`go` is not on PATH: install Go 1.24 or newer and put it on PATH, so {command} {version} can be built once into {cache}"
    )]
    GoMissing {
        command: String,
        version: String,
        cache: PathBuf,
    },

    #[error(
        "building {command} {version} failed: {detail} (full log: {log}); needs Go 1.24 or newer and the Go module proxy (GOPROXY) reachable"
    )]
    BuildFailed {
        command: String,
        version: String,
        detail: String,
        log: PathBuf,
    },

    #[error(
        "etcd is not on PATH and could not be installed ({reason}); install it as root with `apt-get update && apt-get install -y etcd-server`"
    )]
    EtcdMissing { reason: String },

    #[error(
        "skopeo is not on PATH and could not be installed ({reason}); install it as root with `apt-get update && apt-get install -y --no-install-recommends skopeo`"
    )]
    SkopeoMissing { reason: String },

    #[error("{name} exited during start-up ({status}): {tail} (full log: {log})")]
    Exited {
        name: String,
        status: String,
        tail: String,
        log: PathBuf,
    },

    #[error(
        "{name} was not ready after {seconds}s ({detail}); last log lines: {tail} (full log: {log})"
    )]
    NotReady {
        name: String,
        seconds: u64,
        detail: String,
        tail: String,
        log: PathBuf,
    },

    #[error("could not create the control plane's PKI with hourglass-certs: {0}")]
    Pki(String),

    #[error("could not build a kube client from {kubeconfig}: {detail}")]
    Client { kubeconfig: PathBuf, detail: String },

    #[error("`kubectl {args}` failed: {detail}")]
    Kubectl { args: String, detail: String },

    #[error(
        "could not build the workspace binary {bin}: {detail}; run `cargo build --workspace` to see the full error"
    )]
    WorkspaceBuild { bin: String, detail: String },

    #[error("cannot read the manifest {path}: {detail}")]
    Manifest { path: PathBuf, detail: String },

    #[error("the webhook did not become ready: {detail} (log: {log})")]
    WebhookNotReady { detail: String, log: PathBuf },
}

impl HarnessError {
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        HarnessError::Io {
            what: what.into(),
            source,
        }
    }

    /// Whether this start-up failure looks like losing a race for a port that
    /// was free when it was picked (another process bound it in between).
    pub(crate) fn is_port_conflict(&self) -> bool {
        match self {
            HarnessError::Exited { tail, .. } | HarnessError::NotReady { tail, .. } => {
                tail.contains("address already in use")
            }
            _ => false,
        }
    }
}

/// Longest text from a log or a child's output put into one error message.
const MAX_DETAIL_CHARS: usize = 1500;

/// `text` folded onto one line: its last `lines` non-empty lines joined by
/// " | ", keeping the end when it is too long.
pub(crate) fn one_line(text: &str, lines: usize) -> String {
    let kept: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    let start = kept.len().saturating_sub(lines);
    let joined = kept[start..].join(" | ");
    let count = joined.chars().count();
    if count <= MAX_DETAIL_CHARS {
        return joined;
    }
    let mut out = String::from("...");
    let skip = count - MAX_DETAIL_CHARS;
    for c in joined.chars().skip(skip) {
        out.push(c);
    }
    out
}

/// An error and its sources on one line: kube's and hyper's errors keep the
/// useful part ("connection refused") in the source chain.
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    one_line(&text, usize::MAX)
}

/// The last lines of the log file at `path`, on one line; says so when the
/// file cannot be read rather than failing a second time.
pub(crate) fn log_tail(path: &Path, lines: usize) -> String {
    match std::fs::read(path) {
        Ok(bytes) => {
            let tail = one_line(&String::from_utf8_lossy(&bytes), lines);
            if tail.is_empty() {
                String::from("(log is empty)")
            } else {
                tail
            }
        }
        Err(err) => format!("(log unreadable: {err})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_keeps_the_last_non_empty_lines() {
        assert_eq!(one_line("a\n\nb\n c \nd\n", 3), "b | c | d");
        assert_eq!(one_line("", 3), "");
    }

    #[test]
    fn one_line_keeps_the_end_of_long_text() {
        let long = "x".repeat(MAX_DETAIL_CHARS) + "END";
        let folded = one_line(&long, 1);
        assert!(folded.starts_with("..."));
        assert!(folded.ends_with("END"));
        assert_eq!(folded.chars().count(), MAX_DETAIL_CHARS + 3);
    }

    #[test]
    fn messages_are_one_line() {
        let err = HarnessError::Exited {
            name: "etcd".into(),
            status: "exit status: 1".into(),
            tail: one_line("first\nbind: address already in use\n", 5),
            log: PathBuf::from("/tmp/etcd.log"),
        };
        assert!(!err.to_string().contains('\n'));
        assert!(err.is_port_conflict());
    }
}
