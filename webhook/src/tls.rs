//! The serving certificate: loaded at startup, served through a
//! [`ResolvesServerCert`] that hands out the current pair, and reloaded when
//! the files' contents change.
//!
//! Reload compares file contents, not the modification time of one path: a
//! Kubernetes Secret volume updates by writing a new timestamped directory
//! and renaming the `..data` symlink over the old one, so `tls.crt` (a link
//! to `..data/tls.crt`) changes without any event on `tls.crt` itself. A
//! directory watch triggers a prompt check, and a periodic poll catches
//! whatever the watch misses. A new pair that does not parse, or whose key
//! does not match, is refused: the old pair stays in service, the error is
//! logged and counted.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use arc_swap::ArcSwap;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{RootCertStore, ServerConfig};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::error::StartupError;
use crate::metrics::Metrics;

pub const CERT_FLAG: &str = "--tls-cert";
pub const KEY_FLAG: &str = "--tls-key";
pub const CLIENT_CA_FLAG: &str = "--client-ca";

/// How long after a failed read the pair is read again before the failure
/// counts: a writer that replaces the two files one after the other (rather
/// than through a `..data` swap) leaves a short window with a mismatched pair.
const SETTLE_DELAY: Duration = Duration::from_millis(200);
const SETTLE_ATTEMPTS: usize = 3;

/// The crypto provider of the whole workspace: ring.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The current serving pair and where it comes from.
pub struct CertStore {
    cert_path: PathBuf,
    key_path: PathBuf,
    provider: Arc<CryptoProvider>,
    metrics: Metrics,
    current: ArcSwap<CertifiedKey>,
    /// File contents of the pair in service, and of the last pair refused (so
    /// one broken pair is logged and counted once, not at every poll).
    state: Mutex<FileState>,
}

#[derive(Default)]
struct FileState {
    loaded: Contents,
    refused: Option<Refused>,
}

/// What was refused last: a pair that did not work, or files that could not be read.
#[derive(Clone, PartialEq, Eq)]
enum Refused {
    Pair(Contents),
    Unreadable(String),
}

#[derive(Clone, Default, PartialEq, Eq)]
struct Contents {
    cert: Vec<u8>,
    key: Vec<u8>,
}

/// What one reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReloadOutcome {
    Unchanged,
    Reloaded,
    /// The files changed but could not be used; the old pair stays.
    Refused(String),
}

impl fmt::Debug for CertStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertStore")
            .field("cert_path", &self.cert_path)
            .field("key_path", &self.key_path)
            .finish_non_exhaustive()
    }
}

impl CertStore {
    /// Loads the pair at startup; an error names the flag and the file.
    pub fn load(
        cert_path: &Path,
        key_path: &Path,
        provider: Arc<CryptoProvider>,
        metrics: Metrics,
    ) -> Result<Arc<Self>, StartupError> {
        let contents = read_pair(cert_path, key_path)?;
        let certified = parse_pair(&contents, cert_path, key_path, &provider)?;
        publish_expiry(&contents.cert, &metrics, cert_path);
        Ok(Arc::new(CertStore {
            cert_path: cert_path.to_path_buf(),
            key_path: key_path.to_path_buf(),
            provider,
            metrics,
            current: ArcSwap::from_pointee(certified),
            state: Mutex::new(FileState {
                loaded: contents,
                refused: None,
            }),
        }))
    }

    /// The pair in service now.
    pub fn current(&self) -> Arc<CertifiedKey> {
        self.current.load_full()
    }

    /// Re-reads both files and swaps in the new pair if they changed and work.
    pub async fn reload(&self) -> ReloadOutcome {
        let mut contents = match read_pair(&self.cert_path, &self.key_path) {
            Ok(contents) => contents,
            Err(error) => {
                return self.refuse(error.to_string(), Refused::Unreadable(error.to_string()));
            }
        };
        let mut attempt = 1;
        loop {
            {
                let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                if contents == state.loaded {
                    return ReloadOutcome::Unchanged;
                }
                if state.refused == Some(Refused::Pair(contents.clone())) {
                    // Logged and counted when first seen.
                    return ReloadOutcome::Refused("unchanged since refused".to_string());
                }
            }
            let error = match parse_pair(&contents, &self.cert_path, &self.key_path, &self.provider)
            {
                Ok(certified) => {
                    self.current.store(Arc::new(certified));
                    publish_expiry(&contents.cert, &self.metrics, &self.cert_path);
                    let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                    state.loaded = contents;
                    state.refused = None;
                    self.metrics.certificate_reloads.inc();
                    tracing::info!(cert = %self.cert_path.display(), "serving certificate reloaded");
                    return ReloadOutcome::Reloaded;
                }
                Err(error) => error,
            };
            if attempt < SETTLE_ATTEMPTS {
                attempt += 1;
                // Perhaps caught between two writes: look again shortly.
                tokio::time::sleep(SETTLE_DELAY).await;
                if let Ok(again) = read_pair(&self.cert_path, &self.key_path)
                    && again != contents
                {
                    contents = again;
                    continue;
                }
            }
            return self.refuse(error.to_string(), Refused::Pair(contents));
        }
    }

    fn refuse(&self, message: String, refused: Refused) -> ReloadOutcome {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.refused.as_ref() != Some(&refused) {
            self.metrics.certificate_reload_errors.inc();
            tracing::error!(
                error = message,
                "new serving certificate refused; the previous one stays in service"
            );
            state.refused = Some(refused);
        }
        ReloadOutcome::Refused(message)
    }

