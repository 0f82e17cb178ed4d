//! `avs.supportedAvs[]`: one Performer each, naming the executor.

use kube::api::ObjectMeta;

use hourglass_shared::performer::HardwareRequirements;
use hourglass_shared::{Performer, PerformerSpec, SchedulingConfig};

use super::Findings;
use super::values::{AvsValues, HardwareValues, PerformerScheduling, SupportedAvs};

pub(super) fn map(
    found: &mut Findings,
    avs: Option<AvsValues>,
    executor: &str,
    namespace: &str,
) -> Vec<Performer> {
    let Some(avs) = avs else {
        found
            .notes
            .push("the values list no avs.supportedAvs; no Performer is created".to_string());
        return Vec::new();
    };
    avs.supported_avs
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(index, entry)| {
            let path = format!("avs.supportedAvs[{index}]");
            performer(found, entry, &path, index, executor, namespace)
        })
        .collect()
}

fn performer(
    found: &mut Findings,
    entry: SupportedAvs,
    path: &str,
    index: usize,
    executor: &str,
    namespace: &str,
) -> Performer {
    let address = found.take(entry.address, &format!("{path}.address"));
    if address.is_none() {
        found.error(
            &format!("{path}.address"),
            "is required: the AVS contract address",
        );
    }
    let name = match found.take(entry.name, &format!("{path}.name")) {
        Some(name) => name,
        None => {
            let name = format!("{executor}-avs-{index}");
            found
                .notes
                .push(format!("{path} has no name; the Performer is named {name}"));
            name
        }
    };
    let performer_values = entry.performer.unwrap_or_default();
    let image = found.take(performer_values.image, &format!("{path}.performer.image"));
    if image.is_none() {
        found.error(
            &format!("{path}.performer.image"),
            "is required: the performer's container image",
        );
    }
    let version = found.take(
        performer_values.version,
        &format!("{path}.performer.version"),
    );
    let image = image.map(|image| with_version(&image, version.as_deref()));
    let resources = found
        .take(entry.resources, &format!("{path}.resources"))
        .map(|typed| typed.0);
    let hardware = entry
        .hardware
        .and_then(|h| hardware(found, h, &format!("{path}.hardware")));
    let scheduling = entry
        .scheduling
        .and_then(|s| scheduling(found, s, &format!("{path}.scheduling")));
    let mut performer = Performer::new(
        &name,
        PerformerSpec {
            avs_address: address.unwrap_or_default(),
            image: image.unwrap_or_default(),
            version,
            executor_ref: Some(executor.to_string()),
            image_pull_policy: None,
            config: None,
            resources,
            scheduling,
            hardware_requirements: hardware,
            image_pull_secrets: None,
        },
    );
    performer.metadata = ObjectMeta {
        name: Some(name),
        namespace: Some(namespace.to_string()),
        ..Default::default()
    };
    performer
}

/// `my-org/performer` + `v1.0.0` -> `my-org/performer:v1.0.0`; an image
/// that already has a tag or digest is kept as written.
pub fn with_version(image: &str, version: Option<&str>) -> String {
    match (version, hourglass_shared::formats::image::parse(image)) {
        (Some(version), Ok(reference))
            if !version.is_empty() && reference.tag.is_none() && reference.digest.is_none() =>
        {
            format!("{image}:{version}")
        }
        _ => image.to_string(),
    }
}

fn hardware(
    found: &mut Findings,
    values: HardwareValues,
    path: &str,
) -> Option<HardwareRequirements> {
    let mut out = HardwareRequirements::default();
    if let Some(gpu) = values.gpu {
        let gpu_path = format!("{path}.gpu");
        if found.take(gpu.required, &format!("{gpu_path}.required")) != Some(false) {
            out.gpu_type = found.take(gpu.type_, &format!("{gpu_path}.type"));
            let count = found
                .take(gpu.count, &format!("{gpu_path}.count"))
                .unwrap_or(1);
            out.gpu_count = Some(i32::try_from(count).unwrap_or(i32::MAX));
        }
    }
    if let Some(tee) = values.tee {
        let tee_path = format!("{path}.tee");
        if found.take(tee.required, &format!("{tee_path}.required")) != Some(false) {
            out.tee_required = Some(true);
            out.tee_type = found.take(tee.type_, &format!("{tee_path}.type"));
        }
    }
    (out != HardwareRequirements::default()).then_some(out)
}

fn scheduling(
    found: &mut Findings,
    values: PerformerScheduling,
    path: &str,
) -> Option<SchedulingConfig> {
    let out = SchedulingConfig {
        node_selector: found
            .take(values.node_selector, &format!("{path}.nodeSelector"))
            .map(|typed| typed.0),
        tolerations: found
            .take(values.tolerations, &format!("{path}.tolerations"))
            .map(|typed| typed.0),
        runtime_class: found.take(values.runtime_class, &format!("{path}.runtimeClass")),
        ..Default::default()
    };
    (out != SchedulingConfig::default()).then_some(out)
}
