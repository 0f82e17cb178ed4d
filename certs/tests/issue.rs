//! Issuing, loading, renewing and inspecting certificates, all in memory.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, SystemTime};

use hourglass_certs::{
    CertError, CertificateAuthority, IssuedCert, ServingCertSpec, ca_signed, certificate_expiry,
    renew_serving, signing_key_pem,
};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::pem::parse_x509_pem;

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

fn ca(name: &str) -> CertificateAuthority {
    CertificateAuthority::generate(name, 3650 * DAY).unwrap()
}

/// Runs `f` on the parsed first certificate of `pem`.
fn with_x509<T>(pem: &str, f: impl FnOnce(&X509Certificate<'_>) -> T) -> T {
    let (_, block) = parse_x509_pem(pem.as_bytes()).unwrap();
    f(&block.parse_x509().unwrap())
}

fn assert_close(actual: SystemTime, expected: SystemTime) {
    let gap = actual
        .duration_since(expected)
        .or_else(|_| expected.duration_since(actual))
        .unwrap();
    assert!(gap < Duration::from_secs(60), "off by {gap:?}");
}

fn ip_sans(pem: &str) -> Vec<Vec<u8>> {
    with_x509(pem, |cert| {
        cert.subject_alternative_name()
            .unwrap()
            .unwrap()
            .value
            .general_names
            .iter()
            .filter_map(|name| match name {
                GeneralName::IPAddress(bytes) => Some(bytes.to_vec()),
                _ => None,
            })
            .collect()
    })
}

#[test]
fn ca_is_a_constrained_signing_ca() {
    let ca = ca("hourglass test CA");
    assert!(ca.key_pem().starts_with("-----BEGIN PRIVATE KEY-----"));
    with_x509(ca.cert_pem(), |cert| {
        let bc = cert.basic_constraints().unwrap().unwrap().value;
        assert!(bc.ca);
        assert_eq!(bc.path_len_constraint, Some(0));
        let ku = cert.key_usage().unwrap().unwrap().value;
        assert!(ku.key_cert_sign() && ku.crl_sign());
        assert_eq!(
            cert.subject().to_string(),
            "CN=hourglass test CA",
            "subject carries only the given CN"
        );
    });
    assert!(ca_signed(ca.cert_pem(), ca.cert_pem()).unwrap());
    assert!(!format!("{ca:?}").contains("PRIVATE KEY"));
}

#[test]
fn serving_cert_has_exactly_the_service_names_plus_extras() {
    let ca = ca("hourglass test CA");
    let spec = ServingCertSpec::for_service("hourglass-webhook", "hourglass-system")
        .with_dns_name("webhook.example.test")
        .with_ip(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 7)));
    let issued = ca.issue_serving(&spec).unwrap();

    assert_eq!(
        issued.dns_names().unwrap(),
        [
            "hourglass-webhook",
            "hourglass-webhook.hourglass-system",
            "hourglass-webhook.hourglass-system.svc",
            "hourglass-webhook.hourglass-system.svc.cluster.local",
            "webhook.example.test",
        ]
    );
    assert_eq!(ip_sans(&issued.cert_pem), [vec![10, 0, 0, 7]]);
    assert!(issued.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    with_x509(&issued.cert_pem, |cert| {
        assert_eq!(cert.subject().to_string(), "CN=hourglass-webhook");
        assert!(!cert.is_ca());
        let eku = cert.extended_key_usage().unwrap().unwrap().value;
        assert!(eku.server_auth && !eku.client_auth);
        // Backdated for clock skew, but not absurdly.
        let not_before = cert.validity().not_before.timestamp();
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!(
            (now - 600..=now - 120).contains(&not_before),
            "{not_before}"
        );
    });
    assert!(ca_signed(ca.cert_pem(), &issued.cert_pem).unwrap());
    assert!(!format!("{issued:?}").contains("PRIVATE KEY"));
}

