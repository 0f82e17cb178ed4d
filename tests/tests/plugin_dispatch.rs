//! `kubectl hourglass ...` reaches our plugin through PATH, the way users
//! run it: kubectl finds `kubectl-hourglass` on PATH, hands it the rest of
//! the line and the environment (KUBECONFIG included), and passes its exit
//! code back.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;

use hourglass_e2e::{ControlPlane, Outcome, TestNamespace, example_text, workspace_binary};
use tempfile::TempDir;

/// A directory holding only our plugin, under its kubectl-visible name.
struct PluginPath {
    dir: TempDir,
}

impl PluginPath {
    fn new() -> Self {
        let plugin = workspace_binary("kubectl-hourglass", "kubectl-hourglass").unwrap();
        let dir = tempfile::Builder::new()
            .prefix("hourglass-plugin-path-")
            .tempdir()
            .unwrap();
        symlink(&plugin, dir.path().join("kubectl-hourglass")).unwrap();
        PluginPath { dir }
    }

    fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The harness's kubectl, with our plugin directory first on PATH.
    fn kubectl(&self, control_plane: &ControlPlane) -> Command {
        let system_path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs: Vec<PathBuf> = vec![self.dir().to_path_buf()];
        dirs.extend(std::env::split_paths(&system_path));
        let mut command = control_plane.kubectl();
        command.env("PATH", std::env::join_paths(dirs).unwrap());
        command
    }
}

#[test]
fn kubectl_lists_the_plugin_found_on_path() {
    let path = PluginPath::new();
    let mut command = path.kubectl(ControlPlane::with_crds());
    command.args(["plugin", "list"]);
    let outcome = Outcome::of(command, None);
    outcome.assert_success();
    let expected = path.dir().join("kubectl-hourglass");
    assert!(
        outcome.stdout.contains(&expected.display().to_string()),
        "`kubectl plugin list` does not show {}:\n{}",
        expected.display(),
        outcome.stdout
    );
}

#[test]
fn kubectl_hourglass_version_runs_our_plugin() {
    let path = PluginPath::new();
    let mut command = path.kubectl(ControlPlane::with_crds());
    command.args(["hourglass", "version"]);
    let outcome = Outcome::of(command, None);
    outcome.assert_success();
    let client_version = env!("CARGO_PKG_VERSION");
    assert!(
        outcome.stdout.contains(client_version),
        "expected our version {client_version} in:\n{}",
        outcome.stdout
    );
    // KUBECONFIG travelled through kubectl to the plugin: it reached the
    // control plane and reports the server's version too.
    let server_version = hourglass_e2e::KUBERNETES_VERSION;
    assert!(
        outcome.stdout.contains(server_version),
        "expected the server version {server_version} in:\n{}",
        outcome.stdout
    );
}

#[test]
fn arguments_and_exit_codes_pass_through_kubectl() {
    let control_plane = ControlPlane::with_crds();
    let path = PluginPath::new();
    let namespace = TestNamespace::create(control_plane).unwrap();

    // A broken manifest: the plugin's `validate` exits 1 and kubectl passes it on.
    let broken =
        example_text("complex-performer.yaml").replace("grpcPort: 9090", "grpcPort: 70000");
    let mut command = path.kubectl(control_plane);
    command.args(["hourglass", "validate", "-f", "-"]);
    let outcome = Outcome::of(command, Some(&broken));
    assert_eq!(outcome.code, Some(1), "{}", outcome.stderr);
    assert!(
        outcome.stdout.contains("spec.config.grpcPort")
            || outcome.stderr.contains("spec.config.grpcPort"),
        "validate does not name the field:\n{}\n{}",
        outcome.stdout,
        outcome.stderr
    );

    // Flags after the plugin's name belong to the plugin: an empty namespace.
    let mut command = path.kubectl(control_plane);
    command.args(["hourglass", "get", "performers", "-n", namespace.name()]);
    let outcome = Outcome::of(command, None);
    outcome.assert_success().assert_stderr_contains(&format!(
        "No resources found in {} namespace.",
        namespace.name()
    ));
}
