//! `create executor NAME ...` and `create performer NAME ...`: the objects
//! the flags describe, built as typed objects (nothing is sent here).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::LocalObjectReference;

use hourglass_shared::executor::{ChainConfig, HourglassExecutorConfig, KubernetesConfig};
use hourglass_shared::performer::{HardwareRequirements, PerformerConfig};
use hourglass_shared::{
    HourglassExecutor, HourglassExecutorSpec, Performer, PerformerSpec, SchedulingConfig,
};

use crate::chart_values::known_chain_id;

#[derive(Debug, Clone, clap::Args)]
pub struct ExecutorArgs {
    /// Name of the executor (with --from-chart-values: overrides executor.name)
    #[arg(required_unless_present = "from_chart_values")]
    pub name: Option<String>,
    /// The executor chart's values file (see the executor Helm chart); creates the executor and one performer per supported AVS
    #[arg(long, value_name = "FILE", conflicts_with_all = ["aggregator", "chains", "replicas", "ecdsa_key", "bls_key"])]
    pub from_chart_values: Option<String>,
    /// Executor container image
    #[arg(long, required_unless_present = "from_chart_values")]
    pub image: Option<String>,
    /// Number of executor replicas
    #[arg(long)]
    pub replicas: Option<i32>,
    /// The aggregator's gRPC endpoint, host:port
    #[arg(
        long,
        value_name = "HOST:PORT",
        required_unless_present = "from_chart_values"
    )]
    pub aggregator: Option<String>,
    /// A chain: name=ethereum,rpc=https://...,mailbox=0x...[,chain-id=1] (chain-id is known for ethereum, base, sepolia, holesky, base-sepolia, anvil); repeat for several
    #[arg(long = "chain", value_name = "SPEC", value_parser = parse_chain, required_unless_present = "from_chart_values")]
    pub chains: Vec<ChainConfig>,
    /// The operator's ECDSA private key
    #[arg(long, env = "HOURGLASS_ECDSA_KEY", hide_env_values = true)]
    pub ecdsa_key: Option<String>,
    /// The operator's BLS private key
    #[arg(long, env = "HOURGLASS_BLS_KEY", hide_env_values = true)]
    pub bls_key: Option<String>,
    /// docker or kubernetes
    #[arg(long)]
    pub performer_mode: Option<String>,
    /// debug, info, warn or error
    #[arg(long)]
    pub log_level: Option<String>,
    /// Namespace the executor's performers run in
    #[arg(long)]
    pub performer_namespace: Option<String>,
    /// Image pull secret name; repeat for several
    #[arg(long = "image-pull-secret", value_name = "NAME")]
    pub image_pull_secrets: Vec<String>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct PerformerArgs {
    /// Name of the performer
    pub name: String,
    /// Performer container image
    #[arg(long)]
    pub image: String,
    /// Image version for upgrade tracking
    #[arg(long)]
    pub version: Option<String>,
    /// The AVS contract address (0x + 40 hex)
    #[arg(long)]
    pub avs_address: String,
    /// The HourglassExecutor this performer belongs to
    #[arg(long)]
    pub executor: Option<String>,
    /// gRPC port (default 9090)
    #[arg(long)]
    pub grpc_port: Option<i32>,
    /// GPU type, e.g. nvidia-a100
    #[arg(long)]
    pub gpu_type: Option<String>,
    /// Number of GPUs
    #[arg(long)]
    pub gpu_count: Option<i32>,
    /// Require a trusted execution environment of this type
    #[arg(long, value_parser = ["sgx", "sev", "tdx"])]
    pub tee: Option<String>,
    /// Environment variable KEY=VALUE; repeat for several
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub env: Vec<(String, String)>,
    /// Node selector label KEY=VALUE; repeat for several
    #[arg(long = "node-selector", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub node_selector: Vec<(String, String)>,
    /// Container runtime class
    #[arg(long)]
    pub runtime_class: Option<String>,
    /// Image pull secret name; repeat for several
    #[arg(long = "image-pull-secret", value_name = "NAME")]
    pub image_pull_secrets: Vec<String>,
}

pub fn parse_key_value(text: &str) -> std::result::Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("{text:?} is not KEY=VALUE")),
    }
}

