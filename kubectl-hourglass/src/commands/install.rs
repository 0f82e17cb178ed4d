//! `install`: the CRDs, then the webhook (namespace, RBAC, TLS Secrets,
//! Deployment, Service, PDB, webhook configurations with their caBundle),
//! all by server-side apply as `kubectl-hourglass`. Re-running it changes
//! nothing unless something drifted; certificates are reused while valid.

use std::io::Write;
use std::time::{Duration, SystemTime};

use k8s_openapi::api::admissionregistration::v1::ValidatingWebhookConfiguration;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams};
use serde_json::Value;

use crate::cluster::{self, display_name};
use crate::context::Context;
use crate::error::{CliError, Result};
use crate::install_plan::{Existing, cert_manager_objects, objects, plan_certs, read_existing};
use crate::manifests;
use crate::options::DryRun;
use crate::render::structured;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Applies, in order: the two CRDs (then waits until they are Established), the
namespace, RBAC, the CA and TLS Secrets, the webhook Deployment, Service and
PodDisruptionBudget, and the two webhook configurations with the CA in their
caBundle. Existing certificates are kept while they are valid for the
namespace and more than 30 days from expiry; --rotate-certs issues a new
serving certificate from the same CA. The Deployment hourglass-cert-renewer
then renews them without a person; with --cert-manager, cert-manager does
(Issuers and Certificates instead of the Secrets and the renewer).

Needs: create/patch on customresourcedefinitions, namespaces, serviceaccounts,
clusterroles, clusterrolebindings, secrets, deployments, services,
poddisruptionbudgets, validating- and mutatingwebhookconfigurations; get on
secrets and customresourcedefinitions.

--one-call registers the mutating webhook only (reinvocationPolicy
IfNeeded): one admission call per create or update instead of two. It
already runs every rule and denies with every violation; what is given up is
the re-check of the final object after other mutating webhooks (see
manifests/webhook/README.md, One-call mode). It deletes an existing
validating configuration (needs delete on validatingwebhookconfigurations);
install without it registers both again.

Examples:
  kubectl hourglass install
  kubectl hourglass install --one-call
  kubectl hourglass install -n hourglass --image registry.example.com/hourglass-webhook:0.1.0
  kubectl hourglass install --dry-run=server
  kubectl hourglass install --rotate-certs
  kubectl hourglass install --cert-manager")]
pub struct Args {
    /// The webhook image (default: the manifest's)
    #[arg(long)]
    pub image: Option<String>,
    /// client: print what would be applied; server: send everything with dryRun
    #[arg(long, value_enum, num_args = 0..=1, default_value_t = DryRun::None, default_missing_value = "client", require_equals = true)]
    pub dry_run: DryRun,
    /// Issue a new serving certificate even if the current one is still valid
    #[arg(long)]
    pub rotate_certs: bool,
    /// Let cert-manager (already installed) make and renew the certificates
    /// instead of the built-in renewer: Issuers, Certificates, and caBundle
    /// injection by its cainjector
    #[arg(long, conflicts_with = "rotate_certs")]
    pub cert_manager: bool,
    /// Take over fields another field manager owns (as kubectl apply --server-side --force-conflicts)
    #[arg(long)]
    pub force_conflicts: bool,
    /// Register only the mutating webhook: one admission call per create (see --help)
    #[arg(long)]
    pub one_call: bool,
    /// How long to wait for the CRDs to be Established
    #[arg(long, value_parser = hourglass_shared::formats::duration::parse, default_value = "60s")]
    pub timeout: Duration,
}

