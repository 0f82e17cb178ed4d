//! Reading a request body within bounds: at most `Limits::max_body_bytes`
//! (from the Content-Length header when there is one, otherwise while
//! reading) and within `Limits::body_read_timeout` of the headers, so a
//! large or slow sender costs a bounded amount of memory and time.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::Limits;

/// Why a body was not read to its end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyRefusal {
    #[error(
        "the body is larger than {limit} bytes; an admission review of one object is far smaller"
    )]
    TooLarge { limit: usize },
    #[error("the body did not arrive within {:.1}s", .within.as_secs_f64())]
    TooSlow { within: Duration },
    /// The connection failed while the body was read.
    #[error("reading the body failed: {error}")]
    Broken { error: String },
}

/// The whole body, or why it was refused.
pub async fn read(headers: &HeaderMap, body: Body, limits: &Limits) -> Result<Bytes, BodyRefusal> {
    let too_large = BodyRefusal::TooLarge {
        limit: limits.max_body_bytes,
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limits.max_body_bytes as u64) {
        return Err(too_large);
    }
    let limited = Limited::new(body, limits.max_body_bytes);
    match tokio::time::timeout(limits.body_read_timeout, limited.collect()).await {
        Err(_) => Err(BodyRefusal::TooSlow {
            within: limits.body_read_timeout,
        }),
        Ok(Err(error)) if error.downcast_ref::<LengthLimitError>().is_some() => Err(too_large),
        Ok(Err(error)) => Err(BodyRefusal::Broken {
            error: error.to_string(),
        }),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}
