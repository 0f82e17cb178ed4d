//! The executor Helm chart's values (`shared/spec/executor-helm-chart.md`)
//! mapped onto one HourglassExecutor and one Performer per supported AVS.
//! Pure: text in, typed objects plus notes out.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ResourceRequirements, Toleration};
use kube::api::ObjectMeta;
use serde::de::DeserializeOwned;
use serde_yaml_ng::{Mapping, Value as Yaml};

use hourglass_shared::executor::{ChainConfig, HourglassExecutorConfig, KubernetesConfig};
use hourglass_shared::performer::HardwareRequirements;
use hourglass_shared::{
    HourglassExecutor, HourglassExecutorSpec, Performer, PerformerSpec, SchedulingConfig,
};

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

struct Walk {
    errors: Vec<String>,
    ignored: Vec<String>,
    notes: Vec<String>,
}

impl Walk {
    fn error(&mut self, path: &str, message: impl Into<String>) {
        self.errors.push(format!("{path}: {}", message.into()));
    }

    /// Records every key of `map` not in `known` as ignored.
    fn ignore_unknown(&mut self, map: &Mapping, prefix: &str, known: &[&str]) {
        for key in map.keys() {
            let key = key_text(key);
            if !known.contains(&key.as_str()) {
                self.ignored.push(join(prefix, &key));
            }
        }
    }

    fn typed<T: DeserializeOwned>(&mut self, value: &Yaml, path: &str) -> Option<T> {
        match serde_yaml_ng::from_value(value.clone()) {
            Ok(typed) => Some(typed),
            Err(e) => {
                self.error(path, e.to_string());
                None
            }
        }
    }

    fn string(&mut self, map: &Mapping, key: &str, path: &str) -> Option<String> {
        match map.get(key) {
            None | Some(Yaml::Null) => None,
            Some(Yaml::String(s)) => Some(s.clone()),
            Some(Yaml::Number(n)) => Some(n.to_string()),
            Some(Yaml::Bool(b)) => Some(b.to_string()),
            Some(_) => {
                self.error(&join(path, key), "expected a string");
                None
            }
        }
    }

    fn bool(&mut self, map: &Mapping, key: &str, path: &str) -> Option<bool> {
        match map.get(key) {
            None | Some(Yaml::Null) => None,
            Some(Yaml::Bool(b)) => Some(*b),
            Some(Yaml::String(s)) if s == "true" || s == "false" => Some(s == "true"),
            Some(_) => {
                self.error(&join(path, key), "expected true or false");
                None
            }
        }
    }

    fn int(&mut self, map: &Mapping, key: &str, path: &str) -> Option<i64> {
        match map.get(key) {
            None | Some(Yaml::Null) => None,
            Some(Yaml::Number(n)) if n.as_i64().is_some() => n.as_i64(),
            Some(Yaml::String(s)) if s.parse::<i64>().is_ok() => s.parse().ok(),
            Some(_) => {
                self.error(&join(path, key), "expected a whole number");
                None
            }
        }
    }

    fn map<'v>(&mut self, parent: &'v Mapping, key: &str, path: &str) -> Option<&'v Mapping> {
        match parent.get(key) {
            None | Some(Yaml::Null) => None,
            Some(Yaml::Mapping(m)) => Some(m),
            Some(_) => {
                self.error(&join(path, key), "expected a map");
                None
            }
        }
    }
}

