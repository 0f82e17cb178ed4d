//! The executor chart's values (the chart doc's examples) mapped to objects.

use std::path::Path;

use kubectl_hourglass::chart_values::{Mapped, Overrides, map};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/chart")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn mapped(name: &str) -> Mapped {
    map(
        &fixture(name),
        &Overrides {
            namespace: "avs",
            ..Default::default()
        },
    )
    .unwrap_or_else(|errors| panic!("{name}: {errors:#?}"))
}

#[test]
fn quick_start() {
    let m = mapped("quick-start.yaml");
    let executor = &m.executor;
    assert_eq!(executor.metadata.name.as_deref(), Some("my-avs-executor"));
    assert_eq!(executor.metadata.namespace.as_deref(), Some("avs"));
    assert_eq!(executor.spec.image, "hourglass/executor:latest");
    let config = &executor.spec.config;
    assert_eq!(config.aggregator_endpoint, "aggregator.example.com:9090");
    assert_eq!(config.chains.len(), 1);
    assert_eq!(config.chains[0].name, "ethereum");
    assert_eq!(config.chains[0].chain_id, 1);
    assert_eq!(
        config.chains[0].rpc,
        "https://eth-mainnet.alchemyapi.io/v2/YOUR_KEY"
    );
    assert_eq!(
        config.chains[0].task_mailbox_address,
        "0x1234567890abcdef1234567890abcdef12345678"
    );
    assert_eq!(
        config.operator_keys.get("ecdsa").map(String::as_str),
        Some("your-base64-encoded-ecdsa-private-key")
    );
    assert_eq!(
        config
            .kubernetes
            .as_ref()
            .and_then(|k| k.namespace.as_deref()),
        Some("avs")
    );

    assert_eq!(m.performers.len(), 1);
    let performer = &m.performers[0];
    assert_eq!(performer.metadata.name.as_deref(), Some("my-avs"));
    assert_eq!(performer.metadata.namespace.as_deref(), Some("avs"));
    assert_eq!(performer.spec.image, "my-org/my-avs-performer:v1.0.0");
    assert_eq!(performer.spec.version.as_deref(), Some("v1.0.0"));
    assert_eq!(
        performer.spec.executor_ref.as_deref(),
        Some("my-avs-executor")
    );
    assert_eq!(
        performer.spec.avs_address,
        "0x1234567890abcdef1234567890abcdef12345678"
    );
    assert!(
        m.notes
            .iter()
            .any(|n| n.contains("chart default hourglass/executor:latest")),
        "{:?}",
        m.notes
    );
}

#[test]
fn name_and_image_from_the_command_line_win() {
    let m = map(
        &fixture("quick-start.yaml"),
        &Overrides {
            name: Some("other"),
            image: Some("hourglass/executor:v1.4.0"),
            namespace: "default",
        },
    )
    .unwrap();
    assert_eq!(m.executor.metadata.name.as_deref(), Some("other"));
    assert_eq!(m.executor.spec.image, "hourglass/executor:v1.4.0");
    assert_eq!(m.performers[0].spec.executor_ref.as_deref(), Some("other"));
    assert!(m.notes.iter().all(|n| !n.contains("chart default")));
}

