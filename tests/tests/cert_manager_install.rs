//! `kubectl hourglass install --cert-manager` against cert-manager's own
//! CRDs (from its release, through the Go module proxy; see the harness's
//! `cert_manager_crds`) on a real apiserver: without cert-manager it refuses
//! before applying anything; with it, the Issuers and Certificates are
//! accepted by cert-manager's schemas, both configurations ask cainjector
//! for their caBundle, and doctor names cert-manager as the way that renews.
//! The chart's certManager rendering passes the same schemas (server-side
//! dry run). cert-manager itself does not run here (why: the harness file).

use hourglass_e2e::{ControlPlane, Plugin, cert_manager_crds};

const NAMESPACE: &str = "hourglass-system";

#[test]
fn install_with_cert_manager_against_its_crds() {
    let control_plane = ControlPlane::start().unwrap();
    let plugin = Plugin::for_control_plane(&control_plane).unwrap();

    let refused = plugin.run(&["install", "--cert-manager"], None);
    refused.assert_failure_containing("--cert-manager: cert-manager is not installed");
    assert!(
        !refused.stdout.contains("serverside-applied"),
        "nothing applied: {}",
        refused.stdout
    );

    for crd in cert_manager_crds().unwrap() {
        control_plane
            .run_kubectl(
                &["apply", "--server-side", "-f", crd.to_str().unwrap()],
                None,
            )
            .unwrap();
    }
    control_plane
        .run_kubectl(
            &[
                "wait",
                "--for=condition=Established",
                "--timeout=60s",
                "crd/certificates.cert-manager.io",
                "crd/issuers.cert-manager.io",
            ],
            None,
        )
        .unwrap();

    let installed = plugin.run(&["install", "--cert-manager"], None);
    installed.assert_success();
    for line in [
        "issuer.cert-manager.io/hourglass-selfsigned serverside-applied",
        "certificate.cert-manager.io/hourglass-webhook-ca serverside-applied",
        "issuer.cert-manager.io/hourglass-webhook-ca serverside-applied",
        "certificate.cert-manager.io/hourglass-webhook serverside-applied",
    ] {
        assert!(
            installed.stdout.lines().any(|l| l == line),
            "no {line:?} in:\n{}",
            installed.stdout
        );
    }
    assert!(
        !installed.stdout.contains("secret/"),
        "{}",
        installed.stdout
    );
    assert!(
        !installed.stdout.contains("hourglass-cert-renewer"),
        "{}",
        installed.stdout
    );
    assert!(
        installed
            .stderr
            .contains("made and renewed by cert-manager")
    );

    let dns_names = control_plane
        .run_kubectl(
            &[
                "get",
                "certificate",
                "hourglass-webhook",
                "-n",
                NAMESPACE,
                "-o",
                "jsonpath={.spec.dnsNames}",
            ],
            None,
        )
        .unwrap();
    assert!(
        dns_names.contains("hourglass-webhook.hourglass-system.svc"),
        "{dns_names}"
    );
    for configuration in [
        "validatingwebhookconfiguration/hourglass-validating",
        "mutatingwebhookconfiguration/hourglass-mutating",
    ] {
        let annotation = control_plane
            .run_kubectl(
                &[
                    "get",
                    configuration,
                    "-o",
                    r"jsonpath={.metadata.annotations.cert-manager\.io/inject-ca-from}",
                ],
                None,
            )
            .unwrap();
        assert_eq!(annotation, "hourglass-system/hourglass-webhook");
    }

    let doctor = plugin.run(&["doctor"], None);
    assert!(
        doctor.stdout.contains(
            "ok    certificate renewal: cert-manager: Certificate hourglass-system/hourglass-webhook, caBundle injected by its cainjector"
        ),
        "{}",
        doctor.stdout
    );
}
