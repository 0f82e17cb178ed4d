//! The input format of the `rules_and_mutation` target: fuzzer bytes to one
//! JSON object, reaching deep into the rules.
//!
//! Raw JSON mutated byte by byte rarely stays JSON, and even more rarely
//! grows a new toleration or a second chain. So an input is a JSON document,
//! a NUL byte, then an edit script:
//!
//! ```text
//! <JSON text> [0x00 <edit script>]
//! ```
//!
//! With no JSON text, the first script byte picks one of the spec examples
//! as the start. Each edit walks from the root, guided by the CRD's OpenAPI
//! schema (so it can create fields the object does not have yet), and sets,
//! removes, duplicates, tweaks or copies what it lands on. A byte past the
//! end of the script reads as 0, so every byte string is a valid input.
//!
//! The seeds are the spec examples as JSON text with no script, which keeps
//! a regression input readable when the JSON part is what matters.
//!
//! Shared by the fuzz target and `shared/tests/fuzz_regressions.rs`
//! (`#[path]`-included), so both decode an input the same way. Only
//! `serde_json` and `serde_yaml_ng` are used: both crates have them.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_json::{Map, Value, json};

// Explicit paths: this file is also `#[path]`-included by
// `shared/tests/fuzz_regressions.rs`, and both must find its parts here.
#[path = "byte_reader.rs"]
mod byte_reader;
#[path = "edge_values.rs"]
mod edge_values;

use byte_reader::ByteReader;
use schemas::schema_for;
#[path = "schemas.rs"]
mod schemas;

use edge_values::{EDGE_INTEGERS, EDGE_KEYS, EDGE_STRINGS, vocabulary};

/// Edits per input; more only makes inputs slower, not deeper.
const MAX_EDITS: usize = 24;
/// How deep a walk goes from the root (the deepest schema path is ~10).
const MAX_DEPTH: usize = 14;
/// How deep a generated value nests.
const MAX_GENERATED_DEPTH: usize = 4;
/// Largest value a copy edit moves, in JSON nodes: copying a subtree into
/// itself would otherwise double the object on every edit.
const MAX_COPIED_NODES: usize = 64;

/// Indexes into [`examples`].
pub const MAIN_EXECUTOR: usize = 1;
pub const COMPLEX_PERFORMER: usize = 3;

const EXAMPLES: [&str; 4] = [
    include_str!("../../manifests/examples/minimal-executor.yaml"),
    include_str!("../../manifests/examples/main-executor.yaml"),
    include_str!("../../manifests/examples/minimal-performer.yaml"),
    include_str!("../../manifests/examples/complex-performer.yaml"),
];
const EXECUTOR_CRD: &str = include_str!("../../manifests/crds/hourglassexecutors.yaml");
const PERFORMER_CRD: &str = include_str!("../../manifests/crds/performers.yaml");

/// Decodes one fuzz input; `None` when its JSON text does not parse.
pub fn build(data: &[u8]) -> Option<Value> {
    let (json_text, script) = match data.iter().position(|&byte| byte == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &data[data.len()..]),
    };
    let mut reader = ByteReader::new(script);
    let mut value = if json_text.iter().all(u8::is_ascii_whitespace) {
        let examples = examples();
        examples[usize::from(reader.byte()) % examples.len()].clone()
    } else {
        serde_json::from_slice(json_text).ok()?
    };
    for _ in 0..MAX_EDITS {
        if reader.is_empty() {
            break;
        }
        edit(&mut value, &mut reader);
    }
    Some(value)
}

/// The spec examples as JSON values, in the order of [`EXAMPLES`].
pub fn examples() -> &'static [Value] {
    static PARSED: OnceLock<Vec<Value>> = OnceLock::new();
    PARSED.get_or_init(|| {
        EXAMPLES
            .iter()
            .map(|text| serde_yaml_ng::from_str(text).expect("spec examples are YAML"))
            .collect()
    })
}

fn edit(root: &mut Value, reader: &mut ByteReader<'_>) {
    let schema = schema_for(root);
    match reader.byte() % 8 {
        // Setting a well-typed value is what reaches the rules, so it is the most likely edit.
        0..=2 => {
            let (target, schema) = walk(root, schema, reader);
            *target = generate(schema, reader, 0);
        }
        3 => {
            let (target, _) = walk(root, schema, reader);
            *target = generate_untyped(reader, 0);
        }
        4 => remove_child(root, schema, reader),
        5 => {
            let (target, _) = walk(root, schema, reader);
            if let Value::Array(items) = target
                && !items.is_empty()
            {
                let copy = reader.pick(items).clone();
                items.push(copy);
            }
        }
        6 => {
            let (target, _) = walk(root, schema, reader);
            tweak(target, reader);
        }
        _ => {
            let (source, _) = walk(root, schema, reader);
            let copy = source.clone();
            if node_count(&copy, MAX_COPIED_NODES + 1) <= MAX_COPIED_NODES {
                let (target, _) = walk(root, schema, reader);
                *target = copy;
            }
        }
    }
}