pub async fn run(args: &Args, ctx: &Context) -> Result<()> {
    let namespace = ctx.install_namespace();
    if args.dry_run == DryRun::Client {
        let (crds, mut webhook) = if args.cert_manager {
            cert_manager_objects(&namespace, args.image.as_deref())?
        } else {
            objects(&namespace, args.image.as_deref(), None)?
        };
        if args.one_call {
            manifests::keep_one_admission_call(&mut webhook);
        }
        let mut out = ctx.out();
        for object in crds.iter().chain(&webhook) {
            writeln!(out, "---")?;
            structured::write_yaml(&mut *out, object)?;
        }
        drop(out);
        ctx.note(
            "(dry run) nothing was sent to the cluster; certificates are generated at install",
        );
        return Ok(());
    }
    let dry_run = args.dry_run == DryRun::Server;
    let suffix = args.dry_run.suffix();
    let client = ctx.client().await?;
    let namespace_exists = Api::<Namespace>::all(client.clone())
        .get_opt(&namespace)
        .await
        .map_err(CliError::from)?
        .is_some();
    let existing = if namespace_exists {
        read_existing(&client, &namespace).await?
    } else {
        Existing::default()
    };
    let (certs, (crds, mut webhook)) = if args.cert_manager {
        require_cert_manager(&client).await?;
        (
            None,
            cert_manager_objects(&namespace, args.image.as_deref())?,
        )
    } else {
        let certs = plan_certs(&existing, &namespace, args.rotate_certs, SystemTime::now())?;
        let objects = objects(&namespace, args.image.as_deref(), Some(&certs))?;
        (Some(certs), objects)
    };
    if args.one_call {
        manifests::keep_one_admission_call(&mut webhook);
    }

    for crd in &crds {
        cluster::apply(&client, crd, args.force_conflicts, dry_run).await?;
        writeln!(
            ctx.out(),
            "{} serverside-applied{suffix}",
            display_name(crd)
        )?;
    }
    if !dry_run {
        let names: Vec<String> = crds
            .iter()
            .map(|c| manifests::name(c).to_string())
            .collect();
        cluster::wait_established(&client, &names, args.timeout).await?;
        ctx.note("CRDs established");
    }
    for object in &webhook {
        let namespaced = object.pointer("/metadata/namespace").is_some();
        if dry_run && namespaced && !namespace_exists {
            ctx.note(format!(
                "{} skipped in server dry run: namespace {namespace} does not exist yet",
                display_name(object)
            ));
            continue;
        }
        // The webhook configurations' caBundle must be the CA just used:
        // install is the authority on it, so it takes the fields over.
        let force = args.force_conflicts || manifests::is_webhook_configuration(object);
        if manifests::is_webhook_configuration(object) {
            refuse_url_webhooks(&client, object).await?;
        }
        cluster::apply(&client, object, force, dry_run).await?;
        writeln!(
            ctx.out(),
            "{} serverside-applied{suffix}",
            display_name(object)
        )?;
    }
    if args.one_call {
        remove_validating_configuration(&client, dry_run, ctx).await?;
    }
    match &certs {
        Some(certs) => {
            for note in &certs.notes {
                ctx.note(format!("certificates: {note}"));
            }
        }
        None => ctx.note(
            "certificates: made and renewed by cert-manager; its cainjector fills both caBundles",
        ),
    }
    if !dry_run {
        ctx.note(format!(
            "Hourglass is installed in namespace {namespace}; check it with `kubectl hourglass doctor{}`",
            if namespace == manifests::DEFAULT_NAMESPACE {
                String::new()
            } else {
                format!(" -n {namespace}")
            }
        ));
    }
    Ok(())
}

/// `--cert-manager` needs cert-manager's API: say so before applying half.
async fn require_cert_manager(client: &kube::Client) -> Result<()> {
    match client.list_api_group_resources("cert-manager.io/v1").await {
        Ok(list) if list.resources.iter().any(|r| r.kind == "Certificate") => Ok(()),
        Ok(_) | Err(kube::Error::Api(_)) => Err(CliError::msg(
            "--cert-manager: cert-manager is not installed (the API cert-manager.io/v1 has no Certificate); install cert-manager first, or run install without --cert-manager to use the built-in renewer",
        )),
        Err(error) => Err(CliError::from(error)),
    }
}

/// One-call mode: a validating configuration left by an earlier install
/// would still make the second call, so it goes.
async fn remove_validating_configuration(
    client: &kube::Client,
    dry_run: bool,
    ctx: &Context,
) -> Result<()> {
    let api = Api::<ValidatingWebhookConfiguration>::all(client.clone());
    let name = manifests::VALIDATING_CONFIGURATION;
    if api.get_opt(name).await.map_err(CliError::from)?.is_none() {
        return Ok(());
    }
    let params = DeleteParams {
        dry_run,
        ..DeleteParams::default()
    };
    api.delete(name, &params).await.map_err(CliError::from)?;
    writeln!(
        ctx.out(),
        "validatingwebhookconfiguration.admissionregistration.k8s.io/{name} deleted{} (one-call mode)",
        if dry_run { " (server dry run)" } else { "" }
    )?;
    Ok(())
}

/// A configuration of the same name that calls a URL belongs to someone
/// else (a test harness, a local setup): applying ours would leave both
/// `url` and `service` set, which the apiserver refuses. Say so plainly.
async fn refuse_url_webhooks(client: &kube::Client, object: &Value) -> Result<()> {
    let (api, _) = cluster::api_for(client, object).await?;
    let Some(existing) = api
        .get_opt(manifests::name(object))
        .await
        .map_err(CliError::from)?
    else {
        return Ok(());
    };
    let calls_url = existing
        .data
        .get("webhooks")
        .and_then(Value::as_array)
        .is_some_and(|hooks| {
            hooks
                .iter()
                .any(|h| h.pointer("/clientConfig/url").is_some())
        });
    if calls_url {
        return Err(CliError::msg(format!(
            "{} already exists and calls a URL, not the webhook Service; it was not made by install. Delete it (kubectl delete {}) and run install again",
            display_name(object),
            display_name(object).replacen('/', " ", 1)
        )));
    }
    Ok(())
}
