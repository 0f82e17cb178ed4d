//! The hardware profile the installed webhook runs with, so that `audit`
//! answers what the webhook would answer. The webhook reads its profile
//! from `--hardware-profile PATH` (or `HOURGLASS_HARDWARE_PROFILE`) and
//! uses the default without one; a cluster that sets one mounts it from a
//! ConfigMap. So: the webhook's Deployment says where, the volume mount
//! says which ConfigMap key, and the ConfigMap holds the text.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Container, Volume};
use kube::Api;

use hourglass_shared::HardwareProfile;

use crate::context::Context;
use crate::error::{CliError, Result};
use crate::manifests::DEPLOYMENT_NAME;

const FLAG: &str = "--hardware-profile";
const ENV: &str = "HOURGLASS_HARDWARE_PROFILE";
const FIX: &str = "pass the profile with --hardware-profile FILE";

/// Where the webhook's container says its profile is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// No `--hardware-profile`: the webhook uses the default profile.
    Default,
    /// A key of a ConfigMap mounted at the path the webhook reads.
    ConfigMap { name: String, key: String },
}

/// Finds the profile's location in the webhook Deployment, or says why it
/// cannot be followed (a Secret, a path outside every volume, ...).
pub fn locate(deployment: &Deployment) -> std::result::Result<Location, String> {
    let pod = deployment
        .spec
        .as_ref()
        .and_then(|spec| spec.template.spec.as_ref())
        .ok_or("the Deployment has no pod template")?;
    let container = pod
        .containers
        .iter()
        .find(|c| c.name == "webhook")
        .or_else(|| pod.containers.first())
        .ok_or("the Deployment has no container")?;
    let Some(path) = profile_path(container)? else {
        return Ok(Location::Default);
    };
    for mount in container.volume_mounts.iter().flatten() {
        let key = match &mount.sub_path {
            // A file mounted on its own: the path is the mount itself.
            Some(sub_path) if !sub_path.is_empty() => {
                if path != mount.mount_path {
                    continue;
                }
                sub_path.clone()
            }
            _ => match path
                .strip_prefix(mount.mount_path.trim_end_matches('/'))
                .and_then(|rest| rest.strip_prefix('/'))
            {
                Some(rest) => rest.to_string(),
                None => continue,
            },
        };
        let volume = pod
            .volumes
            .iter()
            .flatten()
            .find(|v| v.name == mount.name)
            .ok_or_else(|| {
                format!(
                    "the volume {:?} mounted at {} is not declared",
                    mount.name, mount.mount_path
                )
            })?;
        return from_config_map(volume, &key, &path);
    }
    Err(format!("{path} (its {FLAG}) is not on a mounted volume"))
}

/// The profile path from the container's args (either `--flag=v` or
/// `--flag v`) or its environment; the flag wins, as in clap.
fn profile_path(container: &Container) -> std::result::Result<Option<String>, String> {
    let args: Vec<&String> = container
        .command
        .iter()
        .flatten()
        .chain(container.args.iter().flatten())
        .collect();
    for (index, arg) in args.iter().enumerate() {
        if let Some(value) = arg.strip_prefix(&format!("{FLAG}=")) {
            return Ok(Some(value.to_string()));
        }
        if arg.as_str() == FLAG {
            return args
                .get(index + 1)
                .map(|value| Some(value.to_string()))
                .ok_or_else(|| format!("{FLAG} has no value in the webhook's args"));
        }
    }
    for env in container.env.iter().flatten() {
        if env.name == ENV {
            return match &env.value {
                Some(value) if !value.is_empty() => Ok(Some(value.clone())),
                Some(_) => Ok(None),
                None => Err(format!("{ENV} is set from a reference, not a value")),
            };
        }
    }
    Ok(None)
}

fn from_config_map(
    volume: &Volume,
    key_path: &str,
    path: &str,
) -> std::result::Result<Location, String> {
    let Some(source) = &volume.config_map else {
        return Err(format!(
            "{path} is on the volume {:?}, which is not a ConfigMap",
            volume.name
        ));
    };
    // `items` maps keys to other file names; the file read is the item's path.
    let key = match &source.items {
        Some(items) => items
            .iter()
            .find(|item| item.path == key_path)
            .map(|item| item.key.clone())
            .ok_or_else(|| {
                format!(
                    "no item of ConfigMap {:?} is mounted as {path}",
                    source.name
                )
            })?,
        None => key_path.to_string(),
    };
    Ok(Location::ConfigMap {
        name: source.name.clone(),
        key,
    })
}

/// The profile `audit` uses and where it came from, for the note on stderr.
pub struct Chosen {
    pub profile: HardwareProfile,
    pub source: String,
}

