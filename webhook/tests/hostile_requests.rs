//! The big table of hostile and broken requests, sent over real TLS to the
//! real binary: broken JSON, wrong types in every field of both kinds (rows
//! generated from the spec's examples), deep nesting, bodies near and over
//! the 7 MiB limit, unicode, missing uids, duplicate keys, v1beta1,
//! methods, paths, content types, gzip claims and malformed HTTP/1.1.
//!
//! Each row states what it must get: an admission, a denial naming the
//! problem (when the uid is known), a 4xx with a JSON error, or, for HEAD
//! and requests HTTP itself refuses, a bare 4xx. Every row is checked
//! before the test fails, so one run lists every broken row. After the
//! table the process is alive, /health is 200 and its memory is bounded.
//!
//! The table is in `hostile/` (`cases.rs`, `wrong_types.rs`); this file
//! sends each row and checks its answer.
//!
//! `router_bad_input.rs` tests the same handler in process, one case per
//! behaviour (including the slow-body timeout, which is not repeated here);
//! this table is about many inputs through the whole stack.

mod common;
mod hostile;

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use hostile::cases::cases;
use hostile::*;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::ServerName;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

const BINARY: &str = env!("CARGO_BIN_EXE_hourglass-webhook");
/// After every row, huge ones included, the webhook stays under this.
const RSS_CEILING_KIB: u64 = 200 * 1024;

/// The answer to one row.
#[derive(Debug)]
struct Reply {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Result<Value, String> {
        serde_json::from_slice(&self.body).map_err(|error| {
            format!(
                "body is not JSON ({error}): {:?}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(200)])
            )
        })
    }
}

/// Whether `reply` is what `expect` says, for a request whose uid was `uid`.
fn check(reply: &Reply, expect: &Expect, uid: Option<&str>) -> Result<(), String> {
    let want_status = |status: u16| {
        if reply.status == status {
            Ok(())
        } else {
            Err(format!(
                "status {} instead of {status}: {:?}",
                reply.status,
                String::from_utf8_lossy(&reply.body[..reply.body.len().min(300)])
            ))
        }
    };
    match expect {
        Expect::Admitted { version } | Expect::Denied { version, .. } => {
            want_status(200)?;
            let answer = reply.json()?;
            if answer["apiVersion"] != *version || answer["kind"] != "AdmissionReview" {
                return Err(format!("not a {version} AdmissionReview: {answer}"));
            }
            let response = &answer["response"];
            if let Some(uid) = uid
                && response["uid"] != uid
            {
                return Err(format!("uid {} instead of {uid:?}", response["uid"]));
            }
            match expect {
                Expect::Admitted { .. } if response["allowed"] == true => Ok(()),
                Expect::Denied { code, needle, .. }
                    if response["allowed"] == false
                        && response["status"]["code"] == *code
                        && response["status"]["message"]
                            .as_str()
                            .is_some_and(|message| message.contains(needle.as_str())) =>
                {
                    Ok(())
                }
                _ => Err(format!("{response}")),
            }
        }
        Expect::JsonError { status, needle } => {
            want_status(*status)?;
            if !reply.content_type.starts_with("application/json") {
                return Err(format!("content type {:?}", reply.content_type));
            }
            let error = reply.json()?;
            match error["error"].as_str() {
                Some(message) if message.contains(needle) => Ok(()),
                _ => Err(format!("error lacks {needle:?}: {error}")),
            }
        }
        Expect::Bare { status } => want_status(*status),
    }
}

/// The uid a request body names, for checking the echo.
fn uid_of(transport: &Transport) -> Option<String> {
    let Transport::H2 { body, .. } = transport else {
        return None;
    };
    let review: Value = serde_json::from_slice(body).ok()?;
    review["request"]["uid"].as_str().map(str::to_string)
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/<pid>/status")
}

struct Client {
    config: Arc<rustls::ClientConfig>,
    h2_config: Arc<rustls::ClientConfig>,
    addr: SocketAddr,
    sender: hyper::client::conn::http2::SendRequest<Full<Bytes>>,
}

impl Client {
    async fn connect(pki: &TestPki, addr: SocketAddr) -> Client {
        let versions = &[&rustls::version::TLS13];
        let h2_config = client::config(pki.ca.cert_pem(), client::Alpn::H2, versions, None);
        let config = client::config(pki.ca.cert_pem(), client::Alpn::Http11, versions, None);
        let sender = Self::h2_session(&h2_config, addr).await;
        Client {
            config,
            h2_config,
            addr,
            sender,
        }
    }

