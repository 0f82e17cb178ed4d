//! The control plane a test binary shares between its tests, and what is
//! installed on it once for all of them: like envtest's environment, with
//! our CRDs, or with our CRDs and our webhook registered.

use std::sync::OnceLock;

use super::ControlPlane;
use crate::crds::install_crds;
use crate::error::HarnessError;
use crate::webhook_server::WebhookServer;

static SHARED: OnceLock<Result<ControlPlane, HarnessError>> = OnceLock::new();

impl ControlPlane {
    /// The control plane of this test binary, started by the first test that
    /// asks and stopped when the binary exits (an `atexit` hook; if the binary
    /// is killed, the kernel's parent-death signal). Panics with the one-line
    /// reason if it cannot be started, in every test that asks.
    pub fn shared() -> &'static ControlPlane {
        match ControlPlane::try_shared() {
            Ok(control_plane) => control_plane,
            Err(err) => panic!("{err}"),
        }
    }

    /// [`ControlPlane::shared`], returning the start-up error instead of
    /// panicking. A failed start is not retried by later callers.
    pub fn try_shared() -> Result<&'static ControlPlane, &'static HarnessError> {
        SHARED
            .get_or_init(|| {
                register_exit_hook();
                ControlPlane::start()
            })
            .as_ref()
    }

    /// The shared control plane with our CRDs (`manifests/crds/`) installed,
    /// Established and served; they are installed once per test binary.
    /// Panics with the one-line reason if either cannot be had.
    pub fn with_crds() -> &'static ControlPlane {
        let control_plane = ControlPlane::shared();
        install_crds(control_plane).unwrap_or_else(|err| panic!("{err}"));
        control_plane
    }

    /// [`ControlPlane::with_crds`] with our webhook (debug build) started
    /// and registered as the validating and mutating webhook, once per test
    /// binary. The webhook lives until the binary exits (it is never
    /// dropped; the parent-death signal ends it). A suite that stops or
    /// replaces the webhook starts its own [`WebhookServer`] instead, in a
    /// test binary of its own, since webhook configurations are cluster-wide.
    /// Panics with the one-line reason if the webhook cannot be had; the next
    /// test to ask tries again.
    pub fn with_webhook() -> &'static ControlPlane {
        static WEBHOOK: OnceLock<WebhookServer> = OnceLock::new();
        let control_plane = ControlPlane::with_crds();
        WEBHOOK.get_or_init(|| {
            let webhook = WebhookServer::start(control_plane).unwrap_or_else(|err| panic!("{err}"));
            webhook
                .register(control_plane)
                .unwrap_or_else(|err| panic!("{err}"));
            webhook
        });
        control_plane
    }
}

/// Statics are never dropped, so the shared control plane is stopped from
/// libc's `atexit`, which runs when libtest's `main` returns or calls
/// `process::exit`, after every test has finished.
fn register_exit_hook() {
    extern "C" fn stop_shared() {
        if let Some(Ok(control_plane)) = SHARED.get() {
            control_plane.stop();
        }
    }
    // SAFETY: registers a plain function with no captured state; it only
    // reads a static that lives for the whole process.
    let registered = unsafe { libc::atexit(stop_shared) };
    if registered != 0 {
        eprintln!(
            "hourglass-e2e: could not register the exit hook; the control plane will be killed by the parent-death signal instead of stopped"
        );
    }
}
