//! The issued certificates work for real TLS: rustls (ring provider) loads
//! them and completes handshakes over an in-memory pair of connections.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use hourglass_certs::{CertificateAuthority, IssuedCert, ServingCertSpec};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection};

const DAY: Duration = Duration::from_secs(86_400);

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn certs(pem: &str) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap()
}

fn key(pem: &str) -> PrivateKeyDer<'static> {
    PrivateKeyDer::from_pem_slice(pem.as_bytes()).unwrap()
}

fn roots(ca: &CertificateAuthority) -> Arc<RootCertStore> {
    let mut roots = RootCertStore::empty();
    for cert in certs(ca.cert_pem()) {
        roots.add(cert).unwrap();
    }
    Arc::new(roots)
}

fn server_config(issued: &IssuedCert) -> ServerConfig {
    ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs(&issued.cert_pem), key(&issued.key_pem))
        .unwrap()
}

fn client_config(trusted: &CertificateAuthority) -> ClientConfig {
    ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots(trusted))
        .with_no_client_auth()
}

fn connect(
    client: ClientConfig,
    server: ServerConfig,
    name: &str,
) -> (ClientConnection, ServerConnection) {
    let name = ServerName::try_from(name.to_string()).unwrap();
    let client = ClientConnection::new(Arc::new(client), name).unwrap();
    let server = ServerConnection::new(Arc::new(server)).unwrap();
    (client, server)
}

/// Moves every pending TLS record from one side to the other.
fn pump(
    from: &mut impl std::ops::DerefMut<Target = rustls::ConnectionCommon<impl Sized>>,
    to: &mut impl std::ops::DerefMut<Target = rustls::ConnectionCommon<impl Sized>>,
) -> Result<(), rustls::Error> {
    let mut wire = Vec::new();
    while from.wants_write() {
        from.write_tls(&mut wire).unwrap();
    }
    let mut rest = &wire[..];
    while !rest.is_empty() {
        to.read_tls(&mut rest).unwrap();
        to.process_new_packets()?;
    }
    Ok(())
}

/// Drives both sides until neither is handshaking, or returns the first error.
fn handshake(
    client: &mut ClientConnection,
    server: &mut ServerConnection,
) -> Result<(), rustls::Error> {
    for _ in 0..10 {
        if !client.is_handshaking() && !server.is_handshaking() {
            return Ok(());
        }
        pump(client, server)?;
        pump(server, client)?;
    }
    panic!("handshake did not finish in 10 round trips");
}

fn assert_data_flows(client: &mut ClientConnection, server: &mut ServerConnection) {
    client.writer().write_all(b"ping").unwrap();
    pump(client, server).unwrap();
    let mut got = [0u8; 4];
    server.reader().read_exact(&mut got).unwrap();
    assert_eq!(&got, b"ping");
}

#[test]
fn client_trusting_the_ca_completes_a_handshake_for_localhost() {
    let ca = CertificateAuthority::generate("hourglass test CA", DAY).unwrap();
    let issued = ca.issue_serving(&ServingCertSpec::for_localhost()).unwrap();

    let (mut client, mut server) = connect(client_config(&ca), server_config(&issued), "localhost");
    handshake(&mut client, &mut server).unwrap();
    assert_data_flows(&mut client, &mut server);

    // The IP SAN is good too: clients dialling 127.0.0.1 verify it.
    let (mut client, mut server) = connect(client_config(&ca), server_config(&issued), "127.0.0.1");
    handshake(&mut client, &mut server).unwrap();
}

#[test]
fn service_cert_verifies_for_the_in_cluster_name() {
    let ca = CertificateAuthority::generate("ca", DAY).unwrap();
    let issued = ca
        .issue_serving(&ServingCertSpec::for_service(
            "hourglass-webhook",
            "hourglass-system",
        ))
        .unwrap();
    let (mut client, mut server) = connect(
        client_config(&ca),
        server_config(&issued),
        "hourglass-webhook.hourglass-system.svc",
    );
    handshake(&mut client, &mut server).unwrap();
}

#[test]
fn loaded_ca_issues_certs_clients_of_the_original_trust() {
    let original = CertificateAuthority::generate("ca", DAY).unwrap();
    let loaded = CertificateAuthority::from_pem(original.cert_pem(), original.key_pem()).unwrap();
    let issued = loaded
        .issue_serving(&ServingCertSpec::for_localhost())
        .unwrap();
    let (mut client, mut server) = connect(
        client_config(&original),
        server_config(&issued),
        "localhost",
    );
    handshake(&mut client, &mut server).unwrap();
}

#[test]
fn client_trusting_another_ca_rejects_the_server() {
    let ca = CertificateAuthority::generate("ca", DAY).unwrap();
    let other = CertificateAuthority::generate("other", DAY).unwrap();
    let issued = ca.issue_serving(&ServingCertSpec::for_localhost()).unwrap();
    let (mut client, mut server) =
        connect(client_config(&other), server_config(&issued), "localhost");
    let err = handshake(&mut client, &mut server).unwrap_err();
    assert!(
        matches!(err, rustls::Error::InvalidCertificate(_)),
        "{err:?}"
    );
}

#[test]
fn wrong_name_is_rejected() {
    let ca = CertificateAuthority::generate("ca", DAY).unwrap();
    let issued = ca.issue_serving(&ServingCertSpec::for_localhost()).unwrap();
    let (mut client, mut server) = connect(
        client_config(&ca),
        server_config(&issued),
        "elsewhere.example",
    );
    assert!(handshake(&mut client, &mut server).is_err());
}

#[test]
fn client_cert_authenticates_to_a_server_requiring_it() {
    let ca = CertificateAuthority::generate("ca", DAY).unwrap();
    let serving = ca
        .issue_serving(&ServingCertSpec::for_localhost().with_ip(IpAddr::V4(Ipv4Addr::LOCALHOST)))
        .unwrap();
    let admin = ca
        .issue_client("hourglass-admin", &["system:masters"], DAY)
        .unwrap();

    let verifier = WebPkiClientVerifier::builder_with_provider(roots(&ca), provider())
        .build()
        .unwrap();
    let server = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs(&serving.cert_pem), key(&serving.key_pem))
        .unwrap();
    let client = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots(&ca))
        .with_client_auth_cert(certs(&admin.cert_pem), key(&admin.key_pem))
        .unwrap();

    let (mut client, mut server) = connect(client, server, "localhost");
    handshake(&mut client, &mut server).unwrap();
    assert_data_flows(&mut client, &mut server);
    let presented = server.peer_certificates().unwrap();
    assert_eq!(presented, certs(&admin.cert_pem).as_slice());
}
