//! Helpers shared by the webhook's integration tests: fixtures from the
//! spec examples wrapped in AdmissionReviews (`hourglass_webhook::review_fixture`), an in-process router call, test
//! certificates from hourglass-certs and a TLS client that reports what it
//! negotiated.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use hourglass_certs::{CertificateAuthority, IssuedCert, ServingCertSpec};
pub use hourglass_shared::Operation;
use hourglass_webhook::review_fixture::{EXAMPLE_UID, ReviewFixture};
use hourglass_webhook::{AppState, ExecutorLookup, StaticExecutors, router};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

/// A free loopback port, released for the webhook under test to bind.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Kills the webhook child if the test fails before it is stopped; `take`
/// it to wait for its exit yourself.
pub struct KillOnDrop(pub Option<std::process::Child>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub const NAMESPACE: &str = "team-a";
/// A spec example from `manifests/examples/`, as the JSON the apiserver sends.
pub fn example(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../manifests/examples")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut value: Value = serde_yaml_ng::from_str(&text).unwrap();
    // The apiserver fills in the namespace of the request before admission.
    value["metadata"]["namespace"] = json!(NAMESPACE);
    value
}

/// The uid of every review the tests send (unless a case says otherwise).
pub const UID: &str = EXAMPLE_UID;

/// An `admission.k8s.io/v1` AdmissionReview in [`NAMESPACE`], as the
/// apiserver builds it.
pub fn review(operation: Operation, object: Option<&Value>, old: Option<&Value>) -> Value {
    ReviewFixture::new(operation, object, old)
        .namespace(NAMESPACE)
        .to_json()
}

pub fn state() -> AppState {
    state_with(StaticExecutors::new())
}

pub fn state_with(executors: impl ExecutorLookup) -> AppState {
    AppState::new(Arc::new(executors))
}

/// An answer of the router: HTTP status, headers and body (JSON when it parses).
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub raw: Vec<u8>,
    pub json: Value,
}

impl Answer {
    pub fn response(&self) -> &Value {
        &self.json["response"]
    }

    pub fn allowed(&self) -> bool {
        self.response()["allowed"]
            .as_bool()
            .expect("response.allowed")
    }

    pub fn message(&self) -> &str {
        self.response()["status"]["message"]
            .as_str()
            .unwrap_or_default()
    }

