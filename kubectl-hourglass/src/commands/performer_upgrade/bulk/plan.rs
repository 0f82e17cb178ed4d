//! The plan of a bulk upgrade, shown before anything is written, and the
//! confirmation it needs.

use std::io::{BufRead, IsTerminal, Write};

use hourglass_shared::Performer;

use crate::context::Context;
use crate::error::{CliError, Result};
use crate::render::table::{Styled, write_fixed};
use crate::upgrade::{Target, desired_version};

/// One performer in the plan.
#[derive(Clone, Debug)]
pub struct Step {
    pub namespace: String,
    pub name: String,
    pub current: Target,
    pub target: Target,
}

impl Step {
    pub fn new(performer: &Performer, image: &str, version: Option<&str>) -> Step {
        Step {
            namespace: performer.metadata.namespace.clone().unwrap_or_default(),
            name: performer.metadata.name.clone().unwrap_or_default(),
            current: Target::of(performer),
            target: Target {
                image: image.to_string(),
                version: desired_version(performer, image, version),
            },
        }
    }

    pub fn is_already_there(&self) -> bool {
        self.current == self.target
    }
}

pub fn write_plan(w: &mut impl Write, steps: &[Step], color: bool) -> std::io::Result<()> {
    let rows = steps
        .iter()
        .map(|step| {
            let action = if step.is_already_there() {
                "skip (already at image)"
            } else {
                "upgrade"
            };
            vec![
                Styled::from(step.namespace.as_str()),
                step.name.as_str().into(),
                step.current.image.as_str().into(),
                step.target.image.as_str().into(),
                action.into(),
            ]
        })
        .collect();
    write_fixed(
        w,
        &["namespace", "name", "current image", "new image", "action"],
        rows,
        color,
    )
}

/// Asks on the terminal; without one, `--yes` is the only way to go on.
pub fn confirm(ctx: &Context, count: usize, image: &str) -> Result<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(CliError::msg(format!(
            "{count} performers would be upgraded to {image}; pass --yes to go ahead (stdin is not a terminal to ask on)"
        )));
    }
    write!(ctx.err(), "Upgrade {count} performers to {image}? [y/N] ")?;
    ctx.err().flush()?;
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(CliError::msg("not confirmed; nothing was upgraded"))
    }
}
