//! `uninstall`: removes what install created. The CRDs (and with them every
//! executor and performer) only with `--delete-crds`, confirmed.

use std::io::{BufRead, IsTerminal, Write};

use k8s_openapi::api::core::v1::Namespace;
use kube::api::Api;

use crate::cluster::{self, display_name};
use crate::context::Context;
use crate::error::{CliError, Result};
use crate::install_plan;
use crate::manifests::{self, MANAGED_BY, MANAGED_BY_LABEL};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Deletes the webhook configurations first (so a missing webhook cannot block
anything), then the Deployment, Service, PodDisruptionBudget, RBAC, the TLS
and CA Secrets, and the namespace if install created it. Executors and
performers stay unless --delete-crds is given and confirmed.

Needs: delete on what install creates (and customresourcedefinitions with --delete-crds).

Examples:
  kubectl hourglass uninstall
  kubectl hourglass uninstall --delete-crds --yes")]
pub struct Args {
    /// Also delete the CRDs, and so every HourglassExecutor and Performer in the cluster
    #[arg(long)]
    pub delete_crds: bool,
    /// Do not ask for confirmation
    #[arg(short = 'y', long)]
    pub yes: bool,
}

fn confirm(ctx: &Context) -> Result<bool> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(CliError::msg(
            "--delete-crds deletes every HourglassExecutor and Performer; pass --yes to confirm when not on a terminal",
        ));
    }
    {
        let mut err = ctx.err();
        write!(
            err,
            "This deletes the Hourglass CRDs and EVERY HourglassExecutor and Performer in the cluster. Type 'yes' to continue: "
        )?;
        err.flush()?;
    }
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}

pub async fn run(args: &Args, ctx: &Context) -> Result<()> {
    if args.delete_crds && !args.yes && !confirm(ctx)? {
        return Err(CliError::msg("aborted; nothing was deleted"));
    }
    let namespace = ctx.install_namespace();
    let client = ctx.client().await?;
    let (crds, webhook) = install_plan::objects(&namespace, None, None)?;
    // Webhook configurations first, then the rest in reverse install order.
    let mut order: Vec<&serde_json::Value> = webhook
        .iter()
        .filter(|o| manifests::is_webhook_configuration(o))
        .collect();
    order.extend(
        webhook.iter().rev().filter(|o| {
            !manifests::is_webhook_configuration(o) && manifests::kind(o) != "Namespace"
        }),
    );
    for object in order {
        if cluster::delete(&client, object).await? {
            writeln!(ctx.out(), "{} deleted", display_name(object))?;
        }
    }
    let namespaces: Api<Namespace> = Api::all(client.clone());
    if let Some(found) = namespaces
        .get_opt(&namespace)
        .await
        .map_err(CliError::from)?
    {
        let ours = found
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(MANAGED_BY_LABEL))
            .is_some_and(|v| v == MANAGED_BY);
        if ours || namespace == manifests::DEFAULT_NAMESPACE {
            let object = serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}});
            if cluster::delete(&client, &object).await? {
                writeln!(ctx.out(), "namespace/{namespace} deleted")?;
            }
        } else {
            ctx.note(format!(
                "namespace {namespace} kept: install did not create it"
            ));
        }
    }
    if args.delete_crds {
        for crd in &crds {
            if cluster::delete(&client, crd).await? {
                writeln!(ctx.out(), "{} deleted", display_name(crd))?;
            }
        }
    } else {
        ctx.note("CRDs kept, with every HourglassExecutor and Performer (pass --delete-crds to remove them)");
    }
    Ok(())
}
