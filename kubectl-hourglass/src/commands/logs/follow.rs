//! `logs performer NAME -f`: follow the performer's pod across
//! re-creation. The operator replaces the pod `performer-<name>` on every
//! upgrade (and `performer restart` deletes it) under the same name, so a
//! new pod is told by its uid; a container restart inside the same pod, by
//! its restart count. When the stream of one ends, the next is looked for
//! and read from its start, after a marker line naming it.
//!
//! The decision is a pure function ([`next_step`]); the loop ([`follow`])
//! runs it over any [`PodLogs`], so it is tested here with scripted pods
//! and streams, and end to end against the real apiserver.

use std::future::Future;
use std::time::Duration;

use futures::AsyncBufRead;
use kube::api::LogParams;

use crate::error::Result;

/// What the follower needs to know of the pod it may read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodSnapshot {
    pub name: String,
    pub uid: String,
    /// The followed container's restart count.
    pub restarts: i32,
    /// The container has started once (running, or terminated): its log exists.
    pub started: bool,
    /// The pod is being deleted.
    pub terminating: bool,
    /// What the pod is doing, for the waiting note (`Pending: ContainerCreating`).
    pub state: String,
}

/// The pods to follow and their logs: the cluster, or a script in tests.
pub trait PodLogs {
    type Stream: AsyncBufRead + Unpin;
    /// The pod to read now, if there is one.
    fn current(&self) -> impl Future<Output = Result<Option<PodSnapshot>>>;
    /// Opens the log of `pod`.
    fn open(&self, pod: &str, params: &LogParams) -> impl Future<Output = Result<Self::Stream>>;
}

/// The instance of a container whose log was read: pod uid, restart count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Followed {
    pub uid: String,
    pub restarts: i32,
}

/// What to do next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Read this pod's log; print `marker` first when there is one. `fresh`:
    /// a new pod or container, read from its start whatever the user's
    /// `--tail`/`--since` said about the first one.
    Open {
        pod: String,
        uid: String,
        restarts: i32,
        marker: Option<String>,
        fresh: bool,
    },
    /// Nothing to read yet: why, for a note on stderr.
    Wait(String),
}

/// Decides from the instance followed last (if any) and the pod now.
pub fn next_step(followed: Option<&Followed>, pod: Option<&PodSnapshot>) -> Step {
    let Some(pod) = pod else {
        return Step::Wait("no pod yet; waiting for the operator to create it".to_string());
    };
    let name = &pod.name;
    if pod.terminating {
        return Step::Wait(format!(
            "pod {name} is terminating; waiting for the operator to create the next one"
        ));
    }
    let open = |marker: Option<String>, fresh: bool| Step::Open {
        pod: name.clone(),
        uid: pod.uid.clone(),
        restarts: pod.restarts,
        marker,
        fresh,
    };
    match followed {
        _ if !pod.started => Step::Wait(format!(
            "pod {name} has not started its container ({})",
            pod.state
        )),
        None => open(None, false),
        Some(last) if last.uid != pod.uid => open(
            Some(format!("==> pod/{name} (new pod, uid {}) <==", pod.uid)),
            true,
        ),
        Some(last) if pod.restarts > last.restarts => open(
            Some(format!(
                "==> pod/{name} (container restarted, restart {}) <==",
                pod.restarts
            )),
            true,
        ),
        Some(_) => Step::Wait(format!(
            "the log of pod {name} ended ({}); waiting for a new pod or a container restart",
            pod.state
        )),
    }
}

/// Follows until an error: reads each pod's log to its end, then waits
/// (polling every `poll`) for the next. `write` gets every line (with its
/// newline) and every marker line; `note` every change of what it waits on.
pub async fn follow<S: PodLogs>(
    source: &S,
    first: &LogParams,
    poll: Duration,
    write: &mut dyn FnMut(&[u8]) -> Result<()>,
    note: &mut dyn FnMut(String),
) -> Result<()> {
    let mut followed: Option<Followed> = None;
    let mut waiting_on = String::new();
    loop {
        let pod = source.current().await?;
        match next_step(followed.as_ref(), pod.as_ref()) {
            Step::Wait(why) => {
                if why != waiting_on {
                    note(why.clone());
                    waiting_on = why;
                }
                tokio::time::sleep(poll).await;
            }
            Step::Open {
                pod,
                uid,
                restarts,
                marker,
                fresh,
            } => {
                waiting_on.clear();
                if let Some(marker) = marker {
                    write(format!("{marker}\n").as_bytes())?;
                }
                let params = if fresh {
                    fresh_params(first)
                } else {
                    first.clone()
                };
                let stream = source.open(&pod, &params).await?;
                copy_lines(stream, write).await?;
                followed = Some(Followed { uid, restarts });
            }
        }
    }
}

/// The log of a new pod or container: all of it, followed, as the first.
fn fresh_params(first: &LogParams) -> LogParams {
    LogParams {
        tail_lines: None,
        since_seconds: None,
        since_time: None,
        ..first.clone()
    }
}