    pub fn warnings(&self) -> Vec<String> {
        self.response()["warnings"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|w| w.as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The decoded JSON Patch, if the answer carries one.
    pub fn patch(&self) -> Option<json_patch::Patch> {
        let encoded = self
            .response()
            .get("patch")?
            .as_str()
            .expect("patch is a base64 string");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .expect("patch is standard base64");
        Some(serde_json::from_slice(&bytes).expect("patch decodes to a JSON Patch"))
    }
}

/// POSTs `body` to `path` with `content_type` through the router, in process.
pub async fn call_raw(
    state: AppState,
    path: &str,
    content_type: Option<&str>,
    body: Body,
) -> Answer {
    let mut request = Request::builder().method("POST").uri(path);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let response = router(state)
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let raw = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    let json = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    Answer {
        status,
        content_type,
        raw,
        json,
    }
}

/// POSTs a review as JSON.
pub async fn call(state: AppState, path: &str, review: &Value) -> Answer {
    call_raw(
        state,
        path,
        Some("application/json"),
        Body::from(review.to_string()),
    )
    .await
}

/// A CA and a serving certificate for localhost / 127.0.0.1.
pub struct TestPki {
    pub ca: CertificateAuthority,
}

impl TestPki {
    pub fn new() -> Self {
        TestPki {
            ca: CertificateAuthority::generate(
                "hourglass-webhook-test-ca",
                Duration::from_secs(3600),
            )
            .unwrap(),
        }
    }

    pub fn serving(&self) -> IssuedCert {
        self.ca
            .issue_serving(
                &ServingCertSpec::for_localhost().with_validity(Duration::from_secs(3600)),
            )
            .unwrap()
    }

    /// Writes a fresh serving pair as `tls.crt` / `tls.key` in `dir`.
    pub fn write_serving(&self, dir: &Path) -> (PathBuf, PathBuf, IssuedCert) {
        let issued = self.serving();
        let (cert, key) = (dir.join("tls.crt"), dir.join("tls.key"));
        issued.write(&cert, &key).unwrap();
        (cert, key, issued)
    }
}

/// A webhook in process on loopback ports, serving a certificate from
/// `pki` written into `dir`, with no executors: the usual start of a test
/// of the TLS or admin port.
pub async fn start_local(pki: &TestPki, dir: &Path) -> hourglass_webhook::server::RunningWebhook {
    let (cert, key, _) = pki.write_serving(dir);
    hourglass_webhook::server::start(
        hourglass_webhook::server::Settings::local(&cert, &key),
        Arc::new(StaticExecutors::new()),
    )
    .await
    .unwrap()
}

pub mod client {
    //! A TLS client that reports the negotiated protocol and the server's certificate.

    use std::net::SocketAddr;
    use std::sync::Arc;

    use axum::http::Request;
    use http_body_util::{BodyExt, Full};
    use hyper::body::Bytes;
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
    use tokio::net::TcpStream;
    use tokio_rustls::TlsConnector;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Alpn {
        H2,
        Http11,
    }

    pub struct Exchange {
        pub status: u16,
        pub body: Vec<u8>,
        /// "h2" or "http/1.1", as negotiated.
        pub alpn: Option<String>,
        pub version: rustls::ProtocolVersion,
        /// DER of the certificate the server presented.
        pub server_cert: Vec<u8>,
    }

    pub fn config(
        ca_pem: &str,
        alpn: Alpn,
        versions: &[&'static rustls::SupportedProtocolVersion],
        client_cert: Option<(&str, &str)>,
    ) -> Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
            roots.add(cert.unwrap()).unwrap();
        }
        let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots);
        let mut config = match client_cert {
            Some((cert, key)) => builder
                .with_client_auth_cert(
                    CertificateDer::pem_slice_iter(cert.as_bytes())
                        .map(Result::unwrap)
                        .collect(),
                    PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
                )
                .unwrap(),
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = vec![match alpn {
            Alpn::H2 => b"h2".to_vec(),
            Alpn::Http11 => b"http/1.1".to_vec(),
        }];
        Arc::new(config)
    }

    /// One request on a fresh connection.
    pub async fn post(
        config: Arc<rustls::ClientConfig>,
        addr: SocketAddr,
        path: &str,
        body: &str,
    ) -> Result<Exchange, String> {
        let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        let server_name = ServerName::try_from("localhost").unwrap();
        let tls = TlsConnector::from(config)
            .connect(server_name, tcp)
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        let (_, session) = tls.get_ref();
        let alpn = session
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned());
        let version = session.protocol_version().unwrap();
        let server_cert = session.peer_certificates().unwrap()[0].to_vec();
        let request = Request::builder()
            .method("POST")
            .uri(format!("https://localhost:{}{path}", addr.port()))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
            .unwrap();
        let io = TokioIo::new(tls);
        let response = if alpn.as_deref() == Some("h2") {
            let (mut sender, connection) =
                hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
                    .await
                    .map_err(|e| e.to_string())?;
            tokio::spawn(connection);
            sender
                .send_request(request)
                .await
                .map_err(|e| e.to_string())?
        } else {
            let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
                .await
                .map_err(|e| e.to_string())?;
            tokio::spawn(connection);
            sender
                .send_request(request)
                .await
                .map_err(|e| e.to_string())?
        };
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes()
            .to_vec();
        Ok(Exchange {
            status,
            body,
            alpn,
            version,
            server_cert,
        })
    }
}

pub mod session {
    //! One HTTP/2 connection carrying many requests at once, as the
    //! apiserver keeps one to a webhook: the load of the fault tests. A
    //! request can also be held in flight by its sender ([`Session::post_held`]).

    use std::convert::Infallible;
    use std::future::Future;
    use std::net::SocketAddr;
    use std::sync::Arc;

