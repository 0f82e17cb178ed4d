//! SIGTERM while a load runs, on the real binary: every request sent
//! before the signal gets its complete answer, requests after it are
//! refused cleanly (never a truncated answer, never a hang), and the process
//! exits 0 within the drain bound.
//!
//! `shutdown.rs` follows one held review through the drain step by step;
//! here it is 32 streams over 4 HTTP/2 sessions. The client holds the
//! second half of every body back for `DELAY`, so that most streams are
//! surely in flight (the webhook reading their bodies) when the signal comes.

mod common;

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::client::{self, Alpn};
use common::session::Session;
use common::*;
use hyper::body::Bytes;

const BINARY: &str = env!("CARGO_BIN_EXE_hourglass-webhook");
const SESSIONS: usize = 4;
const STREAMS_PER_SESSION: usize = 8;
const DELAY: Duration = Duration::from_millis(500);
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
/// A request counts as sent before the signal if it was started at least
/// this long before it: time for the client's connection task to put its
/// frames on the wire, generous for a loaded machine.
const ON_THE_WIRE: Duration = Duration::from_millis(100);

/// One request of the load and how it ended.
struct Attempt {
    started: Instant,
    finished: Instant,
    outcome: Result<(u16, Vec<u8>), String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_answers_every_request_already_sent_and_exits_zero() {
    let pki = TestPki::new();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _) = pki.write_serving(dir.path());
    let tls_addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let admin_addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let child = Command::new(BINARY)
        .arg(format!("--tls-listen={tls_addr}"))
        .arg(format!("--admin-listen={admin_addr}"))
        .arg(format!("--tls-cert={}", cert.display()))
        .arg(format!("--tls-key={}", key.display()))
        .arg(format!("--drain-timeout={}s", DRAIN_TIMEOUT.as_secs()))
        .args(["--no-executor-watch", "--log-level=warn"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut guard = KillOnDrop(Some(child));
    let pid = guard.0.as_ref().unwrap().id() as libc::pid_t;
    let began = Instant::now();
    while tokio::net::TcpStream::connect(admin_addr).await.is_err()
        || admin_get(admin_addr, "/ready").await.0 != 200
    {
        assert!(began.elapsed() < Duration::from_secs(20), "not ready");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    let body = Bytes::from(
        review(
            Operation::Create,
            Some(&example("complex-performer.yaml")),
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
    let exited = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for _ in 0..SESSIONS {
        let session = Session::connect(config.clone(), tls_addr).await.unwrap();
        for stream in 0..STREAMS_PER_SESSION {
            let (session, exited, body) = (session.clone(), exited.clone(), body.clone());
            let path = if stream % 2 == 0 {
                "/mutate"
            } else {
                "/validate"
            };
            workers.push(tokio::spawn(async move {
                let mut attempts = Vec::new();
                // Requests keep coming until the process is gone, so some
                // arrive during the drain too.
                while !exited.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    let outcome = session
                        .post_held(path, body.clone(), tokio::time::sleep(DELAY))
                        .await;
                    let failed = outcome.is_err();
                    attempts.push(Attempt {
                        started,
                        finished: Instant::now(),
                        outcome,
                    });
                    if failed {
                        // Refused: do not spin while the process winds down.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
                attempts
            }));
        }
    }

    // Two rounds of answers on every stream, then the signal, mid-round.
    tokio::time::sleep(DELAY * 2 + DELAY / 2).await;
    let signalled = Instant::now();
    // SAFETY: kill(2) on the pid of our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);

    let mut child = guard.0.take().unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            signalled.elapsed() < DRAIN_TIMEOUT + Duration::from_secs(2),
            "still running {:?} after SIGTERM",
            signalled.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let exit_after = signalled.elapsed();
    exited.store(true, Ordering::Relaxed);
    let mut attempts = Vec::new();
    for worker in workers {
        let done = tokio::time::timeout(Duration::from_secs(5), worker)
            .await
            .expect("a request hung after the webhook exited");
        attempts.extend(done.unwrap());
    }

    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    // Exits once the held reviews are answered, well inside the drain bound.
    assert!(
        exit_after < DELAY + Duration::from_secs(2),
        "exited {exit_after:?} after SIGTERM"
    );

    let sent_before = |attempt: &&Attempt| attempt.started + ON_THE_WIRE <= signalled;
    let lost: Vec<String> = attempts
        .iter()
        .filter(sent_before)
        .filter_map(|attempt| match &attempt.outcome {
            Ok((200, body)) if admits(body) => None,
            Ok((status, body)) => Some(format!(
                "status {status}: {}",
                String::from_utf8_lossy(body)
            )),
            Err(error) => Some(error.clone()),
        })
        .collect();
    let in_flight = attempts
        .iter()
        .filter(sent_before)
        .filter(|attempt| attempt.finished > signalled)
        .count();
    eprintln!(
        "{} requests, {in_flight} in flight at SIGTERM, exit after {exit_after:?}",
        attempts.len()
    );
    assert!(
        lost.is_empty(),
        "{} requests sent before SIGTERM failed: {:?}",
        lost.len(),
        &lost[..lost.len().min(5)]
    );
    // The signal came with most streams holding a review; otherwise this
    // test would prove nothing about them.
    assert!(
        in_flight >= SESSIONS * STREAMS_PER_SESSION / 2,
        "only {in_flight} requests were in flight at the signal"
    );
    // Whatever was answered after the signal is complete too: a request
    // is either answered in full or refused, never cut short.
    for attempt in attempts
        .iter()
        .filter(|attempt| attempt.started > signalled)
    {
        if let Ok((status, body)) = &attempt.outcome {
            assert!(
                *status == 200 && admits(body),
                "a request after the signal got {status}: {}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
