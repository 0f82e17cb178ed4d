//! `logs (performer|executor) NAME [-f] [--tail N] [--since D] [--previous]
//! [-c CONTAINER]`: a performer's or an executor's logs through the
//! apiserver's `pods/log`; with `-f`, a performer's pod is followed across
//! the re-creations every upgrade and restart make (`follow`). Which pods
//! are read is `source`'s; an executor's replicas are `executor`'s.

mod executor;
mod follow;
mod source;

use std::io::Write as _;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};

use hourglass_shared::formats::duration;
use hourglass_shared::object::ObjectKind;
use hourglass_shared::workload::CONTAINER_NAME;

use crate::api;
use crate::context::Context;
use crate::error::{CliError, Result};
use crate::pod_rollout::UpgradeApi;

pub use follow::{Followed, PodLogs, PodSnapshot, Step, copy_lines, follow, next_step};
pub use source::{
    EXECUTOR_CONTAINER, EXECUTOR_POD_LABEL, PerformerPods, executor_pods, pick_executor_pods,
    snapshot,
};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
A performer's log is its pod's (performer-<name>, the pod the Hourglass
operator runs for it), container performer. With -f it is followed across
re-creation: the operator deletes and re-creates the pod on every upgrade
(and `performer restart` deletes it), so when one pod's log ends the command
waits for the next pod (another uid) or a restart of the container, prints
a line `==> pod/performer-<name> (new pod, uid ...) <==` and reads that one
from its start. It ends only on an error or Ctrl-C.

