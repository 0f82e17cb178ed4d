//! Which CA each webhook replica serves from, asked the way the apiserver
//! asks: a TLS handshake with the Service's DNS name, trusting only the
//! signing CA. The replicas are the ready endpoints of the Service's
//! EndpointSlices (what the apiserver routes to), so the old CA leaves the
//! bundle only when none of them still needs it.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{Api, ListParams};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::args::RenewArgs;

/// A replica that does not answer within this is counted as not moved.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// `host:port` of every ready endpoint of the Service, on the TLS port.
pub async fn endpoints(
    client: &kube::Client,
    args: &RenewArgs,
) -> Result<Vec<SocketAddr>, kube::Error> {
    let slices: Api<EndpointSlice> = Api::namespaced(client.clone(), &args.namespace);
    let selector = format!("kubernetes.io/service-name={}", args.service);
    let list = slices
        .list(&ListParams::default().labels(&selector))
        .await?;
    let mut found = Vec::new();
    for slice in list.items {
        let Some(port) = slice
            .ports
            .iter()
            .flatten()
            .find(|p| p.name.as_deref() == Some(args.service_port_name.as_str()))
            .and_then(|p| p.port)
        else {
            continue;
        };
        let Ok(port) = u16::try_from(port) else {
            continue;
        };
        for endpoint in &slice.endpoints {
            // Only ready endpoints get the apiserver's calls.
            let ready = endpoint
                .conditions
                .as_ref()
                .and_then(|c| c.ready)
                .unwrap_or(true);
            if !ready {
                continue;
            }
            for address in &endpoint.addresses {
                if let Ok(ip) = address.parse::<IpAddr>() {
                    found.push(SocketAddr::new(ip, port));
                }
            }
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// For each address, whether its certificate verifies against `ca_pem`
/// alone for `server_name`.
pub async fn serve_from(addresses: &[SocketAddr], ca_pem: &str, server_name: &str) -> Vec<bool> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()).flatten() {
        let _ = roots.add(cert);
    }
    let Ok(name) = ServerName::try_from(server_name.to_string()) else {
        return vec![false; addresses.len()];
    };
    let config = ClientConfig::builder_with_provider(crate::tls::provider())
        .with_safe_default_protocol_versions()
        .map(|b| b.with_root_certificates(roots).with_no_client_auth());
    let Ok(config) = config else {
        return vec![false; addresses.len()];
    };
    let connector = TlsConnector::from(Arc::new(config));
    let mut answers = Vec::with_capacity(addresses.len());
    for address in addresses {
        let handshake = async {
            let tcp = TcpStream::connect(address).await?;
            connector.connect(name.clone(), tcp).await
        };
        let verified = matches!(
            tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await,
            Ok(Ok(_))
        );
        if !verified {
            tracing::debug!(%address, "replica does not serve a certificate from the signing CA (yet)");
        }
        answers.push(verified);
    }
    answers
}
