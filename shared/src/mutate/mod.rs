//! Defaults and hardware scheduling, as pure functions from an object to the
//! mutated object. The webhook's patch is the JSON diff of the two
//! ([`crate::patch`]), so it only ever adds what is missing.

mod defaults;
mod hardware;

use crate::executor::HourglassExecutor;
use crate::hardware::HardwareProfile;
use crate::performer::Performer;
use crate::scheduling::SchedulingConfig;

/// What a performer's mutation needs besides the object itself.
#[derive(Clone, Copy, Debug)]
pub struct MutationContext<'a> {
    pub profile: &'a HardwareProfile,
    /// `kubernetes.defaultScheduling` of the executor named by `executorRef`, when it exists.
    pub executor_scheduling: Option<&'a SchedulingConfig>,
}

/// Fills in the executor's documented defaults.
pub fn mutate_executor(executor: &HourglassExecutor) -> HourglassExecutor {
    let mut mutated = executor.clone();
    defaults::executor(&mut mutated.spec);
    mutated
}

/// Fills in the performer's defaults, inherits the executor's default
/// scheduling when the performer sets none, and turns hardware requirements
/// into resources, tolerations and required node affinity.
pub fn mutate_performer(performer: &Performer, context: &MutationContext<'_>) -> Performer {
    let mut mutated = performer.clone();
    let spec = &mut mutated.spec;
    defaults::performer(spec);
    if let Some(inherited) = context.executor_scheduling
        && SchedulingConfig::is_unset(spec.scheduling.as_ref())
        && inherited != &SchedulingConfig::default()
    {
        spec.scheduling = Some(inherited.clone());
    }
    hardware::apply(spec, context.profile);
    mutated
}
