//! `build-image`: the webhook's OCI image without a daemon.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use hourglass_release::common_args::{CommonArgs, exit};
use hourglass_release::image_release::{build_static_webhook, release_image};

/// Builds the static webhook binary and its image: an OCI layout directory
/// and a docker-archive tarball (for `docker load -i` / `podman load -i`),
/// plus a CycloneDX SBOM and SHA256SUMS, into the output directory.
/// The same commit gives the same image digest.
#[derive(Debug, Parser)]
#[command(
    name = "build-image",
    after_help = "\
Example:
  cargo run -p hourglass-release --bin build-image
  skopeo copy oci:target/dist/hourglass-webhook_<version>_linux_amd64.oci:<version> \\
      docker://ghcr.io/hourglass-avs/hourglass-webhook:<version>"
)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Use this static webhook binary instead of building one.
    #[arg(long)]
    binary: Option<PathBuf>,
}

fn main() -> ExitCode {
    exit("build-image", run(Args::parse()))
}

fn run(args: Args) -> hourglass_release::Result<()> {
    let revision = args.common.source_revision()?;
    let out_dir = &args.common.out_dir;
    let binary = match args.binary {
        Some(binary) => binary,
        None => {
            let profile = args.common.profile();
            eprintln!("build-image: building the static webhook ({profile:?})...");
            build_static_webhook(profile, &out_dir.join("bin"))?
        }
    };
    let release = release_image(&binary, &revision, out_dir)?;
    println!(
        "image     {}@{}",
        release.image.reference, release.image.digest
    );
    println!("layout    {}", release.image.oci_layout.display());
    println!("archive   {}", release.image.docker_archive.display());
    println!("sbom      {}", release.sbom.display());
    println!("checksums {}", release.sums.display());
    Ok(())
}
