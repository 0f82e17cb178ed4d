//! The API reference's examples are valid, with exactly the warnings they deserve.

mod common;

use common::*;

#[test]
fn spec_examples_have_no_violations() {
    for (name, yaml) in [
        ("minimal executor", MINIMAL_EXECUTOR),
        ("main executor", MAIN_EXECUTOR),
        ("minimal performer", MINIMAL_PERFORMER),
        ("complex performer", COMPLEX_PERFORMER),
    ] {
        let verdict = object(&value(yaml)).validate(None);
        assert!(
            verdict.violations.is_empty(),
            "{name}: {:?}",
            verdict.violations
        );
    }
}

#[test]
fn spec_examples_warn_about_latest_and_plain_text_keys() {
    let executor = object(&value(MINIMAL_EXECUTOR)).validate(None);
    assert_eq!(
        executor.warnings,
        vec![
            "spec.image: \"hourglass/executor:latest\" uses :latest; pin a version tag or digest so upgrades are deliberate",
            "spec.config.operatorKeys: private keys in plain text are readable by anyone who can get this resource",
        ]
    );
    let performer = object(&value(MINIMAL_PERFORMER)).validate(None);
    assert_eq!(performer.warnings.len(), 1, "{:?}", performer.warnings);
    assert!(
        performer.warnings[0].starts_with("spec.image: \"myavs/performer:latest\" uses :latest")
    );

    // A typed GPU is requested under its own resource name by the operator.
    let complex = object(&value(COMPLEX_PERFORMER)).validate(None);
    assert_eq!(
        complex.warnings,
        vec![
            "spec.hardwareRequirements.gpuType: pods request \"nvidia.com/nvidia-a100\"; nodes must advertise that resource"
        ]
    );
}
