//! Binding, serving and draining: the TLS port (hyper-util's auto builder,
//! HTTP/1.1 and HTTP/2, every HTTP/2 stream run in its connection's task:
//! `connection_streams`), the admin port, the certificate reloader and the
//! executor watch, built in small steps by [`start`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hourglass_shared::HardwareProfile;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use kube::config::{KubeConfigOptions, Kubeconfig};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::args::Args;
use crate::connection_streams::{ConnectionWithStreams, StreamQueue};
use crate::error::StartupError;
use crate::executor_cache::{ExecutorLookup, NoExecutors, ReflectorCache};
use crate::metrics::Metrics;
use crate::reference_cache::{NothingKnown, ReferenceCache};
use crate::shutdown::Health;
use crate::tls::{self, CertStore};
use crate::{AppState, Limits, admin, router};
use hourglass_shared::references::ReferenceLookup;

/// Everything [`start`] needs, from flags or from a test.
#[derive(Clone, Debug)]
pub struct Settings {
    pub tls_listen: SocketAddr,
    pub admin_listen: SocketAddr,
    pub tls_cert: PathBuf,
    pub tls_key: PathBuf,
    pub client_ca: Option<PathBuf>,
    pub profile: HardwareProfile,
    pub drain_timeout: Duration,
    pub cert_poll_interval: Duration,
    /// Also watch the certificate directories (inotify) for a prompt reload;
    /// the poll runs either way.
    pub cert_watch: bool,
    pub connections: ConnectionLimits,
    pub limits: Limits,
}

/// Per-connection bounds of the TLS port.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    pub handshake_timeout: Duration,
    /// HTTP/1: time to receive the request headers.
    pub header_read_timeout: Duration,
    /// HTTP/2 streams one client may have open at once.
    pub max_concurrent_streams: u32,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            handshake_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
            max_concurrent_streams: 250,
        }
    }
}

impl Settings {
    /// Settings for a loopback server on ephemeral ports (tests, local runs).
    pub fn local(tls_cert: &Path, tls_key: &Path) -> Self {
        Settings {
            tls_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            admin_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls_cert: tls_cert.to_path_buf(),
            tls_key: tls_key.to_path_buf(),
            client_ca: None,
            profile: HardwareProfile::default(),
            drain_timeout: Duration::from_secs(10),
            cert_poll_interval: Duration::from_secs(10),
            cert_watch: true,
            connections: ConnectionLimits::default(),
            limits: Limits::default(),
        }
    }

    /// Settings from the flags; reads the hardware profile file.
    pub fn from_args(args: &Args) -> Result<Self, StartupError> {
        let profile = match &args.hardware_profile {
            Some(path) => read_profile(path)?,
            None => HardwareProfile::default(),
        };
        Ok(Settings {
            tls_listen: args.tls_listen,
            admin_listen: args.admin_listen,
            tls_cert: args.tls_cert.clone(),
            tls_key: args.tls_key.clone(),
            client_ca: args.client_ca.clone(),
            profile,
            drain_timeout: args.drain_timeout,
            cert_poll_interval: args.cert_poll_interval,
            cert_watch: true,
            connections: ConnectionLimits::default(),
            limits: Limits::default(),
        })
    }
}

fn read_profile(path: &Path) -> Result<HardwareProfile, StartupError> {
    const FLAG: &str = "--hardware-profile";
    let text =
        std::fs::read_to_string(path).map_err(|error| StartupError::io(FLAG, path, &error))?;
    HardwareProfile::from_yaml(&text).map_err(|message| StartupError::file(FLAG, path, message))
}

/// What the webhook knows of the cluster besides the request: executors
/// (for their default scheduling) and which objects a pod may name exist.
pub struct ClusterWatches {
    pub executors: Arc<dyn ExecutorLookup>,
    pub references: Arc<dyn ReferenceLookup + Send + Sync>,
}

/// Executors only, nothing known of other objects: tests and local runs.
impl<T: ExecutorLookup> From<Arc<T>> for ClusterWatches {
    fn from(executors: Arc<T>) -> Self {
        ClusterWatches {
            executors,
            references: Arc::new(NothingKnown),
        }
    }
}

