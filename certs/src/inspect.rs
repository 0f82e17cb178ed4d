//! Reading facts back out of PEM certificates: expiry, SANs, signer, key.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, SystemTime};

use rcgen::{KeyPair, PublicKeyData};
use x509_parser::certificate::X509Certificate;
use x509_parser::error::X509Error;
use x509_parser::extensions::GeneralName;
use x509_parser::pem::Pem;

use crate::CertError;

/// How in-memory PEM is named in errors, where there is no file path.
pub(crate) const CERT_PEM: &str = "certificate PEM";

/// notAfter of the first certificate in `cert_pem`.
pub fn certificate_expiry(cert_pem: &str) -> Result<SystemTime, CertError> {
    expiry_of(cert_pem, CERT_PEM)
}

/// True when the first certificate in `leaf_cert_pem` carries a signature made
/// by the key of the first certificate in `ca_cert_pem`. `doctor` uses this to
/// check a webhook's caBundle against the certificate it actually serves.
pub fn ca_signed(ca_cert_pem: &str, leaf_cert_pem: &str) -> Result<bool, CertError> {
    const CA_PEM: &str = "CA certificate PEM";
    let ca_der = first_certificate_der(ca_cert_pem, CA_PEM)?;
    let ca = parse_der(&ca_der, CA_PEM)?;
    let leaf_der = first_certificate_der(leaf_cert_pem, CERT_PEM)?;
    let leaf = parse_der(&leaf_der, CERT_PEM)?;
    match leaf.verify_signature(Some(ca.public_key())) {
        Ok(()) => Ok(true),
        Err(X509Error::SignatureVerificationError) => Ok(false),
        // Anything else (an algorithm ring cannot check, a malformed key) is
        // not a "no": say so instead of claiming a mismatch.
        Err(other) => Err(CertError::Verification {
            origin: CERT_PEM.to_string(),
            reason: other.to_string(),
        }),
    }
}

pub(crate) fn expiry_of(cert_pem: &str, origin: &str) -> Result<SystemTime, CertError> {
    let der = first_certificate_der(cert_pem, origin)?;
    let cert = parse_der(&der, origin)?;
    let seconds = cert.validity().not_after.timestamp();
    let offset = Duration::from_secs(seconds.unsigned_abs());
    let expiry = if seconds >= 0 {
        SystemTime::UNIX_EPOCH.checked_add(offset)
    } else {
        SystemTime::UNIX_EPOCH.checked_sub(offset)
    };
    expiry.ok_or_else(|| CertError::InvalidCertificate {
        origin: origin.to_string(),
        reason: format!("notAfter {seconds}s from the epoch does not fit in SystemTime"),
    })
}

/// The subject alternative names of the first certificate, in order.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct SubjectAltNames {
    pub(crate) dns_names: Vec<String>,
    pub(crate) ip_addresses: Vec<IpAddr>,
}

pub(crate) fn subject_alt_names(
    cert_pem: &str,
    origin: &str,
) -> Result<SubjectAltNames, CertError> {
    let der = first_certificate_der(cert_pem, origin)?;
    let cert = parse_der(&der, origin)?;
    let invalid = |reason: String| CertError::InvalidCertificate {
        origin: origin.to_string(),
        reason,
    };
    let mut sans = SubjectAltNames::default();
    let Some(extension) = cert
        .subject_alternative_name()
        .map_err(|e| invalid(format!("subjectAltName: {e}")))?
    else {
        return Ok(sans);
    };
    for name in &extension.value.general_names {
        match name {
            GeneralName::DNSName(dns) => sans.dns_names.push((*dns).to_string()),
            GeneralName::IPAddress(bytes) => sans.ip_addresses.push(
                ip_from_bytes(bytes)
                    .ok_or_else(|| invalid(format!("IP SAN of {} bytes", bytes.len())))?,
            ),
            // Other kinds (URIs, e-mail) are never issued by this crate.
            _ => {}
        }
    }
    Ok(sans)
}

fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        return Some(IpAddr::V4(Ipv4Addr::from(v4)));
    }
    <[u8; 16]>::try_from(bytes)
        .ok()
        .map(|v6| IpAddr::V6(Ipv6Addr::from(v6)))
}

/// Fails unless the first certificate in `cert_pem` is a CA certificate.
pub(crate) fn require_ca(cert_pem: &str, origin: &str) -> Result<(), CertError> {
    let der = first_certificate_der(cert_pem, origin)?;
    if parse_der(&der, origin)?.is_ca() {
        Ok(())
    } else {
        Err(CertError::NotACertificateAuthority {
            origin: origin.to_string(),
        })
    }
}

/// Parses a PKCS#8 private key and checks it is the one the certificate was
/// issued for: a mismatched pair only fails later, deep inside a TLS library.
pub(crate) fn matching_key(
    cert_pem: &str,
    cert_origin: &str,
    key_pem: &str,
    key_origin: &str,
) -> Result<KeyPair, CertError> {
    let key = KeyPair::from_pem(key_pem).map_err(|source| CertError::InvalidKey {
        origin: key_origin.to_string(),
        source,
    })?;
    let der = first_certificate_der(cert_pem, cert_origin)?;
    let cert = parse_der(&der, cert_origin)?;
    if cert.public_key().subject_public_key.data.as_ref() != key.der_bytes() {
        return Err(CertError::KeyMismatch {
            cert_origin: cert_origin.to_string(),
            key_origin: key_origin.to_string(),
        });
    }
    Ok(key)
}

/// DER of the first CERTIFICATE block; other blocks (keys, comments) before
/// it are skipped so a combined PEM file still works.
pub(crate) fn first_certificate_der(pem: &str, origin: &str) -> Result<Vec<u8>, CertError> {
    let invalid = |reason: String| CertError::InvalidCertificate {
        origin: origin.to_string(),
        reason,
    };
    for block in Pem::iter_from_buffer(pem.as_bytes()) {
        let block = block.map_err(|e| invalid(format!("malformed PEM: {e}")))?;
        if block.label == "CERTIFICATE" {
            return Ok(block.contents);
        }
    }
    Err(invalid("no \"BEGIN CERTIFICATE\" block".to_string()))
}

pub(crate) fn parse_der<'a>(der: &'a [u8], origin: &str) -> Result<X509Certificate<'a>, CertError> {
    x509_parser::parse_x509_certificate(der)
        .map(|(_, cert)| cert)
        .map_err(|e| CertError::InvalidCertificate {
            origin: origin.to_string(),
            reason: format!("not an X.509 certificate: {e}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_bytes_decode() {
        assert_eq!(
            ip_from_bytes(&[127, 0, 0, 1]),
            Some(IpAddr::V4(Ipv4Addr::LOCALHOST))
        );
        let mut v6 = [0u8; 16];
        v6[15] = 1;
        assert_eq!(ip_from_bytes(&v6), Some(IpAddr::V6(Ipv6Addr::LOCALHOST)));
        assert_eq!(ip_from_bytes(&[1, 2, 3]), None);
    }

    #[test]
    fn garbage_is_named() {
        let err = certificate_expiry("hello").unwrap_err();
        assert!(err.to_string().starts_with(CERT_PEM), "{err}");
    }

    #[test]
    fn truncated_pem_is_an_error() {
        let pem = "-----BEGIN CERTIFICATE-----\nAAAA\n";
        assert!(matches!(
            first_certificate_der(pem, "x"),
            Err(CertError::InvalidCertificate { .. })
        ));
    }
}
