//! Process state the probes report, and the signals that end the process.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Started, serving, draining: flipped by the server, read by the admin port.
#[derive(Clone, Default, Debug)]
pub struct Health(Arc<Flags>);

#[derive(Default, Debug)]
struct Flags {
    started: AtomicBool,
    serving: AtomicBool,
    draining: AtomicBool,
}

impl Health {
    pub fn new() -> Self {
        Self::default()
    }

    /// The TLS listener is bound and a certificate is loaded.
    pub fn set_serving(&self) {
        self.0.serving.store(true, Ordering::Release);
        self.0.started.store(true, Ordering::Release);
    }

    /// Shutdown began: not ready any more, so endpoints stop sending traffic.
    pub fn set_draining(&self) {
        self.0.draining.store(true, Ordering::Release);
    }

    pub fn is_started(&self) -> bool {
        self.0.started.load(Ordering::Acquire)
    }

    pub fn is_ready(&self) -> bool {
        self.0.serving.load(Ordering::Acquire) && !self.is_draining()
    }

    pub fn is_draining(&self) -> bool {
        self.0.draining.load(Ordering::Acquire)
    }
}

/// Resolves on SIGTERM (the kubelet stopping the pod) or SIGINT (Ctrl-C).
pub async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => tracing::info!("SIGTERM received; draining"),
                    _ = int.recv() => tracing::info!("SIGINT received; draining"),
                }
            }
            _ => {
                tracing::warn!("cannot install signal handlers; only Ctrl-C stops the server");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("Ctrl-C received; draining");
    }
}
