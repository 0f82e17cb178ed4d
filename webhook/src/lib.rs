//! The Hourglass admission webhook: `POST /validate` and `POST /mutate` for
//! HourglassExecutors and Performers, answering with the rules and mutation
//! of `hourglass-shared`.
//!
//! [`router`] is the whole HTTP surface of the TLS port and can be driven
//! in-process; [`server::start`] binds the listeners, loads certificates and
//! runs everything the binary runs.
//!
//! A review flows one way: `body` (size and time limits) -> `decode` (into a
//! [`request::ReviewRequest`], or a typed refusal) -> `validate` / `mutate`
//! (the rules and mutation of `hourglass-shared`, with the watched stores
//! `executor_cache` and `reference_cache` for cross-object warnings) ->
//! `response` (the only place that turns refusals and verdicts into HTTP and
//! AdmissionReviews). `tls` and `server` serve it, `admin` and `metrics`
//! report on it, `shutdown` drains it. `review_fixture` builds reviews for
//! tests, fuzz seeds and benchmarks; the server never uses it.

pub mod admin;
pub mod args;
pub mod body;
mod connection_streams;
pub mod decode;
pub mod error;
pub mod executor_cache;
mod handler;
pub mod metrics;
mod mutate;
pub mod reference_cache;
pub mod renewer;
pub mod request;
pub mod response;
pub mod review_fixture;
pub mod server;
pub mod shutdown;
pub mod telemetry;
pub mod tls;
mod validate;
mod watched_store;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use hourglass_shared::HardwareProfile;
use hourglass_shared::references::ReferenceLookup;

pub use args::Args;
pub use error::StartupError;
pub use executor_cache::{ExecutorLookup, ExecutorLookupResult, StaticExecutors};
pub use metrics::Metrics;
pub use server::{RunningWebhook, Settings};

/// Request bodies larger than this get 413. The apiserver refuses objects
/// over 3 MiB itself; a review wraps the object and, on UPDATE, the old one
/// too, so 7 MiB leaves room for both plus the envelope.
pub const MAX_BODY_BYTES: usize = 7 * 1024 * 1024;

/// Bounds on what one request may cost.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_body_bytes: usize,
    /// Time allowed to receive the whole body once the headers are in.
    pub body_read_timeout: Duration,
    /// How long a review waits for the executor cache's first list before
    /// answering without the executor's scheduling.
    pub executor_sync_wait: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: MAX_BODY_BYTES,
            body_read_timeout: Duration::from_secs(10),
            executor_sync_wait: Duration::from_secs(2),
        }
    }
}

/// Everything a review needs. One `Arc`: axum clones the state for every
/// request, and with each part shared on its own a clone was a dozen atomic
/// increments (and as many decrements) on counters that both worker
/// threads write, which under load is cache-line traffic per review.
#[derive(Clone)]
pub struct AppState(Arc<ReviewContext>);

/// What [`AppState`] shares.
#[derive(Clone)]
pub struct ReviewContext {
    pub profile: Arc<HardwareProfile>,
    pub executors: Arc<dyn ExecutorLookup>,
    /// Which objects a performer's pod names exist (RuntimeClass and so on).
    pub references: Arc<dyn ReferenceLookup + Send + Sync>,
    pub metrics: Metrics,
    pub limits: Limits,
}

impl std::ops::Deref for AppState {
    type Target = ReviewContext;

    fn deref(&self) -> &ReviewContext {
        &self.0
    }
}

impl AppState {
    /// The default hardware profile, default limits, fresh metrics.
    pub fn new(executors: Arc<dyn ExecutorLookup>) -> Self {
        AppState(Arc::new(ReviewContext {
            profile: Arc::new(HardwareProfile::default()),
            executors,
            references: Arc::new(reference_cache::NothingKnown),
            metrics: Metrics::new(),
            limits: Limits::default(),
        }))
    }

    pub fn with_profile(mut self, profile: HardwareProfile) -> Self {
        Arc::make_mut(&mut self.0).profile = Arc::new(profile);
        self
    }

    pub fn with_references(mut self, references: Arc<dyn ReferenceLookup + Send + Sync>) -> Self {
        Arc::make_mut(&mut self.0).references = references;
        self
    }

    pub fn with_limits(mut self, limits: Limits) -> Self {
        Arc::make_mut(&mut self.0).limits = limits;
        self
    }

    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        Arc::make_mut(&mut self.0).metrics = metrics;
        self
    }
}

/// The TLS port's routes: `POST /validate` and `POST /mutate` (any query,
/// such as the apiserver's `?timeout=5s`, is ignored). A panic while
/// answering becomes a 500 with a JSON error; the server stays up.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/validate", post(handler::validate))
        .route("/mutate", post(handler::mutate))
        .fallback(handler::not_found)
        .method_not_allowed_fallback(handler::method_not_allowed)
        .with_state(state)
}