/// The watches the flags ask for: reflectors over the cluster, or none
/// with `--no-executor-watch`; with the tasks to abort when the webhook stops.
pub async fn cluster_watches(
    args: &Args,
) -> Result<(ClusterWatches, Vec<JoinHandle<()>>), StartupError> {
    if args.no_executor_watch {
        tracing::warn!(
            "--no-executor-watch: performers inherit no executor scheduling, and missing RuntimeClasses, PriorityClasses and ServiceAccounts go unreported"
        );
        return Ok((ClusterWatches::from(Arc::new(NoExecutors)), Vec::new()));
    }
    let config = match &args.kubeconfig {
        Some(path) => {
            const FLAG: &str = "--kubeconfig";
            let kubeconfig = Kubeconfig::read_from(path)
                .map_err(|error| StartupError::file(FLAG, path, error.to_string()))?;
            kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
                .await
                .map_err(|error| StartupError::file(FLAG, path, error.to_string()))?
        }
        None => kube::Config::infer().await.map_err(|error| StartupError::Flag {
            flag: "--kubeconfig",
            message: format!(
                "not given, and no KUBECONFIG, ~/.kube/config or in-cluster service account works ({error}); \
                 pass --kubeconfig, or --no-executor-watch to run without the executor cache"
            ),
        })?,
    };
    let client = kube::Client::try_from(config).map_err(|error| StartupError::Flag {
        flag: "--kubeconfig",
        message: format!("cannot build a Kubernetes client: {error}"),
    })?;
    let (executors, executor_task) = ReflectorCache::start(client.clone());
    let (references, mut tasks) = ReferenceCache::start(client);
    tasks.push(executor_task);
    let watches = ClusterWatches {
        executors: Arc::new(executors),
        references: Arc::new(references),
    };
    Ok((watches, tasks))
}

/// A webhook that is serving: its addresses, its state, and the way to stop it.
pub struct RunningWebhook {
    tls_addr: SocketAddr,
    admin_addr: SocketAddr,
    health: Health,
    metrics: Metrics,
    certs: Arc<CertStore>,
    stop: watch::Sender<bool>,
    tls_task: JoinHandle<DrainOutcome>,
    admin_task: JoinHandle<()>,
    background: Vec<JoinHandle<()>>,
}

/// Whether every in-flight request finished within the drain timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DrainOutcome {
    Drained,
    TimedOut,
}

/// Loads the certificate, binds both ports and starts serving.
pub async fn start(
    settings: Settings,
    watches: impl Into<ClusterWatches>,
) -> Result<RunningWebhook, StartupError> {
    start_serving(settings, watches, router).await
}

/// [`start`] with another router on the TLS port, made from the state that
/// [`router`] would get: the same listeners, TLS, HTTP/1.1 and HTTP/2
/// settings, admin port and drain. For benchmarks that measure the serving
/// stack under another handler (bench-webhook's floor server); the binary
/// always serves [`router`].
pub async fn start_serving(
    settings: Settings,
    watches: impl Into<ClusterWatches>,
    app: impl FnOnce(AppState) -> axum::Router,
) -> Result<RunningWebhook, StartupError> {
    let watches = watches.into();
    let metrics = Metrics::new();
    let health = Health::new();
    let provider = tls::provider();

    let certs = CertStore::load(
        &settings.tls_cert,
        &settings.tls_key,
        provider.clone(),
        metrics.clone(),
    )?;
    let tls_config = tls::server_config(certs.clone(), settings.client_ca.as_deref(), provider)?;
    let tls_listener = bind("--tls-listen", settings.tls_listen).await?;
    let admin_listener = bind("--admin-listen", settings.admin_listen).await?;
    let tls_addr = local_addr("--tls-listen", &tls_listener)?;
    let admin_addr = local_addr("--admin-listen", &admin_listener)?;

    let state = AppState::new(watches.executors)
        .with_references(watches.references)
        .with_profile(settings.profile.clone())
        .with_limits(settings.limits)
        .with_metrics(metrics.clone());

    let (stop, stopped) = watch::channel(false);
    let tls_task = tokio::spawn(serve_tls(
        tls_listener,
        TlsAcceptor::from(Arc::new(tls_config)),
        app(state),
        settings.connections,
        settings.drain_timeout,
        stopped,
    ));
    let admin_task = tokio::spawn(serve_admin(
        admin_listener,
        admin::router(health.clone(), metrics.clone()),
    ));
    let reloader = certs.spawn_reloader(settings.cert_poll_interval, settings.cert_watch);
    health.set_serving();
    tracing::info!(%tls_addr, %admin_addr, "serving");

    Ok(RunningWebhook {
        tls_addr,
        admin_addr,
        health,
        metrics,
        certs,
        stop,
        tls_task,
        admin_task,
        background: vec![reloader],
    })
}

impl RunningWebhook {
    pub fn tls_addr(&self) -> SocketAddr {
        self.tls_addr
    }

