//! `kubectl hourglass create` on a real control plane with our webhook
//! registered: from flags, from files (several documents, standard input),
//! from the executor chart's values, with `--dry-run=server` through the
//! webhook and `-o yaml`, and the apiserver's warnings shown as kubectl
//! shows them.

use hourglass_e2e::{
    ControlPlane, Plugin, TestNamespace, example_path, example_text, workspace_root,
};
use serde_json::Value;

const AVS_ADDRESS: &str = "0x1234567890abcdef1234567890abcdef12345678";
const MAILBOX: &str = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const ECDSA_KEY: &str = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

fn plugin() -> Plugin {
    Plugin::for_control_plane(ControlPlane::with_webhook()).unwrap()
}

/// An object as stored, from kubectl.
fn get(namespace: &str, resource: &str, name: &str) -> Value {
    let text = ControlPlane::with_webhook()
        .run_kubectl(
            &["get", resource, name, "-n", namespace, "-o", "json"],
            None,
        )
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn names_in(namespace: &str) -> String {
    ControlPlane::with_webhook()
        .run_kubectl(
            &[
                "get",
                "hourglassexecutors,performers",
                "-n",
                namespace,
                "-o",
                "name",
            ],
            None,
        )
        .unwrap()
}

fn chart_fixture(name: &str) -> String {
    workspace_root()
        .join("kubectl-hourglass/tests/fixtures/chart")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn performer_from_flags_is_admitted_and_defaulted() {
    let control_plane = ControlPlane::with_webhook();
    let namespace = TestNamespace::create(control_plane).unwrap();
    let ns = namespace.name();
    let created = plugin().run(
        &[
            "create",
            "performer",
            "gpu-avs",
            "-n",
            ns,
            "--image",
            "ghcr.io/acme/avs:v1.2.0",
            "--version",
            "v1.2.0",
            "--avs-address",
            AVS_ADDRESS,
            "--executor",
            "main",
            "--gpu-type",
            "nvidia-a100",
            "--env",
            "LOG_LEVEL=debug",
        ],
        None,
    );
    created.assert_success();
    assert_eq!(
        created.stdout,
        "performer.hourglass.eigenlayer.io/gpu-avs created\n"
    );

    let stored = get(ns, "performer", "gpu-avs");
    let spec = &stored["spec"];
    assert_eq!(spec["image"], "ghcr.io/acme/avs:v1.2.0");
    assert_eq!(spec["version"], "v1.2.0");
    assert_eq!(spec["executorRef"], "main");
    assert_eq!(spec["config"]["environment"]["LOG_LEVEL"], "debug");
    assert_eq!(spec["hardwareRequirements"]["gpuCount"], 1);
    // The mutating webhook's default and hardware scheduling.
    assert_eq!(spec["config"]["grpcPort"], 9090);
    assert_eq!(spec["resources"]["limits"]["nvidia.com/nvidia-a100"], "1");
    assert!(
        spec["scheduling"]["affinity"]["nodeAffinity"].is_object(),
        "no GPU node affinity: {spec}"
    );
    let managers = control_plane
        .run_kubectl(
            &[
                "get",
                "performer",
                "gpu-avs",
                "-n",
                ns,
                "--show-managed-fields",
                "-o",
                "jsonpath={.metadata.managedFields[*].manager}",
            ],
            None,
        )
        .unwrap();
    assert_eq!(managers, "kubectl-hourglass", "the plugin's field manager");
}

#[test]
fn executor_from_flags_shows_the_webhooks_warnings() {
    let namespace = TestNamespace::create(ControlPlane::with_webhook()).unwrap();
    let ns = namespace.name();
    let chain = format!("name=ethereum,rpc=https://eth.example.com,mailbox={MAILBOX}");
    let created = plugin().run(
        &[
            "create",
            "executor",
            "main",
            "-n",
            ns,
            "--image",
            "hourglass/executor:v1.4.0",
            "--aggregator",
            "aggregator.example.com:9090",
            "--chain",
            &chain,
            "--chain",
            &format!("name=op,rpc=https://op.example.com,mailbox={MAILBOX},chain-id=10"),
            "--ecdsa-key",
            ECDSA_KEY,
            "--replicas",
            "2",
        ],
        None,
    );
    created.assert_success();
    assert_eq!(
        created.stdout,
        "hourglassexecutor.hourglass.eigenlayer.io/main created\n"
    );
    // The webhook's warning came back in a Warning header, printed like kubectl.
    assert!(
        created.stderr.lines().any(|line| line
            == "Warning: spec.config.operatorKeys: private keys in plain text are readable by anyone who can get this resource"),
        "{}",
        created.stderr
    );

    let spec = &get(ns, "hourglassexecutor", "main")["spec"];
    assert_eq!(spec["replicas"], 2);
    assert_eq!(
        spec["config"]["aggregatorEndpoint"],
        "aggregator.example.com:9090"
    );
    let chains = spec["config"]["chains"].as_array().unwrap();
    assert_eq!(chains.len(), 2);
    assert_eq!(chains[0]["name"], "ethereum");
    assert_eq!(chains[0]["chainId"], 1, "the known chain ID of ethereum");
    assert_eq!(chains[0]["taskMailboxAddress"], MAILBOX);
    assert_eq!(chains[1]["chainId"], 10);
}

#[test]
fn several_documents_from_a_file_and_from_stdin() {
    let namespace = TestNamespace::create(ControlPlane::with_webhook()).unwrap();
    let ns = namespace.name();

    // One file, two documents: the performer first, yet the executor it
    // names is created first.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pair.yaml");
    std::fs::write(
        &file,
        format!(
            "{}\n---\n{}",
            example_text("complex-performer.yaml"),
            example_text("main-executor.yaml")
        ),
    )
    .unwrap();
    let from_file = plugin().run(
        &["create", "-n", ns, "-f", &file.display().to_string()],
        None,
    );
    from_file.assert_success();
    assert_eq!(
        from_file.stdout,
        "hourglassexecutor.hourglass.eigenlayer.io/main-executor created\n\
         performer.hourglass.eigenlayer.io/complex-performer created\n"
    );

    // Standard input, as JSON and YAML documents, with -o name.
    let executor: Value = serde_yaml_ng::from_str(&example_text("minimal-executor.yaml")).unwrap();
    let stdin = format!(
        "{executor}\n---\n{}",
        example_text("minimal-performer.yaml")
    );
    let from_stdin = plugin().run(&["create", "-n", ns, "-f", "-", "-o", "name"], Some(&stdin));
    from_stdin.assert_success();
    assert_eq!(
        from_stdin.stdout,
        "hourglassexecutor.hourglass.eigenlayer.io/minimal-executor\n\
         performer.hourglass.eigenlayer.io/minimal-performer\n"
    );
    // Both objects' warnings, each once, from the webhook through the apiserver.
    for warning in [
        "Warning: spec.image: \"hourglass/executor:latest\" uses :latest; pin a version tag or digest so upgrades are deliberate",
        "Warning: spec.image: \"myavs/performer:latest\" uses :latest; pin a version tag or digest so upgrades are deliberate",
    ] {
        assert_eq!(
            from_stdin.stderr.matches(warning).count(),
            1,
            "{warning:?} once in:\n{}",
            from_stdin.stderr
        );
    }

    let names = names_in(ns);
    for name in [
        "hourglassexecutor.hourglass.eigenlayer.io/main-executor",
        "hourglassexecutor.hourglass.eigenlayer.io/minimal-executor",
        "performer.hourglass.eigenlayer.io/complex-performer",
        "performer.hourglass.eigenlayer.io/minimal-performer",
    ] {
        assert!(names.lines().any(|l| l == name), "{name} missing:\n{names}");
    }

    // Creating them again: kubectl's AlreadyExists, exit 1.
    let again = plugin().run(
        &[
            "create",
            "-n",
            ns,
            "-f",
            &example_path("minimal-performer.yaml").display().to_string(),
        ],
        None,
    );
    assert_eq!(again.code, Some(1));
    // (Admission ran, and warned, before storage found the name taken.)
    assert_eq!(
        again.stderr.lines().last().unwrap_or_default(),
        "Error from server (AlreadyExists): performers.hourglass.eigenlayer.io \"minimal-performer\" already exists"
    );
}

#[test]
fn unknown_fields_are_dropped_with_a_warning() {
    let namespace = TestNamespace::create(ControlPlane::with_webhook()).unwrap();
    let ns = namespace.name();
    let performer = example_text("minimal-performer.yaml").replace(
        "  image: \"myavs/performer:latest\"",
        "  image: \"myavs/performer:v1.0.0\"\n  replicaz: 3",
    );
    let created = plugin().run(&["create", "-n", ns, "-f", "-"], Some(&performer));
    created.assert_success();
    assert!(
        created
            .stderr
            .lines()
            .any(|l| l == "Warning: unknown field \"spec.replicaz\""),
        "{}",
        created.stderr
    );
    assert!(
        get(ns, "performer", "minimal-performer")["spec"]
            .get("replicaz")
            .is_none()
    );
}

#[test]
fn chart_values_make_an_executor_and_its_performers() {
    let namespace = TestNamespace::create(ControlPlane::with_webhook()).unwrap();
    let ns = namespace.name();
    let created = plugin().run(
        &[
            "create",
            "executor",
            "-n",
            ns,
            "--from-chart-values",
            &chart_fixture("multi-chain.yaml"),
            "--image",
            "hourglass/executor:v1.4.0",
        ],
        None,
    );
    created
        .assert_success()
        .assert_stderr_contains("note: skipped chains.sepolia: enabled is false");
    assert_eq!(
        created.stdout,
        "hourglassexecutor.hourglass.eigenlayer.io/multi-executor created\n\
         performer.hourglass.eigenlayer.io/my-avs created\n"
    );

    let executor = get(ns, "hourglassexecutor", "multi-executor");
    assert_eq!(executor["spec"]["image"], "hourglass/executor:v1.4.0");
    let chains: Vec<(String, i64)> = executor["spec"]["config"]["chains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["chainId"].as_i64().unwrap(),
            )
        })
        .collect();
    let mut sorted = chains.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        vec![
            ("base".to_string(), 8453),
            ("ethereum".to_string(), 1),
            ("optimism".to_string(), 10),
        ],
        "enabled chains only, with known or given IDs"
    );

    let performer = get(ns, "performer", "my-avs");
    assert_eq!(performer["spec"]["executorRef"], "multi-executor");
    assert_eq!(performer["spec"]["avsAddress"], AVS_ADDRESS);
    assert_eq!(performer["spec"]["image"], "my-org/my-avs-performer:v1.0.0");
    assert_eq!(performer["spec"]["version"], "v1.0.0");
}

