//! The floor's handler: the body read to its end within the webhook's
//! limits, then a canned AdmissionReview, without decoding anything. The
//! `bench-floor-server` binary serves it over the webhook's TLS and HTTP/2
//! stack; `bench-decode` calls it in process beside the webhook's own
//! router, so that what reviewing costs above reading a body and sending an
//! answer is timed without TLS, HTTP/2 or the kernel in between.
//!
//! Benchmark code only: the webhook binary always serves its own router.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use hourglass_webhook::response::HttpError;
use hourglass_webhook::{Limits, body};

#[derive(Clone)]
struct Canned {
    answer: Bytes,
    limits: Limits,
}

/// POST /validate and /mutate answered with `validate_answer` and
/// `mutate_answer`, the body read within `limits` first.
pub fn floor_router(validate_answer: Bytes, mutate_answer: Bytes, limits: Limits) -> Router {
    Router::new()
        .route(
            "/validate",
            post(canned).with_state(Canned {
                answer: validate_answer,
                limits,
            }),
        )
        .route(
            "/mutate",
            post(canned).with_state(Canned {
                answer: mutate_answer,
                limits,
            }),
        )
}

async fn canned(State(canned): State<Canned>, request: Request) -> Response {
    let (parts, request_body) = request.into_parts();
    match body::read(&parts.headers, request_body, &canned.limits).await {
        Ok(_) => (
            [(header::CONTENT_TYPE, "application/json")],
            canned.answer.clone(),
        )
            .into_response(),
        Err(refusal) => HttpError::body(&refusal).into_response(),
    }
}
