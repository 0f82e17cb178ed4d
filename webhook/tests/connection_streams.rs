//! One HTTP/2 connection's streams run in the connection's own task
//! (`connection_streams`): they must still be served side by side. A review
//! whose body is held back by its client must not hold up the others on the
//! same connection, and a full connection's worth of streams sent at once
//! must all be answered.

mod common;

use std::time::Duration;

use common::client::{self, Alpn};
use common::session::Session;
use common::*;
use futures::future::join_all;
use hourglass_webhook::server::RunningWebhook;
use hyper::body::Bytes;
use tokio::sync::oneshot;

/// Every wait is bounded: a stream that is never polled again fails the
/// test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(20);

async fn webhook_and_session(pki: &TestPki, dir: &std::path::Path) -> (RunningWebhook, Session) {
    let webhook = start_local(pki, dir).await;
    let config = client::config(
        pki.ca.cert_pem(),
        Alpn::H2,
        &[&rustls::version::TLS13],
        None,
    );
    let session = Session::connect(config, webhook.tls_addr()).await.unwrap();
    (webhook, session)
}

fn minimal_review() -> Bytes {
    Bytes::from(
        review(
            Operation::Create,
            Some(&example("minimal-performer.yaml")),
            None,
        )
        .to_string(),
    )
}

async fn in_flight_reviews(webhook: &RunningWebhook) -> String {
    let (_, metrics) = admin_get(webhook.admin_addr(), "/metrics").await;
    metrics
        .lines()
        .find(|line| line.starts_with("hourglass_webhook_in_flight_reviews "))
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_review_does_not_hold_up_the_others_on_its_connection() {
    let pki = TestPki::new();
    let dir = tempfile::tempdir().unwrap();
    let (webhook, session) = webhook_and_session(&pki, dir.path()).await;

    let (release, released) = oneshot::channel::<()>();
    let held = {
        let session = session.clone();
        tokio::spawn(async move {
            let hold = async move {
                let _ = released.await;
            };
            session.post_held("/validate", minimal_review(), hold).await
        })
    };
    tokio::time::timeout(PATIENCE, async {
        while in_flight_reviews(&webhook).await != "hourglass_webhook_in_flight_reviews 1" {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the held review never reached the webhook");

    // Twenty more on the same connection, answered while the first waits.
    let others = join_all((0..20).map(|_| session.post("/validate", minimal_review())));
    let answers = tokio::time::timeout(PATIENCE, others)
        .await
        .expect("the other reviews waited for the held one");
    for answer in answers {
        let (status, body) = answer.unwrap();
        assert_eq!(status, 200);
        assert!(admits(&body), "{}", String::from_utf8_lossy(&body));
    }
    assert!(
        !held.is_finished(),
        "the held review should still be waiting"
    );

    release.send(()).unwrap();
    let (status, body) = tokio::time::timeout(PATIENCE, held)
        .await
        .expect("the held review was never answered")
        .unwrap()
        .unwrap();
    assert_eq!(status, 200);
    assert!(admits(&body), "{}", String::from_utf8_lossy(&body));
    webhook.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_full_of_streams_is_answered_in_full() {
    let pki = TestPki::new();
    let dir = tempfile::tempdir().unwrap();
    let (webhook, session) = webhook_and_session(&pki, dir.path()).await;

    // The server's stream limit is 250; the client waits for room past it.
    let reviews = join_all((0..300).map(|_| session.post("/validate", minimal_review())));
    let answers = tokio::time::timeout(PATIENCE, reviews)
        .await
        .expect("not every stream was answered");
    assert_eq!(answers.len(), 300);
    for answer in answers {
        let (status, body) = answer.unwrap();
        assert_eq!(status, 200);
        assert!(admits(&body), "{}", String::from_utf8_lossy(&body));
    }
    assert!(!session.is_closed());
    webhook.shutdown().await;
}
