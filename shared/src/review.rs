//! The one entry point for the rules: the webhook's `/validate` and
//! `/mutate` and `kubectl hourglass validate` all go through here.

use crate::mutate::{MutationContext, mutate_executor, mutate_performer};
use crate::object::HourglassObject;
use crate::patch;
use crate::validate::{validate_executor, validate_performer};
use crate::violation::Verdict;

/// The admission operations. DELETE and CONNECT carry nothing to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
    Delete,
    Connect,
}

/// What the rules and the mutation say about one object.
#[derive(Clone, Debug)]
pub struct ReviewOutcome {
    pub verdict: Verdict,
    /// The object with defaults and hardware scheduling filled in.
    pub mutated: HourglassObject,
    /// The JSON patch from the object to `mutated`; empty when nothing changes.
    pub patch: json_patch::Patch,
}

impl HourglassObject {
    /// Every violation and warning; `old` is the stored object on UPDATE.
    pub fn validate(&self, old: Option<&HourglassObject>) -> Verdict {
        match (self, old) {
            (HourglassObject::Executor(new), Some(HourglassObject::Executor(old))) => {
                validate_executor(new, Some(old))
            }
            (HourglassObject::Executor(new), _) => validate_executor(new, None),
            (HourglassObject::Performer(new), Some(HourglassObject::Performer(old))) => {
                validate_performer(new, Some(old))
            }
            (HourglassObject::Performer(new), _) => validate_performer(new, None),
        }
    }

    /// The object with defaults and hardware scheduling filled in; `old`
    /// is the stored object on UPDATE.
    pub fn mutate(
        &self,
        old: Option<&HourglassObject>,
        context: &MutationContext<'_>,
    ) -> HourglassObject {
        match self {
            HourglassObject::Executor(executor) => {
                HourglassObject::Executor(mutate_executor(executor))
            }
            HourglassObject::Performer(performer) => {
                let old = match old {
                    Some(HourglassObject::Performer(old)) => Some(old),
                    _ => None,
                };
                HourglassObject::Performer(mutate_performer(performer, old, context))
            }
        }
    }
}

/// Validates `object` (against `old` on UPDATE) and mutates it.
pub fn review(
    object: &HourglassObject,
    old: Option<&HourglassObject>,
    context: &MutationContext<'_>,
) -> ReviewOutcome {
    let verdict = object.validate(old);
    let mutated = object.mutate(old, context);
    let patch = patch::diff(object, &mutated);
    ReviewOutcome {
        verdict,
        mutated,
        patch,
    }
}
