//! The executor chart's values as serde structs: the shape of
//! `shared/spec/executor-helm-chart.md`, each scalar a lenient `Field`.
//! Keys these structs do not name are collected while reading (with
//! `serde_ignored`) and listed in a note: they have no HourglassExecutor or
//! Performer field.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use k8s_openapi::api::core::v1::{ResourceRequirements, Toleration};
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use super::field::{Field, Typed};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a map of chart values")]
pub struct ChartValues {
    pub executor: Option<ExecutorValues>,
    pub aggregator: Option<AggregatorValues>,
    pub chains: Option<InOrder<ChainValues>>,
    pub avs: Option<AvsValues>,
    pub secrets: Option<SecretValues>,
    pub scheduling: Option<ExecutorScheduling>,
    pub image: Option<ImageValue>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a map")]
pub struct ExecutorValues {
    pub name: Option<Field<String>>,
    pub replica_count: Option<Field<i64>>,
    pub resources: Option<Field<Typed<ResourceRequirements>>>,
    pub image: Option<ImageValue>,
    pub env: Option<ExecutorEnv>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a map")]
pub struct ExecutorEnv {
    pub log_level: Option<Field<String>>,
}

/// `image: repo:tag`, or `image: {registry, repository, tag}`.
#[derive(Debug)]
pub enum ImageValue {
    Reference(String),
    Parts(ImageParts),
}

impl<'de> Deserialize<'de> for ImageValue {
    // By hand rather than `untagged`, which buffers the map and so would
    // hide its unknown keys from the note.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Either;
        impl<'de> Visitor<'de> for Either {
            type Value = ImageValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an image reference or {repository, tag}")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<ImageValue, E> {
                Ok(ImageValue::Reference(text.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ImageValue, A::Error> {
                ImageParts::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(ImageValue::Parts)
            }
        }
        deserializer.deserialize_any(Either)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a map")]
pub struct ImageParts {
    pub registry: Option<Field<String>>,
    pub repository: Option<Field<String>>,
    pub tag: Option<Field<String>>,
    /// Known (so not listed as ignored) but not used: the chart's pull
    /// policy is for its own pods.
    #[serde(rename = "pullPolicy")]
    _pull_policy: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a map")]
pub struct ExecutorScheduling {
    pub node_selector: Option<Field<Typed<BTreeMap<String, String>>>>,
    pub tolerations: Option<Field<Typed<Vec<Toleration>>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a map")]
pub struct AggregatorValues {
    pub endpoint: Option<Field<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(
    rename_all = "camelCase",
    expecting = "a map with rpcUrl and taskMailboxAddress"
)]
pub struct ChainValues {
    pub enabled: Option<Field<bool>>,
    pub rpc_url: Option<Field<String>>,
    pub task_mailbox_address: Option<Field<String>>,
    pub chain_id: Option<Field<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a map")]
pub struct SecretValues {
    pub operator_keys: Option<OperatorKeyValues>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a map")]
pub struct OperatorKeyValues {
    pub ecdsa_private_key: Option<Field<String>>,
    pub bls_private_key: Option<Field<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a map")]
pub struct AvsValues {
    pub supported_avs: Option<Vec<SupportedAvs>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(
    rename_all = "camelCase",
    expecting = "a map with address, name and performer"
)]
pub struct SupportedAvs {
    pub address: Option<Field<String>>,
    pub name: Option<Field<String>>,
    pub performer: Option<PerformerValues>,
    pub resources: Option<Field<Typed<ResourceRequirements>>>,
    pub hardware: Option<HardwareValues>,
    pub scheduling: Option<PerformerScheduling>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a map")]
pub struct PerformerValues {
    pub image: Option<Field<String>>,
    pub version: Option<Field<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a map")]
pub struct HardwareValues {
    pub gpu: Option<GpuValues>,
    pub tee: Option<TeeValues>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a map")]
pub struct GpuValues {
    pub required: Option<Field<bool>>,
    #[serde(rename = "type")]
    pub type_: Option<Field<String>>,
    pub count: Option<Field<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a map")]
pub struct TeeValues {
    pub required: Option<Field<bool>>,
    #[serde(rename = "type")]
    pub type_: Option<Field<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a map")]
pub struct PerformerScheduling {
    pub node_selector: Option<Field<Typed<BTreeMap<String, String>>>>,
    pub tolerations: Option<Field<Typed<Vec<Toleration>>>>,
    pub runtime_class: Option<Field<String>>,
}

/// A map whose keys keep the order they were written in (chains are
/// created in that order).
#[derive(Debug, Default)]
pub struct InOrder<V>(pub Vec<(String, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for InOrder<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Entries<V> {
            type Value = InOrder<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, V>()? {
                    entries.push((key, value));
                }
                Ok(InOrder(entries))
            }
        }
        deserializer.deserialize_map(Entries(PhantomData))
    }
}

/// Reads the values, returning them with every key they do not name, in
/// kubectl's path notation (`avs.supportedAvs[0].networkPolicy`).
pub fn read(text: &str) -> Result<(ChartValues, Vec<String>), String> {
    let deserializer = serde_yaml_ng::Deserializer::from_str(text);
    let mut ignored = Vec::new();
    let mut note_ignored = |path: serde_ignored::Path<'_>| ignored.push(kubectl_path(&path));
    let tracked = serde_ignored::Deserializer::new(deserializer, &mut note_ignored);
    let values: Option<ChartValues> =
        serde_path_to_error::deserialize(tracked).map_err(|error| {
            let path = error.path().to_string();
            let inner = error.into_inner();
            if path == "." {
                inner.to_string()
            } else {
                format!("{path}: {inner}")
            }
        })?;
    Ok((values.unwrap_or_default(), ignored))
}

fn kubectl_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", kubectl_path(parent)),
        Path::Map { parent, key } => {
            let parent = kubectl_path(parent);
            if parent.is_empty() {
                key.clone()
            } else {
                format!("{parent}.{key}")
            }
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => kubectl_path(parent),
    }
}
