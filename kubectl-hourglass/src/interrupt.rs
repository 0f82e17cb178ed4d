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

/// Ctrl-C presses as many listeners see them: each in-flight upgrade of a
/// bulk upgrade, and the loop that starts new ones. Every [`Presses`] sees
/// each press made after it was made (or after its last [`Presses::next`])
/// once, so a first Ctrl-C ends the waits and a second one the rollbacks'
/// retries, as with a single upgrade.
#[derive(Clone)]
pub struct Presses {
    count: tokio::sync::watch::Receiver<u64>,
    seen: u64,
}

impl Presses {
    /// Counts the presses `interrupt` hears from now on.
    pub fn count(mut interrupt: Interrupt) -> Presses {
        let (sender, count) = tokio::sync::watch::channel(0u64);
        tokio::spawn(async move {
            loop {
                interrupt.recv().await;
                sender.send_modify(|presses| *presses += 1);
            }
        });
        Presses { count, seen: 0 }
    }

    /// A listener that sees presses from now on.
    pub fn fork(&self) -> Presses {
        Presses {
            count: self.count.clone(),
            seen: *self.count.borrow(),
        }
    }

    /// Whether a press came that this listener has not yet seen.
    pub fn pressed(&self) -> bool {
        *self.count.borrow() > self.seen
    }

    /// Resolves at the next press not yet seen (at once if one is waiting).
    pub async fn next(&mut self) {
        let seen = self.seen;
        match self.count.wait_for(|presses| *presses > seen).await {
            Ok(presses) => self.seen = *presses,
            // The counting task ended with the runtime: no press will come.
            Err(_) => std::future::pending::<()>().await,
        }
    }
}
