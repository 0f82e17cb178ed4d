//! The performer Service, reconciled as the upstream operator does it:
//! Layr-Labs/hourglass-monorepo, master 11f1554,
//! `hourglass-operator/internal/controller/performerController.go`
//! (`reconcileService`, through controller-runtime's
//! `controllerutil.CreateOrUpdate`). Shared by both stand-ins.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::api::{Api, PostParams};

use super::owner::set_controller_reference;
use super::pod::{GRPC_PORT_NAME, PERFORMER_LABEL, performer_pod_name};
use super::reconcile_error::ReconcileError;

/// The spec upstream sets, whole: ClusterIP, selecting the performer's pod
/// by label, port `grpc` to the container port named `grpc`.
pub(crate) fn service_spec(performer: &str, grpc_port: i32) -> ServiceSpec {
    ServiceSpec {
        selector: Some(BTreeMap::from([(
            PERFORMER_LABEL.to_string(),
            performer.to_string(),
        )])),
        ports: Some(vec![ServicePort {
            name: Some(GRPC_PORT_NAME.to_string()),
            port: grpc_port,
            target_port: Some(IntOrString::String(GRPC_PORT_NAME.to_string())),
            protocol: Some("TCP".to_string()),
            ..ServicePort::default()
        }]),
        type_: Some("ClusterIP".to_string()),
        ..ServiceSpec::default()
    }
}

/// Creates the service, or replaces the spec of the existing one with
/// [`service_spec`] and puts the controller reference on it, then updates
/// it (PUT). The new spec lacks what the apiserver filled in (cluster IPs,
/// IP families, session affinity), so controller-runtime never finds it
/// unchanged and updates on every reconcile; the apiserver keeps the
/// allocated values.
pub(crate) async fn create_or_update_service(
    services: &Api<Service>,
    performer: &str,
    namespace: &str,
    grpc_port: i32,
    owner: OwnerReference,
    field_manager: &str,
) -> Result<(), ReconcileError> {
    let params = PostParams {
        field_manager: Some(field_manager.to_string()),
        ..PostParams::default()
    };
    let name = performer_pod_name(performer);
    let spec = service_spec(performer, grpc_port);
    match services.get_opt(&name).await? {
        None => {
            let mut service = Service {
                metadata: ObjectMeta {
                    name: Some(name),
                    namespace: Some(namespace.to_string()),
                    ..ObjectMeta::default()
                },
                spec: Some(spec),
                status: None,
            };
            set_controller_reference(&mut service.metadata, owner)
                .map_err(ReconcileError::Refused)?;
            services.create(&params, &service).await?;
        }
        Some(mut service) => {
            service.spec = Some(spec);
            set_controller_reference(&mut service.metadata, owner)
                .map_err(ReconcileError::Refused)?;
            services.replace(&name, &params, &service).await?;
        }
    }
    Ok(())
}
