//! What `doctor` found, read from the cluster and nothing judged yet.

use k8s_openapi::api::admissionregistration::v1::WebhookClientConfig;

/// A read that may have failed; the error is what to tell the user.
pub type Read<T> = std::result::Result<T, String>;

/// Everything the checks look at.
#[derive(Clone, Debug)]
pub struct Facts {
    pub install_namespace: String,
    pub probe_namespace: String,
    /// Each CRD by name: absent, or whether Established and serving our version.
    pub crds: Vec<(String, Read<Option<CrdState>>)>,
    pub configurations: Vec<Configuration>,
    /// Ready endpoints of the webhook Service.
    pub ready_endpoints: Read<usize>,
    pub tls_secret: Read<Option<TlsSecret>>,
    pub renewal: Read<Renewal>,
    pub probe: ProbeOutcome,
    pub references: References,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrdState {
    pub established: bool,
    pub serves_our_version: bool,
}

/// One webhook configuration: its kind, name, resource plural (for the
/// RBAC hint) and each webhook's (name, clientConfig).
#[derive(Clone, Debug)]
pub struct Configuration {
    pub kind: &'static str,
    pub name: &'static str,
    pub plural: &'static str,
    pub webhooks: Read<Option<Vec<(String, WebhookClientConfig)>>>,
    /// Each webhook's objectSelector, as `key op values` terms; objects
    /// outside it skip the webhook (the break-glass exemption label).
    pub exemptions: Vec<String>,
    /// Marked by `install --one-call`: the only configuration, on purpose.
    pub one_call: bool,
}

/// The PEM texts of the serving Secret (empty ones as `None`).
#[derive(Clone, Debug, Default)]
pub struct TlsSecret {
    pub cert: Option<String>,
    pub key: Option<String>,
    pub ca: Option<String>,
}

/// What renews the certificates, as found in the cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Renewal {
    /// The built-in renewer's Deployment exists, with these replicas ready
    /// out of those wanted.
    BuiltIn { ready: i32, wanted: i32 },
    /// The configurations take their caBundle from cert-manager's cainjector
    /// (`cert-manager.io/inject-ca-from: <namespace>/<certificate>`).
    CertManager { certificate: String },
    /// Neither: only a person running install renews them.
    Nobody,
}

/// How the apiserver answered a dry-run create of an invalid Performer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// Accepted: no webhook checked it.
    Accepted,
    /// Refused by a webhook, as it should be.
    Denied,
    /// Performers are not served.
    TypeMissing,
    /// The apiserver could not call the webhook.
    WebhookUnreachable(String),
    Failed(String),
}

/// Objects the performers name that do not exist (checked with the user's rights).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum References {
    Checked {
        performers: usize,
        missing: Vec<String>,
    },
    Skipped(String),
}
