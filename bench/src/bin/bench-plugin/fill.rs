//! The fleet, made as a real cluster would store it: through our webhook,
//! with the upstream operator stand-in and a simulated kubelet making and
//! running every performer's pod.

use std::time::Duration;

use hourglass_bench::admission_variant::performer_resource;
use hourglass_bench::crd_install::{self, standard_crds};
use hourglass_bench::create_load::{create_all, write_statuses};
use hourglass_bench::examples::{example, renamed};
use hourglass_bench::fleet::{self, executor_status, pod_policy};
use hourglass_e2e::{
    BuildProfile, ControlPlane, OperatorTiming, SimulatedKubelet, UpstreamOperator, WebhookServer,
    ensure_runtime_class,
};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ApiResource, ListParams};

/// Creates the fleet as a real cluster would store it (through our webhook,
/// so performers carry their mutated scheduling), lets the upstream
/// operator stand-in and a simulated kubelet per namespace make and run
/// every performer's pod, then stops them before anything is measured.
pub fn fill(
    control_plane: &ControlPlane,
    namespaces: &[String],
    executors: usize,
    performers: usize,
) -> Result<(), String> {
    crd_install::install(control_plane, &standard_crds().map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let webhook = WebhookServer::start_with(control_plane, BuildProfile::Release)
        .map_err(|e| e.to_string())?;
    webhook.register(control_plane).map_err(|e| e.to_string())?;
    let executor_template = example("main-executor.yaml").map_err(|e| e.to_string())?;
    let performer_template = example("complex-performer.yaml").map_err(|e| e.to_string())?;
    let layout = fleet::layout(namespaces, executors, performers);
    let executor_objects = layout
        .executors
        .iter()
        .map(|(ns, name)| renamed(&executor_template, name, ns))
        .collect();
    let performer_objects = layout
        .performers
        .iter()
        .map(|(ns, name, executor)| fleet::performer(&performer_template, ns, name, executor))
        .collect();
    let executor_statuses = layout
        .executors
        .iter()
        .map(|(ns, name)| (ns.clone(), name.clone(), executor_status()))
        .collect();
    let executor_resource = ApiResource::erase::<hourglass_shared::HourglassExecutor>(&());
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("tokio runtime: {e}"))?;
    runtime.block_on(async {
        let client = control_plane
            .kube_client()
            .await
            .map_err(|e| e.to_string())?;
        ensure_runtime_class(&client, "gvisor").await;
        create_all(&client, &executor_resource, executor_objects, 16).await?;
        create_all(&client, &performer_resource(), performer_objects, 16).await?;
        write_statuses(&client, &executor_resource, executor_statuses, 16).await?;
        let operator =
            UpstreamOperator::start_with(client.clone(), None, OperatorTiming::default());
        let kubelets: Vec<SimulatedKubelet> = namespaces
            .iter()
            .map(|ns| SimulatedKubelet::start(client.clone(), ns, pod_policy()))
            .collect();
        wait_for_pods(&client, performers).await?;
        drop(operator);
        drop(kubelets);
        Ok::<_, String>(())
    })?;
    drop(webhook);
    Ok(())
}

/// Until every performer has a pod with a status written by the node.
async fn wait_for_pods(client: &kube::Client, performers: usize) -> Result<(), String> {
    let pods: Api<Pod> = Api::all(client.clone());
    let deadline = std::time::Instant::now() + Duration::from_secs(900);
    loop {
        let listed = pods
            .list(&ListParams::default().labels("hourglass.eigenlayer.io/performer"))
            .await
            .map_err(|e| e.to_string())?;
        let with_status = listed
            .items
            .iter()
            .filter(|pod| {
                pod.status
                    .as_ref()
                    .is_some_and(|s| s.container_statuses.is_some() || s.conditions.is_some())
            })
            .count();
        if with_status >= performers {
            eprintln!("    {with_status} pods with status");
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            return Err(format!(
                "after 15 minutes only {with_status} of {performers} pods have a status"
            ));
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}
