//! When a stand-in reconciles which performer, as controller-runtime's
//! rate-limited work queue decides it (sigs.k8s.io/controller-runtime, the
//! queue every kubebuilder controller such as the upstream operator runs
//! on): one entry per object; an event asks for it now; a successful
//! reconcile may ask again after a delay (upstream: 2 minutes); a failed one
//! again after 5 ms, doubling per consecutive failure up to 1000 s, while
//! any event still asks for it at once.
//!
//! Not reproduced: the queue's overall 10 per second (burst 100) limit,
//! which a test never reaches.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::Duration;

use tokio::time::Instant;

const FIRST_RETRY: Duration = Duration::from_millis(5);
const LONGEST_RETRY: Duration = Duration::from_secs(1000);

/// Keys waiting for a reconcile, each with the instant it is due.
#[derive(Debug)]
pub(crate) struct WorkQueue<K> {
    due: HashMap<K, Instant>,
    failures: HashMap<K, u32>,
}

impl<K> Default for WorkQueue<K> {
    fn default() -> Self {
        WorkQueue {
            due: HashMap::new(),
            failures: HashMap::new(),
        }
    }
}

impl<K: Clone + Eq + Hash> WorkQueue<K> {
    /// An event on the object: reconcile it as soon as possible.
    pub fn add_now(&mut self, key: K) {
        self.add_at(key, Instant::now());
    }

    /// Reconcile it after `delay`, unless something asks sooner.
    pub fn add_after(&mut self, key: K, delay: Duration) {
        self.add_at(key, Instant::now() + delay);
    }

    /// The reconcile failed: try again after the key's next back-off.
    pub fn add_after_failure(&mut self, key: K) {
        let failures = self.failures.entry(key.clone()).or_insert(0);
        let delay = retry_delay(*failures);
        *failures += 1;
        self.add_after(key, delay);
    }

    /// The reconcile succeeded: its back-off starts over.
    pub fn forget_failures(&mut self, key: &K) {
        self.failures.remove(key);
    }

    /// When the earliest key is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.due.values().min().copied()
    }

    /// Takes the earliest key if it is due by `now`.
    pub fn pop_due(&mut self, now: Instant) -> Option<K> {
        let (key, _) = self
            .due
            .iter()
            .filter(|(_, due)| **due <= now)
            .min_by_key(|(_, due)| **due)?;
        let key = key.clone();
        self.due.remove(&key);
        Some(key)
    }

    fn add_at(&mut self, key: K, at: Instant) {
        self.due
            .entry(key)
            .and_modify(|due| *due = (*due).min(at))
            .or_insert(at);
    }
}

/// The back-off after `earlier_failures` consecutive failures before this one.
fn retry_delay(earlier_failures: u32) -> Duration {
    FIRST_RETRY
        .checked_mul(2u32.saturating_pow(earlier_failures))
        .map_or(LONGEST_RETRY, |delay| delay.min(LONGEST_RETRY))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_event_overtakes_a_pending_retry() {
        let mut queue = WorkQueue::default();
        queue.add_after("a", Duration::from_secs(120));
        queue.add_now("a");
        assert_eq!(queue.pop_due(Instant::now()), Some("a"));
        assert_eq!(queue.pop_due(Instant::now()), None);
    }

    #[test]
    fn failures_back_off_exponentially() {
        let delays: Vec<Duration> = [0, 1, 2, 3, 17, 40].map(retry_delay).into();
        assert_eq!(
            delays,
            [
                Duration::from_millis(5),
                Duration::from_millis(10),
                Duration::from_millis(20),
                Duration::from_millis(40),
                Duration::from_millis(655_360),
                LONGEST_RETRY,
            ]
        );
    }

    #[tokio::test]
    async fn a_success_starts_the_back_off_over() {
        let mut queue = WorkQueue::default();
        queue.add_after_failure("a");
        queue.add_after_failure("a");
        assert_eq!(queue.failures[&"a"], 2);
        queue.forget_failures(&"a");
        assert!(!queue.failures.contains_key(&"a"));
    }
}