#[test]
fn server_dry_run_goes_through_the_webhook_and_stores_nothing() {
    let namespace = TestNamespace::create(ControlPlane::with_webhook()).unwrap();
    let ns = namespace.name();
    let performer = [
        "create",
        "performer",
        "tee-avs",
        "-n",
        ns,
        "--image",
        "ghcr.io/acme/avs:v1.2.0",
        "--avs-address",
        AVS_ADDRESS,
        "--tee",
        "sgx",
        "-o",
        "yaml",
    ];
    let run = |dry_run: &str| plugin().run(&[performer.as_slice(), &[dry_run]].concat(), None);

    let server = run("--dry-run=server");
    server.assert_success();
    let object: Value = serde_yaml_ng::from_str(&server.stdout).unwrap();
    assert_eq!(object["kind"], "Performer");
    assert_eq!(object["metadata"]["namespace"], ns);
    assert!(
        object["metadata"]["uid"].is_string(),
        "the apiserver's answer: {object}"
    );
    assert!(
        object["metadata"].get("managedFields").is_none(),
        "managedFields are left out"
    );
    // The mutating webhook ran: defaults and the TEE's node affinity.
    assert_eq!(object["spec"]["config"]["grpcPort"], 9090);
    assert!(
        object["spec"]["scheduling"]["affinity"]["nodeAffinity"].is_object(),
        "no TEE node affinity: {object}"
    );
    assert_eq!(names_in(ns), "", "a server dry run stores nothing");

    // A client dry run checks locally and shows the object as given.
    let client = run("--dry-run=client");
    client.assert_success();
    let local: Value = serde_yaml_ng::from_str(&client.stdout).unwrap();
    assert!(local["spec"].get("scheduling").is_none(), "{local}");
    assert_eq!(names_in(ns), "");

    // An invalid object is refused by the webhook, naming the field.
    let refused = plugin().run(
        &[
            "create",
            "performer",
            "bad",
            "-n",
            ns,
            "--image",
            "ghcr.io/acme/avs:v1.2.0",
            "--avs-address",
            "0x12",
            "--dry-run=server",
        ],
        None,
    );
    assert_eq!(refused.code, Some(1), "{}", refused.stdout);
    assert!(
        refused.stderr.starts_with("Error from server")
            && refused.stderr.contains("denied the request")
            && refused.stderr.contains("spec.avsAddress"),
        "{}",
        refused.stderr
    );
    assert_eq!(refused.stdout, "");
}