/// `--hardware-profile FILE` when given, else the webhook's in `namespace`.
pub async fn choose(
    ctx: &Context,
    file: Option<&std::path::Path>,
    namespace: &str,
) -> Result<Chosen> {
    if let Some(file) = file {
        let text = std::fs::read_to_string(file)
            .map_err(|e| CliError::msg(format!("{FLAG} {}: {e}", file.display())))?;
        let profile = HardwareProfile::from_yaml(&text)
            .map_err(|e| CliError::msg(format!("{FLAG} {}: {e}", file.display())))?;
        return Ok(Chosen {
            profile,
            source: file.display().to_string(),
        });
    }
    let client = ctx.client().await?;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let deployment = match deployments.get_opt(DEPLOYMENT_NAME).await {
        Ok(Some(deployment)) => deployment,
        Ok(None) => {
            return Ok(Chosen {
                profile: HardwareProfile::default(),
                source: format!(
                    "the default: no webhook Deployment {DEPLOYMENT_NAME} in namespace {namespace} (--webhook-namespace)"
                ),
            });
        }
        Err(error) => {
            return Err(CliError::msg(format!(
                "cannot read the webhook's Deployment {namespace}/{DEPLOYMENT_NAME} for its hardware profile ({}); {FIX}",
                crate::error::chain(&error)
            )));
        }
    };
    let where_ = format!("deployment {namespace}/{DEPLOYMENT_NAME}");
    match locate(&deployment).map_err(|e| CliError::msg(format!("{where_}: {e}; {FIX}")))? {
        Location::Default => Ok(Chosen {
            profile: HardwareProfile::default(),
            source: format!("the default, as {where_} sets no {FLAG}"),
        }),
        Location::ConfigMap { name, key } => {
            let maps: Api<ConfigMap> = Api::namespaced(client, namespace);
            let map = maps.get(&name).await.map_err(|e| {
                CliError::msg(format!(
                    "cannot read ConfigMap {namespace}/{name}, the webhook's hardware profile ({}); {FIX}",
                    crate::error::chain(&e)
                ))
            })?;
            let text = map
                .data
                .as_ref()
                .and_then(|data| data.get(&key))
                .ok_or_else(|| {
                    CliError::msg(format!(
                        "ConfigMap {namespace}/{name} has no key {key:?}, the webhook's hardware profile; {FIX}"
                    ))
                })?;
            let profile = HardwareProfile::from_yaml(text).map_err(|e| {
                CliError::msg(format!("ConfigMap {namespace}/{name} key {key}: {e}"))
            })?;
            Ok(Chosen {
                profile,
                source: format!("ConfigMap {namespace}/{name} key {key}, as {where_} reads it"),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(container: serde_json::Value, volumes: serde_json::Value) -> Deployment {
        serde_json::from_value(json!({
            "metadata": {"name": "hourglass-webhook"},
            "spec": {
                "selector": {},
                "template": {"spec": {"containers": [container], "volumes": volumes}}
            }
        }))
        .unwrap()
    }

    #[test]
    fn no_flag_means_the_default_profile() {
        let d = deployment(
            json!({"name": "webhook", "args": ["--log-level=info"]}),
            json!([]),
        );
        assert_eq!(locate(&d), Ok(Location::Default));
    }

    #[test]
    fn the_flag_leads_through_the_mount_to_the_config_map_key() {
        let volumes = json!([{"name": "profile", "configMap": {"name": "hw"}}]);
        for args in [
            json!(["--hardware-profile=/etc/hourglass/profile/profile.yaml"]),
            json!(["--hardware-profile", "/etc/hourglass/profile/profile.yaml"]),
        ] {
            let d = deployment(
                json!({"name": "webhook", "args": args,
                       "volumeMounts": [{"name": "profile", "mountPath": "/etc/hourglass/profile/"}]}),
                volumes.clone(),
            );
            assert_eq!(
                locate(&d),
                Ok(Location::ConfigMap {
                    name: "hw".into(),
                    key: "profile.yaml".into()
                })
            );
        }
    }

    #[test]
    fn env_sub_path_and_items_are_followed() {
        let d = deployment(
            json!({"name": "webhook",
                   "env": [{"name": "HOURGLASS_HARDWARE_PROFILE", "value": "/p.yaml"}],
                   "volumeMounts": [{"name": "v", "mountPath": "/p.yaml", "subPath": "gpu"}]}),
            json!([{"name": "v", "configMap": {"name": "hw"}}]),
        );
        assert_eq!(
            locate(&d),
            Ok(Location::ConfigMap {
                name: "hw".into(),
                key: "gpu".into()
            })
        );
        let d = deployment(
            json!({"name": "webhook", "args": ["--hardware-profile=/etc/p/file.yaml"],
                   "volumeMounts": [{"name": "v", "mountPath": "/etc/p"}]}),
            json!([{"name": "v", "configMap": {"name": "hw", "items": [{"key": "profile", "path": "file.yaml"}]}}]),
        );
        assert_eq!(
            locate(&d),
            Ok(Location::ConfigMap {
                name: "hw".into(),
                key: "profile".into()
            })
        );
    }

    #[test]
    fn what_cannot_be_followed_is_said() {
        let d = deployment(
            json!({"name": "webhook", "args": ["--hardware-profile=/etc/tls/p.yaml"],
                   "volumeMounts": [{"name": "tls", "mountPath": "/etc/tls"}]}),
            json!([{"name": "tls", "secret": {"secretName": "s"}}]),
        );
        assert!(locate(&d).unwrap_err().contains("not a ConfigMap"));
        let d = deployment(
            json!({"name": "webhook", "args": ["--hardware-profile=/baked/p.yaml"]}),
            json!([]),
        );
        assert!(locate(&d).unwrap_err().contains("not on a mounted volume"));
    }
}
