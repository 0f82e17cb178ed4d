//! The control plane's certificates and keys, made by `hourglass-certs`.
//!
//! One CA signs both the apiserver's serving certificate and the admin's
//! client certificate: it is the cluster CA of the kubeconfig and the
//! apiserver's `--client-ca-file`. A test control plane has no reason to keep
//! the two trust roots apart, and one CA is one thing less to hand around.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use hourglass_certs::{CertificateAuthority, ServingCertSpec, signing_key_pem};

use crate::error::HarnessError;

/// Long enough for a demo control plane left running for days.
const VALIDITY: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The first address of `--service-cluster-ip-range=10.0.0.0/24`: the
/// in-cluster `kubernetes` Service, which the serving certificate covers like
/// a real apiserver's does.
pub const KUBERNETES_SERVICE_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);

/// Files written for the apiserver, and the PEM the kubeconfig embeds.
#[derive(Clone, Debug)]
pub struct Pki {
    pub ca_pem: String,
    pub ca_cert_file: PathBuf,
    pub serving_cert_file: PathBuf,
    pub serving_key_file: PathBuf,
    /// ECDSA P-256 private key, PKCS#8: `--service-account-signing-key-file`.
    pub service_account_key_file: PathBuf,
    /// Its public key, PKIX: `--service-account-key-file`. kube-apiserver
    /// 1.33 reads public keys from that file and takes a private key there
    /// only as RSA or SEC1 ("EC PRIVATE KEY"), not as PKCS#8: given the
    /// signing key itself it refuses to start ("data does not contain any
    /// valid RSA or ECDSA public keys").
    pub service_account_public_key_file: PathBuf,
    /// CN=hourglass-admin, O=system:masters
    pub admin_cert_pem: String,
    pub admin_key_pem: String,
}

pub const ADMIN_USER: &str = "hourglass-admin";

/// Generates a fresh PKI and writes the apiserver's files into `dir`.
pub fn generate(dir: &Path) -> Result<Pki, HarnessError> {
    let pki_err = |e: hourglass_certs::CertError| HarnessError::Pki(e.to_string());
    let ca = CertificateAuthority::generate("hourglass-e2e-ca", VALIDITY).map_err(pki_err)?;
    let serving = ca
        .issue_serving(
            &ServingCertSpec::for_localhost()
                .with_dns_name("kubernetes")
                .with_dns_name("kubernetes.default")
                .with_dns_name("kubernetes.default.svc")
                .with_ip(IpAddr::V4(KUBERNETES_SERVICE_IP))
                .with_validity(VALIDITY),
        )
        .map_err(pki_err)?;
    let admin = ca
        .issue_client(ADMIN_USER, &["system:masters"], VALIDITY)
        .map_err(pki_err)?;
    let service_account_key = signing_key_pem().map_err(pki_err)?;
    let service_account_public_key = rcgen::KeyPair::from_pem(&service_account_key)
        .map_err(|e| HarnessError::Pki(format!("cannot read back the service-account key: {e}")))?
        .public_key_pem();

    let pki = Pki {
        ca_pem: ca.cert_pem().to_string(),
        ca_cert_file: dir.join("ca.crt"),
        serving_cert_file: dir.join("apiserver.crt"),
        serving_key_file: dir.join("apiserver.key"),
        service_account_key_file: dir.join("service-account.key"),
        service_account_public_key_file: dir.join("service-account.pub"),
        admin_cert_pem: admin.cert_pem,
        admin_key_pem: admin.key_pem,
    };
    write(&pki.ca_cert_file, &pki.ca_pem)?;
    serving
        .write(&pki.serving_cert_file, &pki.serving_key_file)
        .map_err(pki_err)?;
    write(&pki.service_account_key_file, &service_account_key)?;
    write(
        &pki.service_account_public_key_file,
        &service_account_public_key,
    )?;
    Ok(pki)
}

fn write(path: &Path, contents: &str) -> Result<(), HarnessError> {
    std::fs::write(path, contents)
        .map_err(|e| HarnessError::io(format!("write {}", path.display()), e))
}
