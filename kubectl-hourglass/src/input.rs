//! Reading objects from `-f FILE|DIR|-`: YAML or JSON, several documents per
//! file, `kind: List` expanded, directories read in name order.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

/// One object read from a source.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The file as given (or `-` for stdin).
    pub source: String,
    /// 1-based position of the document in its source.
    pub index: usize,
    pub value: Value,
}

/// A document that could not be read or parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub source: String,
    pub message: String,
}

pub type ReadDocument = Result<Document, InputError>;

/// Reads every source; each entry is a document or what went wrong with it.
pub fn read_all(sources: &[String], recursive: bool, stdin: &mut dyn Read) -> Vec<ReadDocument> {
    let mut out = Vec::new();
    for source in sources {
        if source == "-" {
            let mut text = String::new();
            match stdin.read_to_string(&mut text) {
                Ok(_) => out.extend(parse_documents("-", &text)),
                Err(e) => out.push(Err(InputError {
                    source: "-".to_string(),
                    message: format!("cannot read standard input: {e}"),
                })),
            }
            continue;
        }
        let path = Path::new(source);
        if path.is_dir() {
            match files_in(path, recursive) {
                Ok(files) if files.is_empty() => out.push(Err(InputError {
                    source: source.clone(),
                    message: "no .yaml, .yml or .json files in this directory".to_string(),
                })),
                Ok(files) => {
                    for file in files {
                        out.extend(read_file(&file.display().to_string(), &file));
                    }
                }
                Err(e) => out.push(Err(InputError {
                    source: source.clone(),
                    message: format!("cannot read directory: {e}"),
                })),
            }
        } else {
            out.extend(read_file(source, path));
        }
    }
    out
}

fn read_file(source: &str, path: &Path) -> Vec<ReadDocument> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_documents(source, &text),
        Err(e) => vec![Err(InputError {
            source: source.to_string(),
            message: format!("cannot read file: {e}"),
        })],
    }
}

fn files_in(dir: &Path, recursive: bool) -> std::io::Result<Vec<PathBuf>> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    entries.sort();
    let mut files = Vec::new();
    for path in entries {
        if path.is_dir() {
            if recursive {
                files.extend(files_in(&path, true)?);
            }
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        {
            files.push(path);
        }
    }
    Ok(files)
}

/// Splits YAML (or JSON) text into documents, skipping empty ones and
/// expanding `kind: List`.
pub fn parse_documents(source: &str, text: &str) -> Vec<ReadDocument> {
    let mut out = Vec::new();
    for (i, document) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let index = i + 1;
        match Value::deserialize(document) {
            Ok(Value::Null) => {}
            Ok(Value::Object(map))
                if map.get("kind").and_then(Value::as_str) == Some("List")
                    && map.get("items").is_some_and(Value::is_array) =>
            {
                if let Some(Value::Array(items)) = map.get("items") {
                    out.extend(items.iter().map(|item| {
                        Ok(Document {
                            source: source.to_string(),
                            index,
                            value: item.clone(),
                        })
                    }));
                }
            }
            Ok(value @ Value::Object(_)) => out.push(Ok(Document {
                source: source.to_string(),
                index,
                value,
            })),
            Ok(_) => out.push(Err(InputError {
                source: source.to_string(),
                message: format!("document {index} is not an object"),
            })),
            Err(e) => {
                out.push(Err(InputError {
                    source: source.to_string(),
                    message: format!("document {index}: {e}"),
                }));
                // The YAML stream cannot be resumed after a syntax error.
                break;
            }
        }
    }
    out
}

/// `Kind/name` of a document for messages, as far as it can be told.
pub fn describe(value: &Value) -> String {
    let kind = value
        .get("kind")
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty())
        .unwrap_or("<no kind>");
    let name = value
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .or_else(|| {
            value
                .pointer("/metadata/generateName")
                .and_then(Value::as_str)
        })
        .unwrap_or("<no name>");
    format!("{kind}/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_documents_and_lists() {
        let text = "---\nkind: A\nmetadata: {name: a}\n---\n---\nkind: List\nitems:\n- {kind: B}\n- {kind: C}\n";
        let docs: Vec<_> = parse_documents("f.yaml", text)
            .into_iter()
            .map(|d| d.unwrap())
            .collect();
        assert_eq!(docs.len(), 3);
        assert_eq!(describe(&docs[0].value), "A/a");
        assert_eq!(describe(&docs[2].value), "C/<no name>");
        assert_eq!(docs[1].index, 3);
    }

    #[test]
    fn json_is_yaml() {
        let docs = parse_documents(
            "f.json",
            r#"{"kind": "Performer", "metadata": {"name": "p"}}"#,
        );
        assert_eq!(describe(&docs[0].as_ref().unwrap().value), "Performer/p");
    }

    #[test]
    fn syntax_errors_name_the_document() {
        let docs = parse_documents("f.yaml", "kind: A\n---\nkind: [unclosed\n");
        assert!(docs[0].is_ok());
        let error = docs[1].as_ref().unwrap_err();
        assert!(error.message.starts_with("document 2:"), "{error:?}");
    }

    #[test]
    fn scalars_are_not_objects() {
        let docs = parse_documents("f.yaml", "just text\n");
        assert_eq!(
            docs[0].as_ref().unwrap_err().message,
            "document 1 is not an object"
        );
    }
}
