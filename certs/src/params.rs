//! Pieces every certificate we sign shares: validity window, serial, key.

use std::time::{Duration, SystemTime};

use rcgen::{CertificateParams, KeyPair, SerialNumber};
use ring::rand::{SecureRandom, SystemRandom};
use time::OffsetDateTime;

use crate::CertError;

/// How far notBefore is moved into the past. Nodes and laptops are rarely in
/// perfect sync; a certificate that is "not yet valid" for a few seconds on a
/// lagging apiserver breaks admission calls right after install.
pub(crate) const CLOCK_SKEW: time::Duration = time::Duration::minutes(5);

/// X.509 GeneralizedTime has four year digits.
const LAST_ENCODABLE_YEAR: i32 = 9999;

/// Serial length in bytes: well inside RFC 5280's 20-octet limit, and enough
/// entropy that two certificates from one CA never collide.
const SERIAL_LEN: usize = 16;

/// Fresh params with a backdated notBefore, notAfter = now + `validity`, a
/// random serial and no subject yet (rcgen's default CN is removed).
pub(crate) fn base_params(validity: Duration) -> Result<CertificateParams, CertError> {
    base_params_at(SystemTime::now(), validity)
}

/// [`base_params`] as if it were `now`: the renewal decides at a given time,
/// and its tests move that time forward.
pub(crate) fn base_params_at(
    now: SystemTime,
    validity: Duration,
) -> Result<CertificateParams, CertError> {
    let (not_before, not_after) = window(OffsetDateTime::from(now), validity)?;
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.not_before = not_before;
    params.not_after = not_after;
    params.serial_number = Some(random_serial()?);
    Ok(params)
}

pub(crate) fn window(
    now: OffsetDateTime,
    validity: Duration,
) -> Result<(OffsetDateTime, OffsetDateTime), CertError> {
    let invalid = || CertError::InvalidValidity { validity };
    if validity.is_zero() {
        return Err(invalid());
    }
    let span = time::Duration::try_from(validity).map_err(|_| invalid())?;
    let not_after = now.checked_add(span).ok_or_else(invalid)?;
    if not_after.year() > LAST_ENCODABLE_YEAR {
        return Err(invalid());
    }
    let not_before = now.checked_sub(CLOCK_SKEW).ok_or_else(invalid)?;
    Ok((not_before, not_after))
}

fn random_serial() -> Result<SerialNumber, CertError> {
    let mut bytes = [0u8; SERIAL_LEN];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| CertError::Randomness)?;
    // RFC 5280 4.1.2.2 wants a positive, non-zero integer: clear the sign bit
    // and set the next one so the encoding keeps its full length.
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    Ok(SerialNumber::from_slice(&bytes))
}

/// ECDSA P-256: small, fast, and accepted by Kubernetes, Go and rustls alike.
pub(crate) fn generate_key() -> Result<KeyPair, CertError> {
    KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(CertError::KeyGeneration)
}

/// A fresh ECDSA P-256 private key as PKCS#8 PEM ("PRIVATE KEY"), e.g. for
/// kube-apiserver's `--service-account-signing-key-file`.
pub fn signing_key_pem() -> Result<String, CertError> {
    Ok(generate_key()?.serialize_pem())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_backdates_and_adds_validity() {
        let now = OffsetDateTime::now_utc();
        let (nb, na) = window(now, Duration::from_secs(3600)).unwrap();
        assert_eq!(now - nb, CLOCK_SKEW);
        assert_eq!(na - now, time::Duration::hours(1));
    }

    #[test]
    fn window_rejects_zero_and_huge() {
        let now = OffsetDateTime::now_utc();
        assert!(matches!(
            window(now, Duration::ZERO),
            Err(CertError::InvalidValidity { .. })
        ));
        assert!(matches!(
            window(now, Duration::from_secs(u64::MAX)),
            Err(CertError::InvalidValidity { .. })
        ));
        let ten_thousand_years = Duration::from_secs(10_000 * 366 * 24 * 3600);
        assert!(matches!(
            window(now, ten_thousand_years),
            Err(CertError::InvalidValidity { .. })
        ));
    }

    #[test]
    fn serials_are_positive_and_differ() {
        let a = random_serial().unwrap().to_bytes();
        let b = random_serial().unwrap().to_bytes();
        assert_ne!(a, b);
        assert_eq!(a.len(), SERIAL_LEN);
        assert_eq!(a[0] & 0xc0, 0x40);
    }

    #[test]
    fn signing_key_is_pkcs8() {
        let pem = signing_key_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert!(KeyPair::from_pem(&pem).is_ok());
    }
}
