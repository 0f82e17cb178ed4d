//! Writes `manifests/crds/*.yaml` from the types, or with `--check` fails
//! when the committed files differ from what the types generate.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let check = std::env::args().any(|arg| arg == "--check");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../manifests/crds");
    match run(&dir, check) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("crdgen: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(dir: &Path, check: bool) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut stale = Vec::new();
    for (file, crd) in hourglass_shared::crd::crds() {
        let path: PathBuf = dir.join(file);
        let yaml = hourglass_shared::crd::to_yaml(&crd)?;
        if check {
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            if committed != yaml {
                stale.push(path.display().to_string());
            }
        } else {
            std::fs::write(&path, yaml)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            println!("wrote {}", path.display());
        }
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} differ from the types; run `cargo run -p hourglass-shared --bin crdgen`",
            stale.join(", ")
        ))
    }
}
