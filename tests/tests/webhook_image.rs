//! The webhook image as `build-image` makes it, with no container engine:
//! its config and manifest say what the Deployment relies on (user 65532,
//! the binary as entrypoint, OCI labels, one layer), every digest verifies,
//! skopeo (containers/image, the library under `podman load`) reads both
//! forms, the binary taken out of the layer starts and answers `/health`,
//! and a second build from the same commit gives the same digest.
//!
//! The suites build the binary in the dev profile (its dependencies are the
//! ones the other suites already compiled, so it costs one static link);
//! `build-image` without `--dev` does the same in release.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use hourglass_certs::{CertificateAuthority, ServingCertSpec};
use hourglass_e2e::{
    ChildProcess, find_or_install_skopeo, free_loopback_ports, plain_http_get, workspace_root,
};
use hourglass_release::cargo_build::{Profile, host_target};
use hourglass_release::checksums;
use hourglass_release::image::root_filesystem::{BINARY_PATH, NONROOT_UID};
use hourglass_release::image::spec::*;
use hourglass_release::image_release::{ImageRelease, build_static_webhook, release_image};
use hourglass_release::platform::Platform;
use hourglass_release::project::{LICENSE, SOURCE_REPOSITORY, VERSION, webhook_image_reference};
use hourglass_release::sha256::Sha256;
use hourglass_release::source_revision::{self, SourceRevision};
use tempfile::TempDir;

/// One release build, shared by the tests of this binary.
struct Built {
    _dir: TempDir,
    revision: SourceRevision,
    release: ImageRelease,
}

fn build_into(dir: &Path) -> (SourceRevision, ImageRelease) {
    let revision = source_revision::of_checkout(&workspace_root()).unwrap();
    let binary = build_static_webhook(Profile::Dev, &dir.join("bin")).unwrap();
    let release = release_image(&binary, &revision, &dir.join("dist")).unwrap();
    (revision, release)
}

fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("hourglass-image-")
            .tempdir()
            .unwrap();
        let (revision, release) = build_into(dir.path());
        Built {
            _dir: dir,
            revision,
            release,
        }
    })
}

/// The OCI layout, read back through its index.
struct Layout {
    dir: PathBuf,
    index: ImageIndex,
    manifest: ImageManifest,
    config: ImageConfig,
}

impl Layout {
    fn read(dir: &Path) -> Layout {
        let index: ImageIndex =
            serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
        let blob = |digest: &str| std::fs::read(blob_path(dir, digest)).unwrap();
        let manifest: ImageManifest =
            serde_json::from_slice(&blob(&index.manifests[0].digest)).unwrap();
        let config: ImageConfig = serde_json::from_slice(&blob(&manifest.config.digest)).unwrap();
        Layout {
            dir: dir.to_path_buf(),
            index,
            manifest,
            config,
        }
    }

    fn blob(&self, digest: &str) -> Vec<u8> {
        std::fs::read(blob_path(&self.dir, digest)).unwrap()
    }

    /// The layer, uncompressed.
    fn layer_tar(&self) -> Vec<u8> {
        let mut tar = Vec::new();
        flate2::read::GzDecoder::new(self.blob(&self.manifest.layers[0].digest).as_slice())
            .read_to_end(&mut tar)
            .unwrap();
        tar
    }
}

fn blob_path(dir: &Path, digest: &str) -> PathBuf {
    let hex = digest.strip_prefix("sha256:").expect("a sha256 digest");
    dir.join("blobs").join("sha256").join(hex)
}

#[test]
fn config_runs_the_binary_as_nonroot_with_the_oci_labels() {
    let built = built();
    let layout = Layout::read(&built.release.image.oci_layout);
    let config = &layout.config;
    let host = Platform::for_rust_target(&host_target().unwrap()).unwrap();
    assert_eq!(
        (config.os.as_str(), config.architecture.as_str()),
        ("linux", host.arch)
    );
    assert_eq!(config.config.user, format!("{NONROOT_UID}:{NONROOT_UID}"));
    assert_eq!(config.config.entrypoint, [BINARY_PATH]);
    let labels = &config.config.labels;
    assert_eq!(labels[LABEL_SOURCE], SOURCE_REPOSITORY);
    assert_eq!(labels[LABEL_VERSION], VERSION);
    assert_eq!(labels[LABEL_REVISION], built.revision.revision);
    assert_eq!(labels[LABEL_LICENSES], LICENSE);
    // The Deployment's ports.
    let ports: Vec<&str> = config
        .config
        .exposed_ports
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(ports, ["8080/tcp", "8443/tcp"]);

    assert_eq!(
        layout.manifest.layers.len(),
        1,
        "{:?}",
        layout.manifest.layers
    );
    assert_eq!(layout.manifest.layers[0].media_type, MEDIA_TYPE_LAYER_GZIP);
    assert_eq!(layout.manifest.config.media_type, MEDIA_TYPE_CONFIG);
    assert_eq!(config.rootfs.diff_ids.len(), 1);
    // The index names the image by its version, for `oci:<dir>:<version>`.
    assert_eq!(
        layout.index.manifests[0].annotations[ANNOTATION_REF_NAME],
        VERSION
    );
}

