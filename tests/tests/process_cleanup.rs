//! The shared control plane must not outlive its test binary, whether the
//! binary exits normally (atexit hook) or is killed (parent-death signal).
//! Each test runs this binary again as a child that starts the shared control
//! plane, then checks that etcd and kube-apiserver are gone after the child.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hourglass_e2e::ControlPlane;

/// Tells the helper test below what to do: `exit` or `hang`.
const CHILD_ENV: &str = "HOURGLASS_E2E_CLEANUP_CHILD";

#[test]
#[ignore = "helper: run as a child process by the other tests in this file"]
fn child_starts_the_shared_control_plane() {
    let Ok(mode) = std::env::var(CHILD_ENV) else {
        return;
    };
    let control_plane = ControlPlane::shared();
    let pids = control_plane.pids();
    println!(
        "CONTROL-PLANE {} {} {}",
        pids.etcd,
        pids.apiserver,
        control_plane.run_dir().display()
    );
    if mode == "hang" {
        std::thread::sleep(Duration::from_secs(600));
    }
}

struct ChildControlPlane {
    etcd: u32,
    apiserver: u32,
    run_dir: PathBuf,
}

fn spawn_child(mode: &str) -> (Child, ChildControlPlane) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "child_starts_the_shared_control_plane",
            "--nocapture",
        ])
        .env(CHILD_ENV, mode)
        .env_remove("HOURGLASS_KEEP_CONTROL_PLANE")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while stdout.read_line(&mut line).unwrap() > 0 {
        if let Some(rest) = line.trim_end().strip_prefix("CONTROL-PLANE ") {
            let mut parts = rest.splitn(3, ' ');
            let mut next = || parts.next().unwrap().to_string();
            let etcd = next().parse().unwrap();
            let apiserver = next().parse().unwrap();
            let run_dir = PathBuf::from(next());
            // Keep reading, or the child dies of a broken pipe when it
            // reports its result.
            std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
            return (
                child,
                ChildControlPlane {
                    etcd,
                    apiserver,
                    run_dir,
                },
            );
        }
        line.clear();
    }
    panic!(
        "the child exited without starting a control plane: {:?}",
        child.wait()
    );
}

#[test]
fn shared_control_plane_stops_when_the_test_binary_exits() {
    let (child, started) = spawn_child("exit");
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "child failed: {}", output.status);
    // The atexit hook waits for both, so they are gone the moment it exits.
    assert!(!running(started.etcd, "etcd"));
    assert!(!running(started.apiserver, "kube-apiserver"));
    assert!(
        !started.run_dir.exists(),
        "{} was left behind",
        started.run_dir.display()
    );
}

#[test]
fn shared_control_plane_dies_with_a_killed_test_binary() {
    let (mut child, started) = spawn_child("hang");
    assert!(running(started.etcd, "etcd"));
    assert!(running(started.apiserver, "kube-apiserver"));
    child.kill().unwrap(); // SIGKILL: no Rust code runs in the child
    child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while running(started.etcd, "etcd") || running(started.apiserver, "kube-apiserver") {
        assert!(
            Instant::now() < deadline,
            "control plane outlived its killed test binary"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Nothing ran to remove it; clean up after the child.
    let _ = std::fs::remove_dir_all(&started.run_dir);
}

/// Whether `pid` is a live (not zombie) process named `name`; a pid reused by
/// another program counts as gone.
fn running(pid: u32, name: &str) -> bool {
    let proc_dir = Path::new("/proc").join(pid.to_string());
    let Ok(stat) = std::fs::read_to_string(proc_dir.join("stat")) else {
        return false;
    };
    // "<pid> (<comm>) <state> ..."
    let Some((head, rest)) = stat.rsplit_once(')') else {
        return false;
    };
    let comm = head.split_once('(').map_or("", |(_, comm)| comm);
    comm == name && !rest.trim_start().starts_with(['Z', 'X'])
}
