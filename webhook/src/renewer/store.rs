//! Where the renewal's state lives and how it is written: the CA Secret,
//! the serving Secret and the caBundle of both webhook configurations.
//! Every write is a replace carrying the resourceVersion that was read, so
//! a concurrent writer makes it fail (409) instead of being overwritten.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use hourglass_certs::IssuedCert;
use hourglass_certs::renewal::{CaMaterial, PemPair};
use k8s_openapi::ByteString;
use k8s_openapi::api::admissionregistration::v1::{
    MutatingWebhookConfiguration, ValidatingWebhookConfiguration,
};
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, PostParams};

use super::args::RenewArgs;

const SIGNING_CERT: &str = "tls.crt";
const SIGNING_KEY: &str = "tls.key";
const NEXT_CERT: &str = "next.crt";
const NEXT_KEY: &str = "next.key";
const NEXT_TRUSTED_SINCE: &str = "next.trusted-since";
const PREVIOUS_CERT: &str = "previous.crt";
const SERVING_CA: &str = "ca.crt";

/// The objects the renewer reads and writes, as last read.
pub struct Stored {
    pub ca_secret: Secret,
    pub tls_secret: Secret,
    /// `None` in one-call mode (`install --one-call`), where only the
    /// mutating configuration exists.
    pub validating: Option<ValidatingWebhookConfiguration>,
    pub mutating: MutatingWebhookConfiguration,
}

pub struct Store {
    secrets: Api<Secret>,
    validating: Api<ValidatingWebhookConfiguration>,
    mutating: Api<MutatingWebhookConfiguration>,
    names: RenewArgs,
}

/// A failed read or write, with what it was about.
#[derive(Debug, thiserror::Error)]
#[error("{action} {kind} {name}: {source}")]
pub struct StoreError {
    action: &'static str,
    kind: &'static str,
    name: String,
    #[source]
    source: kube::Error,
}

impl StoreError {
    /// Someone else wrote in between: read again and decide again.
    pub fn is_conflict(&self) -> bool {
        matches!(&self.source, kube::Error::Api(status) if status.code == 409)
    }
}

impl Store {
    pub fn new(client: kube::Client, args: &RenewArgs) -> Self {
        Store {
            secrets: Api::namespaced(client.clone(), &args.namespace),
            validating: Api::all(client.clone()),
            mutating: Api::all(client),
            names: args.clone(),
        }
    }

    /// Reads the four objects; each must exist (install or the chart makes
    /// them), since the renewer may only get and update these names.
    pub async fn read(&self) -> Result<Stored, StoreError> {
        let names = &self.names;
        let err = |kind, name: &str| {
            let name = name.to_string();
            move |source| StoreError {
                action: "reading",
                kind,
                name,
                source,
            }
        };
        Ok(Stored {
            ca_secret: self
                .secrets
                .get(&names.ca_secret)
                .await
                .map_err(err("Secret", &names.ca_secret))?,
            tls_secret: self
                .secrets
                .get(&names.tls_secret)
                .await
                .map_err(err("Secret", &names.tls_secret))?,
            validating: self
                .validating
                .get_opt(&names.validating_webhook)
                .await
                .map_err(err(
                    "ValidatingWebhookConfiguration",
                    &names.validating_webhook,
                ))?,
            mutating: self
                .mutating
                .get(&names.mutating_webhook)
                .await
                .map_err(err("MutatingWebhookConfiguration", &names.mutating_webhook))?,
        })
    }

    pub async fn write_ca(&self, stored: &Stored, ca: &CaMaterial) -> Result<(), StoreError> {
        let mut secret = stored.ca_secret.clone();
        secret.data = Some(ca_data(ca));
        self.replace_secret(&self.names.ca_secret, &secret).await
    }

    pub async fn write_serving(
        &self,
        stored: &Stored,
        serving: &IssuedCert,
        ca_bundle: &str,
    ) -> Result<(), StoreError> {
        let mut secret = stored.tls_secret.clone();
        secret.data = Some(BTreeMap::from([
            (SIGNING_CERT.to_string(), bytes(&serving.cert_pem)),
            (SIGNING_KEY.to_string(), bytes(&serving.key_pem)),
            (SERVING_CA.to_string(), bytes(ca_bundle)),
        ]));
        self.replace_secret(&self.names.tls_secret, &secret).await
    }

    async fn replace_secret(&self, name: &str, secret: &Secret) -> Result<(), StoreError> {
        self.secrets
            .replace(name, &PostParams::default(), secret)
            .await
            .map(drop)
            .map_err(|source| StoreError {
                action: "updating",
                kind: "Secret",
                name: name.to_string(),
                source,
            })
    }

