//! What the Hourglass operator makes of a performer: the Pod and Service it
//! names after it, and the GPU resource it requests. These are facts of the
//! upstream operator (Layr-Labs/hourglass-monorepo, `hourglass-operator/
//! internal/controller/performerController.go` at 11f1554; the same at
//! 5f0df78, which the API reference documents), not settings of ours: our
//! rules and mutation follow them so that what we admit is what it can run.

/// Prefix of the Pod and the Service the operator creates for a performer.
pub const WORKLOAD_PREFIX: &str = "performer-";
/// Label the operator puts on the pod, and selects it by from the Service.
pub const PERFORMER_LABEL: &str = "hourglass.eigenlayer.io/performer";
/// The finalizer the operator adds on its first reconcile.
pub const PERFORMER_FINALIZER: &str = "hourglass.eigenlayer.io/performer-finalizer";
/// The one container of a performer pod.
pub const CONTAINER_NAME: &str = "performer";

/// A Service name is a DNS-1035 label of at most 63 characters; with the
/// prefix that leaves 53 for the performer's own name.
pub const MAX_PERFORMER_NAME_LEN: usize = 63 - WORKLOAD_PREFIX.len();
/// The apiserver appends 5 random characters to a `generateName` prefix.
pub const MAX_PERFORMER_GENERATE_NAME_LEN: usize = MAX_PERFORMER_NAME_LEN - 5;

/// The resource the operator requests for GPUs without a type.
pub const UNTYPED_GPU_RESOURCE: &str = "nvidia.com/gpu";
/// With `gpuType` set, it requests `nvidia.com/<gpuType>` instead.
pub const TYPED_GPU_RESOURCE_PREFIX: &str = "nvidia.com/";

/// The name of the operator's Pod and Service for performer `name`.
pub fn workload_name(performer_name: &str) -> String {
    format!("{WORKLOAD_PREFIX}{performer_name}")
}

/// The extended resource the operator requests, per GPU, for this type.
pub fn gpu_resource(gpu_type: Option<&str>) -> String {
    match gpu_type.filter(|t| !t.is_empty()) {
        Some(gpu_type) => TypedGpuResource(gpu_type).to_string(),
        None => UNTYPED_GPU_RESOURCE.to_string(),
    }
}

/// `nvidia.com/<gpuType>` for a non-empty type, written where it is shown
/// (a warning per review names it) rather than built as a string first.
#[derive(Clone, Copy, Debug)]
pub struct TypedGpuResource<'a>(pub &'a str);

impl TypedGpuResource<'_> {
    /// Whether it names the same resource as an untyped GPU (type "gpu").
    pub fn is_untyped(self) -> bool {
        UNTYPED_GPU_RESOURCE.strip_prefix(TYPED_GPU_RESOURCE_PREFIX) == Some(self.0)
    }
}

impl std::fmt::Display for TypedGpuResource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{TYPED_GPU_RESOURCE_PREFIX}{}", self.0)
    }
}

/// Why `performer-<name>` cannot name a Service (a DNS-1035 label), if it
/// cannot. The prefix supplies the leading letter, so the name itself may
/// start with a digit.
pub fn performer_name_problem(name: &str) -> Option<String> {
    let fits = !name.is_empty()
        && name.len() <= MAX_PERFORMER_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.ends_with('-');
    (!fits).then(|| {
        format!(
            "{name:?} cannot name the operator's Pod and Service \"{WORKLOAD_PREFIX}<name>\": expected at most {MAX_PERFORMER_NAME_LEN} lowercase letters, digits or '-' (no '.'), ending with a letter or digit"
        )
    })
}

/// The same for a `generateName` prefix, to which 5 characters are added.
pub fn performer_generate_name_problem(prefix: &str) -> Option<String> {
    let fits = prefix.len() <= MAX_PERFORMER_GENERATE_NAME_LEN
        && prefix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    (!fits).then(|| {
        format!(
            "{prefix:?} cannot start the name of the operator's Pod and Service: expected at most {MAX_PERFORMER_GENERATE_NAME_LEN} lowercase letters, digits or '-', as the apiserver adds 5 characters"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_fit_a_service() {
        for ok in [
            "minimal-performer",
            "1inch-avs",
            "performer-3fa2b1-0c9d8e7f",
            &"a".repeat(53),
        ] {
            assert_eq!(performer_name_problem(ok), None, "{ok}");
        }
        for bad in ["", "a.b", "Upper", "trailing-", &"a".repeat(54)] {
            assert!(performer_name_problem(bad).is_some(), "{bad}");
        }
        assert!(performer_generate_name_problem(&"a".repeat(48)).is_none());
        assert!(performer_generate_name_problem(&"a".repeat(49)).is_some());
        assert!(performer_generate_name_problem("avs-").is_none());
    }

    #[test]
    fn gpu_resources_follow_the_operator() {
        assert_eq!(gpu_resource(None), "nvidia.com/gpu");
        assert_eq!(gpu_resource(Some("")), "nvidia.com/gpu");
        assert_eq!(gpu_resource(Some("nvidia-a100")), "nvidia.com/nvidia-a100");
        assert!(TypedGpuResource("gpu").is_untyped());
        assert!(!TypedGpuResource("nvidia-a100").is_untyped());
        assert!(!TypedGpuResource("").is_untyped());
    }
}
