//! Writes the committed seed corpus and the libFuzzer dictionary from the
//! spec examples (`manifests/examples/*.yaml`):
//!
//! - `seeds/rules_and_mutation/<example>.json`: each example as JSON text
//!   (the input format of `object_from_bytes` with no edit script);
//! - `seeds/review_handler/<example>-<operation>.json`: AdmissionReviews
//!   wrapping each example as the apiserver sends them (CREATE, UPDATE,
//!   DELETE, and CREATE in admission.k8s.io/v1beta1), from the webhook's
//!   own `review_fixture`;
//! - `seeds/review_handler/rules-regression-<name>.json`: the object of each
//!   `regressions/rules_and_mutation/` input, as a CREATE review;
//! - `dicts/json.dict`: every key and string of the examples and the review
//!   envelope, quoted as they appear in JSON.
//!
//! Run it after changing an example:
//! `cargo run --manifest-path fuzz/Cargo.toml --example write_seeds`.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use hourglass_fuzz::object_from_bytes;
use hourglass_fuzz::review_invariants::NAMESPACE;
use hourglass_shared::Operation;
use hourglass_webhook::request::ReviewVersion;
use hourglass_webhook::review_fixture::ReviewFixture;
use serde_json::{Value, json};

const EXAMPLE_NAMES: [&str; 4] = [
    "minimal-executor",
    "main-executor",
    "minimal-performer",
    "complex-performer",
];

/// Words of the review envelope the examples do not contain.
const ENVELOPE_WORDS: &[&str] = &[
    "apiVersion",
    "kind",
    "request",
    "response",
    "uid",
    "operation",
    "object",
    "oldObject",
    "dryRun",
    "options",
    "CreateOptions",
    "UpdateOptions",
    "DeleteOptions",
    "meta.k8s.io/v1",
    "userInfo",
    "resource",
    "requestKind",
    "group",
    "version",
    "admission.k8s.io/v1",
    "admission.k8s.io/v1beta1",
    "AdmissionReview",
    "hourglass.eigenlayer.io",
    "v1alpha1",
    "CREATE",
    "UPDATE",
    "DELETE",
    "CONNECT",
    "deletionTimestamp",
    "2024-01-01T00:00:00Z",
    NAMESPACE,
];

/// libFuzzer ignores dictionary entries longer than this.
const MAX_DICT_ENTRY: usize = 64;

fn main() -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let examples = object_from_bytes::examples();

    let rules_dir = fresh_dir(&root.join("seeds/rules_and_mutation"))?;
    for (name, example) in EXAMPLE_NAMES.iter().zip(examples) {
        write(
            &rules_dir.join(format!("{name}.json")),
            &example.to_string(),
        )?;
    }

    let review_dir = fresh_dir(&root.join("seeds/review_handler"))?;
    for (index, (name, example)) in EXAMPLE_NAMES.iter().zip(examples).enumerate() {
        let uid = format!("00000000-0000-4000-8000-{index:012}");
        let example = in_namespace(example);
        let reviews = [
            (
                "create",
                ReviewFixture::new(Operation::Create, Some(&example), None),
            ),
            (
                "update",
                ReviewFixture::new(Operation::Update, Some(&example), Some(&example)),
            ),
            (
                "delete",
                ReviewFixture::new(Operation::Delete, None, Some(&example)),
            ),
            (
                "create-v1beta1",
                ReviewFixture::new(Operation::Create, Some(&example), None)
                    .version(ReviewVersion::V1Beta1),
            ),
        ];
        for (operation, review) in reviews {
            write(
                &review_dir.join(format!("{name}-{operation}.json")),
                &seed_review(review, &uid),
            )?;
        }
    }

    // The objects behind the rules target's crashes, as reviews: the same
    // bugs seen through HTTP (each is now refused, naming the field).
    let regressions = root.join("regressions/rules_and_mutation");
    let mut found = fs::read_dir(&regressions)
        .map_err(|e| format!("{}: {e}", regressions.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.is_file()
                && !path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect::<Vec<_>>();
    found.sort();
    let mut regression_reviews = 0;
    for path in &found {
        let data = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let Some(object) = object_from_bytes::build(&data) else {
            continue;
        };
        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
        let uid = format!("00000000-0000-4000-9000-{regression_reviews:012}");
        let object = in_namespace(&object);
        let review = ReviewFixture::new(Operation::Create, Some(&object), None);
        write(
            &review_dir.join(format!("rules-regression-{stem}.json")),
            &seed_review(review, &uid),
        )?;
        regression_reviews += 1;
    }

    let mut words: BTreeSet<String> = ENVELOPE_WORDS.iter().map(|w| w.to_string()).collect();
    for example in examples {
        collect_words(example, &mut words);
    }
    let dict: String = words
        .iter()
        .map(|word| Value::String(word.clone()).to_string())
        .filter(|quoted| quoted.len() <= MAX_DICT_ENTRY)
        .map(|quoted| format!("\"{}\"\n", dict_escape(&quoted)))
        .collect();
    fs::create_dir_all(root.join("dicts")).map_err(|e| format!("dicts/: {e}"))?;
    write(&root.join("dicts/json.dict"), &dict)?;
    println!(
        "wrote {} rules seeds, {} review seeds, {} dictionary words",
        EXAMPLE_NAMES.len(),
        EXAMPLE_NAMES.len() * 4 + regression_reviews,
        dict.lines().count()
    );
    Ok(())
}

/// `object` in the seeds' namespace, as the apiserver fills it in before admission.
fn in_namespace(object: &Value) -> Value {
    let mut object = object.clone();
    object["metadata"]["namespace"] = json!(NAMESPACE);
    object
}

/// The text of a seed: `review` with its uid, in the seeds' namespace.
fn seed_review(review: ReviewFixture<'_>, uid: &str) -> String {
    review.uid(uid).namespace(NAMESPACE).to_json().to_string()
}

fn collect_words(value: &Value, words: &mut BTreeSet<String>) {
    match value {
        Value::String(text) => {
            words.insert(text.clone());
        }
        Value::Array(items) => items.iter().for_each(|item| collect_words(item, words)),
        Value::Object(map) => {
            for (key, item) in map {
                words.insert(key.clone());
                collect_words(item, words);
            }
        }
        _ => {}
    }
}

/// libFuzzer's dictionary syntax: `\\`, `\"` and `\xNN` for anything not printable.
fn dict_escape(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'\\' => "\\\\".to_string(),
            b'"' => "\\\"".to_string(),
            0x20..=0x7e => char::from(byte).to_string(),
            _ => format!("\\x{byte:02X}"),
        })
        .collect()
}

/// `dir`, emptied of what an earlier run wrote.
fn fresh_dir(dir: &Path) -> Result<PathBuf, String> {
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir.to_path_buf())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
