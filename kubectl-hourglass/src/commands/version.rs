//! `version`: the client's version and, when a cluster answers, the server's.

use std::io::Write;
use std::time::Duration;

use serde::Serialize;

use crate::context::Context;
use crate::error::Result;
use crate::render::structured;

const SERVER_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VersionOutput {
    Json,
    Yaml,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only the client version (no cluster contacted)
    #[arg(long)]
    pub client: bool,
    #[arg(short = 'o', long, value_enum)]
    pub output: Option<VersionOutput>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Versions {
    pub client_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
}

pub fn client_version() -> String {
    format!("v{}", env!("CARGO_PKG_VERSION"))
}

pub fn render(
    w: &mut impl Write,
    versions: &Versions,
    output: Option<VersionOutput>,
) -> std::io::Result<()> {
    match output {
        Some(VersionOutput::Json) => structured::write_json(w, versions),
        Some(VersionOutput::Yaml) => structured::write_yaml(w, versions),
        None => {
            writeln!(w, "Client Version: {}", versions.client_version)?;
            if let Some(server) = &versions.server_version {
                writeln!(w, "Server Version: {server}")?;
            }
            Ok(())
        }
    }
}

pub async fn run(args: &Args, ctx: &Context) -> Result<()> {
    let mut versions = Versions {
        client_version: client_version(),
        server_version: None,
    };
    if !args.client {
        match server_version(ctx).await {
            Ok(version) => versions.server_version = Some(version),
            Err(why) => ctx.note(format!("Server Version: unavailable ({why})")),
        }
    }
    render(&mut *ctx.out(), &versions, args.output)?;
    Ok(())
}

async fn server_version(ctx: &Context) -> std::result::Result<String, String> {
    let client = ctx.client().await.map_err(|e| e.to_string())?;
    match tokio::time::timeout(SERVER_TIMEOUT, client.apiserver_version()).await {
        Ok(Ok(info)) => Ok(info.git_version),
        Ok(Err(error)) => Err(crate::error::CliError::from(error).to_string()),
        Err(_) => Err(format!("no answer within {}s", SERVER_TIMEOUT.as_secs())),
    }
}
