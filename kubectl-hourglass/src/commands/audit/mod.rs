//! `audit [NAME]`: the stored executors and performers judged as the
//! webhook would judge them now (`hourglass_shared::review`, with the
//! webhook's hardware profile or `--hardware-profile FILE`), and each
//! performer's pod against the scheduling its mutated spec asks for. The
//! webhook sees only writes made after it was installed or changed; this
//! finds what was stored before.

mod profile;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};

use hourglass_shared::object::ObjectKind;
use hourglass_shared::workload::PERFORMER_LABEL;
use hourglass_shared::{HourglassExecutor, HourglassObject};

use crate::api::{self, Fetched, no_resources};
use crate::context::Context;
use crate::error::{CliError, EXIT_FINDINGS, Result};
use crate::manifests::DEFAULT_NAMESPACE;
use crate::options::{Format, FormatParser, ListingArgs};
use crate::pods::PodIndex;
use crate::render::sort::permute;
use crate::render::table::TableStyle;
use crate::render::{audit, listing, structured};
use crate::view::audit::{Finding, Surroundings, judge};

const FORMATS: FormatParser = FormatParser {
    plain: &["wide", "json", "yaml"],
};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Judges every stored executor and performer (in the namespace, or all with -A,
filtered by -l) with the webhook's rules and mutation, as if it were created
now: every violation, the JSON patch the webhook would apply (missing
defaults, hardware scheduling), and what the performer's pod lacks of that
scheduling (tolerations, GPU resources, required node affinity).

The hardware profile is the installed webhook's (followed from its
Deployment's --hardware-profile to the ConfigMap mounted there; the default
when it sets none), or FILE with --hardware-profile, to check a profile
before giving it to the webhook.

Exit codes:
  0  every object is clean
  1  the command failed (bad flags, API error, not found)
  2  some object breaks a rule, would be changed, or has a pod lacking its scheduling

RBAC: list on hourglassexecutors, performers and pods; get on deployments and
configmaps in the webhook's namespace (not needed with --hardware-profile).

Examples:
  kubectl hourglass audit -A
  kubectl hourglass audit my-avs -n avs -o yaml
  kubectl hourglass audit -A --hardware-profile new-profile.yaml
  kubectl hourglass audit -A -o jsonpath='{range .items[?(@.violations[0])]}{.namespace}/{.name}{\"\\n\"}{end}'")]
pub struct Args {
    /// Only this executor or performer (both, when both kinds have one of that name)
    pub name: Option<String>,
    /// Output format: wide, json, yaml, jsonpath=TEMPLATE or custom-columns=SPEC (on the findings as -o json shows them)
    #[arg(short = 'o', long, value_parser = FORMATS)]
    pub output: Option<Format>,
    #[command(flatten)]
    pub listing: ListingArgs,
    /// Judge with this hardware profile (YAML) instead of the installed webhook's
    #[arg(long, value_name = "FILE")]
    pub hardware_profile: Option<std::path::PathBuf>,
    /// Where the webhook is installed, to read its hardware profile
    #[arg(long, value_name = "NAMESPACE", default_value = DEFAULT_NAMESPACE)]
    pub webhook_namespace: String,
}

pub async fn run(args: &Args, ctx: &Context) -> Result<()> {
    let namespace = if args.name.is_some() {
        Some(ctx.namespace().await)
    } else {
        ctx.list_namespace().await
    };
    let ns = namespace.as_deref();
    let chosen = profile::choose(
        ctx,
        args.hardware_profile.as_deref(),
        &args.webhook_namespace,
    )
    .await?;
    ctx.note(format!("hardware profile: {}", chosen.source));
    let objects = read_objects(ctx, args.name.as_deref(), ns).await?;
    if objects.is_empty() {
        ctx.note(no_resources(ns));
        return Ok(());
    }
    let executors = lending_executors(ctx, ns, &objects).await?;
    let pods = performer_pods(ctx, ns).await?;
    let around = Surroundings {
        profile: &chosen.profile,
        executors: &executors,
        pods: pods.as_ref(),
    };
    let mut findings: Vec<Finding> = objects
        .iter()
        .map(|f| judge(&f.raw, &f.parsed, around))
        .collect();
    let mut items: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| serde_json::to_value(f).map_err(|e| CliError::msg(e.to_string())))
        .collect::<Result<_>>()?;
    if let Some(sort_by) = &args.listing.sort_by {
        let order = sort_by.order(&items).map_err(CliError::Message)?;
        findings = permute(findings, &order);
        items = permute(items, &order);
    }
    write(args, ctx, &findings, items, ns.is_none())?;
    if findings.iter().all(Finding::is_clean) {
        Ok(())
    } else {
        Err(CliError::Silent(EXIT_FINDINGS))
    }
}

