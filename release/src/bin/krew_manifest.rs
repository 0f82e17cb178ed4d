//! `krew-manifest`: the krew manifest of a release, from the template and the archives.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use hourglass_release::common_args::exit;
use hourglass_release::krew_manifest::{Missing, checksums_in, render, template_path};
use hourglass_release::project::{VERSION, default_dist_dir};
use hourglass_release::{ReleaseError, Result};

/// Fills manifests/krew/hourglass.yaml for a release: the version, and each
/// platform's sha256 from <archive>.sha256 in the dist directory. Refuses
/// unless every platform has its archive, or --only-built is given.
#[derive(Debug, Parser)]
#[command(
    name = "krew-manifest",
    after_help = "\
Example (this machine's archive only, to try it with krew):
  cargo run -p hourglass-release --bin krew-manifest -- --only-built
  kubectl krew install --manifest=target/dist/hourglass.yaml \\
      --archive=target/dist/kubectl-hourglass_<version>_linux_amd64.tar.gz"
)]
struct Args {
    /// The directory holding the archives and their .sha256 files.
    #[arg(long, default_value_os_t = default_dist_dir())]
    dist: PathBuf,
    /// Leave out platforms whose archive is not in the dist directory.
    #[arg(long)]
    only_built: bool,
    /// Where to write the manifest (default: <dist>/hourglass.yaml).
    #[arg(long)]
    output: Option<PathBuf>,
}

fn main() -> ExitCode {
    exit("krew-manifest", run(Args::parse()))
}

fn run(args: Args) -> Result<()> {
    let template_file = template_path();
    let template = std::fs::read_to_string(&template_file)
        .map_err(|e| ReleaseError::io("read", &template_file, e))?;
    let checksums = checksums_in(&args.dist, VERSION)?;
    let missing = if args.only_built {
        Missing::LeaveOut
    } else {
        Missing::Refuse
    };
    let manifest = render(&template, VERSION, &checksums, missing)?;
    let output = args
        .output
        .unwrap_or_else(|| args.dist.join("hourglass.yaml"));
    std::fs::write(&output, manifest).map_err(|e| ReleaseError::io("write", &output, e))?;
    println!("{}", output.display());
    Ok(())
}
