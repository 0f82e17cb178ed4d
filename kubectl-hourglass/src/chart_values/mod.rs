//! The executor Helm chart's values (`shared/spec/executor-helm-chart.md`)
//! mapped onto one HourglassExecutor and one Performer per supported AVS.
//! Pure: text in, typed objects plus notes out. `values` reads the file
//! into serde structs (naming the keys they do not know), `field` reads
//! each scalar leniently, `performers` maps the supported AVSs.

mod field;
mod performers;
mod values;

use std::collections::BTreeMap;

use hourglass_shared::executor::{ChainConfig, HourglassExecutorConfig, KubernetesConfig};
use hourglass_shared::{HourglassExecutor, HourglassExecutorSpec, Performer};

use field::Field;
use values::{ChartValues, ImageValue};

/// Chain IDs of chain names the chart uses; other chains need `chainId`.
pub const KNOWN_CHAINS: &[(&str, i64)] = &[
    ("ethereum", 1),
    ("mainnet", 1),
    ("base", 8453),
    ("sepolia", 11155111),
    ("holesky", 17000),
    ("base-sepolia", 84532),
    ("anvil", 31337),
    ("local", 31337),
];

/// The chart's default executor image, used when the values name none.
pub const DEFAULT_EXECUTOR_IMAGE: &str = "hourglass/executor:latest";

pub fn known_chain_id(name: &str) -> Option<i64> {
    KNOWN_CHAINS
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, id)| *id)
}

pub use performers::with_version;

/// What the command line adds to the values.
#[derive(Clone, Debug, Default)]
pub struct Overrides<'a> {
    /// `create executor NAME` wins over `executor.name`.
    pub name: Option<&'a str>,
    /// `--image` wins over the values' executor image.
    pub image: Option<&'a str>,
    /// Where the objects go; also the executor's `kubernetes.namespace`.
    pub namespace: &'a str,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Mapped {
    pub executor: HourglassExecutor,
    pub performers: Vec<Performer>,
    /// Values that have no place in the objects, and defaults chosen.
    pub notes: Vec<String>,
}

/// What mapping found besides the objects.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub errors: Vec<String>,
    pub notes: Vec<String>,
}

impl Findings {
    pub fn error(&mut self, path: &str, message: impl Into<String>) {
        self.errors.push(format!("{path}: {}", message.into()));
    }

    /// The field's value; a wrong one is recorded as an error at `path`.
    pub fn take<T>(&mut self, field: Option<Field<T>>, path: &str) -> Option<T> {
        field?.take(path, &mut self.errors)
    }
}

/// Maps values text (YAML) to the objects, or every problem found.
pub fn map(text: &str, overrides: &Overrides<'_>) -> Result<Mapped, Vec<String>> {
    let (values, ignored) = values::read(text).map_err(|e| vec![e])?;
    let mut found = Findings::default();
    let executor = executor(&mut found, &values, overrides);
    let performers = performers::map(&mut found, values.avs, &executor.name, overrides.namespace);
    if !found.errors.is_empty() {
        return Err(found.errors);
    }
    let mut notes = found.notes;
    if !ignored.is_empty() {
        notes.push(format!(
            "ignored chart values that have no HourglassExecutor or Performer field: {}",
            ignored.join(", ")
        ));
    }
    Ok(Mapped {
        executor: executor.build(overrides.namespace),
        performers,
        notes,
    })
}

/// The executor's fields, read before the performers (which name it).
struct ExecutorParts {
    name: String,
    spec: HourglassExecutorSpec,
}

impl ExecutorParts {
    fn build(self, namespace: &str) -> HourglassExecutor {
        let mut executor = HourglassExecutor::new(&self.name, self.spec);
        executor.metadata.namespace = Some(namespace.to_string());
        executor
    }
}

fn executor(
    found: &mut Findings,
    values: &ChartValues,
    overrides: &Overrides<'_>,
) -> ExecutorParts {
    let executor = values.executor.as_ref();
    let name = match overrides.name {
        Some(name) => Some(name.to_string()),
        None => found.take(executor.and_then(|e| e.name.clone()), "executor.name"),
    };
    if name.is_none() {
        found.error(
            "executor.name",
            "is required to name the HourglassExecutor (or pass NAME: create executor NAME --from-chart-values ...)",
        );
    }
    let image = match overrides.image {
        Some(image) => image.to_string(),
        None => {
            let written = executor
                .and_then(|e| e.image.as_ref())
                .map(|image| image_reference(found, image, "executor.image"))
                .or_else(|| {
                    values
                        .image
                        .as_ref()
                        .map(|image| image_reference(found, image, "image"))
                })
                .flatten();
            written.unwrap_or_else(|| {
                found.notes.push(format!(
                    "the values set no executor image; using the chart default {DEFAULT_EXECUTOR_IMAGE} (pass --image to choose)"
                ));
                DEFAULT_EXECUTOR_IMAGE.to_string()
            })
        }
    };
    let replicas = found
        .take(
            executor.and_then(|e| e.replica_count.clone()),
            "executor.replicaCount",
        )
        .map(|r| i32::try_from(r).unwrap_or(i32::MAX));
    let resources = found
        .take(
            executor.and_then(|e| e.resources.clone()),
            "executor.resources",
        )
        .map(|typed| typed.0);
    let log_level = found.take(
        executor.and_then(|e| e.env.as_ref()?.log_level.clone()),
        "executor.env.logLevel",
    );
    let scheduling = values.scheduling.as_ref();
    let node_selector = found
        .take(
            scheduling.and_then(|s| s.node_selector.clone()),
            "scheduling.nodeSelector",
        )
        .map(|typed| typed.0);
    let tolerations = found
        .take(
            scheduling.and_then(|s| s.tolerations.clone()),
            "scheduling.tolerations",
        )
        .map(|typed| typed.0);
    let aggregator_endpoint = found.take(
        values.aggregator.as_ref().and_then(|a| a.endpoint.clone()),
        "aggregator.endpoint",
    );
    if aggregator_endpoint.is_none() {
        found.error(
            "aggregator.endpoint",
            "is required: the aggregator's host:port",
        );
    }
    let chains = chains(found, values);
    let operator_keys = operator_keys(found, values);
    ExecutorParts {
        name: name.unwrap_or_default(),
        spec: HourglassExecutorSpec {
            image,
            replicas,
            config: HourglassExecutorConfig {
                aggregator_endpoint: aggregator_endpoint.unwrap_or_default(),
                operator_keys,
                chains,
                performer_mode: None,
                kubernetes: Some(KubernetesConfig {
                    namespace: Some(overrides.namespace.to_string()),
                    default_scheduling: None,
                }),
                log_level,
            },
            resources,
            node_selector,
            tolerations,
            image_pull_secrets: None,
        },
    }
}

