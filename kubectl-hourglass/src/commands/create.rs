//! `create executor|performer NAME` from flags, `create -f FILE|DIR|-`, and
//! `create executor --from-chart-values FILE`.

use std::collections::BTreeMap;
use std::io::Read;

use k8s_openapi::api::core::v1::LocalObjectReference;
use kube::api::{DynamicObject, PostParams};
use serde_json::Value;

use hourglass_shared::executor::{ChainConfig, HourglassExecutorConfig, KubernetesConfig};
use hourglass_shared::mutate::MutationContext;
use hourglass_shared::object::ObjectKind;
use hourglass_shared::performer::{HardwareRequirements, PerformerConfig};
use hourglass_shared::{
    HardwareProfile, HourglassExecutor, HourglassExecutorSpec, HourglassObject, Performer,
    PerformerSpec, SchedulingConfig, review,
};

use crate::api::{self, FIELD_MANAGER};
use crate::chart_values::{self, Overrides, known_chain_id};
use crate::context::Context;
use crate::error::{CliError, EXIT_ERROR, Result};
use crate::input;
use crate::options::{DryRun, ObjectOutput};
use crate::references::{UNWATCHED_KINDS, missing_references};
use crate::render::structured;

#[derive(Debug, clap::Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "\
Examples:
  kubectl hourglass create -f performer.yaml
  kubectl hourglass create executor main --image hourglass/executor:v1.4.0 --aggregator aggregator.example.com:9090 \\
      --chain name=ethereum,rpc=https://eth.example.com,mailbox=0x5FbDB2315678afecb367f032d93F642f64180aa3 --ecdsa-key 0x...
  kubectl hourglass create performer my-avs --image ghcr.io/org/performer:v1.0.0 \\
      --avs-address 0x1234567890abcdef1234567890abcdef12345678 --executor main --gpu-type nvidia-a100 --gpu-count 1
  kubectl hourglass create executor --from-chart-values my-executor-values.yaml --dry-run=client -o yaml"
)]
pub struct Args {
    #[command(subcommand)]
    pub kind: Option<CreateKind>,
    /// Files, directories or - for standard input (YAML or JSON, several documents)
    #[arg(short = 'f', long = "filename", value_name = "FILE|DIR|-")]
    pub filenames: Vec<String>,
    /// Read directories recursively
    #[arg(short = 'R', long)]
    pub recursive: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Clone, clap::Args)]
pub struct CommonArgs {
    /// client: check locally with the webhook's rules and print; server: send to the apiserver (and webhook) without persisting
    #[arg(long, global = true, value_enum, num_args = 0..=1, default_value_t = DryRun::None, default_missing_value = "client", require_equals = true)]
    pub dry_run: DryRun,
    /// Print the created (or would-be created) objects
    #[arg(short = 'o', long, global = true, value_enum)]
    pub output: Option<ObjectOutput>,
}

#[derive(Debug, clap::Subcommand)]
pub enum CreateKind {
    /// Create an HourglassExecutor (or, with --from-chart-values, an executor and its performers)
    Executor(ExecutorArgs),
    /// Create a Performer
    Performer(PerformerArgs),
}

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

fn to_value<T: serde::Serialize>(object: &T) -> Value {
    let mut value = serde_json::to_value(object).unwrap_or(Value::Null);
    if let Some(map) = value.as_object_mut() {
        map.remove("status");
    }
    value
}

