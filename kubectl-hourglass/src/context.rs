//! What every command gets: the global flags, a lazily created kube client,
//! the namespace, stdout/stderr writers, the colour choice and a clock.
//! Commands that need no cluster (`validate`, `completion`, `version`,
//! `create --dry-run=client`) never touch the client.

use std::cell::{RefCell, RefMut};
use std::io::Write;
use std::rc::Rc;

use k8s_openapi::jiff::Timestamp;
use kube::config::{KubeConfigOptions, Kubeconfig};
use tokio::sync::OnceCell;

use crate::error::{CliError, Result, chain};
use crate::options::GlobalArgs;
use crate::warnings::Warnings;

pub struct Context {
    pub global: GlobalArgs,
    out: RefCell<Box<dyn Write>>,
    err: RefCell<Box<dyn Write>>,
    color: bool,
    stdout_is_terminal: bool,
    clock: Box<dyn Fn() -> Timestamp>,
    config: OnceCell<std::result::Result<kube::Config, String>>,
    client: OnceCell<kube::Client>,
    warnings: Warnings,
}

impl Context {
    pub fn new(
        global: GlobalArgs,
        out: Box<dyn Write>,
        err: Box<dyn Write>,
        stdout_is_terminal: bool,
    ) -> Self {
        let no_color = std::env::var("NO_COLOR").ok();
        let color = global
            .color
            .enabled(stdout_is_terminal, no_color.as_deref());
        Context {
            global,
            out: RefCell::new(out),
            err: RefCell::new(err),
            color,
            stdout_is_terminal,
            clock: Box::new(Timestamp::now),
            config: OnceCell::new(),
            client: OnceCell::new(),
            warnings: Warnings::default(),
        }
    }

    /// A context writing into buffers, with a fixed clock and, if given, a client.
    pub fn for_test(
        global: GlobalArgs,
        out: SharedBuffer,
        err: SharedBuffer,
        now: Timestamp,
    ) -> Self {
        let mut context = Context::new(global, Box::new(out), Box::new(err), false);
        context.clock = Box::new(move || now);
        context
    }

    /// Uses this client instead of one built from the kubeconfig.
    pub fn with_client(self, client: kube::Client) -> Self {
        let cell = OnceCell::new();
        let _ = cell.set(client);
        Context {
            client: cell,
            ..self
        }
    }

    pub fn out(&self) -> RefMut<'_, Box<dyn Write>> {
        self.out.borrow_mut()
    }

    pub fn err(&self) -> RefMut<'_, Box<dyn Write>> {
        self.err.borrow_mut()
    }

    /// One line on stderr (progress, notes); write errors on stderr are ignored.
    pub fn note(&self, line: impl AsRef<str>) {
        let mut err = self.err();
        let _ = writeln!(err, "{}", line.as_ref());
        let _ = err.flush();
    }

    pub fn color(&self) -> bool {
        self.color
    }

    pub fn stdout_is_terminal(&self) -> bool {
        self.stdout_is_terminal
    }

    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// The client configuration from `--kubeconfig`/`$KUBECONFIG`/in-cluster
    /// and `--context`, with `--request-timeout` applied. Reading it does no I/O
    /// beyond the kubeconfig files.
    pub async fn config(&self) -> Result<kube::Config> {
        let loaded = self
            .config
            .get_or_init(|| async { load_config(&self.global).await })
            .await;
        loaded.clone().map_err(CliError::Message)
    }

    /// The client, built on first use; it records the apiserver's warnings
    /// for [`Context::print_warnings`].
    pub async fn client(&self) -> Result<kube::Client> {
        let client = self
            .client
            .get_or_try_init(|| async {
                let config = self.config().await?;
                let builder = kube::client::ClientBuilder::try_from(config)?;
                Ok::<_, CliError>(builder.with_layer(&self.warnings.layer()).build())
            })
            .await?;
        Ok(client.clone())
    }

    /// Prints the apiserver's warnings received so far, as kubectl does:
    /// `Warning: <text>` on stderr, each distinct text once.
    pub fn print_warnings(&self) {
        for warning in self.warnings.take() {
            self.note(format!("Warning: {warning}"));
        }
    }

    /// `-n`, else the context's namespace, else `default` (also when no
    /// kubeconfig exists, so offline commands work anywhere).
    pub async fn namespace(&self) -> String {
        if let Some(namespace) = &self.global.namespace {
            return namespace.clone();
        }
        match self.config().await {
            Ok(config) => config.default_namespace,
            Err(_) => "default".to_string(),
        }
    }

    /// The namespace to list in: `None` with `-A`.
    pub async fn list_namespace(&self) -> Option<String> {
        if self.global.all_namespaces {
            None
        } else {
            Some(self.namespace().await)
        }
    }

    /// The namespace of install, uninstall and doctor: `-n` or hourglass-system.
    pub fn install_namespace(&self) -> String {
        self.global
            .namespace
            .clone()
            .unwrap_or_else(|| crate::manifests::DEFAULT_NAMESPACE.to_string())
    }
}

async fn load_config(global: &GlobalArgs) -> std::result::Result<kube::Config, String> {
    let options = KubeConfigOptions {
        context: global.context.clone(),
        cluster: None,
        user: None,
    };
    let mut config = match &global.kubeconfig {
        Some(path) => {
            let kubeconfig = Kubeconfig::read_from(path).map_err(|e| chain(&e))?;
            kube::Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .map_err(|e| format!("kubeconfig {}: {}", path.display(), chain(&e)))?
        }
        None if global.context.is_some() => kube::Config::from_kubeconfig(&options)
            .await
            .map_err(|e| format!("kubeconfig: {}", chain(&e)))?,
        None => kube::Config::infer().await.map_err(|e| {
            format!(
                "no cluster configuration: {} (pass --kubeconfig, set KUBECONFIG or run in a pod)",
                chain(&e)
            )
        })?,
    };
    let timeout = (!global.request_timeout.is_zero()).then_some(global.request_timeout);
    config.read_timeout = timeout;
    config.write_timeout = timeout;
    if timeout.is_some() {
        config.connect_timeout = timeout;
    }
    config
        .headers
        .push((http::header::USER_AGENT, user_agent()));
    Ok(config)
}

/// `kubectl-hourglass/<version> (<os>/<arch>)`, shaped like kubectl's own:
/// the apiserver's audit log and its request metrics then tell the
/// plugin's requests from every other client's (kube-rs sends none).
fn user_agent() -> http::HeaderValue {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    http::HeaderValue::from_str(&format!(
        "kubectl-hourglass/{} ({}/{arch})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS
    ))
    .unwrap_or_else(|_| http::HeaderValue::from_static("kubectl-hourglass"))
}

/// A clonable in-memory writer for tests and for capturing output.
#[derive(Clone, Default)]
pub struct SharedBuffer(Rc<RefCell<Vec<u8>>>);

impl SharedBuffer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.borrow()).into_owned()
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
