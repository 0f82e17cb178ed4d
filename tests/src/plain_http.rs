//! The one HTTP client of the harness: a minimal HTTP/1.0 GET on a plain
//! loopback port, for probes and metrics (etcd's `/health`, the webhook's
//! admin port). Nothing here speaks TLS; the apiserver is reached through
//! kubectl and kube clients.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use crate::error::HarnessError;

/// How long [`plain_http_get`] waits for an answer.
const TIMEOUT: Duration = Duration::from_secs(5);

/// `GET http://127.0.0.1:<port><path>`: the status code (0 if the answer
/// has none) and the body.
pub fn plain_http_get(port: u16, path: &str) -> Result<(u16, String), HarnessError> {
    plain_http_get_within(port, path, TIMEOUT)
}

/// [`plain_http_get`] waiting at most `timeout` for each read and write
/// (a health poll that must not hang on a process still starting).
pub(crate) fn plain_http_get_within(
    port: u16,
    path: &str,
    timeout: Duration,
) -> Result<(u16, String), HarnessError> {
    let io = |e| HarnessError::io(format!("GET http://127.0.0.1:{port}{path}"), e);
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(io)?;
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").map_err(io)?;
    let mut response = String::new();
    stream.read_to_string(&mut response).map_err(io)?;
    Ok(parse_response(&response))
}

/// Status and body of an HTTP/1.x response.
fn parse_response(response: &str) -> (u16, String) {
    let status = response
        .strip_prefix("HTTP/1.")
        .and_then(|rest| rest.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    (status, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_status_and_body() {
        assert_eq!(
            parse_response("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nok"),
            (200, "ok".to_string())
        );
        assert_eq!(
            parse_response("HTTP/1.0 503 Service Unavailable\r\n\r\n{\"health\":\"false\"}"),
            (503, "{\"health\":\"false\"}".to_string())
        );
        assert_eq!(parse_response("garbage"), (0, String::new()));
    }
}
