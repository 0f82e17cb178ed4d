//! The plugin as krew users get it: `build-plugin-archive`'s archive and the
//! krew manifest filled from the template, installed by the real krew
//! (`kubectl krew install --manifest --archive`) into a temporary KREW_ROOT,
//! then run through kubectl's plugin dispatch, and completed by kubectl
//! after the one link the manifest's caveats document.
//!
//! The binaries are dev builds of this machine's platform (their
//! dependencies are the ones the other suites compiled); a release runs the
//! same code with `--release` for every platform.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use hourglass_e2e::{ControlPlane, KUBERNETES_VERSION, Outcome, ensure_krew, workspace_root};
use hourglass_release::cargo_build::{Profile, host_target};
use hourglass_release::krew_manifest::{self, Missing};
use hourglass_release::plugin_archive::PLUGIN_BINARIES;
use hourglass_release::plugin_release::{PluginRelease, build_plugin_binaries, release_plugin};
use hourglass_release::project::VERSION;
use hourglass_release::sha256::Sha256;
use hourglass_release::source_revision::{self, SourceRevision};
use tempfile::TempDir;

/// The archive, its manifest, and krew's installation of it.
struct Installed {
    dir: TempDir,
    revision: SourceRevision,
    release: PluginRelease,
    manifest: PathBuf,
    /// krew's own stderr: what it says it installed, and the caveats.
    krew_output: String,
}

impl Installed {
    fn krew_root(&self) -> PathBuf {
        self.dir.path().join("krew-root")
    }

    fn binaries(&self) -> PathBuf {
        self.dir.path().join("bin")
    }

    /// kubectl aimed at the shared control plane, with krew's bin directory
    /// and a directory holding only `kubectl-krew` ahead of the system PATH.
    fn kubectl(&self) -> Command {
        let mut dirs = vec![self.krew_root().join("bin"), self.dir.path().join("krew")];
        dirs.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let mut command = ControlPlane::shared().kubectl();
        command
            .env("PATH", std::env::join_paths(dirs).unwrap())
            .env("KREW_ROOT", self.krew_root())
            .env("KREW_NO_UPGRADE_CHECK", "1");
        command
    }

    fn run(&self, args: &[&str]) -> Outcome {
        let mut command = self.kubectl();
        command.args(args);
        Outcome::of(command, None)
    }
}

fn installed() -> &'static Installed {
    static INSTALLED: OnceLock<Installed> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("hourglass-krew-")
            .tempdir()
            .unwrap();
        let revision = source_revision::of_checkout(&workspace_root()).unwrap();
        let target = host_target().unwrap();
        let binaries = dir.path().join("bin");
        build_plugin_binaries(Profile::Dev, None, &binaries).unwrap();
        let dist = dir.path().join("dist");
        let release = release_plugin(&binaries, &target, &revision, &dist).unwrap();

        // The manifest for the one platform built here.
        let template = std::fs::read_to_string(krew_manifest::template_path()).unwrap();
        let checksums = BTreeMap::from([(release.platform, release.archive.sha256)]);
        let text =
            krew_manifest::render(&template, VERSION, &checksums, Missing::LeaveOut).unwrap();
        let manifest = dist.join("hourglass.yaml");
        std::fs::write(&manifest, text).unwrap();

        // krew as users have it: `kubectl krew` finds kubectl-krew on PATH.
        let krew_dir = dir.path().join("krew");
        std::fs::create_dir(&krew_dir).unwrap();
        std::os::unix::fs::symlink(ensure_krew().unwrap(), krew_dir.join("kubectl-krew")).unwrap();

        let mut installed = Installed {
            dir,
            revision,
            release,
            manifest,
            krew_output: String::new(),
        };
        let outcome = installed.run(&[
            "krew",
            "install",
            &format!("--manifest={}", installed.manifest.display()),
            &format!("--archive={}", installed.release.archive.path.display()),
        ]);
        outcome.assert_success();
        installed.krew_output = outcome.stderr;
        installed
    })
}

#[test]
fn krew_installs_the_archive_and_kubectl_runs_the_plugin() {
    let installed = installed();
    assert!(
        installed
            .krew_output
            .contains("Installed plugin: hourglass"),
        "{}",
        installed.krew_output
    );
    // krew's record of it (`krew list` needs the index, which a manifest
    // install does not fetch): this release's version.
    let receipt =
        std::fs::read_to_string(installed.krew_root().join("receipts/hourglass.yaml")).unwrap();
    assert!(
        receipt.contains(&format!("version: v{VERSION}")),
        "{receipt}"
    );

    // kubectl finds the plugin in krew's bin directory...
    let plugins = installed.run(&["plugin", "list"]);
    plugins.assert_success();
    let linked = installed.krew_root().join("bin/kubectl-hourglass");
    assert!(
        plugins.stdout.contains(&linked.display().to_string()),
        "{}",
        plugins.stdout
    );
    // ...which is krew's link to the binary from our archive.
    let target = std::fs::canonicalize(&linked).unwrap();
    assert!(
        target.starts_with(std::fs::canonicalize(installed.krew_root().join("store")).unwrap())
    );
    assert_eq!(
        Sha256::of_file(&target).unwrap(),
        Sha256::of_file(&installed.binaries().join("kubectl-hourglass")).unwrap()
    );

    // Through kubectl's dispatch, with KUBECONFIG passed on: both versions.
    let version = installed.run(&["hourglass", "version"]);
    version.assert_success();
    assert!(version.stdout.contains(VERSION), "{}", version.stdout);
    assert!(
        version.stdout.contains(KUBERNETES_VERSION),
        "{}",
        version.stdout
    );
}

