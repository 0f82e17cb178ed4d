//! Slow clients cannot hold a connection: the TLS handshake and the
//! HTTP/1.1 request headers each have a deadline.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use hourglass_webhook::StaticExecutors;
use hourglass_webhook::server::{self, ConnectionLimits, RunningWebhook, Settings};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const LIMIT: Duration = Duration::from_millis(300);

async fn start(pki: &TestPki, dir: &std::path::Path) -> RunningWebhook {
    let (cert, key, _) = pki.write_serving(dir);
    let mut settings = Settings::local(&cert, &key);
    settings.connections = ConnectionLimits {
        handshake_timeout: LIMIT,
        header_read_timeout: LIMIT,
        ..ConnectionLimits::default()
    };
    server::start(settings, Arc::new(StaticExecutors::new()))
        .await
        .unwrap()
}

/// Reads until the server closes; how long that took.
async fn time_to_close(mut read: impl AsyncReadExt + Unpin) -> Duration {
    let began = Instant::now();
    let mut buffer = [0u8; 1024];
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match read.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(_) => continue,
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the server kept the connection open");
    began.elapsed()
}

#[tokio::test]
async fn a_client_that_never_says_hello_is_dropped() {
    let pki = TestPki::new();
    let dir = tempfile::tempdir().unwrap();
    let webhook = start(&pki, dir.path()).await;
    let tcp = TcpStream::connect(webhook.tls_addr()).await.unwrap();
    let waited = time_to_close(tcp).await;
    assert!(waited >= LIMIT - Duration::from_millis(50), "{waited:?}");
    webhook.shutdown().await;
}

#[tokio::test]
async fn request_headers_that_never_end_are_cut_off() {
    let pki = TestPki::new();
    let dir = tempfile::tempdir().unwrap();
    let webhook = start(&pki, dir.path()).await;
    let config = client::config(
        pki.ca.cert_pem(),
        client::Alpn::Http11,
        &[&rustls::version::TLS13],
        None,
    );
    let tcp = TcpStream::connect(webhook.tls_addr()).await.unwrap();
    let mut tls = tokio_rustls::TlsConnector::from(config)
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    tls.write_all(b"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: appl")
        .await
        .unwrap();
    tls.flush().await.unwrap();
    let waited = time_to_close(tls).await;
    assert!(waited >= LIMIT - Duration::from_millis(50), "{waited:?}");
    // The server is still there for everyone else.
    assert_eq!(admin_get(webhook.admin_addr(), "/ready").await.0, 200);
    webhook.shutdown().await;
}