    use axum::http::Request;
    use futures::{StreamExt, stream};
    use http_body_util::combinators::UnsyncBoxBody;
    use http_body_util::{BodyExt, Full, StreamBody};
    use hyper::body::{Bytes, Frame};
    use hyper::client::conn::http2::SendRequest;
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use rustls::pki_types::ServerName;
    use tokio::net::TcpStream;
    use tokio_rustls::TlsConnector;

    /// Cheap to clone: clones share the connection, each request is a stream.
    #[derive(Clone)]
    pub struct Session {
        sender: SendRequest<UnsyncBoxBody<Bytes, Infallible>>,
        port: u16,
        /// DER of the certificate the server presented at the handshake.
        pub server_cert: Vec<u8>,
    }

    impl Session {
        /// A TLS handshake offering only h2, then the HTTP/2 preface.
        pub async fn connect(
            config: Arc<rustls::ClientConfig>,
            addr: SocketAddr,
        ) -> Result<Session, String> {
            let tcp = TcpStream::connect(addr)
                .await
                .map_err(|e| format!("connect: {e}"))?;
            let tls = TlsConnector::from(config)
                .connect(ServerName::try_from("localhost").unwrap(), tcp)
                .await
                .map_err(|e| format!("handshake: {e}"))?;
            let server_cert = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|certs| certs.first())
                .map(|cert| cert.to_vec())
                .unwrap_or_default();
            let (sender, connection) =
                hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
                    .await
                    .map_err(|e| format!("h2 handshake: {e}"))?;
            tokio::spawn(connection);
            Ok(Session {
                sender,
                port: addr.port(),
                server_cert,
            })
        }

        /// POSTs `body` as JSON on a new stream: the status and the whole body.
        pub async fn post(&self, path: &str, body: Bytes) -> Result<(u16, Vec<u8>), String> {
            self.send(path, Full::new(body).boxed_unsync()).await
        }

        /// Like [`post`](Self::post), but only the first half of `body` goes
        /// out at once; the rest follows when `hold` completes. Until then
        /// the webhook is reading the body: the review is in flight, held
        /// by its sender as a slow connection would hold it, for as long as
        /// the test wants (the binary has no test-only delay).
        pub async fn post_held(
            &self,
            path: &str,
            body: Bytes,
            hold: impl Future<Output = ()> + Send + 'static,
        ) -> Result<(u16, Vec<u8>), String> {
            let half = body.len() / 2;
            let (head, tail) = (body.slice(..half), body.slice(half..));
            let frames = stream::once(async move { Ok::<_, Infallible>(Frame::data(head)) }).chain(
                stream::once(async move {
                    hold.await;
                    Ok(Frame::data(tail))
                }),
            );
            self.send(path, StreamBody::new(frames).boxed_unsync())
                .await
        }

        async fn send(
            &self,
            path: &str,
            body: UnsyncBoxBody<Bytes, Infallible>,
        ) -> Result<(u16, Vec<u8>), String> {
            let request = Request::builder()
                .method("POST")
                .uri(format!("https://localhost:{}{path}", self.port))
                .header("content-type", "application/json")
                .body(body)
                .unwrap();
            let response = self
                .sender
                .clone()
                .send_request(request)
                .await
                .map_err(|e| format!("request: {e}"))?;
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| format!("body: {e}"))?
                .to_bytes()
                .to_vec();
            Ok((status, body))
        }

        pub fn is_closed(&self) -> bool {
            self.sender.is_closed()
        }
    }
}

/// Whether `body` is a complete AdmissionReview admitting `UID`.
pub fn admits(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body).is_ok_and(|answer| {
        answer["kind"] == "AdmissionReview"
            && answer["response"]["uid"] == UID
            && answer["response"]["allowed"] == true
    })
}

/// The DER of the first certificate in `pem`.
pub fn der_of(pem: &str) -> Vec<u8> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    CertificateDer::from_pem_slice(pem.as_bytes())
        .unwrap()
        .to_vec()
}

/// A plain HTTP GET on the admin port: status and body.
pub async fn admin_get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    (status, body)
}
