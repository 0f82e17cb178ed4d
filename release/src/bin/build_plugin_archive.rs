//! `build-plugin-archive`: the plugin's release archive for krew.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use hourglass_release::cargo_build::host_target;
use hourglass_release::common_args::{CommonArgs, exit};
use hourglass_release::plugin_release::{build_plugin_binaries, platform_of, release_plugin};

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
    #[command(flatten)]
    common: CommonArgs,
    /// Rust target triple (default: this machine's).
    #[arg(long)]
    target: Option<String>,
    /// Pack binaries already built for the target from this directory instead of building them.
    #[arg(long)]
    binary_dir: Option<PathBuf>,
}

fn main() -> ExitCode {
    exit("build-plugin-archive", run(Args::parse()))
}

fn run(args: Args) -> hourglass_release::Result<()> {
    let revision = args.common.source_revision()?;
    let out_dir = &args.common.out_dir;
    let target = match &args.target {
        Some(target) => target.clone(),
        None => host_target()?,
    };
    let platform = platform_of(&target)?;
    let binary_dir = match args.binary_dir {
        Some(dir) => dir,
        None => {
            let profile = args.common.profile();
            let dir = out_dir
                .join("bin")
                .join(format!("{}_{}", platform.os, platform.arch));
            eprintln!("build-plugin-archive: building the plugin for {target} ({profile:?})...");
            build_plugin_binaries(profile, args.target.as_deref(), &dir)?;
            dir
        }
    };
    let release = release_plugin(&binary_dir, &target, &revision, out_dir)?;
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
