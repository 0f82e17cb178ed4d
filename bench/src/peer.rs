//! bench-webhook's controller-runtime peer (`bench/peer/`, Go): built once
//! from the Go module proxy into the harness's cache, like kube-apiserver,
//! under a directory named after a hash of its source, so an edited peer is
//! built again.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use hourglass_e2e::{cache, workspace_root};

/// The files the peer is built from, in `bench/peer/`.
const SOURCES: [&str; 3] = ["go.mod", "go.sum", "main.go"];

/// The cached peer binary, built first if missing.
pub fn ensure_built() -> Result<PathBuf, String> {
    let source = workspace_root().join("bench").join("peer");
    let mut hasher = DefaultHasher::new();
    for name in SOURCES {
        let text = std::fs::read(source.join(name))
            .map_err(|e| format!("cannot read bench/peer/{name}: {e}"))?;
        name.hash(&mut hasher);
        text.hash(&mut hasher);
    }
    let root = cache::cache_root().map_err(|e| e.to_string())?;
    let dir = root.join(format!("bench-peer-{:016x}", hasher.finish()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let binary = dir.join("bench-peer");
    if binary.is_file() {
        return Ok(binary);
    }
    let _lock = cache::lock(
        &dir.join("build.lock"),
        "waiting for another process building the controller-runtime peer...",
    )
    .map_err(|e| e.to_string())?;
    if !binary.is_file() {
        build(&source, &dir, &binary)?;
    }
    Ok(binary)
}

fn build(source: &Path, dir: &Path, binary: &Path) -> Result<(), String> {
    eprintln!(
        "bench-webhook: building the controller-runtime peer from the Go module proxy (once, about a minute)..."
    );
    let started = Instant::now();
    let log = dir.join("build.log");
    let partial = dir.join(format!(".bench-peer.partial-{}", std::process::id()));
    let out =
        std::fs::File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let err = out
        .try_clone()
        .map_err(|e| format!("cannot open {}: {e}", log.display()))?;
    let status = Command::new("go")
        .args(["build", "-trimpath", "-o"])
        .arg(&partial)
        .arg(".")
        .current_dir(source)
        .env("GO111MODULE", "on")
        .env("GOWORK", "off")
        .env("GOFLAGS", "-mod=readonly")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .status()
        .map_err(|e| {
            format!("cannot run go ({e}); the peer needs Go 1.22 or newer and the Go module proxy")
        })?;
    if !status.success() {
        let _ = std::fs::remove_file(&partial);
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        return Err(format!(
            "`go build` of bench/peer failed ({status}): {} (full log: {})",
            text.lines().last().unwrap_or(""),
            log.display()
        ));
    }
    std::fs::rename(&partial, binary)
        .map_err(|e| format!("cannot move the peer to {}: {e}", binary.display()))?;
    eprintln!(
        "bench-webhook: built {} in {:.0}s",
        binary.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
