//! `hourglass-webhook renew-certificates`: the built-in renewal, a small
//! process of its own beside the webhook.
//!
//! Why a process of its own rather than a task in the webhook with a Lease:
//! the CA key and the right to rewrite the webhook configurations then stay
//! out of the pods that take the apiserver's traffic (the webhook keeps only
//! read rights, and a compromised replica cannot widen what it is sent or
//! mint certificates); admission never waits on renewal work; and it needs
//! no leader election: every write is a compare-and-swap on the object's
//! resourceVersion, so a second renewer (a rollout's surge) loses the race
//! and reads again. One replica is enough: renewal starts with a third of
//! the validity left (four months by default), so a renewer that is down for
//! days changes nothing. Same image as the webhook, so nothing else to ship.
//!
//! The decision is `hourglass_certs::renewal::decide`; this module reads
//! (`store`, `replicas`), writes what it decided, and sleeps.

mod args;
mod replicas;
mod store;

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use clap::Parser;
use hourglass_certs::ServingCertSpec;
use hourglass_certs::renewal::{Observed, Policy, Step, decide};
use kube::config::{KubeConfigOptions, Kubeconfig};

pub use args::RenewArgs;
use store::Store;

/// The subcommand's name, the first argument of the webhook binary.
pub const SUBCOMMAND: &str = "renew-certificates";

/// After a failed read or write, the next attempt comes this soon (or at
/// the check interval, if shorter).
const RETRY_AFTER: Duration = Duration::from_secs(5);

/// The CA's subject: the same one `kubectl hourglass install` gives it.
const CA_COMMON_NAME: &str = "hourglass-webhook-ca";

/// Entry point from `main`: `argv` without the binary's name and the
/// subcommand.
pub fn main(argv: impl Iterator<Item = std::ffi::OsString>) -> ExitCode {
    let args =
        RenewArgs::parse_from(std::iter::once(std::ffi::OsString::from(SUBCOMMAND)).chain(argv));
    if let Err(message) = args.check() {
        eprintln!("hourglass-webhook {SUBCOMMAND}: {message}");
        return ExitCode::from(2);
    }
    if let Err(error) = crate::telemetry::init(args.log_format, &args.log_level) {
        eprintln!("hourglass-webhook {SUBCOMMAND}: {error}");
        return ExitCode::FAILURE;
    }
    crate::telemetry::log_panics();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("hourglass-webhook {SUBCOMMAND}: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("hourglass-webhook {SUBCOMMAND}: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn client(args: &RenewArgs) -> Result<kube::Client, String> {
    let config = match &args.kubeconfig {
        Some(path) => {
            let kubeconfig = Kubeconfig::read_from(path)
                .map_err(|e| format!("--kubeconfig {}: {e}", path.display()))?;
            kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
                .await
                .map_err(|e| format!("--kubeconfig {}: {e}", path.display()))?
        }
        None => kube::Config::infer().await.map_err(|e| {
            format!("--kubeconfig not given, and no KUBECONFIG, ~/.kube/config or in-cluster service account works: {e}")
        })?,
    };
    kube::Client::try_from(config).map_err(|e| format!("cannot build a Kubernetes client: {e}"))
}

/// Decides and writes until SIGTERM or Ctrl-C.
pub async fn run(args: RenewArgs) -> Result<(), String> {
    let client = client(&args).await?;
    let store = Store::new(client.clone(), &args);
    let policy = Policy {
        serving_validity: args.serving_validity,
        ca_validity: args.ca_validity,
        ca_common_name: CA_COMMON_NAME.to_string(),
        serving_spec: ServingCertSpec::for_service(&args.service, &args.namespace),
        trust_propagation: args.trust_propagation,
    };
    let server_name = format!("{}.{}.svc", args.service, args.namespace);
    tracing::info!(
        namespace = args.namespace,
        serving_validity = ?args.serving_validity,
        ca_validity = ?args.ca_validity,
        "certificate renewal started"
    );
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| format!("cannot listen for SIGTERM: {e}"))?;
    loop {
        let pause = match pass(&store, &client, &args, &policy, &server_name).await {
            Ok(pause) => pause,
            Err(message) => {
                tracing::warn!(error = message, "renewal pass failed; trying again");
                RETRY_AFTER
            }
        };
        let pause = pause.min(args.check_interval);
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = terminate.recv() => return Ok(()),
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

/// One read, one decision, at most one write; returns how long to rest.
async fn pass(
    store: &Store,
    client: &kube::Client,
    args: &RenewArgs,
    policy: &Policy,
    server_name: &str,
) -> Result<Duration, String> {
    let stored = store.read().await.map_err(|e| e.to_string())?;
    let ca = stored.ca();
    // Replicas are only asked while an old CA waits to leave the bundle.
    let replicas_on_signing_ca = match (&ca.previous, &ca.signing) {
        (Some(_), Some(signing)) => {
            let addresses = replicas::endpoints(client, args)
                .await
                .map_err(|e| format!("listing the EndpointSlices of {}: {e}", args.service))?;
            replicas::serve_from(&addresses, &signing.cert, server_name).await
        }
        _ => Vec::new(),
    };
    let observed = Observed {
        serving: stored.serving(),
        serving_ca: stored.serving_ca(),
        bundles: stored.bundles(),
        ca,
        replicas_on_signing_ca,
    };
    let step = decide(&observed, policy, SystemTime::now()).map_err(|e| e.to_string())?;
    let written = match &step {
        Step::Wait { for_at_most, why } => {
            tracing::debug!(wait = ?for_at_most, why, "nothing to renew");
            return Ok(*for_at_most);
        }
        Step::WriteCa { ca, reason } => {
            tracing::info!(reason, secret = args.ca_secret, "writing the CA Secret");
            store.write_ca(&stored, ca).await
        }
        Step::WriteBundles { bundle, reason } => {
            tracing::info!(
                reason,
                cas = bundle.matches("BEGIN CERTIFICATE").count(),
                "writing the caBundle of both webhook configurations"
            );
            store.write_bundles(&stored, bundle).await
        }
        Step::WriteServing {
            serving,
            ca_bundle,
            reason,
        } => {
            tracing::info!(
                reason,
                secret = args.tls_secret,
                "writing the serving Secret"
            );
            store.write_serving(&stored, serving, ca_bundle).await
        }
    };
    match written {
        // Decide again at once on what is now stored.
        Ok(()) => Ok(Duration::ZERO),
        Err(error) if error.is_conflict() => {
            tracing::info!(%error, "written by someone else meanwhile; reading again");
            Ok(Duration::ZERO)
        }
        Err(error) => Err(error.to_string()),
    }
}
