//! The generated CRDs on a real apiserver, without the webhook: structural
//! schemas accepted, names, printer columns and the category, and the schema
//! constraints as defence in depth.

use hourglass_e2e::{ControlPlane, TestNamespace, example_text};

#[test]
fn both_crds_are_established_and_served() {
    let control_plane = ControlPlane::with_crds();
    let resources = control_plane
        .run_kubectl(
            &[
                "api-resources",
                "--api-group=hourglass.eigenlayer.io",
                "-o",
                "wide",
            ],
            None,
        )
        .unwrap();
    assert!(
        resources.contains("hourglassexecutors") && resources.contains("hge"),
        "{resources}"
    );
    assert!(
        resources.contains("performers") && resources.contains("hgp"),
        "{resources}"
    );
    assert!(
        resources.contains("hourglass"),
        "category missing: {resources}"
    );
}

#[test]
fn kubectl_get_shows_the_printer_columns() {
    let control_plane = ControlPlane::with_crds();
    let namespace = TestNamespace::create(control_plane).unwrap();
    let ns = namespace.name();
    control_plane
        .run_kubectl(
            &["apply", "-n", ns, "-f", "-"],
            Some(example_text("complex-performer.yaml").as_bytes()),
        )
        .unwrap();
    let table = control_plane
        .run_kubectl(&["get", "performers", "-n", ns], None)
        .unwrap();
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "NAME", "AVS", "IMAGE", "VERSION", "PHASE", "ENDPOINT", "AGE"
        ],
        "{table}"
    );
    assert!(
        table.contains("complex-performer") && table.contains("myavs/performer:v2.0.0"),
        "{table}"
    );

    control_plane
        .run_kubectl(
            &["apply", "-n", ns, "-f", "-"],
            Some(example_text("main-executor.yaml").as_bytes()),
        )
        .unwrap();
    let table = control_plane
        .run_kubectl(&["get", "hge", "-n", ns], None)
        .unwrap();
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["NAME", "IMAGE", "REPLICAS", "READY", "PHASE", "AGE"],
        "{table}"
    );
}

#[test]
fn kubectl_get_hourglass_lists_both_kinds() {
    let control_plane = ControlPlane::with_crds();
    let namespace = TestNamespace::create(control_plane).unwrap();
    let ns = namespace.name();
    for file in ["main-executor.yaml", "minimal-performer.yaml"] {
        control_plane
            .run_kubectl(
                &["apply", "-n", ns, "-f", "-"],
                Some(example_text(file).as_bytes()),
            )
            .unwrap();
    }
    let listed = control_plane
        .run_kubectl(&["get", "hourglass", "-n", ns, "-o", "name"], None)
        .unwrap();
    let mut names: Vec<&str> = listed.lines().collect();
    names.sort();
    assert_eq!(
        names,
        [
            "hourglassexecutor.hourglass.eigenlayer.io/main-executor",
            "performer.hourglass.eigenlayer.io/minimal-performer",
        ]
    );
}

#[test]
fn the_schema_refuses_what_it_can_express_without_the_webhook() {
    let control_plane = ControlPlane::with_crds();
    let namespace = TestNamespace::create(control_plane).unwrap();
    let bad = example_text("complex-performer.yaml")
        .replace("grpcPort: 9090", "grpcPort: 0")
        .replace("0x1234567890abcdef1234567890abcdef12345678", "0x1234");
    control_plane
        .kubectl_outcome(&["apply", "-n", namespace.name(), "-f", "-"], Some(&bad))
        .assert_failure_containing("spec.config.grpcPort")
        .assert_stderr_contains("spec.avsAddress");
}

#[test]
fn the_scale_subresource_reads_and_writes_replicas() {
    let control_plane = ControlPlane::with_crds();
    let namespace = TestNamespace::create(control_plane).unwrap();
    let ns = namespace.name();
    control_plane
        .run_kubectl(
            &["apply", "-n", ns, "-f", "-"],
            Some(example_text("main-executor.yaml").as_bytes()),
        )
        .unwrap();
    control_plane
        .run_kubectl(
            &[
                "scale",
                "-n",
                ns,
                "hourglassexecutor/main-executor",
                "--replicas=4",
            ],
            None,
        )
        .unwrap();
    let replicas = control_plane
        .run_kubectl(
            &[
                "get",
                "-n",
                ns,
                "hge",
                "main-executor",
                "-o",
                "jsonpath={.spec.replicas}",
            ],
            None,
        )
        .unwrap();
    assert_eq!(replicas, "4");
}
