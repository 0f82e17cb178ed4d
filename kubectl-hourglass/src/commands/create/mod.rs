//! `create executor|performer NAME` from flags, `create -f FILE|DIR|-`, and
//! `create executor --from-chart-values FILE`: where the objects come from
//! (`sources`, `from_flags`), the batch read once (`batch`), and sending
//! (`send`).

mod batch;
mod from_flags;
mod send;
mod sources;

use std::io::{Read, Write};

use crate::context::Context;
use crate::error::{CliError, EXIT_ERROR, Result};
use crate::options::{DryRun, ObjectOutput};
use crate::render::structured;

pub use batch::{Creatable, check_locally, in_creation_order};
pub use from_flags::{
    ExecutorArgs, PerformerArgs, executor_from_flags, parse_chain, parse_key_value,
    performer_from_flags,
};
pub use sources::objects;

#[derive(Debug, clap::Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "\
Examples:
  kubectl hourglass create -f performer.yaml
  kubectl hourglass create executor main --image hourglass/executor:v1.4.0 --aggregator aggregator.example.com:9090 \\
      --chain name=ethereum,rpc=https://eth.example.com,mailbox=0x5FbDB2315678afecb367f032d93F642f64180aa3 --ecdsa-key 0x...
  kubectl hourglass create performer my-avs --image ghcr.io/org/performer:v1.0.0 \\
      --avs-address 0x1234567890abcdef1234567890abcdef12345678 --executor main --gpu-type nvidia-a100 --gpu-count 1
  kubectl hourglass create executor --from-chart-values my-executor-values.yaml --dry-run=client -o yaml"
)]
pub struct Args {
    #[command(subcommand)]
    pub kind: Option<CreateKind>,
    /// Files, directories or - for standard input (YAML or JSON, several documents)
    #[arg(short = 'f', long = "filename", value_name = "FILE|DIR|-")]
    pub filenames: Vec<String>,
    /// Read directories recursively
    #[arg(short = 'R', long)]
    pub recursive: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Clone, clap::Args)]
pub struct CommonArgs {
    /// client: check locally with the webhook's rules and print; server: send to the apiserver (and webhook) without persisting
    #[arg(long, global = true, value_enum, num_args = 0..=1, default_value_t = DryRun::None, default_missing_value = "client", require_equals = true)]
    pub dry_run: DryRun,
    /// Print the created (or would-be created) objects
    #[arg(short = 'o', long, global = true, value_enum)]
    pub output: Option<ObjectOutput>,
}

#[derive(Debug, clap::Subcommand)]
pub enum CreateKind {
    /// Create an HourglassExecutor (or, with --from-chart-values, an executor and its performers)
    Executor(ExecutorArgs),
    /// Create a Performer
    Performer(PerformerArgs),
}

pub async fn run(args: &Args, ctx: &Context, stdin: &mut dyn Read) -> Result<()> {
    let mut batch = in_creation_order(objects(args, ctx, stdin).await?);
    let namespace = ctx.namespace().await;
    let explicit = ctx.global.namespace.is_some();
    for object in &mut batch {
        object.set_namespace(&namespace, explicit)?;
    }
    let dry_run = args.common.dry_run;
    let mut shown = Vec::new();
    let mut failures = 0;
    for object in &batch {
        let result = match (dry_run, object.kind) {
            (_, None) => Err(CliError::msg(format!(
                "{}: not an Hourglass object; expected apiVersion {} with kind HourglassExecutor or Performer",
                object.what,
                hourglass_shared::constants::GROUP_VERSION
            ))),
            (DryRun::Client, Some(_)) => match check_locally(object, &batch) {
                Ok(warnings) => {
                    for warning in warnings {
                        ctx.note(format!("Warning: {warning}"));
                    }
                    Ok(object.raw.clone())
                }
                Err(violations) => Err(CliError::msg(format!(
                    "{} is invalid:\n  * {}",
                    object.what,
                    violations.join("\n  * ")
                ))),
            },
            (_, Some(kind)) => {
                let created =
                    send::create_on_server(ctx, kind, object, dry_run == DryRun::Server).await;
                // The webhook's and apiserver's warnings about this object, next to it.
                ctx.print_warnings();
                if let Ok(created) = &created {
                    send::warn_of_missing_secrets(ctx, created).await;
                }
                created
            }
        };
        match result {
            Ok(created) => {
                let kind_text = object.kind.map(|k| k.as_str()).unwrap_or_default();
                let line = format!(
                    "{} created{}",
                    structured::name_line(kind_text, &object.name),
                    dry_run.suffix()
                );
                if dry_run == DryRun::Client && args.common.output.is_none() {
                    // The object is the data; the usual line goes to stderr.
                    ctx.note(line);
                } else if args.common.output.is_none() {
                    writeln!(ctx.out(), "{line}")?;
                }
                shown.push(structured::without_managed_fields(created));
            }
            Err(error) => {
                failures += 1;
                ctx.note(error.render());
            }
        }
    }
    let output = match (args.common.output, dry_run) {
        (Some(output), _) => Some(output),
        (None, DryRun::Client) => Some(ObjectOutput::Yaml),
        (None, _) => None,
    };
    if let Some(output) = output
        && !shown.is_empty()
    {
        let as_list = shown.len() > 1;
        structured::write_objects(&mut *ctx.out(), output, shown, as_list)?;
    }
    if failures > 0 {
        return Err(CliError::Silent(EXIT_ERROR));
    }
    Ok(())
}
