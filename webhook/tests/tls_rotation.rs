//! Certificate rotation without restart, the way a Kubernetes Secret volume
//! updates: a new timestamped directory, then an atomic rename of the
//! `..data` symlink, with `tls.crt -> ..data/tls.crt`. Clients looping in
//! between see no failure, also over long-lived HTTP/2 sessions through ten
//! swaps in a row; a broken new pair keeps the old one in service.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::client::{self, Alpn};
use common::*;
use hourglass_certs::IssuedCert;
use hourglass_webhook::StaticExecutors;
use hourglass_webhook::server::{self, RunningWebhook, Settings};

const ALL: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

/// A directory laid out like a mounted Secret.
struct SecretVolume {
    dir: PathBuf,
    generation: usize,
}

impl SecretVolume {
    fn new(dir: &Path, first: &IssuedCert) -> Self {
        let mut volume = SecretVolume {
            dir: dir.to_path_buf(),
            generation: 0,
        };
        volume.update(&first.cert_pem, &first.key_pem);
        std::os::unix::fs::symlink("..data/tls.crt", dir.join("tls.crt")).unwrap();
        std::os::unix::fs::symlink("..data/tls.key", dir.join("tls.key")).unwrap();
        volume
    }

    fn cert(&self) -> PathBuf {
        self.dir.join("tls.crt")
    }

    fn key(&self) -> PathBuf {
        self.dir.join("tls.key")
    }

    /// What the kubelet does: write a new timestamped directory, point
    /// `..data_tmp` at it, rename it over `..data`, remove the old directory.
    fn update(&mut self, cert_pem: &str, key_pem: &str) {
        self.generation += 1;
        let name = format!(
            "..2026_11_22_08_00_{:02}.{}",
            self.generation,
            1000 + self.generation
        );
        let fresh = self.dir.join(&name);
        std::fs::create_dir(&fresh).unwrap();
        std::fs::write(fresh.join("tls.crt"), cert_pem).unwrap();
        std::fs::write(fresh.join("tls.key"), key_pem).unwrap();
        let old = std::fs::read_link(self.dir.join("..data")).ok();
        let tmp = self.dir.join("..data_tmp");
        std::os::unix::fs::symlink(&name, &tmp).unwrap();
        std::fs::rename(&tmp, self.dir.join("..data")).unwrap();
        if let Some(old) = old {
            std::fs::remove_dir_all(self.dir.join(old)).unwrap();
        }
    }
}

async fn start(volume: &SecretVolume, poll: Duration, watch: bool) -> RunningWebhook {
    let mut settings = Settings::local(&volume.cert(), &volume.key());
    settings.cert_poll_interval = poll;
    settings.cert_watch = watch;
    server::start(settings, Arc::new(StaticExecutors::new()))
        .await
        .unwrap()
}