An executor's pods are those of the executor Helm chart: its StatefulSet,
named after the executor (the chart's executor.name), labels them
app=<name> and runs the container executor. Several replicas: each pod's log
after a header line, or with -f each line prefixed with its pod.

Logs come from the node's kubelet, through the apiserver.

RBAC: get on performers; get on pods and pods/log (list on pods for an
executor), in the namespace.

Examples:
  kubectl hourglass logs performer my-avs
  kubectl hourglass logs performer my-avs -f --tail 100
  kubectl hourglass logs performer my-avs --previous
  kubectl hourglass logs executor main --since 10m")]
pub struct Args {
    /// performer or executor (also their plurals and short names, as in `get`)
    #[arg(value_parser = api::parse_kind, value_name = "performer|executor")]
    pub kind: ObjectKind,
    /// The performer's or executor's name
    pub name: String,
    /// Keep streaming; for a performer, across the pods the operator re-creates
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Lines from the end of the log to show first; -1 shows all
    #[arg(long, value_name = "N", value_parser = parse_tail, default_value = "-1", allow_negative_numbers = true)]
    pub tail: i64,
    /// Only lines newer than this, e.g. 30s, 10m, 2h
    #[arg(long, value_name = "DURATION", value_parser = parse_since)]
    pub since: Option<Duration>,
    /// The log of the container's previous run (after a crash or restart)
    #[arg(short = 'p', long, conflicts_with = "follow")]
    pub previous: bool,
    /// The container (default: performer, or executor)
    #[arg(short = 'c', long, value_name = "CONTAINER")]
    pub container: Option<String>,
    /// Begin every line with its RFC3339 time
    #[arg(long)]
    pub timestamps: bool,
    /// How often to look for the next pod while following
    #[arg(long, value_parser = duration::parse, default_value = "1s", hide = true)]
    pub poll_interval: Duration,
}

pub async fn run(args: &Args, ctx: &Context) -> Result<()> {
    let namespace = ctx.namespace().await;
    let client = ctx.client().await?;
    let pods: Api<Pod> = Api::namespaced(client.clone(), &namespace);
    let container = args.container.clone().unwrap_or_else(|| {
        match args.kind {
            ObjectKind::Performer => CONTAINER_NAME,
            ObjectKind::Executor => EXECUTOR_CONTAINER,
        }
        .to_string()
    });
    let params = log_params(args, &container);
    // Each line is flushed: with -f it must show as it comes.
    let mut write = |bytes: &[u8]| -> Result<()> {
        let mut out = ctx.out();
        out.write_all(bytes)?;
        out.flush()?;
        Ok(())
    };
    let name = args.name.as_str();
    match args.kind {
        ObjectKind::Performer => {
            let source = PerformerPods {
                performers: UpgradeApi::new(client, &namespace),
                pods: pods.clone(),
                name: name.to_string(),
                container,
            };
            if args.follow {
                let mut note = |line: String| ctx.note(format!("performer \"{name}\": {line}"));
                return follow(&source, &params, args.poll_interval, &mut write, &mut note).await;
            }
            let Some(pod) = source.pod().await? else {
                return Err(CliError::msg(format!(
                    "performer \"{name}\" has no pod now in namespace \"{namespace}\" (the operator \
                     names it performer-{name}); is the Hourglass operator running? \
                     With -f the command waits for it"
                )));
            };
            let pod = pod.metadata.name.unwrap_or_default();
            copy_lines(source::open_log(&pods, &pod, &params).await?, &mut write).await
        }
        ObjectKind::Executor => {
            let names = executor_pods(&pods, name, &namespace, &container).await?;
            executor::read_pods(&pods, &names, &params, &mut write).await
        }
    }
}

/// The `pods/log` query the flags ask for.
pub fn log_params(args: &Args, container: &str) -> LogParams {
    LogParams {
        container: Some(container.to_string()),
        follow: args.follow,
        previous: args.previous,
        timestamps: args.timestamps,
        tail_lines: (args.tail >= 0).then_some(args.tail),
        // kubectl rounds up, so that --since 1500ms still means 2s, not 1s.
        since_seconds: args
            .since
            .map(|since| i64::try_from(since.as_millis().div_ceil(1000)).unwrap_or(i64::MAX)),
        ..LogParams::default()
    }
}

/// `--tail`: a count of lines, or -1 for all.
fn parse_tail(text: &str) -> std::result::Result<i64, String> {
    match text.trim().parse::<i64>() {
        Ok(lines) if lines >= -1 => Ok(lines),
        _ => Err(format!(
            "expected a number of lines (0 or more), or -1 for the whole log, e.g. --tail 100; got \"{text}\""
        )),
    }
}

/// `--since`: a duration of at least a second's fraction, as the
/// apiserver refuses `sinceSeconds` below 1.
fn parse_since(text: &str) -> std::result::Result<Duration, String> {
    let since = duration::parse(text)?;
    if since.is_zero() {
        return Err(
            "must be more than 0, e.g. --since 10m (leave it out for the whole log)".into(),
        );
    }
    Ok(since)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Line {
        #[command(flatten)]
        args: Args,
    }

    fn parse(line: &[&str]) -> std::result::Result<Args, String> {
        let argv = std::iter::once("logs").chain(line.iter().copied());
        Line::try_parse_from(argv)
            .map(|l| l.args)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn flags_become_the_log_query() {
        let args = parse(&[
            "performer",
            "p",
            "-f",
            "--tail",
            "20",
            "--since",
            "1500ms",
            "--timestamps",
        ])
        .unwrap();
        let params = log_params(&args, "performer");
        assert_eq!(params.container.as_deref(), Some("performer"));
        assert!(params.follow && params.timestamps && !params.previous);
        assert_eq!(params.tail_lines, Some(20));
        assert_eq!(params.since_seconds, Some(2));

        let args = parse(&["executors", "main", "-p", "-c", "sidecar"]).unwrap();
        assert_eq!(args.kind, ObjectKind::Executor);
        let params = log_params(&args, "sidecar");
        assert!(params.previous && !params.follow);
        assert_eq!((params.tail_lines, params.since_seconds), (None, None));
    }

    #[test]
    fn bad_values_name_the_flag_and_the_fix() {
        let error = parse(&["performer", "p", "--tail", "-5"]).unwrap_err();
        assert!(
            error.contains("--tail") && error.contains("-1 for the whole log"),
            "{error}"
        );
        let error = parse(&["performer", "p", "--since", "0s"]).unwrap_err();
        assert!(
            error.contains("--since") && error.contains("more than 0"),
            "{error}"
        );
        let error = parse(&["performer", "p", "--since", "soon"]).unwrap_err();
        assert!(error.contains("--since"), "{error}");
        let error = parse(&["performer", "p", "-f", "--previous"]).unwrap_err();
        assert!(
            error.contains("--previous") && error.contains("--follow"),
            "{error}"
        );
        let error = parse(&["pod", "p"]).unwrap_err();
        assert!(
            error.contains("performer") && error.contains("executor"),
            "{error}"
        );
    }
}
