//! The objects one `create` sends, each parsed once where it enters: its
//! kind and name read, its namespace set (`-n` only where the object names
//! none, as kubectl does), executors first, so that a performer's executor
//! exists when the webhook looks it up.

use serde_json::Value;

use hourglass_shared::mutate::{MutationContext, lent_scheduling};
use hourglass_shared::object::ObjectKind;
use hourglass_shared::{HardwareProfile, HourglassExecutor, HourglassObject, review};

use crate::error::{CliError, Result};
use crate::input;

/// One object to create: what the user wrote (sent as is, so the apiserver
/// sees unknown fields and says so), and what we read of it.
#[derive(Clone, Debug)]
pub struct Creatable {
    pub raw: Value,
    /// `None`: not one of our kinds.
    pub kind: Option<ObjectKind>,
    pub name: String,
    /// `Kind/name` for messages.
    pub what: String,
}

impl Creatable {
    pub fn read(raw: Value) -> Self {
        let kind = raw
            .get("kind")
            .and_then(Value::as_str)
            .and_then(ObjectKind::from_kind);
        let name = raw
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let what = input::describe(&raw);
        Creatable {
            raw,
            kind,
            name,
            what,
        }
    }

    pub fn namespace(&self) -> &str {
        self.raw
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("default")
    }

    /// Puts the object in `namespace` unless it names one; a different one
    /// named with an explicit `-n` is refused, as kubectl does.
    pub fn set_namespace(&mut self, namespace: &str, explicit: bool) -> Result<()> {
        let current = self
            .raw
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .map(str::to_string);
        match current {
            Some(current) if current != namespace && explicit => Err(CliError::msg(format!(
                "the namespace from the provided object \"{current}\" does not match the namespace \"{namespace}\". You must pass '--namespace={current}' to perform this operation."
            ))),
            Some(_) => Ok(()),
            None => {
                if let Some(metadata) = self.raw.get_mut("metadata").and_then(Value::as_object_mut)
                {
                    metadata.insert(
                        "namespace".to_string(),
                        Value::String(namespace.to_string()),
                    );
                }
                Ok(())
            }
        }
    }
}

/// The batch in the order to create it: executors, performers, the rest.
pub fn in_creation_order(values: Vec<Value>) -> Vec<Creatable> {
    let mut batch: Vec<Creatable> = values.into_iter().map(Creatable::read).collect();
    batch.sort_by_key(|c| match c.kind {
        Some(ObjectKind::Executor) => 0,
        Some(ObjectKind::Performer) => 1,
        None => 2,
    });
    batch
}

/// Checks one object with the webhook's rules, lending it the
/// defaultScheduling of an executor of the same batch; `Err` holds the
/// violations to print, `Ok` the warnings.
pub fn check_locally(
    object: &Creatable,
    batch: &[Creatable],
) -> std::result::Result<Vec<String>, Vec<String>> {
    let parsed = HourglassObject::from_value(&object.raw).map_err(|e| vec![e.to_string()])?;
    let executors: Vec<HourglassExecutor> = batch
        .iter()
        .filter_map(|c| match HourglassObject::from_value(&c.raw) {
            Ok(HourglassObject::Executor(executor)) => Some(executor),
            _ => None,
        })
        .collect();
    let executor_scheduling = match &parsed {
        HourglassObject::Performer(performer) => lent_scheduling(performer, &executors),
        HourglassObject::Executor(_) => None,
    };
    let profile = HardwareProfile::default();
    let context = MutationContext {
        profile: &profile,
        executor_scheduling,
    };
    let outcome = review(&parsed, None, &context);
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
