//! kube clients built from the admin kubeconfig.

use std::path::Path;

use kube::config::{KubeConfigOptions, Kubeconfig};

use crate::error::{HarnessError, error_chain};

/// A client configured exactly as kubectl is: from the kubeconfig file.
///
/// A `kube::Client` runs a background task on the tokio runtime that builds
/// it and stops working when that runtime ends, so build one per test (each
/// `#[tokio::test]` has its own runtime) rather than sharing one.
pub async fn from_kubeconfig(path: &Path) -> Result<kube::Client, HarnessError> {
    let failed = |detail: String| HarnessError::Client {
        kubeconfig: path.to_path_buf(),
        detail,
    };
    let kubeconfig = Kubeconfig::read_from(path).map_err(|e| failed(error_chain(&e)))?;
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .map_err(|e| failed(error_chain(&e)))?;
    kube::Client::try_from(config).map_err(|e| failed(error_chain(&e)))
}
