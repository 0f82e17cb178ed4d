//! `kubectl hourglass validate` (offline) agrees with admission on the real
//! apiserver: what it passes, the apiserver with our webhook admits; what it
//! refuses with `file: Kind/name: path: message`, the apiserver refuses too,
//! naming the same fields.

use std::path::{Path, PathBuf};

use hourglass_e2e::{
    ControlPlane, Outcome, Plugin, TestNamespace, example_text, manifest_path, workspace_root,
};
use serde_json::Value;

/// The plugin with a kubeconfig that leads nowhere: validate needs no cluster.
fn offline_plugin() -> Plugin {
    let binary = hourglass_e2e::workspace_binary("kubectl-hourglass", "kubectl-hourglass").unwrap();
    Plugin::with_kubeconfig(binary, Path::new("/nonexistent/kubeconfig"))
}

fn examples_dir() -> PathBuf {
    manifest_path("manifests/examples")
}

/// Every document of a YAML file, as JSON (documents split on `---` lines).
fn documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut documents = vec![String::new()];
    for line in text.lines() {
        if line.trim_end() == "---" {
            documents.push(String::new());
        } else if let Some(current) = documents.last_mut() {
            current.push_str(line);
            current.push('\n');
        }
    }
    documents
        .iter()
        .map(|document| serde_yaml_ng::from_str::<Value>(document).unwrap())
        .filter(|value| !value.is_null())
        .collect()
}

/// A server-side dry-run create of one object through the apiserver and webhook.
fn admit(namespace: &str, object: &Value) -> Outcome {
    ControlPlane::with_webhook().kubectl_outcome(
        &["create", "--dry-run=server", "-n", namespace, "-f", "-"],
        Some(&object.to_string()),
    )
}

fn object_id(object: &Value) -> String {
    format!(
        "{}/{}",
        object["kind"].as_str().unwrap(),
        object["metadata"]["name"].as_str().unwrap()
    )
}

#[test]
fn the_spec_examples_pass_validate_and_admission() {
    let validated = offline_plugin().run(
        &["validate", "-f", &examples_dir().display().to_string()],
        None,
    );
    assert_eq!(
        validated.code,
        Some(0),
        "{}{}",
        validated.stdout,
        validated.stderr
    );
    assert!(
        validated.stdout.lines().all(|l| l.contains(": warning: ")),
        "only warnings expected:\n{}",
        validated.stdout
    );
    assert_eq!(validated.stderr, "4 objects valid\n");

    let namespace = TestNamespace::create(ControlPlane::with_webhook()).unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        for object in documents(&file) {
            let admitted = admit(namespace.name(), &object);
            assert!(
                admitted.success,
                "validate passed {} of {} but the apiserver refused it: {}",
                object_id(&object),
                file.display(),
                admitted.stderr
            );
            // validate's warnings are the webhook's. (The webhook may warn
            // about more: what only the cluster knows, like a missing executor.)
            let prefix = format!("{}: warning: ", object_id(&object));
            for line in validated.stdout.lines() {
                let Some(warning) = line.split_once(&prefix).map(|(_, w)| w) else {
                    continue;
                };
                assert!(
                    admitted
                        .stderr
                        .lines()
                        .any(|l| l == format!("Warning: {warning}")),
                    "validate warned {warning:?} about {}, the apiserver did not: {}",
                    object_id(&object),
                    admitted.stderr
                );
            }
        }
    }
}

/// Broken copies of the spec's examples, one kind of mistake each, and the
/// plugin's own broken fixtures.
fn broken_files(dir: &Path) -> Vec<PathBuf> {
    let variants = [
        (
            "bad-hardware.yaml",
            example_text("complex-performer.yaml")
                .replace("teeType: \"sgx\"", "teeType: \"nitro\"")
                .replace(
                    "executorRef: \"main-executor\"",
                    "executorRef: \"Main_Executor\"",
                ),
        ),
        (
            "bad-chains.yaml",
            example_text("main-executor.yaml")
                .replace("name: \"base\"", "name: \"ethereum\"")
                .replace("aggregator.example.com:9090", "aggregator.example.com"),
        ),
        (
            "bad-image.yaml",
            example_text("minimal-performer.yaml")
                .replace("myavs/performer:latest", "MyAVS/Performer::bad"),
        ),
    ];
    let mut files = Vec::new();
    for (name, text) in variants {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        files.push(path);
    }
    let fixtures = workspace_root().join("kubectl-hourglass/tests/fixtures/broken");
    files.push(fixtures.join("bad-performer.yaml"));
    files.push(fixtures.join("two-docs.yaml"));
    files
}

#[test]
fn broken_files_fail_validate_and_admission_on_the_same_fields() {
    let dir = tempfile::tempdir().unwrap();
    let namespace = TestNamespace::create(ControlPlane::with_webhook()).unwrap();
    for file in broken_files(dir.path()) {
        let shown = file.display().to_string();
        let validated = offline_plugin().run(&["validate", "-f", &shown], None);
        assert_eq!(
            validated.code,
            Some(1),
            "{shown}: {}{}",
            validated.stdout,
            validated.stderr
        );

        for object in documents(&file) {
            let id = object_id(&object);
            // `file: Kind/name: path: message`, one line per violation.
            let prefix = format!("{shown}: {id}: ");
            let paths: Vec<&str> = validated
                .stdout
                .lines()
                .filter_map(|l| l.strip_prefix(&prefix))
                .filter(|rest| !rest.starts_with("warning: "))
                .map(|rest| rest.split_once(": ").expect("path: message").0)
                .collect();
            assert!(
                !paths.is_empty(),
                "validate found nothing wrong with {id} in {shown}:\n{}",
                validated.stdout
            );
            assert!(paths.iter().all(|p| p.starts_with("spec.")), "{paths:?}");

            let admitted = admit(namespace.name(), &object);
            assert!(
                !admitted.success,
                "the apiserver admitted {id} of {shown}, which validate refused"
            );
            for path in paths {
                assert!(
                    admitted.stderr.contains(path),
                    "validate refused {id} for {path}, the apiserver did not name it: {}",
                    admitted.stderr
                );
            }
        }
    }
}

#[test]
fn a_directory_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    broken_files(dir.path());
    std::fs::copy(
        examples_dir().join("main-executor.yaml"),
        dir.path().join("main-executor.yaml"),
    )
    .unwrap();

    let validated =
        offline_plugin().run(&["validate", "-f", &dir.path().display().to_string()], None);
    assert_eq!(validated.code, Some(1));
    assert_eq!(validated.stderr, "3 of 4 objects invalid\n");
    for file in ["bad-hardware.yaml", "bad-chains.yaml", "bad-image.yaml"] {
        let prefix = format!("{}: ", dir.path().join(file).display());
        assert!(
            validated
                .stdout
                .lines()
                .any(|l| l.starts_with(&prefix) && !l.contains(": warning: ")),
            "no violation for {file}:\n{}",
            validated.stdout
        );
    }

    let performer = std::fs::read_to_string(dir.path().join("bad-image.yaml")).unwrap();
    let from_stdin = offline_plugin().run(&["validate", "-f", "-"], Some(&performer));
    assert_eq!(from_stdin.code, Some(1));
    assert!(
        from_stdin
            .stdout
            .starts_with("-: Performer/minimal-performer: spec.image: "),
        "{}",
        from_stdin.stdout
    );
}