    /// Polls every `interval` and, with `watch`, also watches the
    /// certificate directories; reloads on change until the task is aborted.
    pub fn spawn_reloader(self: &Arc<Self>, interval: Duration, watch: bool) -> JoinHandle<()> {
        let store = self.clone();
        tokio::spawn(async move {
            let (tx, mut rx) = mpsc::channel::<()>(1);
            // Kept alive for as long as the task runs.
            let _watcher = if watch {
                watch_directories(&[&store.cert_path, &store.key_path], tx)
            } else {
                None
            };
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticker.tick().await;
            loop {
                tokio::select! {
                    _ = ticker.tick() => {}
                    Some(()) = rx.recv() => {
                        // Let a burst of events (a Secret update is several) settle.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        while rx.try_recv().is_ok() {}
                    }
                }
                store.reload().await;
            }
        })
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.load_full())
    }
}

/// A directory watch that nudges the reloader; `None` (poll only) if the
/// platform refuses one.
fn watch_directories(paths: &[&Path], tx: mpsc::Sender<()>) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher;
    let mut watcher =
        match notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            // Our own reads open the files: only changes count.
            if let Ok(event) = &event
                && matches!(event.kind, notify::EventKind::Access(_))
            {
                return;
            }
            // Full channel: a reload is already pending.
            let _ = tx.try_send(());
        }) {
            Ok(watcher) => watcher,
            Err(error) => {
                tracing::warn!(%error, "cannot watch the certificate directory; polling only");
                return None;
            }
        };
    let mut watched: Vec<PathBuf> = Vec::new();
    for path in paths {
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if watched.contains(&dir) {
            continue;
        }
        if let Err(error) = watcher.watch(&dir, notify::RecursiveMode::NonRecursive) {
            tracing::warn!(dir = %dir.display(), %error, "cannot watch; polling only");
        }
        watched.push(dir);
    }
    Some(watcher)
}

/// The TLS configuration of the webhook port: TLS 1.3 and 1.2, ALPN h2 and
/// http/1.1, the certificate from `store`, and client certificates required
/// when `client_ca` is given.
pub fn server_config(
    store: Arc<CertStore>,
    client_ca: Option<&Path>,
    provider: Arc<CryptoProvider>,
) -> Result<ServerConfig, StartupError> {
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|error| StartupError::Other(format!("TLS setup: {error}")))?;
    let builder = match client_ca {
        Some(path) => {
            let roots = read_client_ca(path)?;
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|error| StartupError::file(CLIENT_CA_FLAG, path, error.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_cert_resolver(store);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn read_client_ca(path: &Path) -> Result<RootCertStore, StartupError> {
    let bytes =
        std::fs::read(path).map_err(|error| StartupError::io(CLIENT_CA_FLAG, path, &error))?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&bytes) {
        let cert = cert.map_err(|error| {
            StartupError::file(CLIENT_CA_FLAG, path, format!("not PEM: {error}"))
        })?;
        roots.add(cert).map_err(|error| {
            StartupError::file(
                CLIENT_CA_FLAG,
                path,
                format!("unusable CA certificate: {error}"),
            )
        })?;
    }
    if roots.is_empty() {
        return Err(StartupError::file(
            CLIENT_CA_FLAG,
            path,
            "no CERTIFICATE block found",
        ));
    }
    Ok(roots)
}

/// Reads and parses the pair once, for an early startup error.
pub fn check(cert_path: &Path, key_path: &Path) -> Result<(), StartupError> {
    let contents = read_pair(cert_path, key_path)?;
    parse_pair(&contents, cert_path, key_path, &provider()).map(drop)
}

fn read_pair(cert_path: &Path, key_path: &Path) -> Result<Contents, StartupError> {
    let cert =
        std::fs::read(cert_path).map_err(|error| StartupError::io(CERT_FLAG, cert_path, &error))?;
    let key =
        std::fs::read(key_path).map_err(|error| StartupError::io(KEY_FLAG, key_path, &error))?;
    Ok(Contents { cert, key })
}

fn parse_pair(
    contents: &Contents,
    cert_path: &Path,
    key_path: &Path,
    provider: &CryptoProvider,
) -> Result<CertifiedKey, StartupError> {
    let chain = CertificateDer::pem_slice_iter(&contents.cert)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| StartupError::file(CERT_FLAG, cert_path, format!("not PEM: {error}")))?;
    if chain.is_empty() {
        return Err(StartupError::file(
            CERT_FLAG,
            cert_path,
            "no CERTIFICATE block found",
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(&contents.key).map_err(|error| {
        StartupError::file(
            KEY_FLAG,
            key_path,
            format!("no private key (PKCS#8, PKCS#1 or SEC1 PEM): {error}"),
        )
    })?;
    CertifiedKey::from_der(chain, key, provider).map_err(|error| match error {
        rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
            StartupError::file(
                KEY_FLAG,
                key_path,
                format!(
                    "does not belong to the certificate in {CERT_FLAG} {}",
                    cert_path.display()
                ),
            )
        }
        rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => {
            StartupError::file(CERT_FLAG, cert_path, error.to_string())
        }
        other => StartupError::file(KEY_FLAG, key_path, other.to_string()),
    })
}

fn publish_expiry(cert_pem: &[u8], metrics: &Metrics, cert_path: &Path) {
    let Ok(text) = std::str::from_utf8(cert_pem) else {
        return;
    };
    match hourglass_certs::certificate_expiry(text) {
        Ok(not_after) => {
            metrics.set_certificate_expiry(not_after);
            if not_after < std::time::SystemTime::now() {
                tracing::warn!(
                    cert = %cert_path.display(),
                    "the serving certificate has expired; the apiserver will refuse it"
                );
            }
        }
        Err(error) => tracing::warn!(%error, "cannot read the certificate's expiry"),
    }
}
