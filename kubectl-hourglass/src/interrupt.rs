//! Ctrl-C as an event the plugin reacts to, listened for from the moment a
//! command starts something it must finish or undo.
//!
//! `tokio::signal::ctrl_c()` installs its handler only when first polled, so
//! a Ctrl-C that lands between a progress line and the next poll would kill
//! the process with the default action, skipping the rollback the user asked
//! for. A listener made up front catches every Ctrl-C from then on, and one
//! that arrives while nobody waits is kept until the next [`Interrupt::recv`].

use std::io;

/// A Ctrl-C listener, registered when made.
pub struct Interrupt {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl Interrupt {
    /// Registers the listener; from here on Ctrl-C no longer ends the process.
    pub fn listen() -> io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                signal: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Resolves at the next Ctrl-C, or at once for one already received.
    pub async fn recv(&mut self) {
        #[cfg(unix)]
        {
            // `None` only when the signal driver is gone: treat as never.
            if self.signal.recv().await.is_none() {
                std::future::pending::<()>().await;
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
