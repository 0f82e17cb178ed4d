//! A simulated node: kubelet and kube-scheduler, which do not run here.
//! It watches the pods of one namespace and writes their status through the
//! `pods/status` subresource, as kubelet and kube-scheduler do, following
//! Kubernetes' PodStatus contract (k8s.io/api core/v1 `PodStatus`; kubelet
//! and kube-scheduler v1.33, see [`pod_status`] for the sources). Each pod's
//! outcome comes from a [`PodPolicy`], and can be changed later
//! ([`SimulatedKubelet::set_outcome`]).
//!
//! ```no_run
//! # async fn example(client: kube::Client, namespace: &str) {
//! use hourglass_e2e::{PodOutcome, PodPolicy, SimulatedKubelet};
//! let policy = PodPolicy::always(PodOutcome::RunningReady)
//!     .with_image("myavs/performer:v9", PodOutcome::ImagePullBackOff);
//! let kubelet = SimulatedKubelet::start(client, namespace, policy);
//! kubelet.set_outcome("performer-my-avs", PodOutcome::CrashLoopBackOff).await.unwrap();
//! # }
//! ```
//!
//! Like kubelet's status manager, every write is a merge patch carrying the
//! pod's UID, so it never lands on a newer pod of the same name. Pods stay
//! unbound (no `nodeName`), so a DELETE removes them at once: with no real
//! kubelet to confirm, a bound pod would stay Terminating. Not simulated:
//! containers, probes, restarts over time (a crash-looping pod reports a
//! fixed restart count), pod IPs.

mod image_reference;
mod pod_status;
mod policy;

use std::collections::HashMap;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event, watcher};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use pod_status::{PullStage, pod_status};
pub use policy::{NO_GPU_NODE_MESSAGE, PodOutcome, PodPolicy};

/// How long after `ErrImagePull` the kubelet reports `ImagePullBackOff`
/// (a real kubelet: at its next sync, within seconds).
pub const IMAGE_PULL_BACK_OFF_AFTER: Duration = Duration::from_millis(500);

/// Field manager of the simulated node's status writes.
pub const KUBELET_FIELD_MANAGER: &str = "hourglass-simulated-kubelet";

/// The simulated node, running as a background task of the current tokio
/// runtime until dropped.
#[derive(Debug)]
pub struct SimulatedKubelet {
    task: JoinHandle<()>,
    commands: mpsc::UnboundedSender<SetOutcome>,
}

struct SetOutcome {
    pod: String,
    outcome: PodOutcome,
    done: oneshot::Sender<Result<(), kube::Error>>,
}

impl SimulatedKubelet {
    /// Runs and schedules the pods of `namespace` as `policy` says.
    pub fn start(client: kube::Client, namespace: &str, policy: PodPolicy) -> SimulatedKubelet {
        let (commands, received) = mpsc::unbounded_channel();
        let node = Node {
            pods: Api::namespaced(client, namespace),
            policy,
            overrides: HashMap::new(),
            applied: HashMap::new(),
            back_offs: Vec::new(),
        };
        SimulatedKubelet {
            task: tokio::spawn(node.run(received)),
            commands,
        }
    }

    /// The pod now named `pod` ends up `outcome` instead, e.g. a running
    /// pod starts crash-looping. Returns once its status says so, or the
    /// apiserver's error (NotFound when there is no such pod). A later pod
    /// of the same name goes by the policy again.
    pub async fn set_outcome(&self, pod: &str, outcome: PodOutcome) -> Result<(), kube::Error> {
        let (done, finished) = oneshot::channel();
        let command = SetOutcome {
            pod: pod.to_string(),
            outcome,
            done,
        };
        if self.commands.send(command).is_err() {
            panic!("the simulated kubelet's task has stopped");
        }
        finished
            .await
            .expect("the simulated kubelet's task has stopped")
    }
}

