//! Building Kubernetes commands (kube-apiserver, and kubectl when the machine
//! has none) from the Go module proxy, once per release, into the cache.
//!
//! `k8s.io/kubernetes` is not meant to be used as a module: its go.mod
//! requires every `k8s.io/*` staging module at `v0.0.0` and replaces it with a
//! directory under `./staging/`, which a consumer does not have. A throwaway
//! wrapper module requires `k8s.io/kubernetes` at the pinned release and
//! replaces each of those staging modules by its published `v0.<minor>.<patch>`
//! tag instead. The list of staging modules is read from that release's own
//! go.mod (from the Go module cache, after `go mod download`) rather than
//! hardcoded, so moving the pin to another release needs no other change.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::KUBERNETES_VERSION;
use crate::cache;
use crate::error::{HarnessError, log_tail, one_line};

/// A command from `k8s.io/kubernetes/cmd/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KubeCommand {
    KubeApiserver,
    Kubectl,
}

impl KubeCommand {
    pub fn name(self) -> &'static str {
        match self {
            KubeCommand::KubeApiserver => "kube-apiserver",
            KubeCommand::Kubectl => "kubectl",
        }
    }

    fn package(self) -> String {
        format!("k8s.io/kubernetes/cmd/{}", self.name())
    }

    /// Measured on a 2-core machine with an empty Go cache; kubectl shares
    /// most of its packages with the apiserver.
    fn expected_duration(self) -> &'static str {
        match self {
            KubeCommand::KubeApiserver => "about 3 minutes",
            KubeCommand::Kubectl => "about 1 minute",
        }
    }
}

/// The cached binary for `command` at [`KUBERNETES_VERSION`], built first if
/// missing. Parallel callers wait on a lock file and reuse the result.
pub fn ensure_built(command: KubeCommand) -> Result<PathBuf, HarnessError> {
    let dir = cache::kubernetes_dir()?;
    let binary = dir.join(command.name());
    if cache::is_executable(&binary) {
        return Ok(binary);
    }
    let _lock = cache::lock(
        &dir.join("build.lock"),
        &format!(
            "waiting for another process building Kubernetes {KUBERNETES_VERSION} in {}...",
            dir.display()
        ),
    )?;
    if cache::is_executable(&binary) {
        return Ok(binary);
    }
    remove_leftovers(&dir);
    build(command, &dir, &binary)?;
    Ok(binary)
}

/// Prefix of the wrapper module directories made in the cache directory.
pub(crate) const WRAPPER_PREFIX: &str = ".wrapper-module-";

/// What an interrupted build (Ctrl-C, a killed test binary) left behind: its
/// wrapper module and half-written binary. Only called under the build lock,
/// so no other build is using them.
pub(crate) fn remove_leftovers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(WRAPPER_PREFIX) {
            let _ = std::fs::remove_dir_all(entry.path());
        } else if name.starts_with('.') && name.contains(".partial-") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn build(command: KubeCommand, dir: &Path, binary: &Path) -> Result<(), HarnessError> {
    let name = command.name();
    let go = cache::find_on_path("go").ok_or_else(|| HarnessError::GoMissing {
        command: name.to_string(),
        version: KUBERNETES_VERSION.to_string(),
        cache: dir.to_path_buf(),
    })?;
    eprintln!(
        "hourglass-e2e: building {name} {KUBERNETES_VERSION} from the Go module proxy ({}, once)...",
        command.expected_duration()
    );
    let started = Instant::now();
    let log = dir.join(format!("{name}.build.log"));
    let wrapper = tempfile::Builder::new()
        .prefix(WRAPPER_PREFIX)
        .tempdir_in(dir)
        .map_err(|e| {
            HarnessError::io(
                format!("create a temporary directory in {}", dir.display()),
                e,
            )
        })?;
    let failed = |detail: String| HarnessError::BuildFailed {
        command: name.to_string(),
        version: KUBERNETES_VERSION.to_string(),
        detail,
        log: log.clone(),
    };

    let go_mod_of_kubernetes = download_kubernetes_go_mod(&go, wrapper.path())
        .map_err(|detail| failed(format!("`go mod download` failed: {detail}")))?;
    let text = std::fs::read_to_string(&go_mod_of_kubernetes)
        .map_err(|e| HarnessError::io(format!("read {}", go_mod_of_kubernetes.display()), e))?;
    let staging = staging_modules(&text);
    if staging.is_empty() {
        return Err(failed(format!(
            "found no `=> ./staging/...` replacements in {}",
            go_mod_of_kubernetes.display()
        )));
    }
    let go_mod = wrapper_go_mod(&staging);
    std::fs::write(wrapper.path().join("go.mod"), go_mod)
        .map_err(|e| HarnessError::io("write the wrapper module's go.mod", e))?;

    // A unique name in the cache directory itself, so the final rename is
    // atomic and a reader never sees a half-written binary.
    let partial = dir.join(format!(".{name}.partial-{}", std::process::id()));
    let log_file =
        File::create(&log).map_err(|e| HarnessError::io(format!("create {}", log.display()), e))?;
    let log_err = log_file
        .try_clone()
        .map_err(|e| HarnessError::io(format!("open {}", log.display()), e))?;
    let status = go_command(&go, wrapper.path())
        .arg("build")
        .arg("-trimpath")
        .arg(format!("-ldflags={}", ldflags()))
        .arg("-o")
        .arg(&partial)
        .arg(command.package())
        .stdout(log_file)
        .stderr(log_err)
        .status()
        .map_err(|e| HarnessError::io(format!("run {}", go.display()), e))?;
    if !status.success() {
        let _ = std::fs::remove_file(&partial);
        return Err(failed(format!(
            "`go build` {status}: {}",
            log_tail(&log, 3)
        )));
    }
    std::fs::rename(&partial, binary)
        .map_err(|e| HarnessError::io(format!("move the new {name} to {}", binary.display()), e))?;
    eprintln!(
        "hourglass-e2e: built {} in {:.0}s",
        binary.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `go` in module mode for `dir`, whatever the caller's Go settings: no
/// workspace file, `-mod=mod` so go.sum is filled in as the build goes.
pub(crate) fn go_command(go: &Path, dir: &Path) -> Command {
    let mut flags = std::env::var("GOFLAGS").unwrap_or_default();
    if !flags.is_empty() {
        flags.push(' ');
    }
    flags.push_str("-mod=mod");
    let mut cmd = Command::new(go);
    cmd.current_dir(dir)
        .env("GOFLAGS", flags)
        .env("GO111MODULE", "on")
        .env("GOWORK", "off")
        .stdin(Stdio::null());
    cmd
}

/// Downloads `k8s.io/kubernetes` at the pinned release and returns the path
/// of its go.mod in the module cache.
fn download_kubernetes_go_mod(go: &Path, dir: &Path) -> Result<PathBuf, String> {
    let output = go_command(go, dir)
        .args(["mod", "download", "-json"])
        .arg(format!("k8s.io/kubernetes@{KUBERNETES_VERSION}"))
        .output()
        .map_err(|e| format!("could not run {}: {e}", go.display()))?;
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).map_err(|_| {
        one_line(
            &format!(
                "{}\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
            3,
        )
    })?;
    if let Some(error) = json.get("Error").and_then(|e| e.as_str()) {
        return Err(one_line(error, 3));
    }
    match json.get("GoMod").and_then(|p| p.as_str()) {
        Some(path) if output.status.success() => Ok(PathBuf::from(path)),
        _ => Err(one_line(&String::from_utf8_lossy(&output.stderr), 3)),
    }
}

/// The module paths that a Kubernetes go.mod replaces with a directory under
/// `./staging/`, in file order.
fn staging_modules(go_mod: &str) -> Vec<String> {
    go_mod
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            let line = line.strip_prefix("replace").map_or(line, str::trim_start);
            let (left, right) = line.split_once("=>")?;
            if !right.trim().starts_with("./staging/") {
                return None;
            }
            let module = left.split_whitespace().next()?;
            module.starts_with("k8s.io/").then(|| module.to_string())
        })
        .collect()
}

