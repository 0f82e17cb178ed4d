//! Writing image and version under a resourceVersion precondition,
//! re-reading and re-applying on conflict.

use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};
use tokio::time::Instant;

use hourglass_shared::constants::PERFORMER_PLURAL;
use hourglass_shared::upgrade_history::UPGRADE_HISTORY_ANNOTATION;
use hourglass_shared::{HourglassObject, Performer};

use crate::api::FIELD_MANAGER;
use crate::error::{CliError, Result};
use crate::pod_rollout::UpgradeApi;

/// Attempts at a conflicting write before giving up.
const MAX_ATTEMPTS: usize = 8;

/// An image and version pair: what the spec holds or should hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub image: String,
    pub version: Option<String>,
}

impl Target {
    pub fn of(performer: &Performer) -> Self {
        Target {
            image: performer.spec.image.clone(),
            version: performer.spec.version.clone(),
        }
    }

    /// "image X version V", or "image X (no version)".
    pub fn describe(&self) -> String {
        match &self.version {
            Some(version) => format!("image {} version {version}", self.image),
            None => format!("image {} (no version)", self.image),
        }
    }
}

/// The version to write: `--version`, else the new tag if the performer
/// tracks a version, else none.
pub fn desired_version(current: &Performer, image: &str, version: Option<&str>) -> Option<String> {
    if let Some(version) = version {
        return Some(version.to_string());
    }
    current.spec.version.as_ref()?;
    hourglass_shared::formats::image::parse(image)
        .ok()
        .and_then(|reference| reference.tag.map(str::to_string))
        .or_else(|| current.spec.version.clone())
}

/// The merge patch: the precondition, the two fields and, when given, the
/// new upgrade history; nothing else.
pub fn patch_body(resource_version: &str, target: &Target, history: Option<&str>) -> Value {
    let mut body = json!({
        "metadata": { "resourceVersion": resource_version },
        "spec": { "image": target.image, "version": target.version },
    });
    if let Some(history) = history {
        body["metadata"]["annotations"] = json!({ UPGRADE_HISTORY_ANNOTATION: history });
    }
    body
}

/// `current` with `target` written in, if the rules allow it.
pub fn upgraded(current: &Performer, target: &Target) -> Result<Performer> {
    let mut updated = current.clone();
    updated.spec.image = target.image.clone();
    updated.spec.version = target.version.clone();
    let verdict = HourglassObject::Performer(updated.clone())
        .validate(Some(&HourglassObject::Performer(current.clone())));
    if !verdict.is_allowed() {
        let lines: Vec<String> = verdict.violations.iter().map(ToString::to_string).collect();
        return Err(CliError::msg(format!(
            "performer \"{}\" would be invalid:\n  * {}",
            current.metadata.name.as_deref().unwrap_or_default(),
            lines.join("\n  * ")
        )));
    }
    Ok(updated)
}

/// What an attempt to write found.
#[derive(Debug)]
pub enum Written {
    /// The spec already held the target.
    AlreadyThere,
    /// Our change was stored (or, with dry run, accepted) on top of `recorded`.
    Changed {
        recorded: Target,
        object: Box<Performer>,
    },
}

/// When the apiserver stored our last write to `performer` (its clock,
/// second precision), from the managed fields it keeps per writer.
pub fn written_at(performer: &Performer) -> Option<Timestamp> {
    performer
        .metadata
        .managed_fields
        .iter()
        .flatten()
        .filter(|entry| entry.manager.as_deref() == Some(FIELD_MANAGER))
        .filter_map(|entry| entry.time.as_ref().map(|time| time.0))
        .max()
}

fn is_conflict(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(status) if status.code == 409)
}

/// How a write derives what it writes from the performer as just read.
pub struct Change<'a> {
    /// The image and version to write.
    pub target_for: &'a dyn Fn(&Performer) -> Target,
    /// Whether to go on (a rollback stops when another writer changed the
    /// image); `Err` ends the write with that message.
    pub keep_if: &'a dyn Fn(&Performer) -> std::result::Result<(), String>,
    /// The upgrade history to write with it, or `None` to leave it.
    pub history_for: &'a dyn Fn(&Performer) -> Result<Option<String>>,
}

/// Writes `change` with a resourceVersion precondition, re-reading and
/// re-applying on conflict.
pub async fn write_target(
    api: &UpgradeApi,
    name: &str,
    change: &Change<'_>,
    dry_run: bool,
    deadline: Instant,
    progress: &mut dyn FnMut(String),
) -> Result<Written> {
    for attempt in 1..=MAX_ATTEMPTS {
        let current = api.read(name).await?;
        (change.keep_if)(&current).map_err(CliError::Message)?;
        let target = (change.target_for)(&current);
        let recorded = Target::of(&current);
        if recorded == target {
            return Ok(Written::AlreadyThere);
        }
        upgraded(&current, &target)?;
        let history = (change.history_for)(&current)?;
        let resource_version = current
            .metadata
            .resource_version
            .clone()
            .unwrap_or_default();
        match api
            .merge_patch(
                name,
                &patch_body(&resource_version, &target, history.as_deref()),
                dry_run,
            )
            .await
        {
            Ok(object) => {
                return Ok(Written::Changed {
                    recorded,
                    object: Box::new(object),
                });
            }
            Err(error) if is_conflict(&error) && attempt < MAX_ATTEMPTS => {
                if Instant::now() >= deadline {
                    return Err(CliError::msg(format!(
                        "performer \"{name}\" kept changing under us; gave up at the deadline"
                    )));
                }
                progress(format!(
                    "performer \"{name}\" was changed by someone else (resourceVersion {resource_version} is stale); reading it again"
                ));
            }
            Err(error) => return Err(CliError::from_kube_for(PERFORMER_PLURAL, error)),
        }
    }
    Err(CliError::msg(format!(
        "performer \"{name}\" kept changing under us; gave up after {MAX_ATTEMPTS} attempts"
    )))
}
