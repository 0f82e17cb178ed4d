//! A namespace per test, so tests sharing a control plane run in parallel.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::control_plane::ControlPlane;
use crate::error::HarnessError;

/// Label on every namespace made here, to find leftovers of a long-running
/// control plane: `kubectl get ns -l hourglass.test/temporary`.
pub const TEMPORARY_LABEL: &str = "hourglass.test/temporary";

/// Longest prefix kept from a test's name; a namespace name has at most 63
/// characters and the suffix takes up to 21.
const MAX_PREFIX: usize = 40;

/// A uniquely named namespace, deleted when dropped (also while unwinding from
/// a failed assertion). No controllers run, so deletion only marks it
/// Terminating; its name is never reused.
#[derive(Debug)]
pub struct TestNamespace<'a> {
    control_plane: &'a ControlPlane,
    name: String,
}

impl<'a> TestNamespace<'a> {
    /// Creates a namespace named after the current test (libtest names each
    /// test's thread after it) with a suffix unique to this process.
    pub fn create(control_plane: &'a ControlPlane) -> Result<Self, HarnessError> {
        let test = std::thread::current().name().unwrap_or("test").to_string();
        Self::create_named(control_plane, &test)
    }

    /// Creates a namespace whose name starts with `hint` (made DNS-safe).
    pub fn create_named(control_plane: &'a ControlPlane, hint: &str) -> Result<Self, HarnessError> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = unique_name(
            hint,
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
        );
        let manifest = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": { "name": name, "labels": { TEMPORARY_LABEL: "true" } },
        });
        control_plane.run_kubectl(
            &["create", "-f", "-"],
            Some(manifest.to_string().as_bytes()),
        )?;
        Ok(TestNamespace {
            control_plane,
            name,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestNamespace<'_> {
    fn drop(&mut self) {
        let deleted = self.control_plane.run_kubectl(
            &[
                "delete",
                "namespace",
                &self.name,
                "--wait=false",
                "--ignore-not-found",
            ],
            None,
        );
        if let Err(err) = deleted {
            eprintln!(
                "hourglass-e2e: could not delete test namespace {}: {err}",
                self.name
            );
        }
    }
}

/// Runs `test` with an admin client and a fresh namespace on the shared
/// control plane, deleting the namespace afterwards, even if `test` panics.
/// Panics with the one-line reason if the control plane or the namespace
/// cannot be had.
pub async fn with_temp_ns<F, Fut, T>(test: F) -> T
where
    F: FnOnce(kube::Client, String) -> Fut,
    Fut: Future<Output = T>,
{
    let control_plane = ControlPlane::shared();
    let namespace = TestNamespace::create(control_plane).unwrap_or_else(|err| panic!("{err}"));
    let client = control_plane
        .kube_client()
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    let result = test(client, namespace.name().to_string()).await;
    drop(namespace);
    result
}

/// `<hint, DNS-safe>-<pid>-<counter>`: lower-case alphanumerics and dashes,
/// at most 63 characters, starting and ending with an alphanumeric.
fn unique_name(hint: &str, pid: u32, counter: u32) -> String {
    let mut prefix = String::new();
    for c in hint.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            prefix.push(c);
        } else if !prefix.ends_with('-') && !prefix.is_empty() {
            prefix.push('-');
        }
    }
    // The end of a test path ("module::test_name") says the most.
    let skip = prefix.len().saturating_sub(MAX_PREFIX);
    let prefix = prefix[skip..].trim_matches('-');
    let prefix = if prefix.is_empty() { "test" } else { prefix };
    format!("{prefix}-{pid}-{counter}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_dns_labels() {
        assert_eq!(
            unique_name("webhook::rejects_bad_avs", 42, 7),
            "webhook-rejects-bad-avs-42-7"
        );
        assert_eq!(unique_name("::__", 1, 0), "test-1-0");
        let long = unique_name(&"a_".repeat(100), u32::MAX, u32::MAX);
        assert!(long.len() <= 63, "{long}");
        assert!(!long.starts_with('-'));
    }
}