fn write(
    args: &Args,
    ctx: &Context,
    findings: &[Finding],
    items: Vec<serde_json::Value>,
    all_namespaces: bool,
) -> Result<()> {
    let style = TableStyle {
        wide: args.output == Some(Format::Wide),
        all_namespaces,
        no_headers: args.listing.no_headers,
        color: ctx.color(),
    };
    let mut out = ctx.out();
    match &args.output {
        None | Some(Format::Wide) => {
            audit::findings(&mut *out, findings, &style, args.listing.show_labels)?
        }
        Some(Format::Json) => structured::write_json(&mut *out, &structured::list(items))?,
        Some(Format::Yaml) => structured::write_yaml(&mut *out, &structured::list(items))?,
        Some(Format::JsonPath(template)) => {
            listing::write_jsonpath(&mut *out, template, &structured::list(items))?
        }
        Some(Format::CustomColumns(columns)) => {
            listing::write_custom_columns(&mut *out, columns, &items, &style)?
        }
        // Not offered by FORMATS.
        Some(Format::Name) => return Err(CliError::msg("-o name is not a format of audit")),
    }
    Ok(())
}

/// The executors and performers to judge: all (filtered by `-l`), or those named.
async fn read_objects(ctx: &Context, name: Option<&str>, ns: Option<&str>) -> Result<Vec<Fetched>> {
    let kinds = [ObjectKind::Executor, ObjectKind::Performer];
    let Some(name) = name else {
        let mut objects = Vec::new();
        for kind in kinds {
            objects.extend(api::fetch_all(ctx, kind, ns).await?);
        }
        return Ok(objects);
    };
    let namespace = ns.unwrap_or("default");
    let mut objects = Vec::new();
    let mut not_found = None;
    for kind in kinds {
        match api::fetch_one(ctx, kind, namespace, name).await {
            Ok(object) => objects.push(object),
            Err(error) if error.is_not_found() => not_found = Some(error),
            Err(error) => return Err(error),
        }
    }
    match (objects.is_empty(), not_found) {
        (true, Some(error)) => Err(error),
        _ => Ok(objects),
    }
}

/// The executors performers inherit scheduling from: every one in the
/// namespaces audited, whatever `-l` selected, as the webhook's cache has them.
async fn lending_executors(
    ctx: &Context,
    ns: Option<&str>,
    objects: &[Fetched],
) -> Result<Vec<HourglassExecutor>> {
    let has_performers = objects
        .iter()
        .any(|f| matches!(&f.parsed, Ok(HourglassObject::Performer(_))));
    if !has_performers {
        return Ok(Vec::new());
    }
    let client = ctx.client().await?;
    let resource = api::api_resource(ObjectKind::Executor);
    let all: Api<kube::api::DynamicObject> = match ns {
        Some(ns) => Api::namespaced_with(client, ns, &resource),
        None => Api::all_with(client, &resource),
    };
    let listed = all
        .list(&ListParams::default())
        .await
        .map_err(|e| CliError::from_kube_for(ObjectKind::Executor.plural(), e))?;
    // An executor that does not fit its type lends nothing (as in the webhook).
    Ok(listed
        .items
        .into_iter()
        .filter_map(|o| serde_json::to_value(o).ok())
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect())
}

/// The performers' pods, whole: their scheduling is what is compared.
/// `None` (and a note) when pods may not be listed.
async fn performer_pods(ctx: &Context, ns: Option<&str>) -> Result<Option<PodIndex>> {
    let client = ctx.client().await?;
    let pods: Api<Pod> = match ns {
        Some(ns) => Api::namespaced(client, ns),
        None => Api::all(client),
    };
    match pods
        .list(&ListParams::default().labels(PERFORMER_LABEL))
        .await
    {
        Ok(list) => Ok(Some(PodIndex::new(list.items))),
        Err(kube::Error::Api(status)) if status.code == 403 => {
            ctx.note(format!(
                "cannot list pods ({}); pods are not compared with their performers",
                status.message
            ));
            Ok(None)
        }
        Err(error) => Err(CliError::from_kube_for("pods", error)),
    }
}
