//! `-o custom-columns=HEADER:PATH,...`: one column per path, evaluated on
//! each object as kubectl does: several results joined by `,`, none shown
//! as `<none>`; headers as written.

use serde_json::Value;

use super::jsonpath::{Path, text_of};

#[derive(Clone, Debug, PartialEq)]
pub struct Columns {
    columns: Vec<(String, Path)>,
}

const EXAMPLE: &str = "-o custom-columns=NAME:.metadata.name,IMAGE:.spec.image";

impl Columns {
    /// Parses `NAME:.metadata.name,IMAGE:{.spec.image}`.
    pub fn parse(spec: &str) -> Result<Columns, String> {
        if spec.trim().is_empty() {
            return Err(format!(
                "custom-columns needs at least one HEADER:PATH, e.g. {EXAMPLE}"
            ));
        }
        let mut columns = Vec::new();
        for part in spec.split(',') {
            let Some((header, path)) = part.split_once(':') else {
                return Err(format!(
                    "custom-columns: {part:?} is not HEADER:PATH, e.g. {EXAMPLE}"
                ));
            };
            if header.is_empty() || path.is_empty() {
                return Err(format!(
                    "custom-columns: {part:?} needs both a header and a path, e.g. {EXAMPLE}"
                ));
            }
            let path = Path::parse(&massage(path))
                .map_err(|e| format!("custom-columns: column {header}: {e}"))?;
            columns.push((header.to_string(), path));
        }
        Ok(Columns { columns })
    }

    pub fn headers(&self) -> Vec<String> {
        self.columns
            .iter()
            .map(|(header, _)| header.clone())
            .collect()
    }

    /// The cells of one object.
    pub fn cells(&self, item: &Value) -> Vec<String> {
        self.columns
            .iter()
            .map(|(_, path)| {
                let found = path.eval(item);
                if found.is_empty() {
                    "<none>".to_string()
                } else {
                    found.into_iter().map(text_of).collect::<Vec<_>>().join(",")
                }
            })
            .collect()
    }
}

/// kubectl takes `metadata.name` for `.metadata.name` in a column.
pub fn massage(path: &str) -> String {
    let path = path.trim();
    let inner = path
        .strip_prefix('{')
        .and_then(|p| p.strip_suffix('}'))
        .unwrap_or(path);
    if inner.starts_with(['.', '[', '$', '@']) {
        inner.to_string()
    } else {
        format!(".{inner}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_follow_kubectl() {
        let columns =
            Columns::parse("NAME:.metadata.name,Image:{.spec.image},PORTS:spec.ports[*],X:.nope")
                .unwrap();
        assert_eq!(columns.headers(), ["NAME", "Image", "PORTS", "X"]);
        let item = json!({"metadata": {"name": "a"}, "spec": {"image": "i:1", "ports": [80, 443]}});
        assert_eq!(columns.cells(&item), ["a", "i:1", "80,443", "<none>"]);
    }

    #[test]
    fn bad_specs_show_an_example() {
        for (spec, expected) in [
            ("", "at least one"),
            ("NAME", "is not HEADER:PATH"),
            ("NAME:", "needs both"),
            ("NAME:.items[", "column NAME"),
        ] {
            let error = Columns::parse(spec).unwrap_err();
            assert!(error.contains(expected), "{spec}: {error}");
            if expected != "column NAME" {
                assert!(error.contains(EXAMPLE), "{error}");
            }
        }
    }
}
