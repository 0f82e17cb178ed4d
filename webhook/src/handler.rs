//! One review, from the HTTP request to the answer: the body (`body`), the
//! typed request (`decode`), the endpoint's decision (`validate`,
//! `mutate`), the answer (`response`), with metrics and a log span.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use futures::FutureExt;
use tracing::Instrument;

use crate::decode::{Refusal, decode};
use crate::metrics::{InFlight, ReviewLabels};
use crate::request::{ReviewRequest, operation_name};
use crate::response::{AdmissionReviewOut, HttpError};
use crate::{AppState, body, mutate, validate};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Validate,
    Mutate,
}

impl Endpoint {
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Endpoint::Validate => "validate",
            Endpoint::Mutate => "mutate",
        }
    }
}

pub(crate) async fn validate(State(state): State<AppState>, request: Request) -> Response {
    handle(state, Endpoint::Validate, request).await
}

pub(crate) async fn mutate(State(state): State<AppState>, request: Request) -> Response {
    handle(state, Endpoint::Mutate, request).await
}

pub(crate) async fn not_found() -> Response {
    HttpError::not_found().into_response()
}

pub(crate) async fn method_not_allowed() -> Response {
    HttpError::method_not_allowed().into_response()
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    if let Some(text) = panic.downcast_ref::<&'static str>() {
        text
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text
    } else {
        "(not a string)"
    }
}

/// A panic anywhere below `answer` becomes a 500 with a JSON error. The
/// task that panicked is the request's only; the server and other requests
/// go on. Caught here rather than in a router layer: a layer (axum's
/// `from_fn`) boxes every request's future once more and clones the state.
async fn handle(state: AppState, endpoint: Endpoint, request: Request) -> Response {
    let started = Instant::now();
    let in_flight = InFlight::enter(&state.metrics.in_flight);
    let response = match AssertUnwindSafe(answer(&state, endpoint, request))
        .catch_unwind()
        .await
    {
        Ok(response) => response,
        Err(panic) => {
            tracing::error!(
                endpoint = endpoint.as_str(),
                panic = panic_message(panic.as_ref()),
                "a review panicked; answered 500"
            );
            let error = HttpError::panicked();
            state
                .metrics
                .http_error(endpoint.as_str(), error.status.as_u16());
            return error.into_response();
        }
    };
    drop(in_flight);
    state
        .metrics
        .observe_review_duration(endpoint.as_str(), started.elapsed().as_secs_f64());
    response
}

async fn answer(state: &AppState, endpoint: Endpoint, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match body::read(&parts.headers, body, &state.limits).await {
        Ok(body) => body,
        Err(refusal) => {
            let error = HttpError::body(&refusal);
            tracing::warn!(
                endpoint = endpoint.as_str(),
                status = error.status.as_u16(),
                error = error.message,
                "request refused before decoding"
            );
            state
                .metrics
                .http_error(endpoint.as_str(), error.status.as_u16());
            return error.into_response();
        }
    };
    let request = match read_review(state, endpoint, &parts.headers, &body) {
        Ok(request) => request,
        Err(refused) => return refused,
    };

    // `object_name`, not `name`: the JSON log format writes the span's own
    // name under "name" in the same object. At debug only: at the default
    // level a review writes no line (the metrics count it), and a disabled
    // span costs nothing. The few lines a review may log at info and above
    // name the review themselves.
    let span = tracing::debug_span!(
        "review",
        uid = %request.uid,
        kind = %request.kind,
        object_name = %request.name,
        namespace = %request.namespace,
        operation = operation_name(request.operation),
        endpoint = endpoint.as_str(),
        dry_run = request.dry_run,
    );
    // The objects are boxed in the request, and the mutation's future too:
    // a review's future is moved a few times on its way through axum and
    // tower, and with the objects (kilobytes) and the mutation's state
    // inline it was some 9 KiB, copied at every move.
    decide(state, endpoint, request).instrument(span).await
}

/// The typed review, or the answer refusing it. Not async: see `answer`.
// The refusal is the answer itself, returned once: boxing it would buy an
// allocation on the refusing path and nothing else.
#[allow(clippy::result_large_err)]
fn read_review(
    state: &AppState,
    endpoint: Endpoint,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<ReviewRequest, Response> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    match decode(content_type, body) {
        Ok(request) => Ok(request),
        Err(Refusal::NoUid { message }) => {
            let error = HttpError::no_uid(message);
            tracing::warn!(
                endpoint = endpoint.as_str(),
                error = error.message,
                "unreadable admission review"
            );
            state
                .metrics
                .http_error(endpoint.as_str(), error.status.as_u16());
            Err(error.into_response())
        }
        Err(Refusal::Unjudgeable(review)) => {
            tracing::warn!(
                endpoint = endpoint.as_str(),
                uid = review.uid,
                kind = review.kind.map(|kind| kind.as_str()),
                error = review.message,
                "admission review denied before the rules"
            );
            record(
                state,
                endpoint,
                review.kind.map_or("unknown", |kind| kind.as_str()),
                review.operation.map_or("unknown", operation_name),
                false,
                false,
            );
            Err(AdmissionReviewOut::refusal(review).into_response())
        }
    }
}

async fn decide(state: &AppState, endpoint: Endpoint, request: ReviewRequest) -> Response {
    let response = match endpoint {
        Endpoint::Validate => validate::answer(&request),
        Endpoint::Mutate => Box::pin(mutate::answer(state, &request)).await,
    };
    let mutated = response.is_mutated();
    match &response.status {
        Some(status) => tracing::debug!(
            allowed = false,
            warnings = response.warnings.len(),
            reason = status.message,
            "denied"
        ),
        None => tracing::debug!(
            allowed = true,
            mutated,
            warnings = response.warnings.len(),
            "admitted"
        ),
    }
    record(
        state,
        endpoint,
        request.kind.as_str(),
        operation_name(request.operation),
        response.allowed,
        mutated,
    );
    response.into_review(request.version).into_response()
}

fn record(
    state: &AppState,
    endpoint: Endpoint,
    kind: &'static str,
    operation: &'static str,
    allowed: bool,
    mutated: bool,
) {
    state.metrics.count_review(&ReviewLabels {
        kind,
        operation,
        allowed: if allowed { "true" } else { "false" },
        mutated: if mutated { "true" } else { "false" },
        endpoint: endpoint.as_str(),
    });
}
