//! `validate -f FILE|DIR|-`: offline, the exact rules and mutation of
//! `hourglass-shared` (the webhook's), one line per problem.

use std::io::{Read, Write};

use hourglass_shared::mutate::{MutationContext, lent_scheduling};
use hourglass_shared::{HardwareProfile, HourglassExecutor, HourglassObject, Performer, review};

use crate::context::Context;
use crate::error::{CliError, EXIT_ERROR, Result};
use crate::input::{self, Document};
use crate::references::{ALL_KINDS, missing_references};
use crate::render::structured;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Prints `FILE: Kind/name: field.path: message` for every violation and
`FILE: Kind/name: warning: message` for every warning; exits 1 if any object
is invalid. No cluster is needed, unless --check-references asks the
current cluster, with your own rights (get on each kind), whether the
Secrets, ConfigMaps, ServiceAccounts, RuntimeClasses and PriorityClasses
each performer names exist (missing ones are warnings).

Examples:
  kubectl hourglass validate -f performer.yaml
  kubectl hourglass validate -f manifests/ --show-defaults
  kubectl hourglass validate -f performer.yaml --check-references -n avs
  cat executor.json | kubectl hourglass validate -f -")]
pub struct Args {
    /// Files, directories (their .yaml, .yml and .json files) or - for standard input
    #[arg(
        short = 'f',
        long = "filename",
        required = true,
        value_name = "FILE|DIR|-"
    )]
    pub filenames: Vec<String>,
    /// Read directories recursively
    #[arg(short = 'R', long)]
    pub recursive: bool,
    /// Also print each valid object as the webhook would store it (defaults and hardware scheduling filled in)
    #[arg(long)]
    pub show_defaults: bool,
    /// Also check on the current cluster that what each performer names exists
    #[arg(long)]
    pub check_references: bool,
}

/// One checked document.
#[derive(Debug)]
pub struct Checked {
    pub source: String,
    pub what: String,
    pub violations: Vec<String>,
    pub warnings: Vec<String>,
    pub mutated: Option<serde_json::Value>,
}

/// Checks every document; executors found in the same input lend their
/// `defaultScheduling` to performers that name them, as on the cluster.
pub fn check(documents: &[Document], profile: &HardwareProfile) -> Vec<Checked> {
    let parsed: Vec<(
        &Document,
        std::result::Result<HourglassObject, hourglass_shared::ParseError>,
    )> = documents
        .iter()
        .map(|d| (d, HourglassObject::from_value(&d.value)))
        .collect();
    let executors: Vec<HourglassExecutor> = parsed
        .iter()
        .filter_map(|(_, object)| match object {
            Ok(HourglassObject::Executor(executor)) => Some(executor.clone()),
            _ => None,
        })
        .collect();
    parsed
        .into_iter()
        .map(|(document, object)| {
            let what = input::describe(&document.value);
            match object {
                Err(error) => Checked {
                    source: document.source.clone(),
                    what,
                    violations: vec![error.to_string()],
                    warnings: Vec::new(),
                    mutated: None,
                },
                Ok(object) => {
                    let executor_scheduling = match &object {
                        HourglassObject::Performer(p) => lent_scheduling(p, &executors),
                        HourglassObject::Executor(_) => None,
                    };
                    let context = MutationContext {
                        profile,
                        executor_scheduling,
                    };
                    let outcome = review(&object, None, &context);
                    let allowed = outcome.verdict.is_allowed();
                    Checked {
                        source: document.source.clone(),
                        what,
                        violations: outcome
                            .verdict
                            .violations
                            .iter()
                            .map(ToString::to_string)
                            .collect(),
                        warnings: outcome.verdict.warnings.clone(),
                        mutated: allowed.then(|| outcome.mutated.to_value()),
                    }
                }
            }
        })
        .collect()
}

pub async fn run(args: &Args, ctx: &Context, stdin: &mut dyn Read) -> Result<()> {
    let read = input::read_all(&args.filenames, args.recursive, stdin);
    let mut documents = Vec::new();
    let mut unreadable = Vec::new();
    for entry in read {
        match entry {
            Ok(document) => documents.push(document),
            Err(error) => unreadable.push(format!("{}: {}", error.source, error.message)),
        }
    }
    let mut checked = check(&documents, &HardwareProfile::default());
    if args.check_references {
        add_reference_warnings(ctx, &documents, &mut checked).await?;
    }
    let mut invalid = unreadable.len();
    let mut out = ctx.out();
    for line in &unreadable {
        writeln!(out, "{line}")?;
    }
    for item in &checked {
        for violation in &item.violations {
            writeln!(out, "{}: {}: {violation}", item.source, item.what)?;
        }
        for warning in &item.warnings {
            writeln!(out, "{}: {}: warning: {warning}", item.source, item.what)?;
        }
    }
    if args.show_defaults {
        for item in &checked {
            if let Some(mutated) = &item.mutated {
                writeln!(out, "---\n# {}: {}", item.source, item.what)?;
                structured::write_yaml(&mut *out, mutated)?;
            }
        }
    }
    drop(out);
    let total = checked.len() + unreadable.len();
    invalid += checked.iter().filter(|c| !c.violations.is_empty()).count();
    if total == 0 {
        return Err(CliError::msg("no objects found in the given files"));
    }
    ctx.note(if invalid == 0 {
        format!("{} valid", plural(checked.len(), "object"))
    } else {
        format!("{} of {} invalid", invalid, plural(total, "object"))
    });
    if invalid > 0 {
        return Err(CliError::Silent(EXIT_ERROR));
    }
    Ok(())
}

/// Adds, to each valid performer, a warning per object it names that the
/// current cluster lacks (in its namespace, else the context's).
async fn add_reference_warnings(
    ctx: &Context,
    documents: &[Document],
    checked: &mut [Checked],
) -> Result<()> {
    let default_namespace = ctx.namespace().await;
    for (document, item) in documents.iter().zip(checked.iter_mut()) {
        let Some(mutated) = &item.mutated else {
            continue;
        };
        let Ok(mut performer) = serde_json::from_value::<Performer>(mutated.clone()) else {
            continue;
        };
        if document.value.get("kind").and_then(|k| k.as_str()) != Some("Performer") {
            continue;
        }
        performer
            .metadata
            .namespace
            .get_or_insert_with(|| default_namespace.clone());
        let warnings = missing_references(ctx, &[&performer], ALL_KINDS).await?;
        item.warnings.extend(
            warnings
                .into_iter()
                .map(|w| w.split_once(": ").map(|(_, w)| w.to_string()).unwrap_or(w)),
        );
    }
    Ok(())
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