#[test]
fn development_needs_the_operator_key() {
    let errors = map(
        &fixture("development.yaml"),
        &Overrides {
            namespace: "default",
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        errors,
        vec![
            "secrets.operatorKeys.ecdsaPrivateKey: is required (or secrets.operatorKeys.blsPrivateKey): the operator's private key"
        ]
    );
    let m = mapped("development-with-keys.yaml");
    assert_eq!(m.executor.spec.replicas, Some(1));
    assert_eq!(m.performers[0].spec.image, "my-avs/performer:latest");
    let ignored = m.notes.iter().find(|n| n.starts_with("ignored")).unwrap();
    assert!(ignored.contains("development"), "{ignored}");
    assert!(ignored.contains("aggregator.tls"), "{ignored}");
}

#[test]
fn production_maps_resources_and_executor_scheduling() {
    let m = mapped("production.yaml");
    let spec = &m.executor.spec;
    assert_eq!(spec.replicas, Some(3));
    let resources = spec.resources.as_ref().unwrap();
    assert_eq!(resources.requests.as_ref().unwrap()["cpu"].0, "2");
    assert_eq!(resources.limits.as_ref().unwrap()["memory"].0, "16Gi");
    assert_eq!(
        spec.node_selector.as_ref().unwrap()["node.kubernetes.io/instance-type"],
        "m5.xlarge"
    );
    assert_eq!(
        spec.tolerations.as_ref().unwrap()[0].key.as_deref(),
        Some("dedicated")
    );
    assert_eq!(spec.config.operator_keys.len(), 2);
    // An image that already has a tag keeps it.
    assert_eq!(m.performers[0].spec.image, "my-org/my-avs-performer:v2.1.0");
    let ignored = m.notes.iter().find(|n| n.starts_with("ignored")).unwrap();
    for key in [
        "persistence",
        "metrics",
        "podDisruptionBudget",
        "scheduling.podAntiAffinity",
        "secrets.tls",
        "aggregator.tls",
    ] {
        assert!(ignored.contains(key), "{key} in {ignored}");
    }
}

#[test]
fn gpu_hardware_resources_and_scheduling() {
    let m = mapped("gpu.yaml");
    let spec = &m.performers[0].spec;
    let hardware = spec.hardware_requirements.as_ref().unwrap();
    assert_eq!(hardware.gpu_type.as_deref(), Some("nvidia-a100"));
    assert_eq!(hardware.gpu_count, Some(1));
    assert_eq!(hardware.tee_required, None);
    let resources = spec.resources.as_ref().unwrap();
    assert_eq!(resources.limits.as_ref().unwrap()["nvidia.com/gpu"].0, "1");
    let scheduling = spec.scheduling.as_ref().unwrap();
    assert_eq!(
        scheduling.node_selector.as_ref().unwrap()["accelerator"],
        "nvidia-tesla-a100"
    );
    assert_eq!(
        scheduling.tolerations.as_ref().unwrap()[0]
            .operator
            .as_deref(),
        Some("Exists")
    );
    assert_eq!(spec.image, "ml-project/gpu-performer:v3.0.0");
}

#[test]
fn tee_hardware_and_runtime_class() {
    let m = mapped("tee.yaml");
    let spec = &m.performers[0].spec;
    let hardware = spec.hardware_requirements.as_ref().unwrap();
    assert_eq!(hardware.tee_required, Some(true));
    assert_eq!(hardware.tee_type.as_deref(), Some("sgx"));
    assert_eq!(hardware.gpu_count, None);
    let scheduling = spec.scheduling.as_ref().unwrap();
    assert_eq!(scheduling.runtime_class.as_deref(), Some("kata-containers"));
    assert_eq!(
        m.executor
            .spec
            .config
            .operator_keys
            .get("bls")
            .map(String::len),
        Some(66)
    );
    let ignored = m.notes.iter().find(|n| n.starts_with("ignored")).unwrap();
    assert!(ignored.contains("networkPolicy"), "{ignored}");
}

#[test]
fn multi_chain_in_order_with_disabled_skipped() {
    let m = mapped("multi-chain.yaml");
    let chains: Vec<(&str, i64)> = m
        .executor
        .spec
        .config
        .chains
        .iter()
        .map(|c| (c.name.as_str(), c.chain_id))
        .collect();
    assert_eq!(chains, [("ethereum", 1), ("base", 8453), ("optimism", 10)]);
    assert!(
        m.notes
            .iter()
            .any(|n| n == "skipped chains.sepolia: enabled is false")
    );
    let ignored = m.notes.iter().find(|n| n.starts_with("ignored")).unwrap();
    assert!(ignored.contains("chains.ethereum.wsUrl"), "{ignored}");
}

#[test]
fn unknown_chain_needs_a_chain_id() {
    let errors = map(
        &fixture("unknown-chain.yaml"),
        &Overrides {
            namespace: "default",
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("chains.arbitrum.chainId: is required: the chart has no chain ID and \"arbitrum\" is not a chain name this tool knows (ethereum, mainnet, base, sepolia, holesky, base-sepolia, anvil, local); set chains.arbitrum.chainId"),
        "{}",
        errors[0]
    );
}

#[test]
fn every_mapped_example_passes_the_shared_rules() {
    use hourglass_shared::HourglassObject;
    for name in [
        "production.yaml",
        "gpu.yaml",
        "tee.yaml",
        "multi-chain.yaml",
        "development-with-keys.yaml",
    ] {
        let m = mapped(name);
        let executor = HourglassObject::Executor(m.executor.clone());
        assert!(
            executor.validate(None).is_allowed(),
            "{name}: {:?}",
            executor.validate(None)
        );
        for performer in &m.performers {
            let object = HourglassObject::Performer(performer.clone());
            let verdict = object.validate(None);
            assert!(verdict.is_allowed(), "{name}: {verdict:?}");
        }
    }
}