    /// Sets `bundle` on every webhook of both configurations (only those
    /// that differ are written).
    pub async fn write_bundles(&self, stored: &Stored, bundle: &str) -> Result<(), StoreError> {
        let wanted = Some(bytes(bundle));
        if let Some(mut validating) = stored.validating.clone()
            && set_bundles(
                validating
                    .webhooks
                    .iter_mut()
                    .flatten()
                    .map(|w| &mut w.client_config.ca_bundle),
                &wanted,
            )
        {
            let name = &self.names.validating_webhook;
            self.validating
                .replace(name, &PostParams::default(), &validating)
                .await
                .map_err(|source| StoreError {
                    action: "updating",
                    kind: "ValidatingWebhookConfiguration",
                    name: name.clone(),
                    source,
                })?;
        }
        let mut mutating = stored.mutating.clone();
        let hooks = mutating.webhooks.iter_mut().flatten();
        if set_bundles(hooks.map(|w| &mut w.client_config.ca_bundle), &wanted) {
            let name = &self.names.mutating_webhook;
            self.mutating
                .replace(name, &PostParams::default(), &mutating)
                .await
                .map_err(|source| StoreError {
                    action: "updating",
                    kind: "MutatingWebhookConfiguration",
                    name: name.clone(),
                    source,
                })?;
        }
        Ok(())
    }
}

/// True when any bundle changed.
fn set_bundles<'a>(
    bundles: impl Iterator<Item = &'a mut Option<ByteString>>,
    wanted: &Option<ByteString>,
) -> bool {
    let mut changed = false;
    for bundle in bundles {
        if bundle != wanted {
            *bundle = wanted.clone();
            changed = true;
        }
    }
    changed
}

impl Stored {
    pub fn ca(&self) -> CaMaterial {
        let text = |key| secret_text(&self.ca_secret, key);
        let pair = |cert, key| match (text(cert), text(key)) {
            (Some(cert), Some(key)) => Some(PemPair { cert, key }),
            _ => None,
        };
        CaMaterial {
            signing: pair(SIGNING_CERT, SIGNING_KEY),
            next: pair(NEXT_CERT, NEXT_KEY),
            next_trusted_since: text(NEXT_TRUSTED_SINCE)
                .and_then(|t| t.trim().parse::<u64>().ok())
                .map(|seconds| SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)),
            previous: text(PREVIOUS_CERT),
        }
    }

    pub fn serving(&self) -> Option<IssuedCert> {
        Some(IssuedCert {
            cert_pem: secret_text(&self.tls_secret, SIGNING_CERT)?,
            key_pem: secret_text(&self.tls_secret, SIGNING_KEY)?,
        })
    }

    pub fn serving_ca(&self) -> Option<String> {
        secret_text(&self.tls_secret, SERVING_CA)
    }

    /// The caBundle of every webhook of both configurations, as text.
    pub fn bundles(&self) -> Vec<String> {
        let validating = self
            .validating
            .iter()
            .flat_map(|v| v.webhooks.iter().flatten());
        let mutating = self.mutating.webhooks.iter().flatten();
        validating
            .map(|w| &w.client_config.ca_bundle)
            .chain(mutating.map(|w| &w.client_config.ca_bundle))
            .map(|b| {
                b.as_ref()
                    .map(|b| String::from_utf8_lossy(&b.0).into_owned())
                    .unwrap_or_default()
            })
            .collect()
    }
}

fn ca_data(ca: &CaMaterial) -> BTreeMap<String, ByteString> {
    let mut data = BTreeMap::new();
    if let Some(signing) = &ca.signing {
        data.insert(SIGNING_CERT.to_string(), bytes(&signing.cert));
        data.insert(SIGNING_KEY.to_string(), bytes(&signing.key));
    }
    if let Some(next) = &ca.next {
        data.insert(NEXT_CERT.to_string(), bytes(&next.cert));
        data.insert(NEXT_KEY.to_string(), bytes(&next.key));
    }
    if let Some(since) = ca.next_trusted_since {
        let seconds = since
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        data.insert(NEXT_TRUSTED_SINCE.to_string(), bytes(&seconds.to_string()));
    }
    if let Some(previous) = &ca.previous {
        data.insert(PREVIOUS_CERT.to_string(), bytes(previous));
    }
    data
}

fn bytes(text: &str) -> ByteString {
    ByteString(text.as_bytes().to_vec())
}

/// A key's text, `None` when missing, empty or not UTF-8 (an empty Secret
/// made by the chart reads as "nothing yet").
fn secret_text(secret: &Secret, key: &str) -> Option<String> {
    let bytes = secret.data.as_ref()?.get(key)?;
    String::from_utf8(bytes.0.clone())
        .ok()
        .filter(|text| !text.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_material_round_trips_through_secret_data() {
        let ca = CaMaterial {
            signing: Some(PemPair {
                cert: "S".into(),
                key: "SK".into(),
            }),
            next: Some(PemPair {
                cert: "N".into(),
                key: "NK".into(),
            }),
            next_trusted_since: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
            previous: Some("P".into()),
        };
        let secret = Secret {
            data: Some(ca_data(&ca)),
            ..Secret::default()
        };
        let stored = Stored {
            ca_secret: secret,
            tls_secret: Secret::default(),
            validating: None,
            mutating: MutatingWebhookConfiguration::default(),
        };
        assert_eq!(stored.ca(), ca);
        assert_eq!(stored.serving().map(|s| s.cert_pem), None);
    }
}
