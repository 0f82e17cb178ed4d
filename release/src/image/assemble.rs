//! From inputs to blobs: the layer (uncompressed and gzipped), the config
//! that names the layer's uncompressed digest, and the manifest that names
//! the config and the compressed layer.

use std::collections::BTreeMap;

use crate::error::{ReleaseError, Result};
use crate::image::inputs::ImageInputs;
use crate::image::root_filesystem::{self, BINARY_PATH, NONROOT_UID};
use crate::image::spec::*;
use crate::project::{LICENSE, SOURCE_REPOSITORY};
use crate::sha256::Sha256;
use crate::{elf, reproducible_gzip, reproducible_tar};

/// The webhook's ports, as the Deployment declares them: TLS reviews and
/// the plain admin port (probes, metrics).
const EXPOSED_PORTS: [&str; 2] = ["8080/tcp", "8443/tcp"];

/// A blob and its digest.
#[derive(Clone, Debug)]
pub struct Blob {
    pub bytes: Vec<u8>,
    pub digest: Sha256,
}

impl Blob {
    pub fn new(bytes: Vec<u8>) -> Blob {
        let digest = Sha256::of(&bytes);
        Blob { bytes, digest }
    }

    pub fn descriptor(&self, media_type: &str) -> Descriptor {
        Descriptor {
            media_type: media_type.to_string(),
            digest: self.digest.to_string(),
            size: self.bytes.len() as u64,
            platform: None,
            annotations: BTreeMap::new(),
        }
    }
}

/// Every blob of the image, and the documents that tie them together.
#[derive(Clone, Debug)]
pub struct AssembledImage {
    /// The layer as a tar: its digest is the config's `diff_id`, and it is
    /// what a docker-archive carries.
    pub layer_tar: Blob,
    /// The gzipped layer, as the OCI layout and registries carry it.
    pub layer_gzip: Blob,
    pub config: ImageConfig,
    pub config_blob: Blob,
    pub manifest: ImageManifest,
    pub manifest_blob: Blob,
}

impl AssembledImage {
    /// The image digest: the manifest's, as registries and `docker pull
    /// <image>@sha256:...` know it.
    pub fn digest(&self) -> Sha256 {
        self.manifest_blob.digest
    }
}

/// Builds every blob in memory (the layer is a few tens of MB at most).
pub fn assemble(inputs: &ImageInputs) -> Result<AssembledImage> {
    elf::require_static(&inputs.binary)?;
    let created = rfc3339(inputs.source_date_epoch)?;
    let entries = root_filesystem::entries(&inputs.binary);
    let layer_tar = Blob::new(reproducible_tar::to_vec(
        &entries,
        inputs.source_date_epoch,
    )?);
    let layer_gzip = Blob::new(reproducible_gzip::compress(&layer_tar.bytes)?);

    let labels = labels(inputs);
    let config = ImageConfig {
        created: created.clone(),
        architecture: inputs.architecture.clone(),
        os: "linux".into(),
        config: ContainerConfig {
            user: format!("{NONROOT_UID}:{NONROOT_UID}"),
            exposed_ports: EXPOSED_PORTS
                .iter()
                .map(|port| (port.to_string(), EmptyObject {}))
                .collect(),
            entrypoint: vec![BINARY_PATH.to_string()],
            working_dir: "/".into(),
            labels: labels.clone(),
        },
        rootfs: RootFs {
            kind: "layers".into(),
            diff_ids: vec![layer_tar.digest.to_string()],
        },
        history: vec![History {
            created: created.clone(),
            created_by: format!(
                "hourglass-release build-image: {BINARY_PATH}, /etc/passwd, /etc/group"
            ),
        }],
    };
    let config_blob = Blob::new(to_json(&config)?);

    // The labels again as manifest annotations, where registries show them
    // without fetching the config.
    let mut annotations = labels;
    annotations.insert(ANNOTATION_CREATED.into(), created);
    let manifest = ImageManifest {
        schema_version: 2,
        media_type: MEDIA_TYPE_MANIFEST.into(),
        config: config_blob.descriptor(MEDIA_TYPE_CONFIG),
        layers: vec![layer_gzip.descriptor(MEDIA_TYPE_LAYER_GZIP)],
        annotations,
    };
    let manifest_blob = Blob::new(to_json(&manifest)?);
    Ok(AssembledImage {
        layer_tar,
        layer_gzip,
        config,
        config_blob,
        manifest,
        manifest_blob,
    })
}

fn labels(inputs: &ImageInputs) -> BTreeMap<String, String> {
    BTreeMap::from([
        (LABEL_TITLE.into(), "hourglass-webhook".into()),
        (
            LABEL_DESCRIPTION.into(),
            "Admission webhook for Hourglass executors and performers".into(),
        ),
        (LABEL_SOURCE.into(), SOURCE_REPOSITORY.into()),
        (LABEL_VERSION.into(), inputs.version.clone()),
        (LABEL_REVISION.into(), inputs.revision.clone()),
        (LABEL_LICENSES.into(), LICENSE.into()),
    ])
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| ReleaseError::Invalid(format!("JSON: {e}")))
}

/// `2024-01-02T03:04:05Z`.
pub fn rfc3339(epoch: u64) -> Result<String> {
    let invalid = || ReleaseError::Invalid(format!("{epoch} is not a usable time"));
    let seconds = i64::try_from(epoch).map_err(|_| invalid())?;
    let time = time::OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| invalid())?;
    time.format(&time::format_description::well_known::Rfc3339)
        .map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_is_utc_with_seconds() {
        assert_eq!(rfc3339(0).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000).unwrap(), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn a_dynamic_binary_makes_no_image() {
        let inputs = ImageInputs {
            binary: std::env::current_exe().unwrap(),
            version: "0.0.0".into(),
            revision: "abc".into(),
            source_date_epoch: 0,
            architecture: "amd64".into(),
        };
        assert!(matches!(
            assemble(&inputs),
            Err(ReleaseError::NotStatic { .. }) | Err(ReleaseError::NotElf { .. })
        ));
    }
}
