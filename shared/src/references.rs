//! Objects a performer's pod names, which must exist for it to start: the
//! RuntimeClass and PriorityClass, the ServiceAccount, image pull Secrets,
//! and the Secrets and ConfigMaps its environment reads. A missing one is
//! a warning, not a refusal: it may be created right after the performer.
//!
//! Whoever asks says what exists through [`ReferenceLookup`]: the webhook
//! from its watch caches, the plugin with the user's own rights (the
//! webhook may not read Secrets).

use std::fmt;

use crate::performer::Performer;
use crate::violation::fit_warning;

/// The kinds of object a performer refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReferenceKind {
    RuntimeClass,
    PriorityClass,
    ServiceAccount,
    Secret,
    ConfigMap,
}

impl ReferenceKind {
    /// Cluster-scoped kinds are looked up without a namespace.
    pub fn is_namespaced(self) -> bool {
        !matches!(
            self,
            ReferenceKind::RuntimeClass | ReferenceKind::PriorityClass
        )
    }
}

impl fmt::Display for ReferenceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReferenceKind::RuntimeClass => "RuntimeClass",
            ReferenceKind::PriorityClass => "PriorityClass",
            ReferenceKind::ServiceAccount => "ServiceAccount",
            ReferenceKind::Secret => "Secret",
            ReferenceKind::ConfigMap => "ConfigMap",
        })
    }
}

/// One object the pod needs, and the field that names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    pub kind: ReferenceKind,
    pub name: String,
    pub path: String,
    /// What happens to the pod while it is missing.
    pub consequence: &'static str,
}

/// What a lookup knows: present, absent, or nothing (not watched, or not
/// synced yet), in which case nothing is said.
pub trait ReferenceLookup {
    fn exists(&self, kind: ReferenceKind, namespace: &str, name: &str) -> Option<bool>;
}

/// Every object `performer`'s pod would need. References marked optional
/// (`optional: true` on a key reference) are left out.
pub fn references(performer: &Performer) -> Vec<Reference> {
    let spec = &performer.spec;
    let mut out = Vec::new();
    let mut add = |kind, name: &str, path: String, consequence| {
        if !name.is_empty() {
            out.push(Reference {
                kind,
                name: name.to_string(),
                path,
                consequence,
            });
        }
    };
    if let Some(scheduling) = &spec.scheduling {
        if let Some(class) = &scheduling.runtime_class {
            add(
                ReferenceKind::RuntimeClass,
                class,
                "spec.scheduling.runtimeClass".to_string(),
                "the pod is refused",
            );
        }
        if let Some(class) = &scheduling.priority_class_name {
            add(
                ReferenceKind::PriorityClass,
                class,
                "spec.scheduling.priorityClassName".to_string(),
                "a pod naming it is refused",
            );
        }
    }
    if let Some(config) = &spec.config {
        if let Some(account) = &config.service_account_name {
            add(
                ReferenceKind::ServiceAccount,
                account,
                "spec.config.serviceAccountName".to_string(),
                "the pod is refused",
            );
        }
        for (i, from) in config.environment_from.iter().flatten().enumerate() {
            let source = &from.value_from;
            if let Some(key) = &source.secret_key_ref
                && key.optional != Some(true)
            {
                add(
                    ReferenceKind::Secret,
                    &key.name,
                    format!("spec.config.environmentFrom[{i}].valueFrom"),
                    "the container cannot start",
                );
            }
            if let Some(key) = &source.config_map_key_ref
                && key.optional != Some(true)
            {
                add(
                    ReferenceKind::ConfigMap,
                    &key.name,
                    format!("spec.config.environmentFrom[{i}].valueFrom"),
                    "the container cannot start",
                );
            }
        }
    }
    for (i, secret) in spec.image_pull_secrets.iter().flatten().enumerate() {
        add(
            ReferenceKind::Secret,
            &secret.name,
            format!("spec.imagePullSecrets[{i}].name"),
            "private images cannot be pulled",
        );
    }
    out
}

