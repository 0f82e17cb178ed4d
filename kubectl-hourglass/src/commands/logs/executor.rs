//! An executor's logs: its chart may run several replicas, so each pod's
//! log is marked. Without `-f`, one after another, each after a header line
//! (as `tail` does for several files); with `-f`, all at once, each line
//! prefixed with its pod as it arrives (as `kubectl logs --prefix` does).
//! The pods are those there when the command starts.

use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};

use super::follow::copy_lines;
use super::source::{LogStream, open_log};
use crate::error::Result;

/// Writes the logs of `pods` (at least one) to `write`.
pub async fn read_pods(
    api: &Api<Pod>,
    pods: &[String],
    params: &LogParams,
    write: &mut dyn FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    if let [only] = pods {
        return copy_lines(open_log(api, only, params).await?, write).await;
    }
    if !params.follow {
        for pod in pods {
            write(format!("==> pod/{pod} <==\n").as_bytes())?;
            copy_lines(open_log(api, pod, params).await?, write).await?;
        }
        return Ok(());
    }
    let mut streams = Vec::new();
    for pod in pods {
        let stream = open_log(api, pod, params).await?;
        streams.push(prefixed_lines(format!("[pod/{pod}] "), stream).boxed_local());
    }
    let mut merged = futures::stream::select_all(streams);
    while let Some(line) = merged.next().await {
        write(&line?)?;
    }
    Ok(())
}

/// The stream's lines, each with `prefix` and a newline.
fn prefixed_lines(
    prefix: String,
    stream: LogStream,
) -> impl futures::Stream<Item = std::io::Result<Vec<u8>>> {
    futures::stream::unfold(Some(stream), move |stream| {
        let prefix = prefix.clone();
        async move {
            let mut stream = stream?;
            let mut line = prefix.into_bytes();
            match stream.read_until(b'\n', &mut line).await {
                Ok(0) => None,
                Ok(_) => {
                    if line.last() != Some(&b'\n') {
                        line.push(b'\n');
                    }
                    Some((Ok(line), Some(stream)))
                }
                Err(error) => Some((Err(error), None)),
            }
        }
    })
}