    async fn h2_session(
        config: &Arc<rustls::ClientConfig>,
        addr: SocketAddr,
    ) -> hyper::client::conn::http2::SendRequest<Full<Bytes>> {
        let tls = tls(config, addr).await;
        let (sender, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
                .await
                .unwrap();
        tokio::spawn(connection);
        sender
    }

    async fn send(&mut self, transport: &Transport) -> Result<Reply, String> {
        match transport {
            Transport::H2 {
                method,
                path,
                headers,
                body,
            } => {
                if self.sender.is_closed() {
                    // A row may legitimately end the session; the next gets a new one.
                    self.sender = Self::h2_session(&self.h2_config, self.addr).await;
                }
                let mut request = hyper::Request::builder()
                    .method(*method)
                    .uri(format!("https://localhost:{}{path}", self.addr.port()));
                for (name, value) in headers {
                    request = request.header(*name, value);
                }
                let request = request
                    .body(Full::new(Bytes::from(body.clone())))
                    .map_err(|e| e.to_string())?;
                let response = self
                    .sender
                    .send_request(request)
                    .await
                    .map_err(|e| format!("request failed: {e}"))?;
                let status = response.status().as_u16();
                let content_type = response
                    .headers()
                    .get("content-type")
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                let body = response
                    .into_body()
                    .collect()
                    .await
                    .map_err(|e| format!("body failed: {e}"))?
                    .to_bytes()
                    .to_vec();
                Ok(Reply {
                    status,
                    content_type,
                    body,
                })
            }
            Transport::RawHttp1(bytes) => raw_http1(&self.config, self.addr, bytes).await,
        }
    }
}

async fn tls(
    config: &Arc<rustls::ClientConfig>,
    addr: SocketAddr,
) -> tokio_rustls::client::TlsStream<TcpStream> {
    let tcp = TcpStream::connect(addr).await.unwrap();
    TlsConnector::from(config.clone())
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap()
}

/// Writes `bytes` on a fresh HTTP/1.1 connection and reads the response
/// up to the server closing it.
async fn raw_http1(
    config: &Arc<rustls::ClientConfig>,
    addr: SocketAddr,
    bytes: &[u8],
) -> Result<Reply, String> {
    let mut stream = tls(config, addr).await;
    // The server may answer (413) and close before the body is all written.
    let _ = stream.write_all(bytes).await;
    let _ = stream.flush().await;
    let mut response = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), async {
        let mut buffer = [0u8; 16 * 1024];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => response.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    if read.is_err() {
        return Err("no end of response within 20s".to_string());
    }
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no HTTP response: {text:?}"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("no status in {head:?}"))?;
    let content_type = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_string())
        })
        .unwrap_or_default();
    Ok(Reply {
        status,
        content_type,
        body: body.as_bytes().to_vec(),
    })
}

/// The one-pass decoder answers exactly as the reference decoder (the body
/// through a `Value`) on every row of the table: the same request, or the
/// same refusal with the same message.
#[test]
fn the_direct_decoder_agrees_with_the_reference_on_every_row() {
    use hourglass_webhook::decode::{decode, decode_via_value};
    let mut judged = 0;
    for row in cases() {
        let Transport::H2 { headers, body, .. } = &row.transport else {
            continue;
        };
        let content_type = headers
            .iter()
            .find(|(name, _)| *name == "content-type")
            .map(|(_, value)| value.as_str());
        let reference = decode_via_value(content_type, body);
        judged += usize::from(reference.is_ok());
        assert_eq!(decode(content_type, body), reference, "{}", row.name);
    }
    assert!(judged >= 10, "only {judged} rows decode to a request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_request_gets_a_proper_answer_and_the_server_stays_up() {
    let pki = TestPki::new();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _) = pki.write_serving(dir.path());
    let (tls_port, admin_port) = (free_port(), free_port());
    let tls_addr = SocketAddr::from(([127, 0, 0, 1], tls_port));
    let admin_addr = SocketAddr::from(([127, 0, 0, 1], admin_port));
    let child = Command::new(BINARY)
        .arg(format!("--tls-listen={tls_addr}"))
        .arg(format!("--admin-listen={admin_addr}"))
        .arg(format!("--tls-cert={}", cert.display()))
        .arg(format!("--tls-key={}", key.display()))
        .args(["--no-executor-watch", "--log-level=warn"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut guard = KillOnDrop(Some(child));
    let webhook = guard.0.as_mut().unwrap();
    let pid = webhook.id();
    let began = Instant::now();
    while tokio::net::TcpStream::connect(admin_addr).await.is_err()
        || admin_get(admin_addr, "/ready").await.0 != 200
    {
        assert!(began.elapsed() < Duration::from_secs(20), "not ready");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    let rows = cases();
    assert!(rows.len() >= 50, "only {} rows", rows.len());
    let mut client = Client::connect(&pki, tls_addr).await;
    let mut broken = Vec::new();
    let mut peak_rss = 0;
    for row in &rows {
        let uid = uid_of(&row.transport);
        let outcome = match client.send(&row.transport).await {
            Ok(reply) => check(&reply, &row.expect, uid.as_deref()),
            Err(error) => Err(error),
        };
        if let Err(problem) = outcome {
            broken.push(format!("{}: {problem}", row.name));
        }
        assert!(
            webhook.try_wait().unwrap().is_none(),
            "the webhook exited after {:?}",
            row.name
        );
        peak_rss = peak_rss.max(rss_kib(pid));
    }
    assert!(
        broken.is_empty(),
        "{} of {} rows answered wrongly:\n{}",
        broken.len(),
        rows.len(),
        broken.join("\n")
    );

    // Several huge reviews at once cost memory only while they are read.
    let huge = post_json("/mutate", padded_review(LIMIT - 1024));
    let mut sends = Vec::new();
    for _ in 0..4 {
        let mut client = Client::connect(&pki, tls_addr).await;
        let huge = huge.clone();
        sends.push(tokio::spawn(async move { client.send(&huge).await }));
    }
    for send in sends {
        let reply = send.await.unwrap().unwrap();
        check(&reply, &ADMITTED, Some(UID)).unwrap();
    }

    assert_eq!(admin_get(admin_addr, "/health").await.0, 200);
    assert!(webhook.try_wait().unwrap().is_none(), "the webhook exited");
    let rss = rss_kib(pid);
    eprintln!(
        "{} rows; webhook VmRSS: {rss} KiB after the table, {peak_rss} KiB at most between rows",
        rows.len()
    );
    assert!(
        rss < RSS_CEILING_KIB && peak_rss < RSS_CEILING_KIB,
        "VmRSS {rss} KiB now, {peak_rss} KiB at most between rows; ceiling {RSS_CEILING_KIB} KiB"
    );
    // And it still answers a plain review.
    let reply = client
        .send(&post_json("/validate", bytes(&create(&performer()))))
        .await
        .unwrap();
    check(&reply, &ADMITTED, Some(UID)).unwrap();
}