/// Goes down from `value` one child at a time until a byte says stop, a
/// scalar is reached or the depth runs out. A child the schema knows but the
/// object lacks is created (empty) on the way.
fn walk<'v>(
    mut value: &'v mut Value,
    mut schema: Option<&'static Value>,
    reader: &mut ByteReader<'_>,
) -> (&'v mut Value, Option<&'static Value>) {
    for _ in 0..MAX_DEPTH {
        if reader.byte().is_multiple_of(4) {
            break;
        }
        match value {
            Value::Object(map) => {
                let key = choose_key(map, schema, reader);
                let child_schema = child_schema(schema, &key);
                value = map.entry(key).or_insert_with(|| empty_like(child_schema));
                schema = child_schema;
            }
            Value::Array(items) => {
                let child_schema = schema.and_then(|s| s.get("items"));
                let index = usize::from(reader.byte()) % (items.len() + 1);
                if index == items.len() {
                    items.push(empty_like(child_schema));
                }
                value = &mut items[index];
                schema = child_schema;
            }
            scalar => return (scalar, schema),
        }
    }
    (value, schema)
}

/// Removes one child of the container a walk lands on.
fn remove_child(root: &mut Value, schema: Option<&'static Value>, reader: &mut ByteReader<'_>) {
    let (target, _) = walk(root, schema, reader);
    match target {
        Value::Object(map) if !map.is_empty() => {
            let keys: Vec<String> = map.keys().cloned().collect();
            map.remove(reader.pick(&keys));
        }
        Value::Array(items) if !items.is_empty() => {
            let index = usize::from(reader.byte()) % items.len();
            items.remove(index);
        }
        _ => {}
    }
}

/// An existing key, a key the schema knows, or (for free-form maps) a new one.
fn choose_key(
    map: &Map<String, Value>,
    schema: Option<&'static Value>,
    reader: &mut ByteReader<'_>,
) -> String {
    let mut keys: BTreeSet<&str> = map.keys().map(String::as_str).collect();
    if let Some(properties) = schema.and_then(|s| s.get("properties")?.as_object()) {
        keys.extend(properties.keys().map(String::as_str));
    }
    let free_form = schema.is_none_or(|s| s.get("properties").is_none());
    let keys: Vec<&str> = keys.into_iter().collect();
    let slots = keys.len() + usize::from(free_form);
    let choice = usize::from(reader.byte()) % slots.max(1);
    match keys.get(choice) {
        Some(key) => (*key).to_string(),
        None => (*reader.pick(EDGE_KEYS)).to_string(),
    }
}

fn child_schema(schema: Option<&'static Value>, key: &str) -> Option<&'static Value> {
    let schema = schema?;
    schema
        .get("properties")
        .and_then(|properties| properties.get(key))
        .or_else(|| schema.get("additionalProperties").filter(|s| s.is_object()))
}

/// What a missing field is created as before the walk goes into it.
fn empty_like(schema: Option<&Value>) -> Value {
    match schema_type(schema) {
        Some("object") => Value::Object(Map::new()),
        Some("array") => Value::Array(Vec::new()),
        _ => Value::Null,
    }
}

fn schema_type(schema: Option<&Value>) -> Option<&str> {
    schema?.get("type")?.as_str()
}

/// A value of the type the schema asks for; one in eight ignores it, so
/// wrong types reach the parser too.
fn generate(schema: Option<&Value>, reader: &mut ByteReader<'_>, depth: usize) -> Value {
    let Some(schema) = schema else {
        return generate_untyped(reader, depth);
    };
    let choice = reader.byte();
    if choice % 8 == 7 {
        return generate_untyped(reader, depth);
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.is_empty()
        && choice.is_multiple_of(2)
    {
        return reader.pick(options).clone();
    }
    let int_or_string = schema.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true));
    match schema_type(Some(schema)) {
        Some("string") => Value::String(generate_string(reader)),
        Some("integer") => json!(generate_integer(reader)),
        Some("number") => json!(generate_integer(reader) as f64 / 4.0),
        Some("boolean") => Value::Bool(reader.byte() % 2 == 1),
        Some("object") => generate_object(schema, reader, depth),
        Some("array") => {
            let count = if depth >= MAX_GENERATED_DEPTH {
                0
            } else {
                reader.byte() % 3
            };
            let items = schema.get("items");
            Value::Array(
                (0..count)
                    .map(|_| generate(items, reader, depth + 1))
                    .collect(),
            )
        }
        _ if int_or_string && choice % 4 == 1 => json!(generate_integer(reader)),
        _ if int_or_string => Value::String(generate_string(reader)),
        _ => generate_untyped(reader, depth),
    }
}