/// The objects to create, in the order to create them (executors first).
pub async fn objects(args: &Args, ctx: &Context, stdin: &mut dyn Read) -> Result<Vec<Value>> {
    let mut values = Vec::new();
    match &args.kind {
        Some(CreateKind::Executor(executor)) => match &executor.from_chart_values {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| CliError::msg(format!("cannot read {path}: {e}")))?;
                let namespace = ctx.namespace().await;
                let mapped = chart_values::map(
                    &text,
                    &Overrides {
                        name: executor.name.as_deref(),
                        image: executor.image.as_deref(),
                        namespace: &namespace,
                    },
                )
                .map_err(|errors| {
                    CliError::msg(format!(
                        "{path}: the chart values cannot be mapped:\n  {}",
                        errors.join("\n  ")
                    ))
                })?;
                for note in &mapped.notes {
                    ctx.note(format!("note: {note}"));
                }
                values.push(to_value(&mapped.executor));
                values.extend(mapped.performers.iter().map(to_value));
            }
            None => values.push(to_value(&executor_from_flags(executor))),
        },
        Some(CreateKind::Performer(performer)) => {
            values.push(to_value(&performer_from_flags(performer)))
        }
        None if args.filenames.is_empty() => {
            return Err(CliError::msg(
                "must specify executor, performer or -f FILE; see 'kubectl hourglass create --help'",
            ));
        }
        None => {
            let mut failed = Vec::new();
            for entry in input::read_all(&args.filenames, args.recursive, stdin) {
                match entry {
                    Ok(document) => values.push(document.value),
                    Err(error) => failed.push(format!("{}: {}", error.source, error.message)),
                }
            }
            if !failed.is_empty() {
                return Err(CliError::msg(failed.join("\n")));
            }
            if values.is_empty() {
                return Err(CliError::msg("no objects passed to create"));
            }
        }
    }
    values.sort_by_key(|v| {
        match v
            .get("kind")
            .and_then(Value::as_str)
            .and_then(ObjectKind::from_kind)
        {
            Some(ObjectKind::Executor) => 0,
            Some(ObjectKind::Performer) => 1,
            None => 2,
        }
    });
    Ok(values)
}

/// Puts each object in the namespace: `-n` wins only when the object names
/// none; a different one is refused, as kubectl does.
pub fn place(value: &mut Value, namespace: &str, explicit: bool) -> Result<()> {
    let current = value
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .map(str::to_string);
    match current {
        Some(current) if current != namespace && explicit => Err(CliError::msg(format!(
            "the namespace from the provided object \"{current}\" does not match the namespace \"{namespace}\". You must pass '--namespace={current}' to perform this operation."
        ))),
        Some(_) => Ok(()),
        None => {
            if let Some(metadata) = value.get_mut("metadata").and_then(Value::as_object_mut) {
                metadata.insert(
                    "namespace".to_string(),
                    Value::String(namespace.to_string()),
                );
            }
            Ok(())
        }
    }
}

/// Checks an object with the webhook's rules; `Err` holds the lines to print.
pub fn check_locally(
    value: &Value,
    batch: &[Value],
) -> std::result::Result<Vec<String>, Vec<String>> {
    let object = HourglassObject::from_value(value).map_err(|e| vec![e.to_string()])?;
    let executor_scheduling = executor_defaults(&object, batch);
    let profile = HardwareProfile::default();
    let outcome = review(
        &object,
        None,
        &MutationContext {
            profile: &profile,
            executor_scheduling: executor_scheduling.as_ref(),
        },
    );
    if outcome.verdict.is_allowed() {
        Ok(outcome.verdict.warnings)
    } else {
        Err(outcome
            .verdict
            .violations
            .iter()
            .map(ToString::to_string)
            .collect())
    }
}

fn executor_defaults(object: &HourglassObject, batch: &[Value]) -> Option<SchedulingConfig> {
    let HourglassObject::Performer(performer) = object else {
        return None;
    };
    let wanted = performer.spec.executor_ref.as_deref()?;
    batch
        .iter()
        .find_map(|value| match HourglassObject::from_value(value) {
            Ok(HourglassObject::Executor(executor))
                if executor.metadata.name.as_deref() == Some(wanted) =>
            {
                executor
                    .spec
                    .config
                    .kubernetes
                    .and_then(|k| k.default_scheduling)
            }
            _ => None,
        })
}

