//! `kubectl hourglass validate` run as the built binary: no cluster, the
//! spec's examples pass, broken files fail with `file: kind/name: path: message`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubectl-hourglass"))
        .args(args)
        .current_dir(root())
        // No cluster anywhere: validate must not need one.
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .stdin(Stdio::null())
        .output()
        .expect("run kubectl-hourglass")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn spec_examples_are_valid() {
    let output = run(&["validate", "-f", "../manifests/examples"]);
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        text(&output.stderr)
    );
    assert!(
        stdout.lines().all(|l| l.contains(": warning: ")),
        "no violations expected:\n{stdout}"
    );
    // Warnings, not violations, for :latest and plain-text keys.
    assert!(stdout.contains(
        "../manifests/examples/minimal-performer.yaml: Performer/minimal-performer: warning: spec.image:"
    ), "{stdout}");
    assert_eq!(text(&output.stderr), "4 objects valid\n");
}

#[test]
fn broken_files_name_file_object_path_and_message() {
    let output = run(&["validate", "-f", "tests/fixtures/broken/bad-performer.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.iter().any(|l| l.starts_with(
        "tests/fixtures/broken/bad-performer.yaml: Performer/bad-performer: spec.avsAddress: \"0x1234\" is not an Ethereum address"
    )), "{stdout}");
    assert!(
        lines.iter().any(|l| {
            l.starts_with(
        "tests/fixtures/broken/bad-performer.yaml: Performer/bad-performer: spec.config.grpcPort: "
    )
        }),
        "{stdout}"
    );
    assert_eq!(text(&output.stderr), "1 of 1 object invalid\n");
}

#[test]
fn several_documents_and_type_errors() {
    let output = run(&["validate", "-f", "tests/fixtures/broken/two-docs.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    assert!(stdout.contains(
        "tests/fixtures/broken/two-docs.yaml: HourglassExecutor/no-chains: spec.config.chains: must contain at least one chain"
    ), "{stdout}");
    assert!(
        stdout.contains(
            "tests/fixtures/broken/two-docs.yaml: Performer/wrong-type: spec.config.grpcPort: "
        ),
        "{stdout}"
    );
}

#[test]
fn syntax_errors_and_stdin() {
    let output = run(&["validate", "-f", "tests/fixtures/broken/syntax.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stdout).starts_with("tests/fixtures/broken/syntax.yaml: document 1: "));

    let mut child = Command::new(env!("CARGO_BIN_EXE_kubectl-hourglass"))
        .args(["validate", "-f", "-", "--show-defaults"])
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let performer =
        std::fs::read_to_string(root().join("../manifests/examples/minimal-performer.yaml"))
            .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(performer.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("---\n# -: Performer/minimal-performer\n"),
        "{stdout}"
    );
    // The webhook's defaults are shown.
    assert!(stdout.contains("grpcPort: 9090"), "{stdout}");
}

#[test]
fn offline_commands_need_no_cluster() {
    let output = run(&["version", "--client"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        text(&output.stdout),
        format!("Client Version: v{}\n", env!("CARGO_PKG_VERSION"))
    );

    let output = run(&["completion", "bash"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        text(&output.stdout)
            .contains("complete -o default -F _kubectl_hourglass kubectl-hourglass")
    );

    let output = run(&[
        "create",
        "performer",
        "p",
        "--image",
        "myavs/performer:v1.0.0",
        "--avs-address",
        "0x1234567890abcdef1234567890abcdef12345678",
        "--dry-run=client",
        "-o",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["metadata"]["namespace"], "default");
    assert_eq!(value["spec"]["image"], "myavs/performer:v1.0.0");

    let output = run(&[
        "create",
        "executor",
        "--from-chart-values",
        "tests/fixtures/chart/gpu.yaml",
        "--dry-run=client",
        "-o",
        "name",
        "-n",
        "ml",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "hourglassexecutor.hourglass.eigenlayer.io/ml-executor\nperformer.hourglass.eigenlayer.io/ml-avs\n"
    );
    assert!(
        text(&output.stderr).contains("note: "),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn client_dry_run_refuses_invalid_objects() {
    let output = run(&[
        "create",
        "performer",
        "p",
        "--image",
        "myavs/performer:v1.0.0",
        "--avs-address",
        "0x12",
        "--dry-run=client",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("error: Performer/p is invalid:\n  * spec.avsAddress: "),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn api_commands_without_a_cluster_fail_cleanly() {
    let output = run(&["get", "performers"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).starts_with("error: "),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn completion_helper_speaks_cobra() {
    let output = Command::new(env!("CARGO_BIN_EXE_kubectl_complete-hourglass"))
        .args(["performer", "up"])
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .output()
        .unwrap();
    assert_eq!(text(&output.stdout), "upgrade\n:4\n");
    let output = Command::new(env!("CARGO_BIN_EXE_kubectl_complete-hourglass"))
        .args(["st"])
        .output()
        .unwrap();
    assert_eq!(text(&output.stdout), "status\n:4\n");
}