/// `name=ethereum,rpc=https://...,mailbox=0x...,chain-id=1`.
pub fn parse_chain(text: &str) -> std::result::Result<ChainConfig, String> {
    let mut chain = ChainConfig::default();
    let mut chain_id = None;
    for part in text.split(',') {
        let (key, value) = part.split_once('=').ok_or_else(|| {
            format!(
                "{part:?} is not key=value; expected name=...,rpc=...,mailbox=...[,chain-id=...]"
            )
        })?;
        match key.trim() {
            "name" => chain.name = value.to_string(),
            "rpc" | "rpc-url" | "rpcUrl" => chain.rpc = value.to_string(),
            "mailbox" | "task-mailbox" | "task-mailbox-address" | "taskMailboxAddress" => {
                chain.task_mailbox_address = value.to_string()
            }
            "chain-id" | "chainId" | "id" => {
                chain_id = Some(
                    value
                        .parse::<i64>()
                        .map_err(|_| format!("chain-id {value:?} is not a whole number"))?,
                )
            }
            other => {
                return Err(format!(
                    "unknown chain key {other:?}; expected name, rpc, mailbox and chain-id"
                ));
            }
        }
    }
    let missing: Vec<&str> = [
        ("name", chain.name.is_empty()),
        ("rpc", chain.rpc.is_empty()),
        ("mailbox", chain.task_mailbox_address.is_empty()),
    ]
    .into_iter()
    .filter_map(|(key, missing)| missing.then_some(key))
    .collect();
    if !missing.is_empty() {
        return Err(format!("missing {}", missing.join(", ")));
    }
    chain.chain_id = match chain_id.or_else(|| known_chain_id(&chain.name)) {
        Some(id) => id,
        None => {
            return Err(format!(
                "chain-id is required: {:?} is not a chain name this tool knows",
                chain.name
            ));
        }
    };
    Ok(chain)
}

pub fn executor_from_flags(args: &ExecutorArgs) -> HourglassExecutor {
    let mut operator_keys = BTreeMap::new();
    if let Some(key) = &args.ecdsa_key {
        operator_keys.insert("ecdsa".to_string(), key.clone());
    }
    if let Some(key) = &args.bls_key {
        operator_keys.insert("bls".to_string(), key.clone());
    }
    HourglassExecutor::new(
        args.name.as_deref().unwrap_or_default(),
        HourglassExecutorSpec {
            image: args.image.clone().unwrap_or_default(),
            replicas: args.replicas,
            config: HourglassExecutorConfig {
                aggregator_endpoint: args.aggregator.clone().unwrap_or_default(),
                operator_keys,
                chains: args.chains.clone(),
                performer_mode: args.performer_mode.clone(),
                kubernetes: args
                    .performer_namespace
                    .as_ref()
                    .map(|ns| KubernetesConfig {
                        namespace: Some(ns.clone()),
                        default_scheduling: None,
                    }),
                log_level: args.log_level.clone(),
            },
            resources: None,
            node_selector: None,
            tolerations: None,
            image_pull_secrets: pull_secrets(&args.image_pull_secrets),
        },
    )
}

fn pull_secrets(names: &[String]) -> Option<Vec<LocalObjectReference>> {
    (!names.is_empty()).then(|| {
        names
            .iter()
            .map(|name| LocalObjectReference { name: name.clone() })
            .collect()
    })
}

pub fn performer_from_flags(args: &PerformerArgs) -> Performer {
    let config = PerformerConfig {
        grpc_port: args.grpc_port,
        environment: (!args.env.is_empty()).then(|| args.env.iter().cloned().collect()),
        ..Default::default()
    };
    let hardware = HardwareRequirements {
        gpu_type: args.gpu_type.clone(),
        gpu_count: args.gpu_count.or(args.gpu_type.as_ref().map(|_| 1)),
        tee_required: args.tee.as_ref().map(|_| true),
        tee_type: args.tee.clone(),
        custom_labels: None,
    };
    let scheduling = SchedulingConfig {
        node_selector: (!args.node_selector.is_empty())
            .then(|| args.node_selector.iter().cloned().collect()),
        runtime_class: args.runtime_class.clone(),
        ..Default::default()
    };
    Performer::new(
        &args.name,
        PerformerSpec {
            avs_address: args.avs_address.clone(),
            image: args.image.clone(),
            version: args.version.clone(),
            executor_ref: args.executor.clone(),
            image_pull_policy: None,
            config: (config != PerformerConfig::default()).then_some(config),
            resources: None,
            scheduling: (scheduling != SchedulingConfig::default()).then_some(scheduling),
            hardware_requirements: (hardware != HardwareRequirements::default())
                .then_some(hardware),
            image_pull_secrets: pull_secrets(&args.image_pull_secrets),
        },
    )
}