/// The required properties, then up to three others.
fn generate_object(schema: &Value, reader: &mut ByteReader<'_>, depth: usize) -> Value {
    let mut map = Map::new();
    if depth >= MAX_GENERATED_DEPTH {
        return Value::Object(map);
    }
    let properties = schema.get("properties").and_then(Value::as_object);
    let required = schema.get("required").and_then(Value::as_array);
    for name in required.into_iter().flatten().filter_map(Value::as_str) {
        let property = properties.and_then(|p| p.get(name));
        map.insert(name.to_string(), generate(property, reader, depth + 1));
    }
    for _ in 0..reader.byte() % 4 {
        match properties {
            Some(properties) if !properties.is_empty() => {
                let names: Vec<&String> = properties.keys().collect();
                let name = *reader.pick(&names);
                let value = generate(properties.get(name), reader, depth + 1);
                map.insert(name.clone(), value);
            }
            _ => {
                let key = (*reader.pick(EDGE_KEYS)).to_string();
                let value = generate(schema.get("additionalProperties"), reader, depth + 1);
                map.insert(key, value);
            }
        }
    }
    Value::Object(map)
}

/// Any JSON value, with no schema to follow.
fn generate_untyped(reader: &mut ByteReader<'_>, depth: usize) -> Value {
    match reader.byte() % 8 {
        0 => Value::Null,
        1 => Value::Bool(reader.byte() % 2 == 1),
        2 => json!(generate_integer(reader)),
        3 => json!(f64::from(reader.byte()) / 8.0 - 4.0),
        4 | 5 => Value::String(generate_string(reader)),
        6 if depth < MAX_GENERATED_DEPTH => {
            let count = reader.byte() % 3;
            Value::Array(
                (0..count)
                    .map(|_| generate_untyped(reader, depth + 1))
                    .collect(),
            )
        }
        _ if depth < MAX_GENERATED_DEPTH => {
            let mut map = Map::new();
            for _ in 0..reader.byte() % 3 {
                let key = (*reader.pick(EDGE_KEYS)).to_string();
                map.insert(key, generate_untyped(reader, depth + 1));
            }
            Value::Object(map)
        }
        _ => Value::Null,
    }
}

/// An edge string, a string from the examples or the CRDs' enums, raw
/// bytes (lossy UTF-8), or a long repetition.
fn generate_string(reader: &mut ByteReader<'_>) -> String {
    match reader.byte() % 6 {
        0 | 1 => (*reader.pick(EDGE_STRINGS)).to_string(),
        2 | 3 => reader.pick(vocabulary()).clone(),
        4 => {
            let length = usize::from(reader.byte() % 64);
            String::from_utf8_lossy(reader.take(length)).into_owned()
        }
        _ => {
            let unit = *reader.pick(EDGE_STRINGS);
            let unit = if unit.is_empty() { "x" } else { unit };
            let repeat = 1 + usize::from(reader.byte());
            unit.repeat(repeat)
        }
    }
}

fn generate_integer(reader: &mut ByteReader<'_>) -> i64 {
    match reader.byte() % 3 {
        0 | 1 => *reader.pick(EDGE_INTEGERS),
        _ => {
            let mut bytes = [0u8; 8];
            let taken = reader.take(8);
            bytes[..taken.len()].copy_from_slice(taken);
            i64::from_le_bytes(bytes)
        }
    }
}

/// Small changes that keep a value nearly valid: the kind of edit that
/// finds off-by-one rules.
fn tweak(value: &mut Value, reader: &mut ByteReader<'_>) {
    match value {
        Value::String(text) => match reader.byte() % 6 {
            0 => text.push(char::from(reader.byte())),
            1 => {
                let keep = text.chars().count().saturating_sub(1);
                *text = text.chars().take(keep).collect();
            }
            2 => *text = text.to_uppercase(),
            3 => {
                let edge = *reader.pick(EDGE_STRINGS);
                text.insert_str(0, edge);
            }
            4 => {
                let edge = *reader.pick(EDGE_STRINGS);
                text.push_str(edge);
            }
            _ => *text = text.repeat(2),
        },
        Value::Number(number) => {
            let current = number.as_i64().unwrap_or_default();
            *value = match reader.byte() % 5 {
                0 => json!(current.wrapping_add(1)),
                1 => json!(current.wrapping_sub(1)),
                2 => json!(current.wrapping_neg()),
                3 => json!(current.wrapping_mul(1000)),
                _ => json!(current as f64 + 0.5),
            };
        }
        Value::Bool(flag) => *flag = !*flag,
        other => *other = generate_untyped(reader, 0),
    }
}

/// The number of JSON nodes in `value`, counting no further than just past `limit`.
fn node_count(value: &Value, limit: usize) -> usize {
    let mut count = 0;
    let mut pending = vec![value];
    while let Some(node) = pending.pop() {
        count += 1;
        if count > limit {
            break;
        }
        match node {
            Value::Object(map) => pending.extend(map.values()),
            Value::Array(items) => pending.extend(items.iter()),
            _ => {}
        }
    }
    count
}
