//! `build-image`: the webhook's OCI image without a daemon.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use hourglass_release::cargo_build::Profile;
use hourglass_release::image_release::{build_static_webhook, release_image};
use hourglass_release::project::{default_dist_dir, workspace_root};
use hourglass_release::source_revision::{self, SourceRevision};

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
  skopeo copy oci:target/dist/hourglass-webhook_0.1.0_linux_amd64.oci:0.1.0 \\
      docker://ghcr.io/hourglass-avs/hourglass-webhook:0.1.0"
)]
struct Args {
    /// Where to write the image, SBOM and checksums.
    #[arg(long, default_value_os_t = default_dist_dir())]
    out_dir: PathBuf,
    /// Build the binary in the dev profile (quicker; for trying the image, not for release).
    #[arg(long)]
    dev: bool,
    /// Use this static webhook binary instead of building one.
    #[arg(long)]
    binary: Option<PathBuf>,
    /// The source revision label (default: the checkout's git commit).
    #[arg(long, requires = "source_date_epoch")]
    revision: Option<String>,
    /// Creation time, seconds since the epoch (default: SOURCE_DATE_EPOCH, else the commit's time).
    #[arg(long, requires = "revision")]
    source_date_epoch: Option<u64>,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("build-image: {error}");
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
    let binary = match args.binary {
        Some(binary) => binary,
        None => {
            let profile = if args.dev {
                Profile::Dev
            } else {
                Profile::Release
            };
            eprintln!("build-image: building the static webhook ({profile:?})...");
            build_static_webhook(profile, &args.out_dir.join("bin"))?
        }
    };
    let release = release_image(&binary, &revision, &args.out_dir)?;
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
