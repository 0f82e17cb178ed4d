//! Smoke test of the harness: the shared control plane answers kubectl and a
//! kube client, a temporary namespace holds objects and is deleted after, and
//! a second control plane starts warm and stops on drop.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use hourglass_e2e::{ControlPlane, KUBERNETES_VERSION, with_temp_ns};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, ObjectMeta, PostParams};

#[test]
fn shared_control_plane_answers_kubectl() {
    let asked = Instant::now();
    let control_plane = ControlPlane::shared();
    let timings = control_plane.timings();
    eprintln!(
        "shared control plane: {:.1}s for this test to get it; start took {:.1}s (binaries {:.1}s, etcd {:.1}s, kube-apiserver {:.1}s); {}",
        asked.elapsed().as_secs_f64(),
        timings.total.as_secs_f64(),
        timings.binaries.as_secs_f64(),
        timings.etcd.as_secs_f64(),
        timings.apiserver.as_secs_f64(),
        control_plane.kubectl_info(),
    );

    let readyz = control_plane
        .run_kubectl(&["get", "--raw", "/readyz"], None)
        .unwrap();
    assert_eq!(readyz.trim(), "ok");

    let version = control_plane
        .run_kubectl(&["get", "--raw", "/version"], None)
        .unwrap();
    let version: serde_json::Value = serde_json::from_str(&version).unwrap();
    assert_eq!(version["gitVersion"], KUBERNETES_VERSION);
}

#[tokio::test]
async fn config_map_round_trip_in_a_temporary_namespace() {
    let namespace = with_temp_ns(|client, namespace| async move {
        let config_maps: Api<ConfigMap> = Api::namespaced(client, &namespace);
        let wanted = ConfigMap {
            metadata: ObjectMeta {
                name: Some("smoke".into()),
                ..ObjectMeta::default()
            },
            data: Some(BTreeMap::from([("greeting".into(), "hello".into())])),
            ..ConfigMap::default()
        };
        config_maps
            .create(&PostParams::default(), &wanted)
            .await
            .unwrap();
        let read = config_maps.get("smoke").await.unwrap();
        assert_eq!(read.data, wanted.data);
        assert_eq!(read.metadata.namespace.as_deref(), Some(namespace.as_str()));
        namespace
    })
    .await;

    // Without controllers, deletion only marks the namespace.
    let client = ControlPlane::shared().kube_client().await.unwrap();
    let deleted = Api::<Namespace>::all(client).get(&namespace).await.unwrap();
    assert!(deleted.metadata.deletion_timestamp.is_some());
}

#[test]
fn second_control_plane_starts_warm_and_stops_on_drop() {
    // The shared one first, so that binaries are built or installed by then.
    ControlPlane::shared();
    let started = Instant::now();
    let control_plane = ControlPlane::start().unwrap();
    eprintln!(
        "warm start of a second control plane: {:.2}s (etcd {:.2}s, kube-apiserver {:.2}s)",
        started.elapsed().as_secs_f64(),
        control_plane.timings().etcd.as_secs_f64(),
        control_plane.timings().apiserver.as_secs_f64(),
    );
    let readyz = control_plane
        .run_kubectl(&["get", "--raw", "/readyz"], None)
        .unwrap();
    assert_eq!(readyz.trim(), "ok");
    assert_ne!(
        control_plane.server_url(),
        ControlPlane::shared().server_url()
    );

    let pids = control_plane.pids();
    let run_dir = control_plane.run_dir().to_path_buf();
    drop(control_plane);
    assert!(!running(pids.etcd), "etcd {} still runs", pids.etcd);
    assert!(
        !running(pids.apiserver),
        "kube-apiserver {} still runs",
        pids.apiserver
    );
    assert!(!run_dir.exists() || std::env::var_os("HOURGLASS_KEEP_CONTROL_PLANE").is_some());
}

/// Whether `pid` is a live (not zombie) process.
fn running(pid: u32) -> bool {
    match std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("stat")) {
        // "<pid> (<comm>) <state> ..."
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with(['Z', 'X'])),
        Err(_) => false,
    }
}
