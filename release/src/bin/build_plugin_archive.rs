//! `build-plugin-archive`: the plugin's release archive for krew.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use hourglass_release::cargo_build::{Profile, host_target};
use hourglass_release::plugin_release::{build_plugin_binaries, platform_of, release_plugin};
use hourglass_release::project::{default_dist_dir, workspace_root};
use hourglass_release::source_revision::{self, SourceRevision};

/// Builds kubectl-hourglass and kubectl_complete-hourglass for one target
/// and packs them with LICENSE and README.md into
/// kubectl-hourglass_<version>_<os>_<arch>.tar.gz, with its .sha256, a
/// CycloneDX SBOM and SHA256SUMS.
#[derive(Debug, Parser)]
#[command(
    name = "build-plugin-archive",
    after_help = "\
Examples:
  cargo run -p hourglass-release --bin build-plugin-archive
  cargo run -p hourglass-release --bin build-plugin-archive -- --target x86_64-unknown-linux-musl
  cargo run -p hourglass-release --bin build-plugin-archive -- --target aarch64-apple-darwin --binary-dir built-on-a-mac/"
)]
struct Args {
    /// Rust target triple (default: this machine's).
    #[arg(long)]
    target: Option<String>,
    /// Where to write the archive, SBOM and checksums.
    #[arg(long, default_value_os_t = default_dist_dir())]
    out_dir: PathBuf,
    /// Build in the dev profile (quicker; for trying krew locally, not for release).
    #[arg(long)]
    dev: bool,
    /// Pack binaries already built for the target from this directory instead of building them.
    #[arg(long)]
    binary_dir: Option<PathBuf>,
    /// The source revision (default: the checkout's git commit).
    #[arg(long, requires = "source_date_epoch")]
    revision: Option<String>,
    /// File times, seconds since the epoch (default: SOURCE_DATE_EPOCH, else the commit's time).
    #[arg(long, requires = "revision")]
    source_date_epoch: Option<u64>,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("build-plugin-archive: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> hourglass_release::Result<()> {
    let revision = match (args.revision, args.source_date_epoch) {
        (Some(revision), Some(source_date_epoch)) => SourceRevision {
            revision,
            source_date_epoch,
        },
        _ => source_revision::of_checkout(&workspace_root())?,
    };
    let target = match &args.target {
        Some(target) => target.clone(),
        None => host_target()?,
    };
    let platform = platform_of(&target)?;
    let binary_dir = match args.binary_dir {
        Some(dir) => dir,
        None => {
            let profile = if args.dev {
                Profile::Dev
            } else {
                Profile::Release
            };
            let dir = args
                .out_dir
                .join("bin")
                .join(format!("{}_{}", platform.os, platform.arch));
            eprintln!("build-plugin-archive: building the plugin for {target} ({profile:?})...");
            build_plugin_binaries(profile, args.target.as_deref(), &dir)?;
            dir
        }
    };
    let release = release_plugin(&binary_dir, &target, &revision, &args.out_dir)?;
    println!(
        "archive   {} ({} bytes, {})",
        release.archive.path.display(),
        release.archive.size,
        release.archive.sha256
    );
    println!("sbom      {}", release.sbom.display());
    println!("checksums {}", release.sums.display());
    Ok(())
}
