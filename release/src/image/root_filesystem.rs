//! The single layer of the webhook image: the static binary and the few
//! files a process expects, nothing else (no shell, no package manager, no
//! libc).
//!
//! No CA certificates: the webhook's only outgoing TLS connection is to the
//! Kubernetes API, and in a pod kube-rs trusts exactly the cluster CA from
//! the service account (`/var/run/secrets/kubernetes.io/serviceaccount/ca.crt`),
//! never the system store. A bundle would only add bytes that go stale.

use std::path::Path;

use crate::reproducible_tar::Entry;

/// Where the binary lives in the image, and the image's entrypoint.
pub const BINARY_PATH: &str = "/usr/local/bin/hourglass-webhook";

/// The user the container runs as, matching the Deployment's
/// `runAsUser`/`runAsGroup` (and distroless's `nonroot`).
pub const NONROOT_UID: u32 = 65532;

/// `/etc/passwd` and `/etc/group` name the users, so that tools (and
/// libraries that look up the current user) find one; home is `/`, which is
/// read-only anyway, and there is no login shell to give.
fn passwd() -> String {
    format!(
        "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:{NONROOT_UID}:{NONROOT_UID}:nonroot:/:/sbin/nologin\n"
    )
}

fn group() -> String {
    format!("root:x:0:\nnonroot:x:{NONROOT_UID}:\n")
}

/// The layer's entries for the webhook binary at `binary`.
pub fn entries(binary: &Path) -> Vec<Entry> {
    let relative = BINARY_PATH.trim_start_matches('/');
    vec![
        Entry::directory("etc", 0o755),
        Entry::bytes("etc/passwd", 0o644, passwd()),
        Entry::bytes("etc/group", 0o644, group()),
        Entry::directory("usr", 0o755),
        Entry::directory("usr/local", 0o755),
        Entry::directory("usr/local/bin", 0o755),
        Entry::file(relative, 0o755, binary),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parent_directory_is_in_the_layer() {
        let entries = entries(Path::new("/x"));
        for entry in &entries {
            let mut parent = Path::new(&entry.path).parent();
            while let Some(dir) = parent.filter(|p| !p.as_os_str().is_empty()) {
                assert!(
                    entries.iter().any(|e| Path::new(&e.path) == dir),
                    "{} has no entry for its parent {}",
                    entry.path,
                    dir.display()
                );
                parent = dir.parent();
            }
        }
    }

    #[test]
    fn the_nonroot_user_exists() {
        assert!(passwd().contains(":65532:65532:"));
        assert!(group().contains("nonroot:x:65532:"));
    }
}
