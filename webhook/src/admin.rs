//! The plain-HTTP admin port: probes and metrics, no admission traffic.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::metrics::Metrics;
use crate::shutdown::Health;

#[derive(Clone)]
struct AdminState {
    health: Health,
    metrics: Metrics,
}

/// `/health` (alive), `/ready` (serving TLS with a certificate, not
/// draining), `/startup` (has started once) and `/metrics`.
pub fn router(health: Health, metrics: Metrics) -> Router {
    Router::new()
        .route("/health", get(|| async { (StatusCode::OK, "ok\n") }))
        .route("/ready", get(ready))
        .route("/startup", get(startup))
        .route("/metrics", get(metrics_text))
        .with_state(AdminState { health, metrics })
}

async fn ready(State(state): State<AdminState>) -> Response {
    if state.health.is_draining() {
        (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response()
    } else if state.health.is_ready() {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not serving yet\n").into_response()
    }
}

async fn startup(State(state): State<AdminState>) -> Response {
    if state.health.is_started() {
        (StatusCode::OK, "started\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "starting\n").into_response()
    }
}

async fn metrics_text(State(state): State<AdminState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(),
    )
        .into_response()
}
