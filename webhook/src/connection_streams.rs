//! A connection's HTTP/2 streams, run in the connection's own task.
//!
//! hyper serves an HTTP/1.1 request inside the connection's task, but hands
//! every HTTP/2 stream to an executor. With tokio's (`TokioExecutor`) each
//! stream was a task of its own, which the other worker often took: the
//! request's data and then the answer crossed threads, each crossing a
//! wake-up, and both workers locked the connection's stream table (a
//! contended mutex in the profile). The executor here only queues a stream
//! for [`ConnectionWithStreams`], which polls the connection and then every
//! stream that can go on, in one task: a review that waits (a body still
//! arriving) lets the others run as before, and nothing crosses threads.
//! Under bench-webhook's load the webhook made a third of the futex calls
//! per review it made before; its writes stayed one per answer.
//!
//! What it gives up: one connection's reviews use one core at a time. The
//! apiserver's HTTP/2 client sends every call to a webhook over one
//! connection until the server's stream limit (250 here), so one apiserver
//! gets one core; a review is some 30 microseconds of CPU (bench-webhook),
//! tens of thousands a second. Several apiservers, or clients, still spread
//! over every worker. And a review's own CPU work holds its connection's
//! other streams while it runs: microseconds for a usual object, some 2 ms
//! for the largest body the webhook reads (a 7 MiB review, in process).
//!
//! Measured with bench-webhook (/validate, 4 connections x 16 streams),
//! this against the same code with tokio's executor (96dcd4a) in one run
//! of five rounds: CPU per review 0.84x (0.74-0.99x), reviews/s 1.11x
//! (0.95-1.20x). The floor server shares this serving code, so it gained
//! too; the record is in bench/README.md.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use futures::FutureExt as _;
use futures::stream::{FuturesUnordered, StreamExt as _};

type Stream = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The executor hyper hands one connection's HTTP/2 streams to: it queues
/// them for that connection's [`ConnectionWithStreams`].
#[derive(Clone, Default)]
pub(crate) struct StreamQueue {
    queued: Arc<Mutex<Vec<Stream>>>,
}

impl StreamQueue {
    fn lock(&self) -> MutexGuard<'_, Vec<Stream>> {
        // Nothing panics while holding the lock: a poisoned queue is whole.
        self.queued.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<F: Future<Output = ()> + Send + 'static> hyper::rt::Executor<F> for StreamQueue {
    fn execute(&self, stream: F) {
        // A panic ends its own stream only, as it ended its own task: the
        // other streams of the connection go on. (The handler already
        // answers its own panics with a 500; this covers hyper's part.)
        let stream = AssertUnwindSafe(stream).catch_unwind().map(drop);
        self.lock().push(Box::pin(stream));
    }
}

/// A connection and the streams it opened, polled together; done when the
/// connection is done and its last stream has finished.
pub(crate) struct ConnectionWithStreams<C: Future> {
    connection: Pin<Box<C>>,
    ended: Option<C::Output>,
    streams: FuturesUnordered<Stream>,
    queue: StreamQueue,
}

impl<C: Future> ConnectionWithStreams<C> {
    /// `connection` must hand its streams to `queue`.
    pub(crate) fn new(connection: C, queue: StreamQueue) -> Self {
        ConnectionWithStreams {
            connection: Box::pin(connection),
            ended: None,
            streams: FuturesUnordered::new(),
            queue,
        }
    }
}

impl<C: Future> Future for ConnectionWithStreams<C>
where
    C::Output: Unpin,
{
    type Output = C::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<C::Output> {
        let this = self.get_mut();
        if this.ended.is_none()
            && let Poll::Ready(ended) = this.connection.as_mut().poll(cx)
        {
            this.ended = Some(ended);
        }
        // Streams open only while the connection is polled: take the ones
        // it just opened, then run every stream that can go on. A stream's
        // answer wakes the connection, which is this task, so the task is
        // polled again to write it.
        let opened = std::mem::take(&mut *this.queue.lock());
        this.streams.extend(opened);
        while let Poll::Ready(Some(())) = this.streams.poll_next_unpin(cx) {}
        if this.streams.is_empty()
            && let Some(ended) = this.ended.take()
        {
            return Poll::Ready(ended);
        }
        Poll::Pending
    }
}
