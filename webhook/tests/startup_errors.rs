//! Startup errors: one line on stderr that names the flag, exit code 1, no
//! panic or backtrace; in process, the same message from `server::start`.

mod common;

use std::process::Command;
use std::sync::Arc;

use common::*;
use hourglass_webhook::StaticExecutors;
use hourglass_webhook::server::{self, Settings};

const BINARY: &str = env!("CARGO_BIN_EXE_hourglass-webhook");

fn run(args: &[&str]) -> (i32, String) {
    let output = Command::new(BINARY)
        .args(args)
        .args(["--no-executor-watch", "--log-format=text"])
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_missing_key_file_is_one_line_naming_the_flag() {
    let pki = TestPki::new();
    let dir = tempfile::tempdir().unwrap();
    let (cert, _, _) = pki.write_serving(dir.path());
    let cert_flag = format!("--tls-cert={}", cert.display());
    let (code, stderr) = run(&[
        &cert_flag,
        "--tls-key=/x",
        "--tls-listen=127.0.0.1:0",
        "--admin-listen=127.0.0.1:0",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stderr, "hourglass-webhook: --tls-key /x: no such file\n");
}

#[test]
fn a_bad_hardware_profile_names_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile.yaml");
    std::fs::write(&profile, "gpuLabel: x\n").unwrap();
    let flag = format!("--hardware-profile={}", profile.display());
    let (code, stderr) = run(&[&flag]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "hourglass-webhook: --hardware-profile {}: ",
            profile.display()
        )),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_busy_port_names_the_flag() {
    let pki = TestPki::new();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _) = pki.write_serving(dir.path());
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let (code, stderr) = run(&[
        &format!("--tls-cert={}", cert.display()),
        &format!("--tls-key={}", key.display()),
        "--tls-listen=127.0.0.1:0",
        &format!("--admin-listen=127.0.0.1:{port}"),
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "hourglass-webhook: --admin-listen 127.0.0.1:{port}: address already in use"
        )),
        "{stderr}"
    );
}

#[tokio::test]
async fn key_and_certificate_problems_name_the_right_flag() {
    let pki = TestPki::new();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _) = pki.write_serving(dir.path());
    let start = |cert: &std::path::Path, key: &std::path::Path| {
        server::start(Settings::local(cert, key), Arc::new(StaticExecutors::new()))
    };

    // The key of another pair.
    let other_key = dir.path().join("other.key");
    std::fs::write(&other_key, pki.serving().key_pem).unwrap();
    let message = start(&cert, &other_key).await.err().unwrap().to_string();
    assert_eq!(
        message,
        format!(
            "--tls-key {}: does not belong to the certificate in --tls-cert {}",
            other_key.display(),
            cert.display()
        )
    );

    let garbage = dir.path().join("garbage.crt");
    std::fs::write(&garbage, "not a certificate").unwrap();
    let message = start(&garbage, &key).await.err().unwrap().to_string();
    assert_eq!(
        message,
        format!(
            "--tls-cert {}: no CERTIFICATE block found",
            garbage.display()
        )
    );

    let message = start(&cert, &cert).await.err().unwrap().to_string();
    assert!(
        message.starts_with(&format!("--tls-key {}: no private key", cert.display())),
        "{message}"
    );
}
