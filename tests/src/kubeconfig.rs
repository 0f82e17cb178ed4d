//! The admin kubeconfig: client-certificate auth, CA data inline, one context.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::HarnessError;
use crate::pki::{ADMIN_USER, Pki};

/// Name of the cluster and of the context in the kubeconfig.
pub const CONTEXT: &str = "hourglass-e2e";

/// The kubeconfig document for `server` as JSON, which kubectl and kube-rs
/// read like YAML (JSON is YAML) and serde writes without hand escaping.
pub fn render(server: &str, pki: &Pki) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{
            "name": CONTEXT,
            "cluster": {
                "server": server,
                "certificate-authority-data": STANDARD.encode(&pki.ca_pem),
            },
        }],
        "users": [{
            "name": ADMIN_USER,
            "user": {
                "client-certificate-data": STANDARD.encode(&pki.admin_cert_pem),
                "client-key-data": STANDARD.encode(&pki.admin_key_pem),
            },
        }],
        "contexts": [{
            "name": CONTEXT,
            "context": { "cluster": CONTEXT, "user": ADMIN_USER, "namespace": "default" },
        }],
        "current-context": CONTEXT,
        "preferences": {},
    })
}

/// Writes the kubeconfig to `path`, readable by its owner only (it holds the
/// admin key).
pub fn write(path: &Path, server: &str, pki: &Pki) -> Result<(), HarnessError> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let what = || format!("write the kubeconfig {}", path.display());
    let text = serde_json::to_string_pretty(&render(server, pki))
        .map_err(|e| HarnessError::io(what(), e.into()))?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| HarnessError::io(what(), e))?;
    file.write_all(text.as_bytes())
        .map_err(|e| HarnessError::io(what(), e))
}
