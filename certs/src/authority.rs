//! A private certificate authority: the root of trust put in a webhook's
//! caBundle or a test apiserver's `--client-ca-file`.

use std::fmt;
use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};

use crate::inspect::{matching_key, require_ca};
use crate::params::{base_params, base_params_at, generate_key};
use crate::{CertError, IssuedCert, ServingCertSpec};

const CA_CERT_PEM: &str = "CA certificate PEM";
const CA_KEY_PEM: &str = "CA key PEM";

/// A self-signed CA that can sign serving and client certificates.
pub struct CertificateAuthority {
    issuer: Issuer<'static, KeyPair>,
    cert_pem: String,
    key_pem: String,
}

impl CertificateAuthority {
    /// A new ECDSA P-256 root valid for `validity` from now.
    pub fn generate(common_name: &str, validity: Duration) -> Result<Self, CertError> {
        Self::generate_at(common_name, validity, SystemTime::now())
    }

    /// [`CertificateAuthority::generate`] as if it were `now`.
    pub(crate) fn generate_at(
        common_name: &str,
        validity: Duration,
        now: SystemTime,
    ) -> Result<Self, CertError> {
        let mut params = base_params_at(now, validity)?;
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        // Path length 0: this CA signs leaves only. A leaked leaf key can then
        // never be used to mint further certificates under this root.
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];

        let key = generate_key()?;
        let cert = params
            .self_signed(&key)
            .map_err(|source| CertError::Signing { kind: "CA", source })?;
        Ok(CertificateAuthority {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            issuer: Issuer::new(params, key),
        })
    }

    /// Loads a CA from its certificate and PKCS#8 key, e.g. the ones stored in
    /// a Secret by an earlier install, so renewals keep the same caBundle.
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Self, CertError> {
        require_ca(cert_pem, CA_CERT_PEM)?;
        // Checked here because rcgen would happily sign with any key, and the
        // result would only fail later at the client, far from the cause.
        let key = matching_key(cert_pem, CA_CERT_PEM, key_pem, CA_KEY_PEM)?;
        let issuer =
            Issuer::from_ca_cert_pem(cert_pem, key).map_err(|e| CertError::InvalidCertificate {
                origin: CA_CERT_PEM.to_string(),
                reason: e.to_string(),
            })?;
        Ok(CertificateAuthority {
            issuer,
            cert_pem: cert_pem.to_string(),
            key_pem: key_pem.to_string(),
        })
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }

    /// A serverAuth certificate for every DNS name and IP in `spec`, with the
    /// first DNS name (or, lacking one, the first IP) as subject CN.
    pub fn issue_serving(&self, spec: &ServingCertSpec) -> Result<IssuedCert, CertError> {
        self.issue_serving_at(spec, SystemTime::now())
    }

    /// [`CertificateAuthority::issue_serving`] as if it were `now`.
    pub(crate) fn issue_serving_at(
        &self,
        spec: &ServingCertSpec,
        now: SystemTime,
    ) -> Result<IssuedCert, CertError> {
        let mut params = base_params_at(now, spec.validity)?;
        params.subject_alt_names = serving_sans(spec)?;
        let common_name = match (spec.dns_names.first(), spec.ip_addresses.first()) {
            (Some(dns), _) => dns.clone(),
            (None, Some(ip)) => ip.to_string(),
            (None, None) => return Err(CertError::NoSubjectAltNames),
        };
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.sign(params, "serving")
    }

    /// A clientAuth certificate. Kubernetes reads CN as the user name and O as
    /// the group, so `("admin", &["system:masters"])` is a cluster admin.
    pub fn issue_client(
        &self,
        common_name: &str,
        organizations: &[&str],
        validity: Duration,
    ) -> Result<IssuedCert, CertError> {
        let mut params = base_params(validity)?;
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        match organizations {
            [] => {}
            [organization] => params
                .distinguished_name
                .push(DnType::OrganizationName, *organization),
            _ => {
                return Err(CertError::TooManyOrganizations {
                    count: organizations.len(),
                    organizations: organizations.iter().map(|o| o.to_string()).collect(),
                });
            }
        }
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.sign(params, "client")
    }

    fn sign(
        &self,
        mut params: CertificateParams,
        kind: &'static str,
    ) -> Result<IssuedCert, CertError> {
        // digitalSignature is what an ECDSA key does in a TLS handshake; the
        // AKI lets verifiers pick this CA out of a bundle with several.
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.use_authority_key_identifier_extension = true;
        let key = generate_key()?;
        let cert = params
            .signed_by(&key, &self.issuer)
            .map_err(|source| CertError::Signing { kind, source })?;
        Ok(IssuedCert {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}

fn serving_sans(spec: &ServingCertSpec) -> Result<Vec<SanType>, CertError> {
    let mut sans = Vec::with_capacity(spec.dns_names.len() + spec.ip_addresses.len());
    for name in &spec.dns_names {
        let san = SanType::DnsName(name.as_str().try_into().map_err(|source| {
            CertError::InvalidName {
                name: name.clone(),
                source,
            }
        })?);
        // The fields are public, so duplicates can arrive without the builders.
        if !sans.contains(&san) {
            sans.push(san);
        }
    }
    for ip in &spec.ip_addresses {
        let san = SanType::IpAddress(*ip);
        if !sans.contains(&san) {
            sans.push(san);
        }
    }
    if sans.is_empty() {
        return Err(CertError::NoSubjectAltNames);
    }
    Ok(sans)
}

/// Hand-written so the private key never ends up in logs.
impl fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"<redacted>")
            .finish()
    }
}
