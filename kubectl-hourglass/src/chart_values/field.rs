//! A value of the chart's values read leniently, as Helm templates read
//! them (`1` for a string, `"true"` for a bool): deserializing never fails
//! on a value's shape; a wrong one is kept, and reported with its path when
//! the values are mapped, so that every problem is named at once.

use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};
use serde_yaml_ng::{Mapping, Value as Yaml};

/// A field as written: a usable value, or what was wrong with it.
#[derive(Clone, Debug, PartialEq)]
pub enum Field<T> {
    Value(T),
    Wrong(String),
}

impl<T> Field<T> {
    /// The value, or the problem recorded under `path`.
    pub fn take(self, path: &str, errors: &mut Vec<String>) -> Option<T> {
        match self {
            Field::Value(value) => Some(value),
            Field::Wrong(problem) => {
                errors.push(format!("{path}: {problem}"));
                None
            }
        }
    }
}

/// How a YAML value becomes a `T`.
pub trait Lenient: Sized {
    fn from_yaml(value: Yaml) -> Result<Self, String>;
}

impl Lenient for String {
    fn from_yaml(value: Yaml) -> Result<Self, String> {
        match value {
            Yaml::String(s) => Ok(s),
            Yaml::Number(n) => Ok(n.to_string()),
            Yaml::Bool(b) => Ok(b.to_string()),
            _ => Err("expected a string".to_string()),
        }
    }
}

impl Lenient for bool {
    fn from_yaml(value: Yaml) -> Result<Self, String> {
        match value {
            Yaml::Bool(b) => Ok(b),
            Yaml::String(s) if s == "true" || s == "false" => Ok(s == "true"),
            _ => Err("expected true or false".to_string()),
        }
    }
}

impl Lenient for i64 {
    fn from_yaml(value: Yaml) -> Result<Self, String> {
        match value {
            Yaml::Number(n) if n.as_i64().is_some() => Ok(n.as_i64().unwrap_or_default()),
            Yaml::String(s) if s.parse::<i64>().is_ok() => Ok(s.parse().unwrap_or_default()),
            _ => Err("expected a whole number".to_string()),
        }
    }
}

impl Lenient for Mapping {
    fn from_yaml(value: Yaml) -> Result<Self, String> {
        match value {
            Yaml::Mapping(map) => Ok(map),
            _ => Err("expected a map".to_string()),
        }
    }
}

/// A Kubernetes type (resources, tolerations, a node selector), read by its
/// own serde shape.
#[derive(Clone, Debug, PartialEq)]
pub struct Typed<T>(pub T);

impl<T: DeserializeOwned> Lenient for Typed<T> {
    fn from_yaml(value: Yaml) -> Result<Self, String> {
        serde_yaml_ng::from_value(value)
            .map(Typed)
            .map_err(|e| e.to_string())
    }
}

impl<'de, T: Lenient> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Yaml::deserialize(deserializer)?;
        let _: PhantomData<T> = PhantomData;
        Ok(match T::from_yaml(value) {
            Ok(value) => Field::Value(value),
            Err(problem) => Field::Wrong(problem),
        })
    }
}
