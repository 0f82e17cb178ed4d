//! What must hold for any object the rules and the mutation see. The
//! `rules_and_mutation` fuzz target and `shared/tests/fuzz_regressions.rs`
//! (`#[path]`-included, next to `object_from_bytes.rs`) both call [`check`],
//! so a crash input replayed by the test fails on the same assertion.
//!
//! A broken invariant panics with the object as JSON, which libFuzzer
//! reports as a crash and the test as a failure.

use std::sync::OnceLock;

use hourglass_shared::mutate::MutationContext;
use hourglass_shared::{
    HardwareProfile, HourglassExecutor, HourglassObject, SchedulingConfig, Verdict, review,
};
use serde_json::Value;

use super::object_from_bytes;

/// Kubernetes shows admission warnings of up to this many characters.
const MAX_WARNING_CHARS: usize = 120;

/// Decodes one fuzz input and checks every invariant on it.
pub fn check(data: &[u8]) {
    if let Some(value) = object_from_bytes::build(data) {
        check_value(&value);
    }
}

/// Every invariant, for one JSON object as a user would send it.
pub fn check_value(raw: &Value) {
    let object = match HourglassObject::from_value(raw) {
        Ok(object) => object,
        Err(error) => {
            assert!(
                !error.to_string().is_empty(),
                "a parse error must say what is wrong\n{}",
                shown(raw)
            );
            return;
        }
    };

    let created = object.validate(None);
    check_verdict("CREATE", &created, raw);

    // An UPDATE that changes nothing must be judged exactly like a CREATE:
    // no immutable field has changed.
    let unchanged = object.validate(Some(&object));
    assert_eq!(
        unchanged,
        created,
        "UPDATE with oldObject == object differs from CREATE\n{}",
        shown(raw)
    );

    // Against another stored object, the immutability rules can only add violations.
    let stored = stored_object_like(&object);
    let updated = object.validate(Some(stored));
    check_verdict("UPDATE", &updated, raw);
    for violation in &created.violations {
        assert!(
            updated.violations.contains(violation),
            "UPDATE lost the CREATE violation {violation}\n{}",
            shown(raw)
        );
    }

    let profile = HardwareProfile::default();
    for inherited in [None, Some(executor_default_scheduling())] {
        let context = MutationContext {
            profile: &profile,
            executor_scheduling: inherited,
        };
        check_mutation(&object, &created, raw, &context);
    }
}

fn check_mutation(
    object: &HourglassObject,
    created: &Verdict,
    raw: &Value,
    context: &MutationContext<'_>,
) {
    let outcome = review(object, None, context);
    assert_eq!(
        &outcome.verdict,
        created,
        "review() and validate() disagree\n{}",
        shown(raw)
    );
    let mutated = &outcome.mutated;

    // Idempotent as a new object, and as an update that changes nothing.
    for old in [None, Some(mutated)] {
        let again = mutated.mutate(old, context);
        assert_eq!(
            &again,
            mutated,
            "mutation is not idempotent: mutating the mutated object changed it again\n{}",
            shown(raw)
        );
    }

    // The patch takes the object, as our types see it, to the mutated one.
    let mut patched_typed = object.to_value();
    json_patch::patch(&mut patched_typed, &outcome.patch).unwrap_or_else(|error| {
        panic!(
            "the patch does not apply to the parsed object: {error}\npatch: {}\n{}",
            patch_json(&outcome.patch),
            shown(raw)
        )
    });
    assert_eq!(
        patched_typed,
        mutated.to_value(),
        "the patch applied to the object does not give the mutated object\npatch: {}\n{}",
        patch_json(&outcome.patch),
        shown(raw)
    );

    // The apiserver applies the patch to the object as the user sent it,
    // not to our round trip of it: it must apply there too, and give the
    // same object.
    let mut patched_raw = raw.clone();
    json_patch::patch(&mut patched_raw, &outcome.patch).unwrap_or_else(|error| {
        panic!(
            "the patch does not apply to the object as sent: {error}\npatch: {}\n{}",
            patch_json(&outcome.patch),
            shown(raw)
        )
    });
    let reparsed = HourglassObject::from_value(&patched_raw).unwrap_or_else(|error| {
        panic!(
            "the patched object no longer parses: {error}\npatch: {}\n{}",
            patch_json(&outcome.patch),
            shown(raw)
        )
    });
    assert_eq!(
        &reparsed,
        mutated,
        "the patch applied to the object as sent does not give the mutated object\npatch: {}\n{}",
        patch_json(&outcome.patch),
        shown(raw)
    );

    // `/validate` runs after `/mutate`: what the mutation adds must not turn
    // an admitted object into a refused one.
    let after = mutated.validate(None);
    check_verdict("CREATE of the mutated object", &after, raw);
    if created.is_allowed() {
        assert!(
            after.is_allowed(),
            "the mutation made an admitted object invalid: {}\npatch: {}\n{}",
            after.denial_message(),
            patch_json(&outcome.patch),
            shown(raw)
        );
    }
}

/// Paths name a field of the object; warnings fit what kubectl shows.
fn check_verdict(operation: &str, verdict: &Verdict, raw: &Value) {
    for violation in &verdict.violations {
        assert!(
            violation.path.starts_with("spec.") || violation.path.starts_with("metadata."),
            "{operation}: violation path {:?} does not start with spec. or metadata.\n{}",
            violation.path,
            shown(raw)
        );
        assert!(
            !violation.message.trim().is_empty(),
            "{operation}: violation at {} has no message\n{}",
            violation.path,
            shown(raw)
        );
    }
    for warning in &verdict.warnings {
        let length = warning.chars().count();
        assert!(
            length <= MAX_WARNING_CHARS,
            "{operation}: warning of {length} characters (at most {MAX_WARNING_CHARS}): {warning:?}\n{}",
            shown(raw)
        );
    }
}

/// A stored object of the same kind to update from: the spec example of that kind.
fn stored_object_like(object: &HourglassObject) -> &'static HourglassObject {
    static STORED: OnceLock<(HourglassObject, HourglassObject)> = OnceLock::new();
    let (executor, performer) = STORED.get_or_init(|| {
        let examples = object_from_bytes::examples();
        let parse = |index: usize| {
            HourglassObject::from_value(&examples[index]).expect("spec examples parse")
        };
        (
            parse(object_from_bytes::MAIN_EXECUTOR),
            parse(object_from_bytes::COMPLEX_PERFORMER),
        )
    });
    match object {
        HourglassObject::Executor(_) => executor,
        HourglassObject::Performer(_) => performer,
    }
}

/// `kubernetes.defaultScheduling` of the spec's main executor.
fn executor_default_scheduling() -> &'static SchedulingConfig {
    static SCHEDULING: OnceLock<SchedulingConfig> = OnceLock::new();
    SCHEDULING.get_or_init(|| {
        let example = &object_from_bytes::examples()[object_from_bytes::MAIN_EXECUTOR];
        let executor: HourglassExecutor =
            serde_json::from_value(example.clone()).expect("spec examples parse");
        executor
            .spec
            .config
            .kubernetes
            .and_then(|kubernetes| kubernetes.default_scheduling)
            .expect("the main executor example has default scheduling")
    })
}

fn patch_json(patch: &json_patch::Patch) -> String {
    serde_json::to_string(patch).unwrap_or_default()
}

/// The object in a failure message, cut so a huge input stays readable.
fn shown(raw: &Value) -> String {
    let text = raw.to_string();
    let cut: String = text.chars().take(4000).collect();
    format!("object: {cut}")
}