    pub fn admin_addr(&self) -> SocketAddr {
        self.admin_addr
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub fn health(&self) -> &Health {
        &self.health
    }

    pub fn certificates(&self) -> &Arc<CertStore> {
        &self.certs
    }

    /// A task to abort when the webhook stops (the executor watch).
    pub fn add_background(&mut self, task: JoinHandle<()>) {
        self.background.push(task);
    }

    /// Not ready, stop accepting, let in-flight requests finish within the
    /// drain timeout, then stop the admin port and the background tasks.
    pub async fn shutdown(self) -> DrainOutcome {
        self.health.set_draining();
        let _ = self.stop.send(true);
        let outcome = self.tls_task.await.unwrap_or(DrainOutcome::TimedOut);
        match outcome {
            DrainOutcome::Drained => tracing::info!("in-flight requests finished"),
            DrainOutcome::TimedOut => {
                tracing::warn!("drain timeout reached; closing the remaining connections")
            }
        }
        self.admin_task.abort();
        for task in self.background {
            task.abort();
        }
        outcome
    }
}

async fn bind(flag: &'static str, address: SocketAddr) -> Result<TcpListener, StartupError> {
    TcpListener::bind(address)
        .await
        .map_err(|error| StartupError::listen(flag, address, &error))
}

fn local_addr(flag: &'static str, listener: &TcpListener) -> Result<SocketAddr, StartupError> {
    listener.local_addr().map_err(|error| StartupError::Flag {
        flag,
        message: error.to_string(),
    })
}

async fn wait_for_stop(mut stopped: watch::Receiver<bool>) {
    // An error means the sender is gone, which also means stop.
    let _ = stopped.wait_for(|stop| *stop).await;
}

/// Accepts TLS connections until told to stop, then drains.
async fn serve_tls(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    app: axum::Router,
    limits: ConnectionLimits,
    drain_timeout: Duration,
    stopped: watch::Receiver<bool>,
) -> DrainOutcome {
    let graceful = GracefulShutdown::new();
    let stop = wait_for_stop(stopped);
    tokio::pin!(stop);

    loop {
        let (tcp, peer) = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: back off, go on.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        // Without it, Nagle holds a small answer back until the client's
        // delayed ACK (40 ms on Linux) whenever an earlier write is unacked:
        // a p99 of 45 ms at 64 streams instead of a few milliseconds.
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%peer, %error, "cannot set TCP_NODELAY");
        }
        let watcher = graceful.watcher();
        let acceptor = acceptor.clone();
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let stream =
                match tokio::time::timeout(limits.handshake_timeout, acceptor.accept(tcp)).await {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(error)) => {
                        tracing::debug!(%peer, %error, "TLS handshake failed");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!(%peer, "TLS handshake timed out");
                        return;
                    }
                };
            let streams = StreamQueue::default();
            let builder = connection_builder(streams.clone(), limits);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let connection = ConnectionWithStreams::new(watcher.watch(connection), streams);
            if let Err(error) = connection.await {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
        });
    }
    // Closing the listener refuses new connections from here on.
    drop(listener);
    match tokio::time::timeout(drain_timeout, graceful.shutdown()).await {
        Ok(()) => DrainOutcome::Drained,
        Err(_) => DrainOutcome::TimedOut,
    }
}

/// HTTP/1.1 and HTTP/2 by ALPN, with the connection's bounds; the HTTP/2
/// streams go to `streams`, to run in the connection's task.
fn connection_builder(
    streams: StreamQueue,
    limits: ConnectionLimits,
) -> auto::Builder<StreamQueue> {
    let mut builder = auto::Builder::new(streams);
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(limits.max_concurrent_streams);
    builder
}

/// The admin port keeps answering (`/ready`: 503) while the TLS port
/// drains; its task is aborted once the drain is over.
async fn serve_admin(listener: TcpListener, app: axum::Router) {
    if let Err(error) = axum::serve(listener, app).await {
        tracing::error!(%error, "admin server failed");
    }
}

/// The binary's whole life: flags to exit code.
pub async fn run(args: Args) -> Result<(), StartupError> {
    let settings = Settings::from_args(&args)?;
    // Certificate problems are reported before the cluster is contacted.
    tls::check(&settings.tls_cert, &settings.tls_key)?;
    let (watches, tasks) = cluster_watches(&args).await?;
    let mut webhook = start(settings, watches).await?;
    for task in tasks {
        webhook.add_background(task);
    }
    crate::shutdown::signal().await;
    webhook.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}
