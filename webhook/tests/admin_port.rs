//! The plain-HTTP admin port: probes and Prometheus metrics.

mod common;

use common::client::{self, Alpn};
use common::*;

#[tokio::test]
async fn probes_and_metrics() {
    let pki = TestPki::new();
    let dir = tempfile::tempdir().unwrap();
    let webhook = start_local(&pki, dir.path()).await;
    let admin = webhook.admin_addr();
    assert_eq!(admin_get(admin, "/health").await.0, 200);
    assert_eq!(admin_get(admin, "/ready").await.0, 200);
    assert_eq!(admin_get(admin, "/startup").await.0, 200);
    assert_eq!(
        admin_get(admin, "/validate").await.0,
        404,
        "no admission traffic here"
    );

    // One admitted and mutated review, one denied.
    let config = client::config(
        pki.ca.cert_pem(),
        Alpn::H2,
        &[&rustls::version::TLS13],
        None,
    );
    let performer = example("minimal-performer.yaml");
    let exchange = client::post(
        config.clone(),
        webhook.tls_addr(),
        "/mutate",
        &review(Operation::Create, Some(&performer), None).to_string(),
    )
    .await
    .unwrap();
    assert_eq!(exchange.status, 200);
    let mut bad = performer.clone();
    bad["spec"]["avsAddress"] = serde_json::json!("0x1");
    client::post(
        config,
        webhook.tls_addr(),
        "/validate",
        &review(Operation::Create, Some(&bad), None).to_string(),
    )
    .await
    .unwrap();

    let (status, text) = admin_get(admin, "/metrics").await;
    assert_eq!(status, 200);
    for expected in [
        r#"hourglass_webhook_reviews_total{kind="Performer",operation="CREATE",allowed="true",mutated="true",endpoint="mutate"} 1"#,
        r#"hourglass_webhook_reviews_total{kind="Performer",operation="CREATE",allowed="false",mutated="false",endpoint="validate"} 1"#,
        r#"hourglass_webhook_review_duration_seconds_count{endpoint="mutate"} 1"#,
        "# TYPE hourglass_webhook_review_duration_seconds histogram",
        "hourglass_webhook_in_flight_reviews 0",
        "hourglass_webhook_certificate_expiry_timestamp_seconds ",
        "hourglass_webhook_certificate_reloads_total 0",
        "hourglass_webhook_certificate_reload_errors_total 0",
    ] {
        assert!(text.contains(expected), "{expected} not in\n{text}");
    }

    let health = webhook.health().clone();
    webhook.shutdown().await;
    assert!(!health.is_ready());
}