#[test]
fn localhost_spec_covers_loopback() {
    let issued = ca("ca")
        .issue_serving(&ServingCertSpec::for_localhost())
        .unwrap();
    assert_eq!(issued.dns_names().unwrap(), ["localhost"]);
    assert_eq!(
        ip_sans(&issued.cert_pem),
        [
            Ipv4Addr::LOCALHOST.octets().to_vec(),
            Ipv6Addr::LOCALHOST.octets().to_vec()
        ]
    );
}

#[test]
fn serials_are_random() {
    let ca = ca("ca");
    let spec = ServingCertSpec::for_localhost();
    let serial = |pem: &str| with_x509(pem, |cert| cert.raw_serial().to_vec());
    let a = serial(&ca.issue_serving(&spec).unwrap().cert_pem);
    let b = serial(&ca.issue_serving(&spec).unwrap().cert_pem);
    assert_ne!(a, b);
    assert!(a.len() >= 16);
}

#[test]
fn expiry_matches_validity() {
    let validity = 30 * DAY;
    let ca = CertificateAuthority::generate("ca", 10 * validity).unwrap();
    let issued = ca
        .issue_serving(&ServingCertSpec::for_localhost().with_validity(validity))
        .unwrap();
    assert_close(issued.expiry().unwrap(), SystemTime::now() + validity);
    assert_close(
        certificate_expiry(ca.cert_pem()).unwrap(),
        SystemTime::now() + 10 * validity,
    );

    let default = ca
        .issue_serving(&ServingCertSpec::for_service("a", "b"))
        .unwrap();
    assert_close(default.expiry().unwrap(), SystemTime::now() + 365 * DAY);
}

#[test]
fn unusable_specs_are_refused() {
    let ca = ca("ca");
    let zero = ServingCertSpec::for_localhost().with_validity(Duration::ZERO);
    assert!(matches!(
        ca.issue_serving(&zero),
        Err(CertError::InvalidValidity { .. })
    ));
    let empty = ServingCertSpec {
        dns_names: vec![],
        ip_addresses: vec![],
        validity: DAY,
    };
    assert!(matches!(
        ca.issue_serving(&empty),
        Err(CertError::NoSubjectAltNames)
    ));
    let non_ascii = ServingCertSpec::for_localhost().with_dns_name("bücher.example");
    let err = ca.issue_serving(&non_ascii).unwrap_err();
    assert!(err.to_string().contains("bücher.example"), "{err}");
}

#[test]
fn ip_only_spec_uses_the_ip_as_common_name() {
    let spec = ServingCertSpec {
        dns_names: vec![],
        ip_addresses: vec![IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))],
        validity: DAY,
    };
    let issued = ca("ca").issue_serving(&spec).unwrap();
    with_x509(&issued.cert_pem, |cert| {
        assert_eq!(cert.subject().to_string(), "CN=192.0.2.1");
    });
    assert!(issued.dns_names().unwrap().is_empty());
}

#[test]
fn from_pem_round_trip_signs_verifiable_certs() {
    let original = ca("original");
    let loaded = CertificateAuthority::from_pem(original.cert_pem(), original.key_pem()).unwrap();
    assert_eq!(loaded.cert_pem(), original.cert_pem());
    assert_eq!(loaded.key_pem(), original.key_pem());

    let issued = loaded
        .issue_serving(&ServingCertSpec::for_localhost())
        .unwrap();
    assert!(ca_signed(original.cert_pem(), &issued.cert_pem).unwrap());
    with_x509(&issued.cert_pem, |cert| {
        assert_eq!(cert.issuer().to_string(), "CN=original");
    });

    let other = ca("other");
    assert!(!ca_signed(other.cert_pem(), &issued.cert_pem).unwrap());
    let foreign = other
        .issue_serving(&ServingCertSpec::for_localhost())
        .unwrap();
    assert!(!ca_signed(original.cert_pem(), &foreign.cert_pem).unwrap());
}

