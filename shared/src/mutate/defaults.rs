//! The documented defaults.

use crate::constants::{
    DEFAULT_GRPC_PORT, DEFAULT_IMAGE_PULL_POLICY, DEFAULT_LOG_LEVEL, DEFAULT_PERFORMER_MODE,
    DEFAULT_PERFORMER_NAMESPACE, DEFAULT_REPLICAS,
};
use crate::executor::HourglassExecutorSpec;
use crate::performer::PerformerSpec;

pub(super) fn executor(spec: &mut HourglassExecutorSpec) {
    spec.replicas.get_or_insert(DEFAULT_REPLICAS);
    let config = &mut spec.config;
    let mode = config
        .performer_mode
        .get_or_insert_with(|| DEFAULT_PERFORMER_MODE.to_string());
    // The target namespace only means something when performers run on Kubernetes.
    if mode == "kubernetes" {
        let kubernetes = config.kubernetes.get_or_insert_with(Default::default);
        kubernetes
            .namespace
            .get_or_insert_with(|| DEFAULT_PERFORMER_NAMESPACE.to_string());
    }
    config
        .log_level
        .get_or_insert_with(|| DEFAULT_LOG_LEVEL.to_string());
}

pub(super) fn performer(spec: &mut PerformerSpec) {
    spec.image_pull_policy
        .get_or_insert_with(|| DEFAULT_IMAGE_PULL_POLICY.to_string());
    let config = spec.config.get_or_insert_with(Default::default);
    config.grpc_port.get_or_insert(DEFAULT_GRPC_PORT);
}