/// The link command of the manifest's caveats, as written there.
fn documented_link_command() -> String {
    let template = std::fs::read_to_string(krew_manifest::template_path()).unwrap();
    let lines: Vec<&str> = template
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("ln -s ") && line.contains("kubectl_complete-hourglass"))
        .collect();
    assert_eq!(lines.len(), 1, "the caveats should give one link command");
    // README.md gives the same command.
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    assert!(readme.contains(lines[0]), "README.md lacks `{}`", lines[0]);
    lines[0].to_string()
}

#[test]
fn completion_works_after_the_documented_link() {
    let installed = installed();
    let complete = || installed.run(&["__complete", "hourglass", "perf"]);
    // krew linked the plugin only: kubectl has no helper to ask.
    let before = complete();
    assert!(!before.stdout.contains("performer"), "{}", before.stdout);

    let link = documented_link_command();
    let status = Command::new("sh")
        .args(["-c", &link])
        .env("KREW_ROOT", installed.krew_root())
        .status()
        .unwrap();
    assert!(status.success(), "`{link}` failed");

    let after = complete();
    after.assert_success();
    assert!(after.stdout.contains("performer"), "{}", after.stdout);
    assert!(after.stdout.lines().any(|l| l == ":4"), "{}", after.stdout);
}

#[test]
fn the_plugin_is_the_helper_under_the_windows_name_too() {
    let installed = installed();
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("kubectl_complete-hourglass.exe");
    std::fs::copy(installed.binaries().join("kubectl-hourglass"), &exe).unwrap();
    let outcome = Outcome::of(
        {
            let mut command = Command::new(&exe);
            command.arg("upg");
            command
        },
        None,
    );
    outcome.assert_success();
    // Not at the top level: `upgrade` belongs to `performer`.
    assert_eq!(outcome.stdout.trim(), ":4", "{}", outcome.stdout);
    let outcome = Outcome::of(
        {
            let mut command = Command::new(&exe);
            command.args(["performer", "upg"]);
            command
        },
        None,
    );
    assert!(outcome.stdout.contains("upgrade"), "{}", outcome.stdout);
}

#[test]
fn the_archive_holds_both_binaries_the_license_and_the_readme() {
    let installed = installed();
    let file = std::fs::File::open(&installed.release.archive.path).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut entries = BTreeMap::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().display().to_string();
        let mode = entry.header().mode().unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        entries.insert(path, (mode, bytes));
    }
    let names: Vec<&str> = entries.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "LICENSE",
            "README.md",
            "kubectl-hourglass",
            "kubectl_complete-hourglass"
        ]
    );
    for bin in PLUGIN_BINARIES {
        assert_eq!(entries[bin].0, 0o755, "{bin}");
    }
    assert!(String::from_utf8_lossy(&entries["LICENSE"].1).contains("Apache License"));
    assert_eq!(
        entries["README.md"].1,
        std::fs::read(workspace_root().join("kubectl-hourglass/README.md")).unwrap()
    );
    // The name krew's manifest points at, and the checksum beside it.
    let name = format!(
        "kubectl-hourglass_{VERSION}_{}_{}.tar.gz",
        installed.release.platform.os, installed.release.platform.arch
    );
    assert_eq!(
        installed.release.archive.path.file_name().unwrap(),
        name.as_str()
    );
    let sums = std::fs::read_to_string(
        installed
            .release
            .archive
            .path
            .with_file_name(format!("{name}.sha256")),
    )
    .unwrap();
    assert_eq!(
        sums,
        format!("{}  {name}\n", installed.release.archive.sha256.hex())
    );
}

#[test]
fn packing_again_gives_the_same_archive_and_the_sbom_is_the_plugins() {
    let installed = installed();
    let again = tempfile::tempdir().unwrap();
    let target = host_target().unwrap();
    let second = release_plugin(
        &installed.binaries(),
        &target,
        &installed.revision,
        again.path(),
    )
    .unwrap();
    assert_eq!(second.archive.sha256, installed.release.archive.sha256);

    let checked = hourglass_release::checksums::verify(&installed.release.sums).unwrap();
    let file_name = |path: &Path| path.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        checked.contains(&file_name(&installed.release.archive.path)),
        "{checked:?}"
    );
    assert!(
        checked.contains(&file_name(&installed.release.sbom)),
        "{checked:?}"
    );
    let bom: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&installed.release.sbom).unwrap()).unwrap();
    assert_eq!(bom["metadata"]["component"]["name"], "kubectl-hourglass");
    let names: Vec<&str> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(names.contains(&"comfy-table"), "{names:?}");
    assert!(
        !names.contains(&"mimalloc"),
        "the webhook's allocator is not in the plugin"
    );
}