#[test]
fn output_yaml_prints_what_was_stored() {
    let namespace = TestNamespace::create(ControlPlane::with_webhook()).unwrap();
    let ns = namespace.name();
    let created = plugin().run(
        &[
            "create",
            "-n",
            ns,
            "-f",
            &example_path("complex-performer.yaml").display().to_string(),
            "-o",
            "yaml",
        ],
        None,
    );
    created.assert_success();
    let printed: Value = serde_yaml_ng::from_str(&created.stdout).unwrap();
    let stored = get(ns, "performer", "complex-performer");
    assert_eq!(printed["metadata"]["uid"], stored["metadata"]["uid"]);
    assert_eq!(
        printed["metadata"]["resourceVersion"],
        stored["metadata"]["resourceVersion"]
    );
    assert_eq!(printed["spec"], stored["spec"]);
}

/// The webhook may not read Secrets or ConfigMaps, so the plugin checks the
/// ones a performer names with the user's own rights: after `create`, with
/// `validate --check-references`, and in `doctor`'s last check.
#[test]
fn secrets_and_config_maps_a_performer_names_are_checked_with_the_users_rights() {
    let control_plane = ControlPlane::with_webhook();
    let namespace = TestNamespace::create(control_plane).unwrap();
    let ns = namespace.name();
    let performer = format!(
        "apiVersion: hourglass.eigenlayer.io/v1alpha1
kind: Performer
metadata:
  name: secretive
spec:
  avsAddress: \"{AVS_ADDRESS}\"
  image: ghcr.io/acme/avs:v1.0.0
  imagePullSecrets:
  - name: registry-login
  config:
    environmentFrom:
    - name: API_KEY
      valueFrom:
        secretKeyRef: {{name: avs-secrets, key: api-key}}
    - name: CHAIN
      valueFrom:
        configMapKeyRef: {{name: avs-config, key: chain}}
"
    );
    let created = plugin().run(&["create", "-n", ns, "-f", "-"], Some(&performer));
    created.assert_success();
    for needle in [
        "Warning: performer/secretive: spec.imagePullSecrets[0].name: Secret \"registry-login\" not found",
        "Warning: performer/secretive: spec.config.environmentFrom[0].valueFrom: Secret \"avs-secrets\" not found",
        "Warning: performer/secretive: spec.config.environmentFrom[1].valueFrom: ConfigMap \"avs-config\" not found",
    ] {
        created.assert_stderr_contains(needle);
    }

    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &performer).unwrap();
    let path = file.path().display().to_string();
    let checked = plugin().run(
        &["validate", "-f", &path, "--check-references", "-n", ns],
        None,
    );
    checked.assert_success();
    assert!(
        checked.stdout.contains(
            "Performer/secretive: warning: spec.imagePullSecrets[0].name: Secret \"registry-login\" not found"
        ),
        "{}",
        checked.stdout
    );

    // Once they exist, nothing is said.
    for (kind, name) in [
        ("secret", "registry-login"),
        ("secret", "avs-secrets"),
        ("configmap", "avs-config"),
    ] {
        let mut args = vec!["create", kind];
        if kind == "secret" {
            args.push("generic");
        }
        args.extend([name, "-n", ns]);
        control_plane.run_kubectl(&args, None).unwrap();
    }
    let quiet = plugin().run(
        &["validate", "-f", &path, "--check-references", "-n", ns],
        None,
    );
    quiet.assert_success();
    assert!(!quiet.stdout.contains("not found"), "{}", quiet.stdout);
}
