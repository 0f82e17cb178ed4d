//! `performer history NAME`: the specs a performer had before its upgrades,
//! from its upgrade history annotation, and the one it has now.

use std::io::Write as _;

use hourglass_shared::upgrade_history;

use crate::context::Context;
use crate::error::{CliError, Result};
use crate::render::table::{Styled, write_fixed};
use crate::upgrade::UpgradeApi;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Each `performer upgrade` (and `performer undo`) records the image and version
it replaced, when and by whom, in the performer's annotation
hourglass.eigenlayer.io/upgrade-history (the last 10). A rolled-back upgrade
leaves no entry. `performer undo NAME --to-revision K` goes back to entry K.

RBAC: get on performers in the namespace.

Examples:
  kubectl hourglass performer history my-avs
  kubectl hourglass performer history my-avs -o json")]
pub struct Args {
    /// The performer
    pub name: String,
    /// json or yaml: the recorded entries as data
    #[arg(short = 'o', long, value_enum)]
    pub output: Option<HistoryOutput>,
}

/// `-o`: the entries as data.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum HistoryOutput {
    Json,
    Yaml,
}

pub async fn run(args: &Args, ctx: &Context) -> Result<()> {
    let namespace = ctx.namespace().await;
    let api = UpgradeApi::new(ctx.client().await?, &namespace);
    let performer = api.read(&args.name).await?;
    let history = upgrade_history::read(performer.metadata.annotations.as_ref())
        .map_err(|e| CliError::msg(format!("performer \"{}\": {e}", args.name)))?;
    let mut out = ctx.out();
    match args.output {
        Some(HistoryOutput::Json) => {
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&history).map_err(|e| CliError::msg(e.to_string()))?
            )?;
        }
        Some(HistoryOutput::Yaml) => {
            write!(
                out,
                "{}",
                serde_yaml_ng::to_string(&history).map_err(|e| CliError::msg(e.to_string()))?
            )?;
        }
        None => {
            let mut rows: Vec<Vec<Styled>> = history
                .iter()
                .map(|entry| {
                    vec![
                        Styled::from(entry.revision.to_string()),
                        entry.image.as_str().into(),
                        entry.version.clone().unwrap_or_default().into(),
                        entry.replaced_at.as_str().into(),
                        entry
                            .replaced_by
                            .clone()
                            .unwrap_or_else(|| "<unknown>".to_string())
                            .into(),
                    ]
                })
                .collect();
            rows.push(vec![
                Styled::from("current"),
                performer.spec.image.as_str().into(),
                performer.spec.version.clone().unwrap_or_default().into(),
                "".into(),
                "".into(),
            ]);
            write_fixed(
                &mut *out,
                &["revision", "image", "version", "replaced at", "replaced by"],
                rows,
                ctx.color(),
            )?;
        }
    }
    Ok(())
}
