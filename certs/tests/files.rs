//! Writing and reading certificate/key pairs on disk.

use std::fs;
use std::path::Path;
use std::time::Duration;

use hourglass_certs::{CertError, CertificateAuthority, IssuedCert, ServingCertSpec};

fn issue() -> (CertificateAuthority, IssuedCert) {
    let ca = CertificateAuthority::generate("ca", Duration::from_secs(86_400)).unwrap();
    let issued = ca.issue_serving(&ServingCertSpec::for_localhost()).unwrap();
    (ca, issued)
}

fn assert_names(err: &CertError, path: &Path) {
    let message = err.to_string();
    assert!(
        message.contains(&path.display().to_string()),
        "{message:?} does not name {}",
        path.display()
    );
}

#[test]
fn write_read_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let cert_path = dir.path().join("tls.crt");
    let key_path = dir.path().join("tls.key");
    let (_, issued) = issue();

    issued.write(&cert_path, &key_path).unwrap();
    let read = IssuedCert::read(&cert_path, &key_path).unwrap();
    assert_eq!(read.cert_pem, issued.cert_pem);
    assert_eq!(read.key_pem, issued.key_pem);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&key_path), 0o600);
        assert_eq!(mode(&cert_path), 0o644);
    }

    // Only the two targets remain: no temporary files left behind.
    let mut names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["tls.crt", "tls.key"]);
}

#[test]
fn write_replaces_existing_files() {
    let dir = tempfile::tempdir().unwrap();
    let cert_path = dir.path().join("tls.crt");
    let key_path = dir.path().join("tls.key");
    fs::write(&cert_path, "old").unwrap();
    fs::write(&key_path, "old").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&key_path, fs::Permissions::from_mode(0o644)).unwrap();
    }

    let (_, issued) = issue();
    issued.write(&cert_path, &key_path).unwrap();
    let read = IssuedCert::read(&cert_path, &key_path).unwrap();
    assert_eq!(read.cert_pem, issued.cert_pem);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&key_path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "an old world-readable key is not kept");
    }
}

#[test]
fn missing_file_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let (_, issued) = issue();
    let cert_path = dir.path().join("tls.crt");
    let key_path = dir.path().join("absent.key");
    fs::write(&cert_path, &issued.cert_pem).unwrap();

    let err = IssuedCert::read(&cert_path, &key_path).unwrap_err();
    assert!(matches!(err, CertError::Io { .. }), "{err:?}");
    assert_names(&err, &key_path);

    let err = IssuedCert::read(&dir.path().join("absent.crt"), &key_path).unwrap_err();
    assert_names(&err, &dir.path().join("absent.crt"));
}

#[test]
fn garbage_file_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let (_, issued) = issue();
    let good_cert = dir.path().join("good.crt");
    let good_key = dir.path().join("good.key");
    issued.write(&good_cert, &good_key).unwrap();

    let text = dir.path().join("text.crt");
    fs::write(&text, "this is not a certificate\n").unwrap();
    let err = IssuedCert::read(&text, &good_key).unwrap_err();
    assert!(
        matches!(err, CertError::InvalidCertificate { .. }),
        "{err:?}"
    );
    assert_names(&err, &text);

    let binary = dir.path().join("binary.crt");
    fs::write(&binary, [0xff, 0xfe, 0x00, 0x80]).unwrap();
    assert_names(&IssuedCert::read(&binary, &good_key).unwrap_err(), &binary);

    let bad_key = dir.path().join("bad.key");
    fs::write(
        &bad_key,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let err = IssuedCert::read(&good_cert, &bad_key).unwrap_err();
    assert!(matches!(err, CertError::InvalidKey { .. }), "{err:?}");
    assert_names(&err, &bad_key);
}

#[test]
fn mismatched_pair_names_both_paths() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, first) = issue();
    let second = ca.issue_serving(&ServingCertSpec::for_localhost()).unwrap();
    let cert_path = dir.path().join("first.crt");
    let key_path = dir.path().join("second.key");
    first
        .write(&cert_path, &dir.path().join("first.key"))
        .unwrap();
    second
        .write(&dir.path().join("second.crt"), &key_path)
        .unwrap();

    let err = IssuedCert::read(&cert_path, &key_path).unwrap_err();
    assert!(matches!(err, CertError::KeyMismatch { .. }), "{err:?}");
    assert_names(&err, &cert_path);
    assert_names(&err, &key_path);
}

#[test]
fn write_into_missing_directory_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let (_, issued) = issue();
    let key_path = dir.path().join("missing").join("tls.key");
    let err = issued
        .write(&dir.path().join("missing").join("tls.crt"), &key_path)
        .unwrap_err();
    assert!(matches!(err, CertError::Io { .. }), "{err:?}");
    assert_names(&err, &key_path);
}