#[test]
fn from_pem_rejects_wrong_inputs() {
    let ca1 = ca("one");
    let ca2 = ca("two");
    assert!(matches!(
        CertificateAuthority::from_pem(ca1.cert_pem(), ca2.key_pem()),
        Err(CertError::KeyMismatch { .. })
    ));

    let leaf = ca1
        .issue_serving(&ServingCertSpec::for_localhost())
        .unwrap();
    assert!(matches!(
        CertificateAuthority::from_pem(&leaf.cert_pem, &leaf.key_pem),
        Err(CertError::NotACertificateAuthority { .. })
    ));
    assert!(matches!(
        CertificateAuthority::from_pem("garbage", ca1.key_pem()),
        Err(CertError::InvalidCertificate { .. })
    ));
    assert!(matches!(
        CertificateAuthority::from_pem(ca1.cert_pem(), "garbage"),
        Err(CertError::InvalidKey { .. })
    ));
}

#[test]
fn renew_keeps_names_and_replaces_key() {
    let ca = ca("ca");
    let spec = ServingCertSpec::for_service("hook", "ns")
        .with_ip(IpAddr::V6(Ipv6Addr::LOCALHOST))
        .with_validity(DAY);
    let old = ca.issue_serving(&spec).unwrap();
    let renewed = renew_serving(&ca, &old, 90 * DAY).unwrap();

    assert_eq!(renewed.dns_names().unwrap(), old.dns_names().unwrap());
    assert_eq!(ip_sans(&renewed.cert_pem), ip_sans(&old.cert_pem));
    assert_ne!(renewed.key_pem, old.key_pem);
    let public_key = |pem: &str| with_x509(pem, |cert| cert.public_key().raw.to_vec());
    assert_ne!(public_key(&renewed.cert_pem), public_key(&old.cert_pem));
    assert_close(renewed.expiry().unwrap(), SystemTime::now() + 90 * DAY);
    assert!(ca_signed(ca.cert_pem(), &renewed.cert_pem).unwrap());
}

#[test]
fn client_cert_carries_the_organization() {
    let ca = ca("ca");
    let client = ca
        .issue_client("hourglass-admin", &["system:masters"], DAY)
        .unwrap();
    with_x509(&client.cert_pem, |cert| {
        let subject = cert.subject();
        let cn: Vec<_> = subject
            .iter_common_name()
            .map(|a| a.as_str().unwrap())
            .collect();
        let orgs: Vec<_> = subject
            .iter_organization()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(cn, ["hourglass-admin"]);
        assert_eq!(orgs, ["system:masters"]);
        let eku = cert.extended_key_usage().unwrap().unwrap().value;
        assert!(eku.client_auth && !eku.server_auth);
    });
    assert!(ca_signed(ca.cert_pem(), &client.cert_pem).unwrap());

    let no_org = ca.issue_client("someone", &[], DAY).unwrap();
    with_x509(&no_org.cert_pem, |cert| {
        assert_eq!(cert.subject().iter_organization().count(), 0);
    });

    assert!(matches!(
        ca.issue_client("x", &["a", "b"], DAY),
        Err(CertError::TooManyOrganizations { count: 2, .. })
    ));
}

#[test]
fn inspecting_garbage_is_an_error() {
    assert!(matches!(
        certificate_expiry("not a certificate"),
        Err(CertError::InvalidCertificate { .. })
    ));
    let ca = ca("ca");
    assert!(ca_signed(ca.cert_pem(), "nope").is_err());
    let bogus = IssuedCert {
        cert_pem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".into(),
        key_pem: String::new(),
    };
    assert!(bogus.dns_names().is_err());
    assert!(bogus.expiry().is_err());
}

#[test]
fn signing_keys_are_fresh_pkcs8() {
    let a = signing_key_pem().unwrap();
    let b = signing_key_pem().unwrap();
    assert!(a.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert_ne!(a, b);
}