#[test]
fn the_layer_holds_the_binary_and_user_files_only() {
    let layout = Layout::read(&built().release.image.oci_layout);
    let tar = layout.layer_tar();
    let mut archive = tar::Archive::new(tar.as_slice());
    let mut seen = Vec::new();
    for entry in archive.entries().unwrap() {
        let entry = entry.unwrap();
        let header = entry.header();
        let path = entry.path().unwrap().display().to_string();
        assert_eq!(
            (header.uid().unwrap(), header.gid().unwrap()),
            (0, 0),
            "{path}"
        );
        assert_eq!(
            header.mtime().unwrap(),
            built().revision.source_date_epoch,
            "{path}"
        );
        if path == BINARY_PATH.trim_start_matches('/') {
            assert_eq!(header.mode().unwrap(), 0o755);
        }
        seen.push(path);
    }
    // No shell, no libc, no package database: exactly these.
    assert_eq!(
        seen,
        [
            "etc/",
            "etc/group",
            "etc/passwd",
            "usr/",
            "usr/local/",
            "usr/local/bin/",
            "usr/local/bin/hourglass-webhook",
        ]
    );
}

#[test]
fn every_digest_and_size_in_the_layout_verifies() {
    let built = built();
    let layout = Layout::read(&built.release.image.oci_layout);
    let descriptors = std::iter::once(&layout.index.manifests[0])
        .chain(std::iter::once(&layout.manifest.config))
        .chain(layout.manifest.layers.iter());
    for descriptor in descriptors {
        let bytes = layout.blob(&descriptor.digest);
        assert_eq!(
            Sha256::of(&bytes).to_string(),
            descriptor.digest,
            "{}",
            descriptor.media_type
        );
        assert_eq!(
            bytes.len() as u64,
            descriptor.size,
            "{}",
            descriptor.media_type
        );
    }
    // The config names the uncompressed layer.
    assert_eq!(
        layout.config.rootfs.diff_ids[0],
        Sha256::of(&layout.layer_tar()).to_string()
    );
    // The image digest reported is the manifest's.
    assert_eq!(
        layout.index.manifests[0].digest,
        built.release.image.digest.to_string()
    );
    // Nothing else is in the store.
    let blobs = std::fs::read_dir(layout.dir.join("blobs/sha256"))
        .unwrap()
        .count();
    assert_eq!(blobs, 3);
}

#[test]
fn the_docker_archive_holds_the_same_image() {
    let built = built();
    let layout = Layout::read(&built.release.image.oci_layout);
    let mut files = std::collections::BTreeMap::new();
    let file = std::fs::File::open(&built.release.image.docker_archive).unwrap();
    for entry in tar::Archive::new(file).entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().display().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        files.insert(path, bytes);
    }
    let manifest: Vec<DockerArchiveImage> =
        serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert_eq!(manifest.len(), 1);
    assert_eq!(manifest[0].repo_tags, [webhook_image_reference()]);
    // The very config of the OCI layout, and the layer its diff_id names.
    assert_eq!(
        files[&manifest[0].config],
        layout.blob(&layout.manifest.config.digest)
    );
    assert_eq!(manifest[0].layers.len(), 1);
    let layer = &files[&manifest[0].layers[0]];
    assert_eq!(
        Sha256::of(layer).to_string(),
        layout.config.rootfs.diff_ids[0]
    );
}