/// One warning per referenced object `lookup` knows to be missing.
pub fn missing_reference_warnings(
    performer: &Performer,
    namespace: &str,
    lookup: &dyn ReferenceLookup,
) -> Vec<String> {
    references(performer)
        .into_iter()
        .filter(|reference| {
            let namespace = if reference.kind.is_namespaced() {
                namespace
            } else {
                ""
            };
            lookup.exists(reference.kind, namespace, &reference.name) == Some(false)
        })
        .map(|reference| missing_warning(&reference, namespace))
        .collect()
}

/// The warning for one missing object.
pub fn missing_warning(reference: &Reference, namespace: &str) -> String {
    let place = if reference.kind.is_namespaced() {
        format!(" in {namespace:?}")
    } else {
        String::new()
    };
    fit_warning(&format!(
        "{}: {} {:?} not found{place}; {}",
        reference.path, reference.kind, reference.name, reference.consequence
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::performer::{EnvironmentFrom, EnvironmentSource, PerformerConfig, PerformerSpec};
    use crate::scheduling::SchedulingConfig;
    use k8s_openapi::api::core::v1::{LocalObjectReference, SecretKeySelector};

    struct Only(Vec<(ReferenceKind, &'static str, &'static str)>);

    impl ReferenceLookup for Only {
        fn exists(&self, kind: ReferenceKind, namespace: &str, name: &str) -> Option<bool> {
            if kind == ReferenceKind::PriorityClass {
                return None; // not watched
            }
            Some(self.0.contains(&(kind, namespace, name)))
        }
    }

    fn performer() -> Performer {
        let mut performer = Performer::new(
            "p",
            PerformerSpec {
                avs_address: String::new(),
                image: "a/b:v1".to_string(),
                version: None,
                executor_ref: None,
                image_pull_policy: None,
                config: Some(PerformerConfig {
                    service_account_name: Some("runner".to_string()),
                    environment_from: Some(vec![
                        EnvironmentFrom {
                            name: "TOKEN".to_string(),
                            value_from: EnvironmentSource {
                                secret_key_ref: Some(SecretKeySelector {
                                    name: "tokens".to_string(),
                                    key: "t".to_string(),
                                    optional: None,
                                }),
                                config_map_key_ref: None,
                            },
                        },
                        EnvironmentFrom {
                            name: "MAYBE".to_string(),
                            value_from: EnvironmentSource {
                                secret_key_ref: Some(SecretKeySelector {
                                    name: "optional-one".to_string(),
                                    key: "t".to_string(),
                                    optional: Some(true),
                                }),
                                config_map_key_ref: None,
                            },
                        },
                    ]),
                    ..Default::default()
                }),
                resources: None,
                scheduling: Some(SchedulingConfig {
                    runtime_class: Some("gvisor".to_string()),
                    priority_class_name: Some("high".to_string()),
                    ..Default::default()
                }),
                hardware_requirements: None,
                image_pull_secrets: Some(vec![LocalObjectReference {
                    name: "registry".to_string(),
                }]),
            },
        );
        performer.metadata.namespace = Some("avs".to_string());
        performer
    }

    #[test]
    fn every_missing_object_is_named_with_its_field() {
        let lookup = Only(vec![(ReferenceKind::ServiceAccount, "avs", "runner")]);
        let warnings = missing_reference_warnings(&performer(), "avs", &lookup);
        assert_eq!(
            warnings,
            [
                "spec.scheduling.runtimeClass: RuntimeClass \"gvisor\" not found; the pod is refused",
                "spec.config.environmentFrom[0].valueFrom: Secret \"tokens\" not found in \"avs\"; the container cannot start",
                "spec.imagePullSecrets[0].name: Secret \"registry\" not found in \"avs\"; private images cannot be pulled",
            ]
        );
        assert!(warnings.iter().all(|w| w.chars().count() <= 120));
    }

    #[test]
    fn nothing_is_said_of_what_exists_or_is_not_known() {
        let lookup = Only(vec![
            (ReferenceKind::RuntimeClass, "", "gvisor"),
            (ReferenceKind::ServiceAccount, "avs", "runner"),
            (ReferenceKind::Secret, "avs", "tokens"),
            (ReferenceKind::Secret, "avs", "registry"),
        ]);
        assert!(missing_reference_warnings(&performer(), "avs", &lookup).is_empty());
    }
}
