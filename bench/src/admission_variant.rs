//! The four ways a Performer create can be admitted, each set up on a
//! control plane of its own: the CRD schema alone, our webhooks (two calls,
//! or the mutating one alone: one-call mode), or our rules as CEL in a
//! variant CRD.
//!
//! One fresh control plane per variant, rather than deleting and recreating
//! the CRD on one: no variant inherits another's stored objects, watch
//! caches, webhook configurations or CRD deletion still running in the
//! background, and the CRD keeps its real name in all three.

use kube::api::{Api, ApiResource, DynamicObject, PostParams};
use serde_json::Value;

use hourglass_e2e::{BuildProfile, ControlPlane, WebhookServer};

use crate::cel_crd::performer_crd_with_cel;
use crate::crd_install::{self, crd_manifest};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdmissionVariant {
    /// The CRDs of `manifests/crds/`, no webhook: the floor.
    SchemaOnly,
    /// The same CRDs with our validating and mutating webhooks registered
    /// (release build).
    Webhook,
    /// One-call mode (`install --one-call`): only the mutating webhook,
    /// which runs every rule too.
    WebhookOneCall,
    /// No webhook; the Performer CRD carries our rules as CEL.
    Cel,
}

impl AdmissionVariant {
    pub const ALL: [AdmissionVariant; 4] = [
        AdmissionVariant::SchemaOnly,
        AdmissionVariant::Webhook,
        AdmissionVariant::WebhookOneCall,
        AdmissionVariant::Cel,
    ];

    /// The name used on the command line and in namespaces.
    pub fn name(self) -> &'static str {
        match self {
            AdmissionVariant::SchemaOnly => "none",
            AdmissionVariant::Webhook => "webhook",
            AdmissionVariant::WebhookOneCall => "one-call",
            AdmissionVariant::Cel => "cel",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            AdmissionVariant::SchemaOnly => "none (CRD schema only)",
            AdmissionVariant::Webhook => "ours (mutating + validating webhook)",
            AdmissionVariant::WebhookOneCall => "ours, one call (mutating webhook only)",
            AdmissionVariant::Cel => "CEL rules in the CRD",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        AdmissionVariant::ALL
            .into_iter()
            .find(|variant| variant.name() == text)
            .ok_or_else(|| {
                format!("unknown variant {text:?}; expected none, webhook, one-call or cel")
            })
    }

    /// Installs this variant's CRDs on `control_plane` and, for the webhook
    /// variants, starts and registers the webhook (kept running while the
    /// returned value lives).
    pub fn set_up(self, control_plane: &ControlPlane) -> Result<Option<WebhookServer>, String> {
        let executors = crd_manifest("hourglassexecutors.yaml").map_err(|e| e.to_string())?;
        let mut performers = crd_manifest("performers.yaml").map_err(|e| e.to_string())?;
        if self == AdmissionVariant::Cel {
            performers = performer_crd_with_cel(&performers)?;
        }
        crd_install::install(control_plane, &[executors, performers])
            .map_err(|e| format!("installing the {} CRDs: {e}", self.name()))?;
        if !self.is_webhook() {
            return Ok(None);
        }
        let webhook = WebhookServer::start_with(control_plane, BuildProfile::Release)
            .map_err(|e| e.to_string())?;
        let registered = if self == AdmissionVariant::WebhookOneCall {
            webhook.register_one_call(control_plane)
        } else {
            webhook.register(control_plane)
        };
        registered.map_err(|e| e.to_string())?;
        Ok(Some(webhook))
    }

    /// Whether our webhook answers this variant's creates.
    pub fn is_webhook(self) -> bool {
        matches!(
            self,
            AdmissionVariant::Webhook | AdmissionVariant::WebhookOneCall
        )
    }

    /// Proves the variant does what it claims before it is measured: a
    /// performer whose CPU request is above its limit must be refused by our
    /// webhook and by the CEL rules, and stored by the schema alone (which
    /// cannot compare quantities). Sent with dryRun, so nothing is stored.
    pub async fn check_verdict(
        self,
        client: &kube::Client,
        resource: &ApiResource,
        template: &Value,
        namespace: &str,
    ) -> Result<(), String> {
        let mut bad = crate::examples::renamed(template, "verdict-probe", namespace);
        bad["spec"]["resources"] = serde_json::json!({
            "requests": { "cpu": "8" },
            "limits": { "cpu": "2" },
        });
        let object: DynamicObject =
            serde_json::from_value(bad).map_err(|e| format!("verdict probe: {e}"))?;
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, resource);
        let params = PostParams {
            dry_run: true,
            ..PostParams::default()
        };
        let answer = api.create(&params, &object).await;
        match (self, answer) {
            (AdmissionVariant::SchemaOnly, Ok(_)) => Ok(()),
            (AdmissionVariant::SchemaOnly, Err(e)) => Err(format!(
                "the schema-only variant refused a performer only our rules forbid: {e}"
            )),
            (_, Ok(_)) => Err(format!(
                "the {} variant stored a performer whose CPU request is above its limit: its rules are not in force",
                self.name()
            )),
            (_, Err(kube::Error::Api(status)))
                if (400..500).contains(&status.code) && status.message.contains("limit") =>
            {
                Ok(())
            }
            (_, Err(e)) => Err(format!(
                "the {} variant refused the probe for another reason: {e}",
                self.name()
            )),
        }
    }
}

/// What `kube` needs to address performers without the typed struct.
pub fn performer_resource() -> ApiResource {
    ApiResource::erase::<hourglass_shared::Performer>(&())
}
