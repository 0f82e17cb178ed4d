//! etcd 3.5 built from the Go module proxy, once, into the cache: for runs
//! that must look like a production cluster rather than like Debian's 3.4.
//!
//! The difference that matters: kube-apiserver (1.31 and later) serves a
//! consistent list from its watch cache only when etcd supports watch
//! progress requests (3.5.13+). With 3.4 every `kubectl get` and every
//! `kubectl hourglass status` is a full etcd read, which dominates
//! bench-plugin's wall times and says nothing about the tools themselves.
//!
//! `go.etcd.io/etcd/server/v3` is a library whose go.mod replaces its sibling
//! modules with relative paths, so `go install` refuses it. A throwaway
//! wrapper module with a three-line `main` that calls `etcdmain.Main`
//! requires it at the pinned tag instead; a dependency's replacements are
//! ignored, and its siblings resolve to their published tags.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::cache;
use crate::error::{HarnessError, log_tail};
use crate::etcd::{EtcdBinary, version_of};
use crate::kubernetes_build::{WRAPPER_PREFIX, go_command, remove_leftovers};

/// The etcd release built; any 3.5.13+ serves watch progress requests.
pub const BUILT_ETCD_VERSION: &str = "v3.5.21";

const WRAPPER_GO_MOD: &str = "module hourglass.invalid/etcd-wrapper\n\ngo 1.22\n";

const WRAPPER_MAIN: &str = "package main\n\nimport (\n\t\"os\"\n\n\t\"go.etcd.io/etcd/server/v3/etcdmain\"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n";

/// The cached etcd at [`BUILT_ETCD_VERSION`], built first if missing.
pub fn ensure_built() -> Result<EtcdBinary, HarnessError> {
    let dir = cache::cache_root()?.join(format!("etcd-{BUILT_ETCD_VERSION}"));
    std::fs::create_dir_all(&dir)
        .map_err(|e| HarnessError::io(format!("create {}", dir.display()), e))?;
    let binary = dir.join("etcd");
    if !cache::is_executable(&binary) {
        let _lock = cache::lock(
            &dir.join("build.lock"),
            &format!("waiting for another process building etcd {BUILT_ETCD_VERSION}..."),
        )?;
        if !cache::is_executable(&binary) {
            remove_leftovers(&dir);
            build(&dir, &binary)?;
        }
    }
    Ok(EtcdBinary {
        version: version_of(&binary)?,
        path: binary,
    })
}

fn build(dir: &Path, binary: &Path) -> Result<(), HarnessError> {
    let log = dir.join("etcd.build.log");
    let failed = |detail: String| HarnessError::BuildFailed {
        command: "etcd".to_string(),
        version: BUILT_ETCD_VERSION.to_string(),
        detail,
        log: log.clone(),
    };
    let go = cache::find_on_path("go").ok_or_else(|| HarnessError::GoMissing {
        command: "etcd".to_string(),
        version: BUILT_ETCD_VERSION.to_string(),
        cache: dir.to_path_buf(),
    })?;
    eprintln!(
        "hourglass-e2e: building etcd {BUILT_ETCD_VERSION} from the Go module proxy (about 1 minute, once)..."
    );
    let started = Instant::now();
    let wrapper = tempfile::Builder::new()
        .prefix(WRAPPER_PREFIX)
        .tempdir_in(dir)
        .map_err(|e| HarnessError::io(format!("create a directory in {}", dir.display()), e))?;
    let write = |name: &str, text: &str| {
        std::fs::write(wrapper.path().join(name), text)
            .map_err(|e| HarnessError::io(format!("write the wrapper module's {name}"), e))
    };
    write("go.mod", WRAPPER_GO_MOD)?;
    write("main.go", WRAPPER_MAIN)?;
    let partial: PathBuf = dir.join(format!(".etcd.partial-{}", std::process::id()));
    File::create(&log).map_err(|e| HarnessError::io(format!("create {}", log.display()), e))?;
    // Each go command appends its output to the one log.
    let run = |args: &[&str]| {
        let out = OpenOptions::new()
            .append(true)
            .open(&log)
            .map_err(|e| HarnessError::io(format!("open {}", log.display()), e))?;
        let err = out
            .try_clone()
            .map_err(|e| HarnessError::io(format!("open {}", log.display()), e))?;
        go_command(&go, wrapper.path())
            .args(args)
            .stdout(out)
            .stderr(err)
            .status()
            .map_err(|e| HarnessError::io(format!("run {}", go.display()), e))
    };
    let got = run(&[
        "get",
        &format!("go.etcd.io/etcd/server/v3@{BUILT_ETCD_VERSION}"),
    ])?;
    if !got.success() {
        return Err(failed(format!("`go get` {got}: {}", log_tail(&log, 3))));
    }
    let built = run(&[
        "build",
        "-trimpath",
        "-o",
        &partial.display().to_string(),
        ".",
    ])?;
    if !built.success() {
        let _ = std::fs::remove_file(&partial);
        return Err(failed(format!("`go build` {built}: {}", log_tail(&log, 3))));
    }
    std::fs::rename(&partial, binary)
        .map_err(|e| HarnessError::io(format!("move the new etcd to {}", binary.display()), e))?;
    eprintln!(
        "hourglass-e2e: built {} in {:.0}s",
        binary.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
