//! `doctor`: checks an installation and says how to fix what fails. It
//! reads (`gather`), then judges what it read (`judge`, a pure function
//! tested on its own), then `render::doctor` writes the report.

mod certificates;
mod facts;
mod gather;
mod judge;

use std::time::SystemTime;

use crate::context::Context;
use crate::error::{CliError, EXIT_ERROR, Result};
use crate::render;

pub use facts::{Configuration, CrdState, Facts, ProbeOutcome, References, TlsSecret};
pub use judge::{Check, judge};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Checks: the CRDs are installed, Established and serve v1alpha1; both webhook
configurations exist and point at the webhook Service; the Service has ready
endpoints; the TLS Secret holds a serving certificate for the Service signed
by the CA; the caBundle of both configurations is that CA; the certificates
are not near expiry; a server-side dry-run create of an invalid Performer is
refused by the validating webhook; every Secret, ConfigMap, ServiceAccount,
RuntimeClass and PriorityClass the performers name exists (checked with your
own rights: the webhook may not read Secrets). Prints ok or fail for each,
with a fix; exits 1 if any fails.

Needs: get on customresourcedefinitions, validating- and
mutatingwebhookconfigurations, the install namespace's secrets and
endpointslices; create on performers in the probe namespace (dry run);
list on performers and get on what they name (else that check is skipped).

Examples:
  kubectl hourglass doctor
  kubectl hourglass doctor -n hourglass --probe-namespace avs")]
pub struct Args {
    /// Namespace for the dry-run create that must reach the webhook
    #[arg(long, default_value = "default")]
    pub probe_namespace: String,
}

pub async fn run(args: &Args, ctx: &Context) -> Result<()> {
    let facts = gather::gather(ctx, &args.probe_namespace).await?;
    let checks = judge(&facts, SystemTime::now());
    render::doctor::write(&mut *ctx.out(), &checks, ctx.color())?;
    if checks.iter().any(|c| !c.ok) {
        return Err(CliError::Silent(EXIT_ERROR));
    }
    Ok(())
}
