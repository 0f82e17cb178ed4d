//! Names and documented defaults of the Hourglass API.

pub const API_GROUP: &str = "hourglass.eigenlayer.io";
pub const API_VERSION: &str = "v1alpha1";
pub const GROUP_VERSION: &str = "hourglass.eigenlayer.io/v1alpha1";
pub const EXECUTOR_KIND: &str = "HourglassExecutor";
pub const PERFORMER_KIND: &str = "Performer";
pub const EXECUTOR_PLURAL: &str = "hourglassexecutors";
pub const PERFORMER_PLURAL: &str = "performers";
pub const EXECUTOR_SHORT_NAME: &str = "hge";
pub const PERFORMER_SHORT_NAME: &str = "hgp";
// The `#[kube(...)]` derives on the types take literals only (a proc
// macro reads them before constants exist), so group, version, kinds,
// short names and the category are written there once more;
// `shared/tests/crd.rs` fails when the two disagree.
/// `kubectl get hourglass` lists both kinds.
pub const CATEGORY: &str = "hourglass";

pub const DEFAULT_REPLICAS: i32 = 1;
pub const DEFAULT_PERFORMER_MODE: &str = "kubernetes";
pub const DEFAULT_LOG_LEVEL: &str = "info";
pub const DEFAULT_PERFORMER_NAMESPACE: &str = "default";
pub const DEFAULT_GRPC_PORT: i32 = 9090;
pub const DEFAULT_IMAGE_PULL_POLICY: &str = "IfNotPresent";

pub const PERFORMER_MODES: &[&str] = &["docker", "kubernetes"];
/// The levels the executor's logger (zap) understands by name.
pub const LOG_LEVELS: &[&str] = &["debug", "info", "warn", "error"];
pub const TEE_TYPES: &[&str] = &["sgx", "sev", "tdx"];
pub const IMAGE_PULL_POLICIES: &[&str] = &["Always", "Never", "IfNotPresent"];

/// The Kubernetes limit for one admission warning to be shown in full.
pub const MAX_WARNING_LEN: usize = 120;

/// Mirrors a performer's `spec.executorRef`. Labels survive every typed
/// update, so the relation outlives writers whose type lacks the field
/// (the upstream operator's finalizer update), and `-l` can select by it.
pub const EXECUTOR_LABEL: &str = "hourglass.eigenlayer.io/executor";
/// A label value holds at most 63 characters, so an executorRef must too.
pub const MAX_EXECUTOR_REF_LEN: usize = 63;
