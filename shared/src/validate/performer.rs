//! Rules for Performer.

use k8s_openapi::api::core::v1::ResourceRequirements;

use crate::constants::{EXECUTOR_LABEL, IMAGE_PULL_POLICIES, MAX_EXECUTOR_REF_LEN, TEE_TYPES};
use crate::formats::labels::label_value_problem;
use crate::formats::{ethereum, names};
use crate::performer::{HardwareRequirements, Performer, PerformerConfig};
use crate::violation::{FieldPath, Verdict, abbreviate};
use crate::workload;

use super::common::{check_image, check_pull_secrets, check_resources, require_non_empty};
use super::scheduling::check_scheduling;

/// Every violation and warning for a performer; `old` is the stored object on UPDATE.
pub fn validate_performer(new: &Performer, old: Option<&Performer>) -> Verdict {
    let mut verdict = Verdict::default();
    let spec = &new.spec;
    let path = FieldPath::root("spec");

    check_name(&mut verdict, new);

    let avs_path = path.child("avsAddress");
    if require_non_empty(
        &mut verdict,
        &avs_path,
        &spec.avs_address,
        "the AVS's Ethereum address, 0x + 40 hex characters",
    ) && let Err(problem) = ethereum::check_address(&spec.avs_address)
    {
        verdict.violation(avs_path, problem);
    }
    if let Some(old) = old {
        // The address identifies the AVS the performer serves; a case-only
        // change (adding or dropping the checksum) names the same address.
        if !old.spec.avs_address.eq_ignore_ascii_case(&spec.avs_address) {
            verdict.violation(
                avs_path,
                format!(
                    "cannot change from {} to {}; create a new performer for another AVS instead",
                    old.spec.avs_address,
                    abbreviate(&spec.avs_address, 50)
                ),
            );
        }
    }

    let image_path = path.child("image");
    let tag = if require_non_empty(
        &mut verdict,
        &image_path,
        &spec.image,
        "the performer's container image",
    ) {
        check_image(&mut verdict, &image_path, &spec.image)
    } else {
        None
    };
    if let (Some(version), Some(tag)) = (spec.version.as_deref(), tag)
        && !version.is_empty()
        && version != tag
    {
        verdict.warning(
            "spec.version",
            format_args!(
                "{:?} differs from the image tag {:?}; keep them equal",
                abbreviate(version, 30),
                abbreviate(tag, 30)
            ),
        );
    }

    if let Some(executor) = spec.executor_ref.as_deref() {
        let executor_path = path.child("executorRef");
        if let Some(problem) = names::object_name_problem(executor) {
            verdict.violation(executor_path, problem);
        } else if executor.len() > MAX_EXECUTOR_REF_LEN {
            verdict.violation(
                executor_path,
                format!(
                    "is {} characters long; expected at most {MAX_EXECUTOR_REF_LEN}, as it is mirrored into the label {EXECUTOR_LABEL}",
                    executor.len()
                ),
            );
        }
    }
    if let Some(policy) = spec.image_pull_policy.as_deref()
        && !IMAGE_PULL_POLICIES.contains(&policy)
    {
        verdict.violation(
            path.child("imagePullPolicy"),
            format!("{policy:?} is not supported; expected Always, Never or IfNotPresent"),
        );
    }
    if let Some(config) = &spec.config {
        check_config(&mut verdict, &path.child("config"), config);
    }
    if let Some(resources) = &spec.resources {
        check_resources(&mut verdict, &path.child("resources"), resources);
    }
    if let Some(scheduling) = &spec.scheduling {
        check_scheduling(&mut verdict, &path.child("scheduling"), scheduling);
    }
    if let Some(hardware) = &spec.hardware_requirements {
        check_hardware(&mut verdict, &path.child("hardwareRequirements"), hardware);
        check_gpu_resources(&mut verdict, hardware, spec.resources.as_ref());
    }
    if let Some(secrets) = &spec.image_pull_secrets {
        check_pull_secrets(&mut verdict, &path.child("imagePullSecrets"), secrets);
    }
    verdict
}

/// The operator names its Pod and Service `performer-<name>`; a name that
/// cannot become a Service name leaves the performer without one, forever.
/// With `generateName`, the mutating webhook sees the prefix and the
/// validating one the generated name.
fn check_name(verdict: &mut Verdict, performer: &Performer) {
    let metadata = &performer.metadata;
    let name = metadata.name.as_deref().unwrap_or_default();
    let generate_name = metadata.generate_name.as_deref().unwrap_or_default();
    if !name.is_empty() {
        if let Some(problem) = workload::performer_name_problem(name) {
            verdict.violation("metadata.name", problem);
        }
    } else if !generate_name.is_empty()
        && let Some(problem) = workload::performer_generate_name_problem(generate_name)
    {
        verdict.violation("metadata.generateName", problem);
    }
}