pub async fn run(args: &Args, ctx: &Context, stdin: &mut dyn Read) -> Result<()> {
    let mut values = objects(args, ctx, stdin).await?;
    let namespace = ctx.namespace().await;
    let explicit = ctx.global.namespace.is_some();
    for value in &mut values {
        place(value, &namespace, explicit)?;
    }
    let dry_run = args.common.dry_run;
    let mut shown = Vec::new();
    let mut failures = 0;
    for value in &values {
        let what = input::describe(value);
        let kind = value
            .get("kind")
            .and_then(Value::as_str)
            .and_then(ObjectKind::from_kind);
        let name = value
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let result = match (dry_run, kind) {
            (_, None) => Err(CliError::msg(format!(
                "{what}: not an Hourglass object; expected apiVersion {} with kind HourglassExecutor or Performer",
                hourglass_shared::constants::GROUP_VERSION
            ))),
            (DryRun::Client, Some(_)) => match check_locally(value, &values) {
                Ok(warnings) => {
                    for warning in warnings {
                        ctx.note(format!("Warning: {warning}"));
                    }
                    Ok(value.clone())
                }
                Err(violations) => Err(CliError::msg(format!(
                    "{what} is invalid:\n  * {}",
                    violations.join("\n  * ")
                ))),
            },
            (_, Some(kind)) => {
                let created = create_on_server(ctx, kind, value, dry_run == DryRun::Server).await;
                // The webhook's and apiserver's warnings about this object, next to it.
                ctx.print_warnings();
                if let Ok(created) = &created {
                    warn_of_missing_secrets(ctx, created).await;
                }
                created
            }
        };
        match result {
            Ok(created) => {
                let kind_text = kind.map(|k| k.as_str()).unwrap_or_default();
                if dry_run == DryRun::Client && args.common.output.is_none() {
                    // The object is the data; the usual line goes to stderr.
                    ctx.note(format!(
                        "{} created{}",
                        structured::name_line(kind_text, &name),
                        dry_run.suffix()
                    ));
                } else if args.common.output.is_none() {
                    writeln_out(
                        ctx,
                        &format!(
                            "{} created{}",
                            structured::name_line(kind_text, &name),
                            dry_run.suffix()
                        ),
                    )?;
                }
                shown.push(structured::without_managed_fields(created));
            }
            Err(error) => {
                failures += 1;
                ctx.note(error.render());
            }
        }
    }
    let output = match (args.common.output, dry_run) {
        (Some(output), _) => Some(output),
        (None, DryRun::Client) => Some(ObjectOutput::Yaml),
        (None, _) => None,
    };
    if let Some(output) = output
        && !shown.is_empty()
    {
        print_objects(ctx, output, shown)?;
    }
    if failures > 0 {
        return Err(CliError::Silent(EXIT_ERROR));
    }
    Ok(())
}

/// The Secrets and ConfigMaps a created performer names that do not exist:
/// the webhook cannot see them, the user can.
async fn warn_of_missing_secrets(ctx: &Context, created: &Value) {
    let Ok(performer) = serde_json::from_value::<Performer>(created.clone()) else {
        return;
    };
    match missing_references(ctx, &[&performer], UNWATCHED_KINDS).await {
        Ok(warnings) => {
            for warning in warnings {
                ctx.note(format!("Warning: {warning}"));
            }
        }
        Err(error) => tracing::debug!("cannot check the performer's references: {error}"),
    }
}

fn writeln_out(ctx: &Context, line: &str) -> Result<()> {
    use std::io::Write;
    writeln!(ctx.out(), "{line}")?;
    Ok(())
}

/// `-o json|yaml|name` for a list of objects (one object is printed bare).
pub fn print_objects(ctx: &Context, output: ObjectOutput, objects: Vec<Value>) -> Result<()> {
    let mut out = ctx.out();
    match output {
        ObjectOutput::Name => {
            use std::io::Write;
            for object in &objects {
                let kind = object
                    .get("kind")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let name = object
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                writeln!(out, "{}", structured::name_line(kind, name))?;
            }
        }
        ObjectOutput::Json | ObjectOutput::Yaml => {
            let value = if objects.len() == 1 {
                objects.into_iter().next().unwrap_or(Value::Null)
            } else {
                structured::list(objects)
            };
            if output == ObjectOutput::Json {
                structured::write_json(&mut *out, &value)?;
            } else {
                structured::write_yaml(&mut *out, &value)?;
            }
        }
    }
    Ok(())
}

async fn create_on_server(
    ctx: &Context,
    kind: ObjectKind,
    value: &Value,
    server_dry_run: bool,
) -> Result<Value> {
    let namespace = value
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("default")
        .to_string();
    let object: DynamicObject = serde_json::from_value(value.clone())
        .map_err(|e| CliError::msg(format!("{}: {e}", input::describe(value))))?;
    let api = api::dynamic(ctx.client().await?, kind, &namespace);
    let params = PostParams {
        dry_run: server_dry_run,
        field_manager: Some(FIELD_MANAGER.to_string()),
    };
    let created = api
        .create(&params, &object)
        .await
        .map_err(|e| CliError::from_kube_for(api::plural(kind), e))?;
    serde_json::to_value(created).map_err(|e| CliError::msg(e.to_string()))
}
