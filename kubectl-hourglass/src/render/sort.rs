//! `--sort-by PATH`: the order of objects by the first value `PATH` finds
//! in each, as kubectl sorts: numbers by value, strings by text, objects
//! without the field first; stable, so equal keys keep the listing's order.

use std::cmp::Ordering;

use serde_json::Value;

use super::custom_columns::massage;
use super::jsonpath::Path;

#[derive(Clone, Debug, PartialEq)]
pub struct SortBy {
    text: String,
    path: Path,
}

impl SortBy {
    /// `.metadata.name`, `{.metadata.name}` or `metadata.name`.
    pub fn parse(text: &str) -> Result<SortBy, String> {
        let path = Path::parse(&massage(text))
            .map_err(|e| format!("--sort-by {text}: {e}; e.g. --sort-by .metadata.name"))?;
        Ok(SortBy {
            text: text.to_string(),
            path,
        })
    }

    /// Indexes of `items` in sorted order; an error when no item has the
    /// field (a typo, most likely), as kubectl says.
    pub fn order(&self, items: &[Value]) -> Result<Vec<usize>, String> {
        self.check(items.iter())?;
        Ok(self.order_unchecked(items))
    }

    /// An error when `items` are some and none has the field.
    pub fn check<'a>(&self, mut items: impl Iterator<Item = &'a Value>) -> Result<(), String> {
        let mut any = false;
        let found = items.any(|item| {
            any = true;
            !self.path.eval(item).is_empty()
        });
        if any && !found {
            return Err(format!(
                "--sort-by {}: no object has this field; the paths are those of -o json, e.g. --sort-by .metadata.creationTimestamp",
                self.text
            ));
        }
        Ok(())
    }

    /// Indexes of `items` in sorted order, those without the field first.
    pub fn order_unchecked(&self, items: &[Value]) -> Vec<usize> {
        let keys: Vec<Option<&Value>> = items
            .iter()
            .map(|item| self.path.eval(item).into_iter().next())
            .collect();
        let mut order: Vec<usize> = (0..items.len()).collect();
        order.sort_by(|a, b| compare(keys[*a], keys[*b]));
        order
    }
}

fn compare(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(Value::Number(x)), Some(Value::Number(y))) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
        (Some(Value::Bool(x)), Some(Value::Bool(y))) => x.cmp(y),
        (Some(x), Some(y)) => x.to_string().cmp(&y.to_string()),
    }
}

/// `items` put in `order` (from [`SortBy::order`]).
pub fn permute<T>(items: Vec<T>, order: &[usize]) -> Vec<T> {
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order.iter().filter_map(|i| slots[*i].take()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_by_value_strings_by_text_missing_first() {
        let items = vec![
            json!({"n": 10, "s": "b"}),
            json!({"n": 9, "s": "a"}),
            json!({}),
            json!({"n": 100, "s": "c"}),
        ];
        let by_n = SortBy::parse(".n").unwrap().order(&items).unwrap();
        assert_eq!(by_n, [2, 1, 0, 3]);
        let by_s = SortBy::parse("{.s}").unwrap().order(&items).unwrap();
        assert_eq!(by_s, [2, 1, 0, 3]);
        assert_eq!(
            permute(vec!["w", "x", "y", "z"], &by_n),
            ["y", "x", "w", "z"]
        );
    }

    #[test]
    fn a_field_no_object_has_is_an_error() {
        let error = SortBy::parse(".spec.imag")
            .unwrap()
            .order(&[json!({"spec": {"image": "x"}})])
            .unwrap_err();
        assert!(
            error.contains("--sort-by .spec.imag: no object has this field"),
            "{error}"
        );
        assert!(
            SortBy::parse(".items[")
                .unwrap_err()
                .starts_with("--sort-by .items[")
        );
    }
}