#[test]
fn skopeo_reads_both_forms_and_checks_their_digests() {
    let built = built();
    let skopeo = find_or_install_skopeo().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let run = |args: &[String]| {
        let output = Command::new(&skopeo).args(args).output().unwrap();
        assert!(
            output.status.success(),
            "skopeo {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let oci = format!("oci:{}:{VERSION}", built.release.image.oci_layout.display());
    let docker = format!(
        "docker-archive:{}",
        built.release.image.docker_archive.display()
    );

    let inspected: serde_json::Value =
        serde_json::from_str(&run(&["inspect".into(), oci.clone()])).unwrap();
    assert_eq!(inspected["Digest"], built.release.image.digest.to_string());
    assert_eq!(inspected["Labels"][LABEL_VERSION], VERSION);
    let from_docker: serde_json::Value =
        serde_json::from_str(&run(&["inspect".into(), "--config".into(), docker.clone()])).unwrap();
    assert_eq!(
        from_docker["config"]["User"],
        format!("{NONROOT_UID}:{NONROOT_UID}")
    );

    // Copies read every blob and fail on a digest that does not match.
    for (source, name) in [(oci, "from-oci"), (docker, "from-docker")] {
        let destination = format!("dir:{}", scratch.path().join(name).display());
        run(&["copy".into(), "--quiet".into(), source, destination]);
    }
}

#[test]
fn the_binary_from_the_layer_starts_and_answers_health() {
    let layout = Layout::read(&built().release.image.oci_layout);
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("hourglass-webhook");
    let tar = layout.layer_tar();
    let mut archive = tar::Archive::new(tar.as_slice());
    let mut extracted = false;
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.path().unwrap() == Path::new(BINARY_PATH.trim_start_matches('/')) {
            entry.unpack(&binary).unwrap();
            extracted = true;
        }
    }
    assert!(extracted, "no {BINARY_PATH} in the layer");
    // The image has no loader and no libc: the binary must need neither.
    hourglass_release::elf::require_static(&binary).unwrap();

    let validity = Duration::from_secs(3600);
    let ca = CertificateAuthority::generate("image-test-ca", validity).unwrap();
    let serving = ca
        .issue_serving(&ServingCertSpec::for_localhost().with_validity(validity))
        .unwrap();
    let (cert, key) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
    serving.write(&cert, &key).unwrap();

    let [tls_port, admin_port] = free_loopback_ports::<2>().unwrap();
    let mut command = Command::new(&binary);
    command
        .arg(format!("--tls-listen=127.0.0.1:{tls_port}"))
        .arg(format!("--admin-listen=127.0.0.1:{admin_port}"))
        .arg(format!("--tls-cert={}", cert.display()))
        .arg(format!("--tls-key={}", key.display()))
        .arg("--no-executor-watch")
        .env_clear();
    let log = dir.path().join("webhook.log");
    let mut process =
        ChildProcess::spawn("hourglass-webhook (from the image)", command, &log).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let answer = loop {
        match plain_http_get(admin_port, "/health") {
            Ok(answer) => break answer,
            Err(error) if Instant::now() > deadline => panic!(
                "no /health answer in 30s: {error}; log: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            ),
            Err(_) => {
                process.fail_if_exited().unwrap();
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    };
    assert_eq!(answer.0, 200, "{answer:?}");
    process.stop();
}

#[test]
fn building_again_from_the_same_commit_gives_the_same_digest() {
    let first = built();
    let dir = tempfile::tempdir().unwrap();
    // The whole pipeline again: link the binary, build the image.
    let (revision, second) = build_into(dir.path());
    assert_eq!(revision, first.revision);
    assert_eq!(second.image.digest, first.release.image.digest);
    for (a, b) in [
        (
            &first.release.image.docker_archive,
            &second.image.docker_archive,
        ),
        (&first.release.sbom, &second.sbom),
    ] {
        assert_eq!(
            Sha256::of_file(a).unwrap(),
            Sha256::of_file(b).unwrap(),
            "{} differs from one build to the next",
            a.display()
        );
    }
}

#[test]
fn sbom_and_checksums_cover_the_image() {
    let built = built();
    let checked = checksums::verify(&built.release.sums).unwrap();
    let name = |path: &Path| path.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        checked.contains(&name(&built.release.image.docker_archive)),
        "{checked:?}"
    );
    assert!(checked.contains(&name(&built.release.sbom)), "{checked:?}");

    let bom: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&built.release.sbom).unwrap()).unwrap();
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["metadata"]["component"]["name"], "hourglass-webhook");
    let components = bom["components"].as_array().unwrap();
    let named = |name: &str| components.iter().find(|c| c["name"] == name);
    // What the webhook links, with Cargo.lock's checksum of the crate...
    let lock = hourglass_release::cargo_lock::read(&workspace_root().join("Cargo.lock")).unwrap();
    for crate_name in ["tokio", "rustls", "mimalloc", "kube-runtime"] {
        let component = named(crate_name).unwrap_or_else(|| panic!("no {crate_name} in the SBOM"));
        let version = component["version"].as_str().unwrap().to_string();
        let locked = &lock[&(crate_name.to_string(), version)];
        assert_eq!(
            component["hashes"][0]["content"].as_str(),
            locked.checksum.as_deref(),
            "{crate_name}"
        );
    }
    // ...and not what only builds it (cc compiles ring's C) or only the plugin uses.
    assert!(named("cc").is_none(), "a build-only crate is in the SBOM");
    assert!(
        named("comfy-table").is_none(),
        "a plugin-only crate is in the SBOM"
    );
}
