//! The TLS port with certificates from hourglass-certs: HTTP/2 and HTTP/1.1
//! by ALPN, TLS 1.3 and 1.2, and client certificates when a client CA is set.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::client::{self, Alpn};
use common::*;
use hourglass_webhook::StaticExecutors;
use hourglass_webhook::server::{self, Settings};
use serde_json::Value;

const ALL: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

fn minimal_review() -> String {
    review(
        Operation::Create,
        Some(&example("minimal-performer.yaml")),
        None,
    )
    .to_string()
}

#[tokio::test]
async fn h2_and_http1_are_both_served() {
    let pki = TestPki::new();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, issued) = pki.write_serving(dir.path());
    let webhook = server::start(
        Settings::local(&cert, &key),
        Arc::new(StaticExecutors::new()),
    )
    .await
    .unwrap();

    for (alpn, expected) in [(Alpn::H2, "h2"), (Alpn::Http11, "http/1.1")] {
        let config = client::config(pki.ca.cert_pem(), alpn, ALL, None);
        let exchange = client::post(
            config,
            webhook.tls_addr(),
            "/mutate?timeout=5s",
            &minimal_review(),
        )
        .await
        .unwrap();
        assert_eq!(exchange.alpn.as_deref(), Some(expected));
        assert_eq!(exchange.version, rustls::ProtocolVersion::TLSv1_3);
        assert_eq!(exchange.server_cert, der_of(&issued.cert_pem));
        assert_eq!(exchange.status, 200);
        let answer: Value = serde_json::from_slice(&exchange.body).unwrap();
        assert_eq!(answer["response"]["allowed"], true, "{answer}");
        assert_eq!(answer["response"]["patchType"], "JSONPatch");
    }
    webhook.shutdown().await;
}

#[tokio::test]
async fn tls_1_2_is_accepted() {
    let pki = TestPki::new();
    let dir = tempfile::tempdir().unwrap();
    let webhook = start_local(&pki, dir.path()).await;
    let config = client::config(
        pki.ca.cert_pem(),
        Alpn::H2,
        &[&rustls::version::TLS12],
        None,
    );
    let exchange = client::post(config, webhook.tls_addr(), "/validate", &minimal_review())
        .await
        .unwrap();
    assert_eq!(exchange.version, rustls::ProtocolVersion::TLSv1_2);
    assert_eq!(exchange.status, 200);
    webhook.shutdown().await;
}

#[tokio::test]
async fn with_a_client_ca_only_clients_with_a_certificate_get_in() {
    let pki = TestPki::new();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _) = pki.write_serving(dir.path());
    let client_ca = hourglass_certs::CertificateAuthority::generate(
        "apiserver-client-ca",
        Duration::from_secs(3600),
    )
    .unwrap();
    let client_ca_path = dir.path().join("client-ca.crt");
    std::fs::write(&client_ca_path, client_ca.cert_pem()).unwrap();
    let mut settings = Settings::local(&cert, &key);
    settings.client_ca = Some(client_ca_path);
    let webhook = server::start(settings, Arc::new(StaticExecutors::new()))
        .await
        .unwrap();

    let apiserver = client_ca
        .issue_client("kube-apiserver", &[], Duration::from_secs(3600))
        .unwrap();
    let config = client::config(
        pki.ca.cert_pem(),
        Alpn::H2,
        ALL,
        Some((&apiserver.cert_pem, &apiserver.key_pem)),
    );
    let exchange = client::post(config, webhook.tls_addr(), "/validate", &minimal_review())
        .await
        .unwrap();
    assert_eq!(exchange.status, 200);

    // Without a certificate the server refuses (after the handshake, in TLS 1.3).
    let anonymous = client::config(pki.ca.cert_pem(), Alpn::H2, ALL, None);
    let refused = client::post(
        anonymous,
        webhook.tls_addr(),
        "/validate",
        &minimal_review(),
    )
    .await;
    assert!(refused.is_err(), "served a client without a certificate");

    // A certificate from another CA is refused too.
    let stranger = pki
        .ca
        .issue_client("stranger", &[], Duration::from_secs(3600))
        .unwrap();
    let config = client::config(
        pki.ca.cert_pem(),
        Alpn::Http11,
        ALL,
        Some((&stranger.cert_pem, &stranger.key_pem)),
    );
    let refused = client::post(config, webhook.tls_addr(), "/validate", &minimal_review()).await;
    assert!(refused.is_err(), "served a client of another CA");
    webhook.shutdown().await;
}