/// The operator requests `nvidia.com/<gpuType>` for a typed GPU: say which
/// nodes that needs, and when the user's own `nvidia.com/gpu` would make
/// the pod request two kinds of GPU.
fn check_gpu_resources(
    verdict: &mut Verdict,
    hardware: &HardwareRequirements,
    resources: Option<&ResourceRequirements>,
) {
    let gpu_type = hardware.gpu_type.as_deref().filter(|t| !t.is_empty());
    let (Some(gpu_type), true) = (gpu_type, hardware.gpu_count.unwrap_or(0) > 0) else {
        return;
    };
    if label_value_problem(gpu_type).is_some() {
        return; // refused by check_hardware
    }
    let typed = workload::TypedGpuResource(gpu_type);
    // Quoted by hand: a label value (checked above) has nothing to escape,
    // so this is what `{:?}` of the name would write.
    verdict.warning(
        "spec.hardwareRequirements.gpuType",
        format_args!("pods request \"{typed}\"; nodes must advertise that resource"),
    );
    let untyped = workload::UNTYPED_GPU_RESOURCE;
    let also_untyped = resources.is_some_and(|r| {
        [&r.requests, &r.limits]
            .into_iter()
            .flatten()
            .any(|section| section.contains_key(untyped))
    });
    if also_untyped && !typed.is_untyped() {
        verdict.warning(
            "spec.resources",
            format_args!("{untyped} is requested besides {typed}; the pod needs nodes with both"),
        );
    }
}

fn check_config(verdict: &mut Verdict, path: &FieldPath, config: &PerformerConfig) {
    if let Some(port) = config.grpc_port
        && !(1..=65535).contains(&port)
    {
        verdict.violation(
            path.child("grpcPort"),
            format!("{port} is out of range; expected 1-65535"),
        );
    }
    for name in config.environment.iter().flat_map(|env| env.keys()) {
        if let Some(problem) = names::env_var_problem(name) {
            verdict.violation(path.child("environment").key(name), problem);
        }
    }
    let from_path = path.child("environmentFrom");
    for (i, from) in config.environment_from.iter().flatten().enumerate() {
        let item = from_path.index(i);
        if let Some(problem) = names::env_var_problem(&from.name) {
            verdict.violation(item.child("name"), problem);
        }
        let source = &from.value_from;
        if source.secret_key_ref.is_some() == source.config_map_key_ref.is_some() {
            verdict.violation(
                item.child("valueFrom"),
                "must set exactly one of secretKeyRef or configMapKeyRef",
            );
        }
    }
    if let Some(account) = config.service_account_name.as_deref()
        && let Some(problem) = names::object_name_problem(account)
    {
        verdict.violation(path.child("serviceAccountName"), problem);
    }
}

fn check_hardware(verdict: &mut Verdict, path: &FieldPath, hardware: &HardwareRequirements) {
    let gpu_count = hardware.gpu_count.unwrap_or(0);
    if gpu_count < 0 {
        verdict.violation(
            path.child("gpuCount"),
            format!("{gpu_count} is negative; expected 0 or more"),
        );
    }
    if let Some(problem) = hardware.gpu_type.as_deref().and_then(label_value_problem) {
        verdict.violation(
            path.child("gpuType"),
            format!("{problem}; it is a node label value and part of the resource name nvidia.com/<gpuType>"),
        );
    }
    if gpu_count > 0 && hardware.gpu_type.as_deref().is_none_or(str::is_empty) {
        verdict.warning(
            path.child("gpuType"),
            "not set, so the GPU may be of any model; set it to pin one",
        );
    }
    // Each custom label becomes a required node-affinity expression, whose
    // key must not be empty (see `check_requirement`).
    for key in hardware
        .custom_labels
        .iter()
        .flat_map(|labels| labels.keys())
    {
        if key.is_empty() {
            verdict.violation(
                path.child("customLabels").key(key),
                "is required: a node label key such as example.com/sgx-version, which every node running the performer must carry",
            );
        }
    }
    let tee_required = hardware.tee_required.unwrap_or(false);
    let tee_path = path.child("teeType");
    match hardware.tee_type.as_deref() {
        Some(tee) if !TEE_TYPES.contains(&tee) => verdict.violation(
            tee_path,
            format!(
                "{:?} is not supported; expected sgx, sev or tdx",
                abbreviate(tee, 30)
            ),
        ),
        None | Some("") if tee_required => verdict.violation(
            tee_path,
            "is required when teeRequired is true: expected sgx, sev or tdx",
        ),
        Some(_) if !tee_required => verdict.warning(
            tee_path,
            "is set but teeRequired is not true, so no TEE node is required",
        ),
        _ => {}
    }
}
