//! Defaults and hardware scheduling, as pure functions from an object to the
//! mutated object. The webhook's patch is the JSON diff of the two
//! ([`crate::patch`]), so it only ever adds what is missing, and the
//! mirrors that narrower writers may have dropped ([`node_affinity`],
//! [`executor_label`]).

mod defaults;
mod executor_label;
mod hardware;
mod node_affinity;

use crate::executor::HourglassExecutor;
use crate::hardware::HardwareProfile;
use crate::performer::Performer;
use crate::scheduling::SchedulingConfig;

/// What a performer's mutation needs besides the object itself.
#[derive(Clone, Copy, Debug)]
pub struct MutationContext<'a> {
    pub profile: &'a HardwareProfile,
    /// `kubernetes.defaultScheduling` of the executor the performer names, when it exists.
    pub executor_scheduling: Option<&'a SchedulingConfig>,
}

/// The `defaultScheduling` an executor among `executors` lends `performer`:
/// the one it names (`executorRef`, or the label mirroring it). The webhook
/// asks its executor cache; offline callers (`validate`, `create
/// --dry-run=client`) pass the executors of the same input.
pub fn lent_scheduling<'a>(
    performer: &Performer,
    executors: impl IntoIterator<Item = &'a HourglassExecutor>,
) -> Option<&'a SchedulingConfig> {
    let wanted = performer.executor_name()?;
    executors
        .into_iter()
        .find(|executor| executor.metadata.name.as_deref() == Some(wanted))?
        .spec
        .config
        .kubernetes
        .as_ref()?
        .default_scheduling
        .as_ref()
}

/// Fills in the executor's documented defaults.
pub fn mutate_executor(executor: &HourglassExecutor) -> HourglassExecutor {
    let mut mutated = executor.clone();
    defaults::executor(&mut mutated.spec);
    mutated
}

/// Fills in the performer's defaults, restores `executorRef` from its label
/// (or labels it), inherits the executor's default scheduling when the
/// performer sets none, turns hardware requirements into resources,
/// tolerations and required node affinity, and writes node affinity where
/// both operators read it. `old` is the stored object on UPDATE.
pub fn mutate_performer(
    performer: &Performer,
    old: Option<&Performer>,
    context: &MutationContext<'_>,
) -> Performer {
    let mut mutated = performer.clone();
    executor_label::mirror(&mut mutated);
    let spec = &mut mutated.spec;
    defaults::performer(spec);
    if let Some(inherited) = context.executor_scheduling
        && SchedulingConfig::is_unset(spec.scheduling.as_ref())
        && inherited != &SchedulingConfig::default()
    {
        spec.scheduling = Some(inherited.clone());
    }
    let old_scheduling = old.and_then(|old| old.spec.scheduling.as_ref());
    let mut node_affinity = node_affinity::truth(spec.scheduling.as_ref(), old_scheduling);
    hardware::apply(spec, &mut node_affinity, context.profile);
    if let Some(node_affinity) = node_affinity {
        node_affinity::write_to_both(
            spec.scheduling.get_or_insert_with(Default::default),
            node_affinity,
        );
    }
    mutated
}