/// `repo:tag`, or `{registry, repository, tag}` put together.
fn image_reference(found: &mut Findings, image: &ImageValue, path: &str) -> Option<String> {
    match image {
        ImageValue::Reference(reference) => Some(reference.clone()),
        ImageValue::Parts(parts) => {
            let repository = found.take(parts.repository.clone(), &format!("{path}.repository"))?;
            let registry = found.take(parts.registry.clone(), &format!("{path}.registry"));
            let base = match registry {
                Some(registry) if !registry.is_empty() => format!("{registry}/{repository}"),
                _ => repository,
            };
            Some(
                match found.take(parts.tag.clone(), &format!("{path}.tag")) {
                    Some(tag) if !tag.is_empty() => format!("{base}:{tag}"),
                    _ => base,
                },
            )
        }
    }
}

fn chains(found: &mut Findings, values: &ChartValues) -> Vec<ChainConfig> {
    const NONE: &str =
        "at least one chain is required, e.g. chains.ethereum.{rpcUrl,taskMailboxAddress}";
    let Some(chains) = values.chains.as_ref().filter(|c| !c.0.is_empty()) else {
        found.error("chains", NONE);
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut disabled = 0;
    for (name, chain) in &chains.0 {
        let path = format!("chains.{name}");
        if found.take(chain.enabled.clone(), &format!("{path}.enabled")) == Some(false) {
            found
                .notes
                .push(format!("skipped {path}: enabled is false"));
            disabled += 1;
            continue;
        }
        let rpc = found.take(chain.rpc_url.clone(), &format!("{path}.rpcUrl"));
        if rpc.is_none() {
            found.error(
                &format!("{path}.rpcUrl"),
                "is required: the chain's RPC endpoint URL",
            );
        }
        let mailbox = found.take(
            chain.task_mailbox_address.clone(),
            &format!("{path}.taskMailboxAddress"),
        );
        if mailbox.is_none() {
            found.error(
                &format!("{path}.taskMailboxAddress"),
                "is required: the TaskMailbox contract address",
            );
        }
        let chain_id = found
            .take(chain.chain_id.clone(), &format!("{path}.chainId"))
            .or_else(|| known_chain_id(name));
        let Some(chain_id) = chain_id else {
            let known: Vec<&str> = KNOWN_CHAINS.iter().map(|(n, _)| *n).collect();
            found.error(
                &format!("{path}.chainId"),
                format!(
                    "is required: the chart has no chain ID and {name:?} is not a chain name this tool knows ({}); set chains.{name}.chainId",
                    known.join(", ")
                ),
            );
            continue;
        };
        out.push(ChainConfig {
            name: name.clone(),
            rpc: rpc.unwrap_or_default(),
            chain_id,
            task_mailbox_address: mailbox.unwrap_or_default(),
        });
    }
    if disabled == chains.0.len() {
        found.error(
            "chains",
            "every chain has enabled: false; at least one must be enabled",
        );
    }
    out
}

fn operator_keys(found: &mut Findings, values: &ChartValues) -> BTreeMap<String, String> {
    let keys_values = values
        .secrets
        .as_ref()
        .and_then(|s| s.operator_keys.as_ref());
    let mut keys = BTreeMap::new();
    for (spec_key, field, path) in [
        (
            "ecdsa",
            keys_values.and_then(|k| k.ecdsa_private_key.clone()),
            "secrets.operatorKeys.ecdsaPrivateKey",
        ),
        (
            "bls",
            keys_values.and_then(|k| k.bls_private_key.clone()),
            "secrets.operatorKeys.blsPrivateKey",
        ),
    ] {
        if let Some(key) = found.take(field, path) {
            keys.insert(spec_key.to_string(), key);
        }
    }
    if keys.is_empty() {
        found.error(
            "secrets.operatorKeys.ecdsaPrivateKey",
            "is required (or secrets.operatorKeys.blsPrivateKey): the operator's private key",
        );
    }
    keys
}