/// Waits until a fresh connection is served `expected`, bounded by `within`.
async fn wait_for_cert(pki: &TestPki, webhook: &RunningWebhook, expected: &[u8], within: Duration) {
    let began = Instant::now();
    let body = review(
        Operation::Create,
        Some(&example("minimal-performer.yaml")),
        None,
    )
    .to_string();
    loop {
        let config = client::config(pki.ca.cert_pem(), Alpn::H2, ALL, None);
        let exchange = client::post(config, webhook.tls_addr(), "/validate", &body)
            .await
            .unwrap();
        if exchange.server_cert == expected {
            return;
        }
        assert!(
            began.elapsed() < within,
            "the new certificate was not served within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn counter(webhook: &RunningWebhook, name: &str) -> u64 {
    let text = webhook.metrics().encode();
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .map(|value| value.trim().parse().unwrap())
        .unwrap_or_else(|| panic!("{name} not in {text}"))
}

async fn rotate_under_load(watch: bool, poll: Duration) {
    let pki = TestPki::new();
    let dir = tempfile::tempdir().unwrap();
    let first = pki.serving();
    let mut volume = SecretVolume::new(dir.path(), &first);
    let webhook = start(&volume, poll, watch).await;

    // Clients on fresh connections, alternating HTTP/2 and HTTP/1.1, until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(AtomicUsize::new(0));
    let addr = webhook.tls_addr();
    let body = review(
        Operation::Create,
        Some(&example("minimal-performer.yaml")),
        None,
    )
    .to_string();
    let mut clients = Vec::new();
    for worker in 0..2 {
        let (stop, served, body) = (stop.clone(), served.clone(), body.clone());
        let ca = pki.ca.cert_pem().to_string();
        clients.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            let began = Instant::now();
            // Bounded in count and time whatever happens.
            for round in 0..5_000 {
                if stop.load(Ordering::Relaxed) || began.elapsed() > Duration::from_secs(30) {
                    break;
                }
                let alpn = if (round + worker) % 2 == 0 {
                    Alpn::H2
                } else {
                    Alpn::Http11
                };
                let config = client::config(&ca, alpn, ALL, None);
                match client::post(config, addr, "/mutate", &body).await {
                    Ok(exchange) if exchange.status == 200 => {
                        served.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(exchange) => failures.push(format!("status {}", exchange.status)),
                    Err(error) => failures.push(error),
                }
            }
            failures
        }));
    }
    // Some traffic on the first certificate.
    while served.load(Ordering::Relaxed) < 20 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let second = pki.serving();
    volume.update(&second.cert_pem, &second.key_pem);
    wait_for_cert(
        &pki,
        &webhook,
        &der_of(&second.cert_pem),
        Duration::from_secs(10),
    )
    .await;
    let after_rotation = served.load(Ordering::Relaxed);
    while served.load(Ordering::Relaxed) < after_rotation + 20 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        let failures = client.await.unwrap();
        assert!(
            failures.is_empty(),
            "failed requests during rotation: {failures:?}"
        );
    }
    assert_eq!(
        counter(&webhook, "hourglass_webhook_certificate_reloads_total"),
        1
    );
    assert_eq!(
        counter(
            &webhook,
            "hourglass_webhook_certificate_reload_errors_total"
        ),
        0
    );
    // The expiry gauge follows the certificate in service.
    let expiry = hourglass_certs::certificate_expiry(&second.cert_pem).unwrap();
    let seconds = expiry
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let text = webhook.metrics().encode();
    assert!(
        text.contains(&format!(
            "hourglass_webhook_certificate_expiry_timestamp_seconds {seconds}"
        )),
        "{text}"
    );
    webhook.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_volume_update_is_picked_up_by_the_directory_watch() {
    // The poll is an hour away: only the watch can notice in time.
    rotate_under_load(true, Duration::from_secs(3600)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_volume_update_is_picked_up_by_the_poll() {
    rotate_under_load(false, Duration::from_millis(100)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_pair_keeps_the_old_one_and_is_counted_once() {
    let pki = TestPki::new();
    let dir = tempfile::tempdir().unwrap();
    let first = pki.serving();
    let mut volume = SecretVolume::new(dir.path(), &first);
    let webhook = start(&volume, Duration::from_millis(100), true).await;
    let first_der = der_of(&first.cert_pem);

    // A new certificate with the old key: the pair does not match.
    let second = pki.serving();
    volume.update(&second.cert_pem, &first.key_pem);
    let began = Instant::now();
    while counter(
        &webhook,
        "hourglass_webhook_certificate_reload_errors_total",
    ) == 0
    {
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "the broken pair was never noticed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Several polls later it is still one error, and the old pair still serves.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(
        counter(
            &webhook,
            "hourglass_webhook_certificate_reload_errors_total"
        ),
        1
    );
    assert_eq!(
        counter(&webhook, "hourglass_webhook_certificate_reloads_total"),
        0
    );
    wait_for_cert(&pki, &webhook, &first_der, Duration::from_secs(1)).await;

    // Garbage is refused the same way.
    volume.update(
        "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
        &second.key_pem,
    );
    let began = Instant::now();
    while counter(
        &webhook,
        "hourglass_webhook_certificate_reload_errors_total",
    ) < 2
    {
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "the garbage pair was never noticed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    wait_for_cert(&pki, &webhook, &first_der, Duration::from_secs(1)).await;
    let (status, _) = admin_get(webhook.admin_addr(), "/ready").await;
    assert_eq!(
        status, 200,
        "a refused reload does not make the webhook unready"
    );

    // A good pair afterwards is taken.
    volume.update(&second.cert_pem, &second.key_pem);
    wait_for_cert(
        &pki,
        &webhook,
        &der_of(&second.cert_pem),
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(
        counter(&webhook, "hourglass_webhook_certificate_reloads_total"),
        1
    );
    webhook.shutdown().await;
}

/// What the load of [`ten_rotations_under_http2_load_fail_no_request`] saw.
#[derive(Default)]
struct LoadTally {
    answered: AtomicUsize,
    failures: std::sync::Mutex<Vec<String>>,
}

impl LoadTally {
    fn record(&self, outcome: Result<(u16, Vec<u8>), String>) {
        match outcome {
            Ok((200, body)) if admits(&body) => {
                self.answered.fetch_add(1, Ordering::Relaxed);
            }
            Ok((status, body)) => self.fail(format!(
                "status {status}: {}",
                String::from_utf8_lossy(&body)
            )),
            Err(error) => self.fail(error),
        }
    }

    fn fail(&self, failure: String) {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(failure);
    }

    fn answered(&self) -> usize {
        self.answered.load(Ordering::Relaxed)
    }

    async fn wait_for_more(&self, more: usize) {
        let target = self.answered() + more;
        let began = Instant::now();
        while self.answered() < target {
            assert!(
                began.elapsed() < Duration::from_secs(20),
                "the load stalled at {} answers",
                self.answered()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_rotations_under_http2_load_fail_no_request() {
    use common::session::Session;
    use hyper::body::Bytes;

    const SESSIONS: usize = 3;
    const STREAMS_PER_SESSION: usize = 4;
    const ROTATIONS: usize = 10;

    let pki = TestPki::new();
    let dir = tempfile::tempdir().unwrap();
    let first = pki.serving();
    let mut volume = SecretVolume::new(dir.path(), &first);
    // The watch notices promptly; the poll is there as in production.
    let webhook = start(&volume, Duration::from_secs(1), true).await;
    let addr = webhook.tls_addr();
    let body = Bytes::from(
        review(
            Operation::Create,
            Some(&example("complex-performer.yaml")),
            None,
        )
        .to_string(),
    );
    let config = client::config(pki.ca.cert_pem(), Alpn::H2, ALL, None);

    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(LoadTally::default());
    let mut workers = Vec::new();
    // Long-lived HTTP/2 sessions, several streams each, as the apiserver
    // keeps them: they were set up on some earlier certificate and go on.
    for _ in 0..SESSIONS {
        let session = Session::connect(config.clone(), addr).await.unwrap();
        for _ in 0..STREAMS_PER_SESSION {
            let (session, stop, tally, body) =
                (session.clone(), stop.clone(), tally.clone(), body.clone());
            workers.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    tally.record(session.post("/mutate", body.clone()).await);
                }
            }));
        }
    }
    // And a client that opens a new session for every request, so that
    // full handshakes keep happening while the files are swapped (a fresh
    // client config each time: one shared would resume its TLS session,
    // and a resumed session is not shown a certificate at all).
    {
        let (ca, stop, tally, body) = (
            pki.ca.cert_pem().to_string(),
            stop.clone(),
            tally.clone(),
            body.clone(),
        );
        workers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let config = client::config(&ca, Alpn::H2, ALL, None);
                let outcome = match Session::connect(config, addr).await {
                    Ok(session) => session.post("/validate", body.clone()).await,
                    Err(error) => Err(error),
                };
                tally.record(outcome);
            }
        }));
    }
    tally.wait_for_more(50).await;

    for rotation in 1..=ROTATIONS {
        let next = pki.serving();
        volume.update(&next.cert_pem, &next.key_pem);
        let expected = der_of(&next.cert_pem);
        // A new connection is served the new certificate ...
        let began = Instant::now();
        loop {
            let fresh = client::config(pki.ca.cert_pem(), Alpn::H2, ALL, None);
            let session = Session::connect(fresh, addr).await.unwrap();
            if session.server_cert == expected {
                break;
            }
            assert!(
                began.elapsed() < Duration::from_secs(10),
                "rotation {rotation}: the new certificate was not served within 10s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // ... and the load goes on across the swap.
        tally.wait_for_more(20).await;
    }
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.unwrap();
    }

    let failures = tally.failures.lock().unwrap().clone();
    assert!(
        failures.is_empty(),
        "{} of {} requests failed across {ROTATIONS} rotations: {:?}",
        failures.len(),
        failures.len() + tally.answered(),
        &failures[..failures.len().min(5)]
    );
    assert_eq!(
        counter(&webhook, "hourglass_webhook_certificate_reloads_total"),
        ROTATIONS as u64
    );
    assert_eq!(
        counter(
            &webhook,
            "hourglass_webhook_certificate_reload_errors_total"
        ),
        0
    );
    webhook.shutdown().await;
}
