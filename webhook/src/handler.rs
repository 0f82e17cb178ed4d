//! One review, from the HTTP request to the answer: body (size and time
//! bounded), decode, the endpoint's decision, metrics and a span.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::FutureExt;
use hourglass_shared::Operation;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tracing::Instrument;

use crate::metrics::{EndpointLabels, InFlight, ReviewLabels};
use crate::response::{AdmissionResponseOut, HttpError, json_error};
use crate::review::{self, DecodeError, ReviewRequest};
use crate::{AppState, Limits, mutate, validate};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Validate,
    Mutate,
}

impl Endpoint {
    fn as_str(self) -> &'static str {
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
    json_error(
        StatusCode::NOT_FOUND,
        "not found: this server answers POST /validate and POST /mutate",
    )
}

pub(crate) async fn method_not_allowed() -> Response {
    json_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed: send admission reviews with POST",
    )
}

/// Turns a panic anywhere below into a 500 with a JSON error. The task that
/// panicked is the request's only; the server and other requests go on.
pub(crate) async fn catch_panic(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let endpoint = request.uri().path().trim_start_matches('/').to_string();
    match AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(panic) => {
            tracing::error!(
                endpoint,
                panic = panic_message(panic.as_ref()),
                "a review panicked; answered 500"
            );
            state.metrics.http_error(&endpoint, 500);
            json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error while answering the review; the webhook logged the details",
            )
        }
    }
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

async fn handle(state: AppState, endpoint: Endpoint, request: Request) -> Response {
    let started = Instant::now();
    let _in_flight = InFlight::enter(&state.metrics.in_flight);
    let response = answer(&state, endpoint, request).await;
    state
        .metrics
        .review_duration
        .get_or_create(&EndpointLabels {
            endpoint: endpoint.as_str().to_string(),
        })
        .observe(started.elapsed().as_secs_f64());
    response
}

async fn answer(state: &AppState, endpoint: Endpoint, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match read_body(&parts.headers, body, &state.limits).await {
        Ok(body) => body,
        Err(error) => {
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
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());

    let request = match review::decode(content_type, &body) {
        Ok(request) => request,
        Err(DecodeError::NoUid { message }) => {
            tracing::warn!(
                endpoint = endpoint.as_str(),
                error = message,
                "unreadable admission review"
            );
            state.metrics.http_error(endpoint.as_str(), 400);
            return HttpError::bad_request(message).into_response();
        }
        Err(DecodeError::Deny {
            version,
            uid,
            code,
            message,
            kind,
            operation,
        }) => {
            tracing::warn!(
                endpoint = endpoint.as_str(),
                uid,
                kind = kind.map(|kind| kind.as_str()),
                error = message,
                "admission review denied before the rules"
            );
            record(
                state,
                endpoint,
                kind.map_or("unknown", |kind| kind.as_str()),
                operation.map_or("unknown", operation_name),
                false,
                false,
            );
            return AdmissionResponseOut::deny(uid, code, message)
                .into_review(version)
                .into_response();
        }
    };

    // `object_name`, not `name`: the JSON log format writes the span's own
    // name under "name" in the same object.
    let span = tracing::info_span!(
        "review",
        uid = %request.uid,
        kind = %request.kind,
        object_name = %request.name,
        namespace = %request.namespace,
        operation = operation_name(request.operation),
        endpoint = endpoint.as_str(),
        dry_run = request.dry_run,
    );
    decide(state, endpoint, request).instrument(span).await
}

async fn decide(state: &AppState, endpoint: Endpoint, request: ReviewRequest) -> Response {
    if let Some(delay) = state.test_review_delay {
        tokio::time::sleep(delay).await;
    }
    let response = match endpoint {
        Endpoint::Validate => validate::answer(&request),
        Endpoint::Mutate => mutate::answer(state, &request).await,
    };
    let mutated = response.is_mutated();
    match &response.status {
        Some(status) => tracing::info!(
            allowed = false,
            warnings = response.warnings.len(),
            reason = status.message,
            "denied"
        ),
        None => tracing::info!(
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
    kind: &str,
    operation: &str,
    allowed: bool,
    mutated: bool,
) {
    state
        .metrics
        .reviews
        .get_or_create(&ReviewLabels {
            kind: kind.to_string(),
            operation: operation.to_string(),
            allowed: allowed.to_string(),
            mutated: mutated.to_string(),
            endpoint: endpoint.as_str().to_string(),
        })
        .inc();
}

pub(crate) fn operation_name(operation: Operation) -> &'static str {
    match operation {
        Operation::Create => "CREATE",
        Operation::Update => "UPDATE",
        Operation::Delete => "DELETE",
        Operation::Connect => "CONNECT",
    }
}

/// The whole body, refusing more than `limits.max_body_bytes` (413, from the
/// Content-Length header when there is one, otherwise while reading) and a
/// sender slower than `limits.body_read_timeout` (408).
async fn read_body(headers: &HeaderMap, body: Body, limits: &Limits) -> Result<Bytes, HttpError> {
    let too_large = || {
        HttpError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the body is larger than {} bytes; an admission review of one object is far smaller",
                limits.max_body_bytes
            ),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limits.max_body_bytes as u64) {
        return Err(too_large());
    }
    let limited = Limited::new(body, limits.max_body_bytes);
    match tokio::time::timeout(limits.body_read_timeout, limited.collect()).await {
        Err(_) => Err(HttpError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the body did not arrive within {}",
                seconds(limits.body_read_timeout)
            ),
        )),
        Ok(Err(error)) if error.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Ok(Err(error)) => Err(HttpError::bad_request(format!(
            "reading the body failed: {error}"
        ))),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

fn seconds(duration: Duration) -> String {
    format!("{:.1}s", duration.as_secs_f64())
}
