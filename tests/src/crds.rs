//! Installing our CRDs into a control plane, once per test binary.

use std::sync::Mutex;
use std::time::Duration;

use crate::control_plane::ControlPlane;
use crate::error::HarnessError;
use crate::workspace_binary::workspace_root;

pub const CRD_NAMES: [&str; 2] = [
    "hourglassexecutors.hourglass.eigenlayer.io",
    "performers.hourglass.eigenlayer.io",
];

/// Applies `manifests/crds/` and waits until both CRDs are Established and
/// served. Idempotent: later calls in the same process return at once.
pub fn install_crds(control_plane: &ControlPlane) -> Result<(), HarnessError> {
    static INSTALLED: Mutex<bool> = Mutex::new(false);
    let mut installed = INSTALLED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if *installed {
        return Ok(());
    }
    let dir = workspace_root().join("manifests/crds");
    control_plane.run_kubectl(&["apply", "-f", &dir.display().to_string()], None)?;
    let targets: Vec<String> = CRD_NAMES.iter().map(|name| format!("crd/{name}")).collect();
    let mut args = vec!["wait", "--for=condition=Established", "--timeout=60s"];
    args.extend(targets.iter().map(String::as_str));
    control_plane.run_kubectl(&args, None)?;
    // Discovery (what `kubectl get performers` consults) lags Established a little.
    for _ in 0..50 {
        if control_plane
            .run_kubectl(&["get", "performers", "-A"], None)
            .is_ok()
        {
            *installed = true;
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    control_plane.run_kubectl(&["get", "performers", "-A"], None)?;
    *installed = true;
    Ok(())
}