fn key_text(key: &Yaml) -> String {
    match key {
        Yaml::String(s) => s.clone(),
        other => serde_yaml_ng::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Maps values text (YAML) to the objects, or every problem found.
pub fn map(text: &str, overrides: &Overrides<'_>) -> Result<Mapped, Vec<String>> {
    let root: Yaml = serde_yaml_ng::from_str(text).map_err(|e| vec![format!("not YAML: {e}")])?;
    let root = match root {
        Yaml::Mapping(m) => m,
        Yaml::Null => Mapping::new(),
        _ => {
            return Err(vec![
                "expected a map of chart values at the top level".to_string(),
            ]);
        }
    };
    let mut walk = Walk {
        errors: Vec::new(),
        ignored: Vec::new(),
        notes: Vec::new(),
    };
    walk.ignore_unknown(
        &root,
        "",
        &[
            "executor",
            "aggregator",
            "chains",
            "avs",
            "secrets",
            "scheduling",
            "image",
        ],
    );

    // executor
    let executor_values = walk.map(&root, "executor", "").cloned().unwrap_or_default();
    walk.ignore_unknown(
        &executor_values,
        "executor",
        &["name", "replicaCount", "resources", "image", "env"],
    );
    let name = match overrides.name {
        Some(name) => Some(name.to_string()),
        None => walk.string(&executor_values, "name", "executor"),
    };
    if name.is_none() {
        walk.error(
            "executor.name",
            "is required to name the HourglassExecutor (or pass NAME: create executor NAME --from-chart-values ...)",
        );
    }
    let name = name.unwrap_or_default();
    let image = match overrides.image {
        Some(image) => image.to_string(),
        None => match image_value(&mut walk, &executor_values, "executor")
            .or_else(|| image_value(&mut walk, &root, ""))
        {
            Some(image) => image,
            None => {
                walk.notes.push(format!(
                    "the values set no executor image; using the chart default {DEFAULT_EXECUTOR_IMAGE} (pass --image to choose)"
                ));
                DEFAULT_EXECUTOR_IMAGE.to_string()
            }
        },
    };
    let replicas = walk
        .int(&executor_values, "replicaCount", "executor")
        .map(|r| i32::try_from(r).unwrap_or(i32::MAX));
    let resources: Option<ResourceRequirements> = executor_values
        .get("resources")
        .and_then(|v| walk.typed(v, "executor.resources"));
    let mut log_level = None;
    if let Some(env) = walk.map(&executor_values, "env", "executor").cloned() {
        walk.ignore_unknown(&env, "executor.env", &["logLevel"]);
        log_level = walk.string(&env, "logLevel", "executor.env");
    }

    // executor pod scheduling
    let mut node_selector = None;
    let mut tolerations = None;
    if let Some(scheduling) = walk.map(&root, "scheduling", "").cloned() {
        walk.ignore_unknown(&scheduling, "scheduling", &["nodeSelector", "tolerations"]);
        node_selector = scheduling
            .get("nodeSelector")
            .and_then(|v| walk.typed::<BTreeMap<String, String>>(v, "scheduling.nodeSelector"));
        tolerations = scheduling
            .get("tolerations")
            .and_then(|v| walk.typed::<Vec<Toleration>>(v, "scheduling.tolerations"));
    }

    // aggregator
    let aggregator = walk
        .map(&root, "aggregator", "")
        .cloned()
        .unwrap_or_default();
    walk.ignore_unknown(&aggregator, "aggregator", &["endpoint"]);
    let aggregator_endpoint = walk.string(&aggregator, "endpoint", "aggregator");
    if aggregator_endpoint.is_none() {
        walk.error(
            "aggregator.endpoint",
            "is required: the aggregator's host:port",
        );
    }

    let chains = chains(&mut walk, &root);
    let operator_keys = operator_keys(&mut walk, &root);
    let performers = performers(&mut walk, &root, &name, overrides.namespace);

    if !walk.errors.is_empty() {
        return Err(walk.errors);
    }
    let mut notes = walk.notes;
    if !walk.ignored.is_empty() {
        notes.push(format!(
            "ignored chart values that have no HourglassExecutor or Performer field: {}",
            walk.ignored.join(", ")
        ));
    }
    let mut executor = HourglassExecutor::new(
        &name,
        HourglassExecutorSpec {
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
    );
    executor.metadata.namespace = Some(overrides.namespace.to_string());
    Ok(Mapped {
        executor,
        performers,
        notes,
    })
}

/// `image: repo:tag`, or `image: {repository, tag}`.
fn image_value(walk: &mut Walk, map: &Mapping, path: &str) -> Option<String> {
    match map.get("image") {
        None | Some(Yaml::Null) => None,
        Some(Yaml::String(s)) => Some(s.clone()),
        Some(Yaml::Mapping(m)) => {
            let prefix = join(path, "image");
            walk.ignore_unknown(m, &prefix, &["repository", "tag", "pullPolicy", "registry"]);
            let repository = walk.string(m, "repository", &prefix)?;
            let registry = walk.string(m, "registry", &prefix);
            let base = match registry {
                Some(registry) if !registry.is_empty() => format!("{registry}/{repository}"),
                _ => repository,
            };
            Some(match walk.string(m, "tag", &prefix) {
                Some(tag) if !tag.is_empty() => format!("{base}:{tag}"),
                _ => base,
            })
        }
        Some(_) => {
            walk.error(
                &join(path, "image"),
                "expected an image reference or {repository, tag}",
            );
            None
        }
    }
}

fn chains(walk: &mut Walk, root: &Mapping) -> Vec<ChainConfig> {
    let mut out = Vec::new();
    let Some(chains) = walk.map(root, "chains", "").cloned() else {
        walk.error(
            "chains",
            "at least one chain is required, e.g. chains.ethereum.{rpcUrl,taskMailboxAddress}",
        );
        return out;
    };
    let mut disabled = 0;
    for (key, value) in &chains {
        let name = key_text(key);
        let path = format!("chains.{name}");
        let Yaml::Mapping(chain) = value else {
            walk.error(&path, "expected a map with rpcUrl and taskMailboxAddress");
            continue;
        };
        walk.ignore_unknown(
            chain,
            &path,
            &["enabled", "rpcUrl", "taskMailboxAddress", "chainId"],
        );
        if walk.bool(chain, "enabled", &path) == Some(false) {
            walk.notes.push(format!("skipped {path}: enabled is false"));
            disabled += 1;
            continue;
        }
        let rpc = walk.string(chain, "rpcUrl", &path);
        if rpc.is_none() {
            walk.error(
                &format!("{path}.rpcUrl"),
                "is required: the chain's RPC endpoint URL",
            );
        }
        let mailbox = walk.string(chain, "taskMailboxAddress", &path);
        if mailbox.is_none() {
            walk.error(
                &format!("{path}.taskMailboxAddress"),
                "is required: the TaskMailbox contract address",
            );
        }
        let chain_id = match walk
            .int(chain, "chainId", &path)
            .or_else(|| known_chain_id(&name))
        {
            Some(id) => id,
            None => {
                let known: Vec<&str> = KNOWN_CHAINS.iter().map(|(n, _)| *n).collect();
                walk.error(
                    &format!("{path}.chainId"),
                    format!(
                        "is required: the chart has no chain ID and {name:?} is not a chain name this tool knows ({}); set chains.{name}.chainId",
                        known.join(", ")
                    ),
                );
                continue;
            }
        };
        out.push(ChainConfig {
            name,
            rpc: rpc.unwrap_or_default(),
            chain_id,
            task_mailbox_address: mailbox.unwrap_or_default(),
        });
    }
    if chains.is_empty() {
        walk.error(
            "chains",
            "at least one chain is required, e.g. chains.ethereum.{rpcUrl,taskMailboxAddress}",
        );
    } else if disabled == chains.len() {
        walk.error(
            "chains",
            "every chain has enabled: false; at least one must be enabled",
        );
    }
    out
}

fn operator_keys(walk: &mut Walk, root: &Mapping) -> BTreeMap<String, String> {
    let mut keys = BTreeMap::new();
    let secrets = walk.map(root, "secrets", "").cloned().unwrap_or_default();
    walk.ignore_unknown(&secrets, "secrets", &["operatorKeys"]);
    let operator = walk
        .map(&secrets, "operatorKeys", "secrets")
        .cloned()
        .unwrap_or_default();
    walk.ignore_unknown(
        &operator,
        "secrets.operatorKeys",
        &["ecdsaPrivateKey", "blsPrivateKey"],
    );
    for (value_key, spec_key) in [("ecdsaPrivateKey", "ecdsa"), ("blsPrivateKey", "bls")] {
        if let Some(key) = walk.string(&operator, value_key, "secrets.operatorKeys") {
            keys.insert(spec_key.to_string(), key);
        }
    }
    if keys.is_empty() {
        walk.error(
            "secrets.operatorKeys.ecdsaPrivateKey",
            "is required (or secrets.operatorKeys.blsPrivateKey): the operator's private key",
        );
    }
    keys
}

fn performers(walk: &mut Walk, root: &Mapping, executor: &str, namespace: &str) -> Vec<Performer> {
    let mut out = Vec::new();
    let Some(avs) = walk.map(root, "avs", "").cloned() else {
        walk.notes
            .push("the values list no avs.supportedAvs; no Performer is created".to_string());
        return out;
    };
    walk.ignore_unknown(&avs, "avs", &["supportedAvs"]);
    let list = match avs.get("supportedAvs") {
        None | Some(Yaml::Null) => Vec::new(),
        Some(Yaml::Sequence(list)) => list.clone(),
        Some(_) => {
            walk.error("avs.supportedAvs", "expected a list");
            Vec::new()
        }
    };
    for (index, item) in list.iter().enumerate() {
        let path = format!("avs.supportedAvs[{index}]");
        let Yaml::Mapping(entry) = item else {
            walk.error(&path, "expected a map with address, name and performer");
            continue;
        };
        if let Some(performer) = performer(walk, entry, &path, index, executor, namespace) {
            out.push(performer);
        }
    }
    out
}

fn performer(
    walk: &mut Walk,
    entry: &Mapping,
    path: &str,
    index: usize,
    executor: &str,
    namespace: &str,
) -> Option<Performer> {
    walk.ignore_unknown(
        entry,
        path,
        &[
            "address",
            "name",
            "performer",
            "resources",
            "hardware",
            "scheduling",
        ],
    );
    let address = walk.string(entry, "address", path);
    if address.is_none() {
        walk.error(
            &format!("{path}.address"),
            "is required: the AVS contract address",
        );
    }
    let name = match walk.string(entry, "name", path) {
        Some(name) => name,
        None => {
            let name = format!("{executor}-avs-{index}");
            walk.notes
                .push(format!("{path} has no name; the Performer is named {name}"));
            name
        }
    };
    let performer_values = walk
        .map(entry, "performer", path)
        .cloned()
        .unwrap_or_default();
    let performer_path = format!("{path}.performer");
    walk.ignore_unknown(&performer_values, &performer_path, &["image", "version"]);
    let image = walk.string(&performer_values, "image", &performer_path);
    if image.is_none() {
        walk.error(
            &format!("{performer_path}.image"),
            "is required: the performer's container image",
        );
    }
    let version = walk.string(&performer_values, "version", &performer_path);
    let image = image.map(|image| with_version(&image, version.as_deref()));

    let resources: Option<ResourceRequirements> = entry
        .get("resources")
        .and_then(|v| walk.typed(v, &format!("{path}.resources")));
    let hardware = hardware(walk, entry, path);
    let scheduling = scheduling(walk, entry, path);

    let mut performer = Performer::new(
        &name,
        PerformerSpec {
            avs_address: address.unwrap_or_default(),
            image: image.unwrap_or_default(),
            version,
            executor_ref: Some(executor.to_string()),
            image_pull_policy: None,
            config: None,
            resources,
            scheduling,
            hardware_requirements: hardware,
            image_pull_secrets: None,
        },
    );
    performer.metadata = ObjectMeta {
        name: Some(name),
        namespace: Some(namespace.to_string()),
        ..Default::default()
    };
    Some(performer)
}

/// `my-org/performer` + `v1.0.0` -> `my-org/performer:v1.0.0`; an image
/// that already has a tag or digest is kept as written.
pub fn with_version(image: &str, version: Option<&str>) -> String {
    match (version, hourglass_shared::formats::image::parse(image)) {
        (Some(version), Ok(reference))
            if !version.is_empty() && reference.tag.is_none() && reference.digest.is_none() =>
        {
            format!("{image}:{version}")
        }
        _ => image.to_string(),
    }
}

fn hardware(walk: &mut Walk, entry: &Mapping, path: &str) -> Option<HardwareRequirements> {
    let hardware = walk.map(entry, "hardware", path)?.clone();
    let hardware_path = format!("{path}.hardware");
    walk.ignore_unknown(&hardware, &hardware_path, &["gpu", "tee"]);
    let mut out = HardwareRequirements::default();
    if let Some(gpu) = walk.map(&hardware, "gpu", &hardware_path).cloned() {
        let gpu_path = format!("{hardware_path}.gpu");
        walk.ignore_unknown(&gpu, &gpu_path, &["required", "type", "count"]);
        if walk.bool(&gpu, "required", &gpu_path) != Some(false) {
            out.gpu_type = walk.string(&gpu, "type", &gpu_path);
            let count = walk.int(&gpu, "count", &gpu_path).unwrap_or(1);
            out.gpu_count = Some(i32::try_from(count).unwrap_or(i32::MAX));
        }
    }
    if let Some(tee) = walk.map(&hardware, "tee", &hardware_path).cloned() {
        let tee_path = format!("{hardware_path}.tee");
        walk.ignore_unknown(&tee, &tee_path, &["required", "type"]);
        if walk.bool(&tee, "required", &tee_path) != Some(false) {
            out.tee_required = Some(true);
            out.tee_type = walk.string(&tee, "type", &tee_path);
        }
    }
    (out != HardwareRequirements::default()).then_some(out)
}

fn scheduling(walk: &mut Walk, entry: &Mapping, path: &str) -> Option<SchedulingConfig> {
    let scheduling = walk.map(entry, "scheduling", path)?.clone();
    let scheduling_path = format!("{path}.scheduling");
    walk.ignore_unknown(
        &scheduling,
        &scheduling_path,
        &["nodeSelector", "tolerations", "runtimeClass"],
    );
    let out = SchedulingConfig {
        node_selector: scheduling
            .get("nodeSelector")
            .and_then(|v| walk.typed(v, &format!("{scheduling_path}.nodeSelector"))),
        tolerations: scheduling
            .get("tolerations")
            .and_then(|v| walk.typed(v, &format!("{scheduling_path}.tolerations"))),
        runtime_class: walk.string(&scheduling, "runtimeClass", &scheduling_path),
        ..Default::default()
    };
    (out != SchedulingConfig::default()).then_some(out)
}
