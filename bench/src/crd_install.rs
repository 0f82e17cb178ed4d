//! Installing CRD documents into a given control plane. The suites'
//! [`hourglass_e2e::install_crds`] installs once per process; a benchmark starts a
//! fresh control plane per variant, some with a modified CRD, so it installs
//! each time.

use std::time::{Duration, Instant};

use hourglass_e2e::{ControlPlane, HarnessError, Outcome, read_manifest};
use serde_json::Value;

/// How long a new CRD may take to be Established and served.
const SERVED_TIMEOUT: Duration = Duration::from_secs(60);

/// `manifests/crds/<file>` as JSON.
pub fn crd_manifest(file: &str) -> Result<Value, HarnessError> {
    read_manifest(&format!("manifests/crds/{file}"))
}

/// Both CRDs exactly as `manifests/crds/` has them.
pub fn standard_crds() -> Result<Vec<Value>, HarnessError> {
    ["hourglassexecutors.yaml", "performers.yaml"]
        .into_iter()
        .map(crd_manifest)
        .collect()
}

/// Creates `crds` and waits until each is Established and its resource
/// answers a list (discovery lags Established a little).
pub fn install(control_plane: &ControlPlane, crds: &[Value]) -> Result<(), HarnessError> {
    for crd in crds {
        // Not `run_kubectl`, which keeps three lines: the apiserver explains
        // a refused CEL rule over many (the rule, a caret, the cost).
        let mut kubectl = control_plane.kubectl();
        kubectl.args(["create", "-f", "-"]);
        let outcome = Outcome::of(kubectl, Some(&crd.to_string()));
        if !outcome.success {
            return Err(HarnessError::Kubectl {
                args: format!("create -f - ({})", crd["metadata"]["name"]),
                detail: outcome.stderr.trim_end().to_string(),
            });
        }
    }
    for crd in crds {
        let name = crd["metadata"]["name"].as_str().unwrap_or_default();
        control_plane.run_kubectl(
            &[
                "wait",
                "--for=condition=Established",
                "--timeout=60s",
                &format!("crd/{name}"),
            ],
            None,
        )?;
        let began = Instant::now();
        while let Err(err) = control_plane.run_kubectl(&["get", name, "-A", "-o", "name"], None) {
            if began.elapsed() > SERVED_TIMEOUT {
                return Err(err);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    Ok(())
}
