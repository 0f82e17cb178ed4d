//! SIGTERM on the real binary: /ready turns 503, the listener stops
//! accepting, the review in flight completes, and the process exits 0 as
//! soon as it has, well within the drain bound.
//!
//! The client holds the review in flight: it sends the headers and half
//! the body, and the rest only once the drain has visibly begun (/ready
//! 503, the listener closed). Until then the webhook is reading the body.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::client::{self, Alpn};
use common::session::Session;
use common::*;
use hyper::body::Bytes;
use tokio::sync::oneshot;

const BINARY: &str = env!("CARGO_BIN_EXE_hourglass-webhook");

async fn wait_until(what: &str, within: Duration, mut check: impl AsyncFnMut() -> bool) {
    let began = Instant::now();
    while !check().await {
        assert!(began.elapsed() < within, "{what} not within {within:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn try_admin_get(addr: std::net::SocketAddr, path: &str) -> Option<(u16, String)> {
    match tokio::net::TcpStream::connect(addr).await {
        Ok(_) => Some(admin_get(addr, path).await),
        Err(_) => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_in_flight_reviews_then_exits_zero() {
    let pki = TestPki::new();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _) = pki.write_serving(dir.path());
    let (tls_port, admin_port) = (free_port(), free_port());
    let tls_addr = std::net::SocketAddr::from(([127, 0, 0, 1], tls_port));
    let admin_addr = std::net::SocketAddr::from(([127, 0, 0, 1], admin_port));
    let child = Command::new(BINARY)
        .arg(format!("--tls-listen={tls_addr}"))
        .arg(format!("--admin-listen={admin_addr}"))
        .arg(format!("--tls-cert={}", cert.display()))
        .arg(format!("--tls-key={}", key.display()))
        .args([
            "--no-executor-watch",
            "--log-format=json",
            // A review logs its line at debug; the default level only counts it.
            "--log-level=info,hourglass_webhook=debug",
            "--drain-timeout=10s",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut guard = KillOnDrop(Some(child));
    let pid = guard.0.as_ref().unwrap().id() as libc::pid_t;

    wait_until("/ready 200", Duration::from_secs(20), async || {
        matches!(try_admin_get(admin_addr, "/ready").await, Some((200, _)))
    })
    .await;

    // A review whose body ends only when the test says so.
    let body = Bytes::from(
        review(
            Operation::Create,
            Some(&example("minimal-performer.yaml")),
            None,
        )
        .to_string(),
    );
    let config = client::config(
        pki.ca.cert_pem(),
        Alpn::H2,
        &[&rustls::version::TLS13],
        None,
    );
    let session = Session::connect(config, tls_addr).await.unwrap();
    let (release, released) = oneshot::channel::<()>();
    let in_flight = tokio::spawn(async move {
        let hold = async move {
            let _ = released.await;
        };
        session.post_held("/mutate", body, hold).await
    });
    wait_until("the review in flight", Duration::from_secs(5), async || {
        admin_get(admin_addr, "/metrics")
            .await
            .1
            .contains("hourglass_webhook_in_flight_reviews 1")
    })
    .await;

    let signalled = Instant::now();
    // SAFETY: kill(2) on the pid of our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);

    // Not ready while draining, with the review still in flight.
    wait_until("/ready 503", Duration::from_secs(2), async || {
        matches!(try_admin_get(admin_addr, "/ready").await, Some((503, _)))
    })
    .await;
    assert!(
        !in_flight.is_finished(),
        "the review should still be in flight"
    );
    // The TLS listener no longer accepts.
    wait_until(
        "the TLS port to close",
        Duration::from_secs(2),
        async || tokio::net::TcpStream::connect(tls_addr).await.is_err(),
    )
    .await;

    // The rest of the body: the review completes during the drain.
    let finished_sending = Instant::now();
    release.send(()).unwrap();
    let (status, body) = in_flight
        .await
        .unwrap()
        .expect("the in-flight review completes");
    assert_eq!(status, 200);
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["response"]["allowed"], true, "{answer}");

    let mut child = guard.0.take().unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(12),
            "still running {:?} after SIGTERM",
            signalled.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    // Exits right after the drain, not at the drain timeout (10s).
    assert!(
        finished_sending.elapsed() < Duration::from_secs(3),
        "exited {:?} after the review's body was complete",
        finished_sending.elapsed()
    );
    // The review's span fields are on its log lines.
    let logged = stderr
        .lines()
        .find(|line| line.contains("\"admitted\""))
        .unwrap_or_else(|| panic!("no admitted line in {stderr}"));
    let line: serde_json::Value = serde_json::from_str(logged).unwrap();
    let span = &line["span"];
    assert_eq!(span["uid"], UID, "{line}");
    assert_eq!(span["kind"], "Performer", "{line}");
    assert_eq!(span["object_name"], "minimal-performer", "{line}");
    assert_eq!(span["name"], "review", "{line}");
    assert_eq!(span["namespace"], NAMESPACE, "{line}");
    assert_eq!(span["operation"], "CREATE", "{line}");
}
