//! Image references as kubelet and containerd report them, so a simulated
//! container status names its image the way a real node does.

use std::hash::{Hash, Hasher};

/// The reference containerd reports in `containerStatuses[].image` once a
/// container ran: Docker's normalized form (`nginx:1.25` becomes
/// `docker.io/library/nginx:1.25`, `acme/avs` becomes
/// `docker.io/acme/avs:latest`), as github.com/distribution/reference's
/// `ParseNormalizedNamed` + `TagNameOnly` produce it.
pub(crate) fn normalized(image: &str) -> String {
    let (first, _) = image.split_once('/').unwrap_or(("", image));
    let has_domain =
        image.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let mut reference = if has_domain {
        image.to_string()
    } else if image.contains('/') {
        format!("docker.io/{image}")
    } else {
        format!("docker.io/library/{image}")
    };
    if !has_tag_or_digest(&reference) {
        reference.push_str(":latest");
    }
    reference
}

/// The image kubelet asks the runtime to pull, named in its pull errors:
/// the spec's image with `:latest` added when it has no tag or digest
/// (kubelet's `applyDefaultImageTag`), otherwise as written.
pub(crate) fn pulled(image: &str) -> String {
    if has_tag_or_digest(image) {
        image.to_string()
    } else {
        format!("{image}:latest")
    }
}

/// `containerStatuses[].imageID`: `<repository>@sha256:<digest>`. The
/// digest is made up (a hash of the reference), the same for one image
/// throughout a test run.
pub(crate) fn image_id(image: &str) -> String {
    let reference = normalized(image);
    let repository = match reference.rsplit_once('@') {
        Some((repository, _digest)) => repository.to_string(),
        None => strip_tag(&reference).to_string(),
    };
    format!("{repository}@sha256:{}", hex_digest(&reference))
}

/// `containerStatuses[].containerID`: `containerd://<64 hex>`, unique per
/// pod and container start.
pub(crate) fn container_id(pod_uid: &str, restart: i32) -> String {
    format!(
        "containerd://{}",
        hex_digest(&format!("{pod_uid}/{restart}"))
    )
}

fn has_tag_or_digest(image: &str) -> bool {
    let last = image.rsplit('/').next().unwrap_or(image);
    image.contains('@') || last.contains(':')
}

fn strip_tag(reference: &str) -> &str {
    let slash = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[slash..].rfind(':') {
        Some(colon) => &reference[..slash + colon],
        None => reference,
    }
}

/// 64 hex characters derived from `text` (not a real SHA-256).
fn hex_digest(text: &str) -> String {
    (0u64..4)
        .map(|round| {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            (round, text).hash(&mut hasher);
            format!("{:016x}", hasher.finish())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_normalized_like_containerd() {
        assert_eq!(normalized("nginx:1.25"), "docker.io/library/nginx:1.25");
        assert_eq!(normalized("acme/avs"), "docker.io/acme/avs:latest");
        assert_eq!(normalized("ghcr.io/acme/avs:v1"), "ghcr.io/acme/avs:v1");
        assert_eq!(
            normalized("localhost:5000/avs"),
            "localhost:5000/avs:latest"
        );
        assert_eq!(pulled("acme/avs"), "acme/avs:latest");
        assert_eq!(pulled("localhost:5000/avs:v2"), "localhost:5000/avs:v2");
        let id = image_id("myavs/performer:v2.0.0");
        assert!(id.starts_with("docker.io/myavs/performer@sha256:"), "{id}");
        assert_eq!(id.len(), "docker.io/myavs/performer@sha256:".len() + 64);
    }
}