/// The published tag of the staging modules that belong to a Kubernetes
/// release: `v1.33.13` -> `v0.33.13`.
fn staging_version() -> String {
    let rest = KUBERNETES_VERSION
        .strip_prefix("v1.")
        .expect("KUBERNETES_VERSION is a v1.x.y release");
    format!("v0.{rest}")
}

fn wrapper_go_mod(staging: &[String]) -> String {
    let version = staging_version();
    let mut text = format!(
        "module hourglass.test/controlplane\n\ngo 1.24.0\n\nrequire k8s.io/kubernetes {KUBERNETES_VERSION}\n\n"
    );
    for module in staging {
        text.push_str(&format!("replace {module} => {module} {version}\n"));
    }
    text
}

/// `-s -w` strips symbols; the `-X` stamps make `/version` and
/// `kubectl version` report the real release instead of Go's module default
/// `v0.0.0-master`, as Kubernetes' own build (hack/lib/version.sh) does.
fn ldflags() -> String {
    let minor = KUBERNETES_VERSION
        .split('.')
        .nth(1)
        .expect("KUBERNETES_VERSION is a v1.x.y release");
    let mut flags = String::from("-s -w");
    for package in [
        "k8s.io/component-base/version",
        "k8s.io/client-go/pkg/version",
    ] {
        for (key, value) in [
            ("gitVersion", KUBERNETES_VERSION),
            ("gitMajor", "1"),
            ("gitMinor", minor),
            ("gitTreeState", "clean"),
        ] {
            flags.push_str(&format!(" -X {package}.{key}={value}"));
        }
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    const GO_MOD: &str = "module k8s.io/kubernetes

go 1.24.0

require (
\tk8s.io/api v0.0.0
\tgithub.com/x/y v1.2.3
)

replace (
\tk8s.io/api => ./staging/src/k8s.io/api
\tk8s.io/client-go => ./staging/src/k8s.io/client-go
\tgithub.com/x/y => github.com/x/y v1.2.4
)

replace k8s.io/kms => ./staging/src/k8s.io/kms
";

    #[test]
    fn finds_staging_replacements_in_blocks_and_single_lines() {
        assert_eq!(
            staging_modules(GO_MOD),
            ["k8s.io/api", "k8s.io/client-go", "k8s.io/kms"]
        );
    }

    #[test]
    fn wrapper_replaces_staging_modules_with_published_tags() {
        let text = wrapper_go_mod(&["k8s.io/api".to_string()]);
        assert!(text.starts_with("module hourglass.test/controlplane\n\ngo 1.24.0\n"));
        assert!(text.contains(&format!("require k8s.io/kubernetes {KUBERNETES_VERSION}\n")));
        assert!(text.contains(&format!(
            "replace k8s.io/api => k8s.io/api {}\n",
            staging_version()
        )));
    }

    #[test]
    fn staging_tag_matches_the_release() {
        assert_eq!(
            staging_version(),
            KUBERNETES_VERSION.replacen("v1.", "v0.", 1)
        );
    }

    #[test]
    fn ldflags_stamp_the_release() {
        let flags = ldflags();
        assert!(flags.starts_with("-s -w "));
        assert!(flags.contains(&format!(
            "-X k8s.io/component-base/version.gitVersion={KUBERNETES_VERSION}"
        )));
    }
}