/// Copies a log to `write` line by line (a last line without a newline
/// gets one), so each shows as soon as it arrives.
pub async fn copy_lines(
    mut stream: impl AsyncBufRead + Unpin,
    write: &mut dyn FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    use futures::AsyncBufReadExt;
    let mut line = Vec::new();
    loop {
        line.clear();
        if stream.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        if line.last() != Some(&b'\n') {
            line.push(b'\n');
        }
        write(&line)?;
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::VecDeque;

    use futures::io::Cursor;

    use super::*;
    use crate::error::CliError;

    fn pod(uid: &str, restarts: i32) -> PodSnapshot {
        PodSnapshot {
            name: "performer-p".to_string(),
            uid: uid.to_string(),
            restarts,
            started: true,
            terminating: false,
            state: "Running and ready".to_string(),
        }
    }

    fn followed(uid: &str, restarts: i32) -> Followed {
        Followed {
            uid: uid.to_string(),
            restarts,
        }
    }

    #[test]
    fn the_first_pod_is_read_with_the_users_parameters_and_no_marker() {
        assert!(matches!(
            next_step(None, Some(&pod("a", 0))),
            Step::Open {
                marker: None,
                fresh: false,
                ..
            }
        ));
    }

    #[test]
    fn a_new_uid_is_a_new_pod_read_from_its_start_after_a_marker() {
        let step = next_step(Some(&followed("a", 0)), Some(&pod("b", 0)));
        assert_eq!(
            step,
            Step::Open {
                pod: "performer-p".to_string(),
                uid: "b".to_string(),
                restarts: 0,
                marker: Some("==> pod/performer-p (new pod, uid b) <==".to_string()),
                fresh: true,
            }
        );
    }

    #[test]
    fn a_container_restart_in_the_same_pod_is_read_again() {
        let step = next_step(Some(&followed("a", 1)), Some(&pod("a", 2)));
        assert!(
            matches!(&step, Step::Open { marker: Some(m), fresh: true, .. } if m.contains("restart 2")),
            "{step:?}"
        );
    }

    #[test]
    fn the_same_instance_is_never_read_twice() {
        let step = next_step(Some(&followed("a", 0)), Some(&pod("a", 0)));
        assert!(
            matches!(&step, Step::Wait(why) if why.contains("ended")),
            "{step:?}"
        );
    }

    #[test]
    fn no_pod_a_terminating_pod_or_an_unstarted_container_is_waited_for() {
        assert!(matches!(next_step(None, None), Step::Wait(_)));
        let mut going = pod("b", 0);
        going.terminating = true;
        assert!(matches!(
            next_step(Some(&followed("a", 0)), Some(&going)),
            Step::Wait(why) if why.contains("terminating")
        ));
        let mut creating = pod("b", 0);
        creating.started = false;
        creating.state = "Pending: ContainerCreating".to_string();
        assert!(matches!(
            next_step(None, Some(&creating)),
            Step::Wait(why) if why.contains("ContainerCreating")
        ));
    }

    /// Pods in the order `current` returns them, each open a log; runs out
    /// with an error, which ends `follow`.
    struct Script {
        pods: RefCell<VecDeque<Option<PodSnapshot>>>,
        opened: RefCell<Vec<(String, LogParams)>>,
    }

    impl PodLogs for Script {
        type Stream = Cursor<Vec<u8>>;
        async fn current(&self) -> Result<Option<PodSnapshot>> {
            self.pods
                .borrow_mut()
                .pop_front()
                .ok_or_else(|| CliError::msg("script ended"))
        }
        async fn open(&self, pod: &str, params: &LogParams) -> Result<Self::Stream> {
            let mut opened = self.opened.borrow_mut();
            opened.push((pod.to_string(), params.clone()));
            // Each instance's log names its order; the last line has no newline.
            Ok(Cursor::new(
                format!("line of log {}\nlast", opened.len()).into_bytes(),
            ))
        }
    }

    #[tokio::test]
    async fn follow_reads_each_instance_once_across_recreation() {
        let mut creating = pod("b", 0);
        creating.started = false;
        let script = Script {
            pods: RefCell::new(VecDeque::from([
                Some(pod("a", 0)),
                Some(pod("a", 0)),
                None,
                Some(creating),
                Some(pod("b", 0)),
                Some(pod("b", 1)),
            ])),
            opened: RefCell::new(Vec::new()),
        };
        let first = LogParams {
            follow: true,
            tail_lines: Some(10),
            since_seconds: Some(60),
            container: Some("performer".to_string()),
            ..LogParams::default()
        };
        let mut out = Vec::new();
        let mut notes = Vec::new();
        let end = follow(
            &script,
            &first,
            Duration::from_millis(1),
            &mut |bytes| {
                out.extend_from_slice(bytes);
                Ok(())
            },
            &mut |note| notes.push(note),
        )
        .await;
        assert!(matches!(end, Err(CliError::Message(m)) if m == "script ended"));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "line of log 1\nlast\n\
             ==> pod/performer-p (new pod, uid b) <==\nline of log 2\nlast\n\
             ==> pod/performer-p (container restarted, restart 1) <==\nline of log 3\nlast\n"
        );
        let opened = script.opened.borrow();
        assert_eq!(opened.len(), 3);
        assert_eq!(opened[0].1.tail_lines, Some(10));
        assert_eq!(opened[0].1.since_seconds, Some(60));
        // Later instances: from their start, still followed, same container.
        for (_, params) in &opened[1..] {
            assert_eq!((params.tail_lines, params.since_seconds), (None, None));
            assert!(params.follow);
            assert_eq!(params.container.as_deref(), Some("performer"));
        }
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(notes[0].contains("ended"), "{notes:?}");
        assert!(notes[1].contains("no pod yet"), "{notes:?}");
        assert!(notes[2].contains("has not started"), "{notes:?}");
    }
}