impl Drop for SimulatedKubelet {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What the node has written for a pod (by UID).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Applied {
    outcome: PodOutcome,
    stage: PullStage,
}

struct Node {
    pods: Api<Pod>,
    policy: PodPolicy,
    /// Outcomes set with `set_outcome`, by pod UID.
    overrides: HashMap<String, PodOutcome>,
    applied: HashMap<String, Applied>,
    /// Pulls to report as backing off: when, pod UID and name.
    back_offs: Vec<(Instant, String, String)>,
}

impl Node {
    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<SetOutcome>) {
        let events = watcher(self.pods.clone(), watcher::Config::default()).default_backoff();
        let mut events = std::pin::pin!(events);
        loop {
            let next_back_off = self.back_offs.iter().map(|(at, _, _)| *at).min();
            tokio::select! {
                event = events.next() => match event {
                    Some(Ok(Event::Apply(pod) | Event::InitApply(pod))) => self.observe(&pod).await,
                    Some(Ok(Event::Delete(pod))) => {
                        self.applied.remove(&uid(&pod));
                        self.overrides.remove(&uid(&pod));
                    }
                    Some(Ok(Event::Init | Event::InitDone)) => {}
                    Some(Err(err)) => eprintln!("simulated-kubelet: watch failed, retrying: {err}"),
                    None => return,
                },
                command = commands.recv() => match command {
                    Some(command) => self.set_outcome(command).await,
                    None => return,
                },
                _ = sleep_until(next_back_off), if next_back_off.is_some() => {
                    self.report_back_offs().await;
                }
            }
        }
    }

    /// A pod appeared or changed: write its outcome unless already written.
    async fn observe(&mut self, pod: &Pod) {
        if pod.metadata.deletion_timestamp.is_some() {
            return;
        }
        let outcome = self.outcome_for(pod);
        let wanted = Applied {
            outcome,
            stage: PullStage::Failed,
        };
        if self
            .applied
            .get(&uid(pod))
            .is_some_and(|applied| applied.outcome == wanted.outcome)
        {
            return;
        }
        if let Err(err) = self.write(pod, wanted).await {
            eprintln!(
                "simulated-kubelet: could not write the status of pod {}: {err}",
                name(pod)
            );
        }
    }

    async fn set_outcome(&mut self, command: SetOutcome) {
        let result = match self.pods.get(&command.pod).await {
            Ok(pod) => {
                self.overrides.insert(uid(&pod), command.outcome.clone());
                let applied = Applied {
                    outcome: command.outcome,
                    stage: PullStage::Failed,
                };
                self.write(&pod, applied).await
            }
            Err(err) => Err(err),
        };
        let _ = command.done.send(result);
    }

    async fn report_back_offs(&mut self) {
        let now = Instant::now();
        let (due, later) = self.back_offs.drain(..).partition(|(at, _, _)| *at <= now);
        self.back_offs = later;
        for (_, pod_uid, pod_name) in due {
            let still_failing = self.applied.get(&pod_uid)
                == Some(&Applied {
                    outcome: PodOutcome::ImagePullBackOff,
                    stage: PullStage::Failed,
                });
            if !still_failing {
                continue;
            }
            match self.pods.get_opt(&pod_name).await {
                Ok(Some(pod)) if uid(&pod) == pod_uid => {
                    let backing_off = Applied {
                        outcome: PodOutcome::ImagePullBackOff,
                        stage: PullStage::BackingOff,
                    };
                    if let Err(err) = self.write(&pod, backing_off).await {
                        eprintln!(
                            "simulated-kubelet: could not write the status of pod {pod_name}: {err}"
                        );
                    }
                }
                Ok(_) => {}
                Err(err) => eprintln!("simulated-kubelet: could not read pod {pod_name}: {err}"),
            }
        }
    }

    fn outcome_for(&self, pod: &Pod) -> PodOutcome {
        self.overrides
            .get(&uid(pod))
            .cloned()
            .unwrap_or_else(|| self.policy.outcome_for(pod))
    }

    /// Patches `pods/status`; the UID in the patch makes the apiserver
    /// refuse it if the pod was replaced meanwhile.
    async fn write(&mut self, pod: &Pod, applied: Applied) -> Result<(), kube::Error> {
        let patch = json!({
            "metadata": { "uid": uid(pod) },
            "status": pod_status(pod, &applied.outcome, applied.stage),
        });
        let params = PatchParams {
            field_manager: Some(KUBELET_FIELD_MANAGER.to_string()),
            ..PatchParams::default()
        };
        self.pods
            .patch_status(&name(pod), &params, &Patch::Merge(patch))
            .await?;
        if applied.outcome == PodOutcome::ImagePullBackOff && applied.stage == PullStage::Failed {
            self.back_offs.push((
                Instant::now() + IMAGE_PULL_BACK_OFF_AFTER,
                uid(pod),
                name(pod),
            ));
        }
        self.applied.insert(uid(pod), applied);
        Ok(())
    }
}

async fn sleep_until(at: Option<Instant>) {
    if let Some(at) = at {
        tokio::time::sleep_until(at).await;
    }
}

fn uid(pod: &Pod) -> String {
    pod.metadata.uid.clone().unwrap_or_default()
}

fn name(pod: &Pod) -> String {
    pod.metadata.name.clone().unwrap_or_default()
}
