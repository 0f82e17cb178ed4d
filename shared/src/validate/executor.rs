//! Rules for HourglassExecutor.

use std::collections::BTreeMap;

use crate::constants::{LOG_LEVELS, PERFORMER_MODES};
use crate::executor::{ChainConfig, HourglassExecutor, HourglassExecutorConfig};
use crate::formats::{endpoint, ethereum, names};
use crate::violation::{FieldPath, Verdict, abbreviate};

use super::common::{check_image, check_pull_secrets, check_resources, require_non_empty};
use super::scheduling::{check_node_selector, check_scheduling, check_tolerations};

/// Every violation and warning for an executor; `old` is the stored object on UPDATE.
pub fn validate_executor(new: &HourglassExecutor, _old: Option<&HourglassExecutor>) -> Verdict {
    let mut verdict = Verdict::default();
    let spec = &new.spec;
    let path = FieldPath::root("spec");

    let image_path = path.child("image");
    if require_non_empty(
        &mut verdict,
        &image_path,
        &spec.image,
        "the executor's container image",
    ) {
        check_image(&mut verdict, &image_path, &spec.image);
    }
    if let Some(replicas) = spec.replicas
        && replicas < 1
    {
        verdict.violation(
            path.child("replicas"),
            format!("{replicas} is too small; expected 1 or more"),
        );
    }
    check_config(&mut verdict, &path.child("config"), &spec.config);
    if let Some(resources) = &spec.resources {
        check_resources(&mut verdict, &path.child("resources"), resources);
    }
    if let Some(secrets) = &spec.image_pull_secrets {
        check_pull_secrets(&mut verdict, &path.child("imagePullSecrets"), secrets);
    }
    if let Some(selector) = &spec.node_selector {
        check_node_selector(&mut verdict, &path.child("nodeSelector"), selector);
    }
    if let Some(tolerations) = &spec.tolerations {
        check_tolerations(&mut verdict, &path.child("tolerations"), tolerations);
    }
    verdict
}

fn check_config(verdict: &mut Verdict, path: &FieldPath, config: &HourglassExecutorConfig) {
    let aggregator = path.child("aggregatorEndpoint");
    if require_non_empty(
        verdict,
        &aggregator,
        &config.aggregator_endpoint,
        "the aggregator's host:port",
    ) && let Err(problem) = endpoint::check_host_port(&config.aggregator_endpoint)
    {
        verdict.violation(aggregator, problem);
    }

    let keys = path.child("operatorKeys");
    if config.operator_keys.is_empty() {
        verdict.violation(
            keys,
            "is required: the operator's ecdsa and/or bls private keys",
        );
    } else if config.operator_keys.values().any(|key| !key.is_empty()) {
        verdict.warning(
            keys,
            "private keys in plain text are readable by anyone who can get this resource",
        );
    }

    check_chains(verdict, &path.child("chains"), &config.chains);

    if let Some(mode) = config.performer_mode.as_deref()
        && !PERFORMER_MODES.contains(&mode)
    {
        verdict.violation(
            path.child("performerMode"),
            format!(
                "{:?} is not supported; expected docker or kubernetes",
                abbreviate(mode, 30)
            ),
        );
    }
    if let Some(level) = config.log_level.as_deref()
        && !LOG_LEVELS.contains(&level)
    {
        verdict.violation(
            path.child("logLevel"),
            format!(
                "{:?} is not supported; expected debug, info, warn or error",
                abbreviate(level, 30)
            ),
        );
    }
    if let Some(kubernetes) = &config.kubernetes {
        let kubernetes_path = path.child("kubernetes");
        if let Some(namespace) = kubernetes.namespace.as_deref()
            && let Some(problem) = names::namespace_problem(namespace)
        {
            verdict.violation(kubernetes_path.child("namespace"), problem);
        }
        if let Some(scheduling) = &kubernetes.default_scheduling {
            check_scheduling(
                verdict,
                &kubernetes_path.child("defaultScheduling"),
                scheduling,
            );
        }
    }
}

fn check_chains(verdict: &mut Verdict, path: &FieldPath, chains: &[ChainConfig]) {
    if chains.is_empty() {
        verdict.violation(path, "must contain at least one chain");
    }
    let mut first_index_of_name: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, chain) in chains.iter().enumerate() {
        let item = path.index(i);
        let name_path = item.child("name");
        if require_non_empty(
            verdict,
            &name_path,
            &chain.name,
            "a chain identifier such as ethereum or base",
        ) && let Some(first) = first_index_of_name.insert(&chain.name, i)
        {
            first_index_of_name.insert(&chain.name, first);
            verdict.violation(
                name_path,
                format!(
                    "{:?} is already used by chains[{first}]; chain names must be unique",
                    abbreviate(&chain.name, 40)
                ),
            );
        }
        let rpc = item.child("rpc");
        if require_non_empty(verdict, &rpc, &chain.rpc, "the chain's RPC URL")
            && let Err(problem) = endpoint::check_rpc_url(&chain.rpc)
        {
            verdict.violation(rpc, problem);
        }
        if chain.chain_id <= 0 {
            verdict.violation(
                item.child("chainId"),
                format!(
                    "{} is not a chain ID; expected a positive number (1 for Ethereum mainnet)",
                    chain.chain_id
                ),
            );
        }
        let mailbox = item.child("taskMailboxAddress");
        if require_non_empty(
            verdict,
            &mailbox,
            &chain.task_mailbox_address,
            "the TaskMailbox contract's address",
        ) && let Err(problem) = ethereum::check_address(&chain.task_mailbox_address)
        {
            verdict.violation(mailbox, problem);
        }
    }
}
