//! The JSON documents of an OCI image (image-spec v1.1) and of a
//! `docker-archive` (the format `docker save` writes and `docker load` and
//! `podman load` read), as far as this image uses them.
//!
//! Own types rather than the oci-spec crate: its labels and annotations are
//! `HashMap`s, whose serialisation order changes from one process to the
//! next, and the image digest must not. Here every map is a `BTreeMap`
//! (sorted keys) and every struct serialises its fields in declaration order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const MEDIA_TYPE_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const MEDIA_TYPE_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const MEDIA_TYPE_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const MEDIA_TYPE_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// `oci-layout`'s only content.
pub const IMAGE_LAYOUT_VERSION: &str = "1.0.0";

/// Pre-defined annotation and label keys (image-spec `annotations.md`).
pub const ANNOTATION_REF_NAME: &str = "org.opencontainers.image.ref.name";
pub const ANNOTATION_CREATED: &str = "org.opencontainers.image.created";
pub const LABEL_SOURCE: &str = "org.opencontainers.image.source";
pub const LABEL_VERSION: &str = "org.opencontainers.image.version";
pub const LABEL_REVISION: &str = "org.opencontainers.image.revision";
pub const LABEL_LICENSES: &str = "org.opencontainers.image.licenses";
pub const LABEL_TITLE: &str = "org.opencontainers.image.title";
pub const LABEL_DESCRIPTION: &str = "org.opencontainers.image.description";

/// A content descriptor: what a blob is, its digest and size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<PlatformSpec>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformSpec {
    pub architecture: String,
    pub os: String,
}

/// `index.json` of an OCI layout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageIndex {
    pub schema_version: u32,
    pub media_type: String,
    pub manifests: Vec<Descriptor>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageManifest {
    pub schema_version: u32,
    pub media_type: String,
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// The image configuration: what a runtime needs to start the container.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageConfig {
    pub created: String,
    pub architecture: String,
    pub os: String,
    pub config: ContainerConfig,
    pub rootfs: RootFs,
    pub history: Vec<History>,
}

/// The container defaults; the field names are the spec's (Go's) spelling.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerConfig {
    pub user: String,
    pub exposed_ports: BTreeMap<String, EmptyObject>,
    pub entrypoint: Vec<String>,
    pub working_dir: String,
    pub labels: BTreeMap<String, String>,
}

/// `{}`: a Go `map[string]struct{}` value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmptyObject {}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootFs {
    #[serde(rename = "type")]
    pub kind: String,
    /// Digests of the uncompressed layers, bottom first.
    pub diff_ids: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    pub created: String,
    pub created_by: String,
}

/// One image of a docker-archive's `manifest.json` (a list of these).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DockerArchiveImage {
    /// Path of the config file inside the archive.
    pub config: String,
    /// `repository:tag` names `docker load` gives the image.
    pub repo_tags: Vec<String>,
    /// Paths of the uncompressed layer tars inside the archive, bottom first.
    pub layers: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_are_the_specs() {
        let config = ContainerConfig {
            user: "65532:65532".into(),
            exposed_ports: BTreeMap::from([("8443/tcp".to_string(), EmptyObject {})]),
            entrypoint: vec!["/bin/x".into()],
            working_dir: "/".into(),
            labels: BTreeMap::from([
                ("b".to_string(), "2".to_string()),
                ("a".to_string(), "1".to_string()),
            ]),
        };
        assert_eq!(
            serde_json::to_string(&config).unwrap(),
            r#"{"User":"65532:65532","ExposedPorts":{"8443/tcp":{}},"Entrypoint":["/bin/x"],"WorkingDir":"/","Labels":{"a":"1","b":"2"}}"#
        );
        let descriptor = Descriptor {
            media_type: MEDIA_TYPE_CONFIG.into(),
            digest: "sha256:00".into(),
            size: 2,
            platform: None,
            annotations: BTreeMap::new(),
        };
        assert_eq!(
            serde_json::to_string(&descriptor).unwrap(),
            r#"{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:00","size":2}"#
        );
        let rootfs = RootFs {
            kind: "layers".into(),
            diff_ids: vec!["sha256:11".into()],
        };
        assert_eq!(
            serde_json::to_string(&rootfs).unwrap(),
            r#"{"type":"layers","diff_ids":["sha256:11"]}"#
        );
    }
}
