//! Controller owner references, as controller-runtime's
//! `controllerutil.SetControllerReference` writes them (the upstream
//! operator marks its Pods and Services this way, and watches them through
//! it).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

use super::performer_kind::{PERFORMER_API_VERSION, PERFORMER_GROUP, PERFORMER_KIND};

/// The reference a performer's pod and service carry:
/// `controller: true`, `blockOwnerDeletion: true`.
pub(crate) fn controller_reference(performer: &ObjectMeta) -> OwnerReference {
    OwnerReference {
        api_version: PERFORMER_API_VERSION.to_string(),
        kind: PERFORMER_KIND.to_string(),
        name: performer.name.clone().unwrap_or_default(),
        uid: performer.uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// Puts `reference` on `object`, replacing a reference to the same owner
/// (same group, kind and name); refuses when another owner is already the
/// controller, as controller-runtime does.
pub(crate) fn set_controller_reference(
    object: &mut ObjectMeta,
    reference: OwnerReference,
) -> Result<(), String> {
    let references = object.owner_references.get_or_insert_with(Vec::new);
    if let Some(other) = references
        .iter()
        .find(|existing| existing.controller == Some(true) && !same_owner(existing, &reference))
    {
        return Err(format!(
            "Object {}/{} is already owned by another {} controller {}",
            object.namespace.as_deref().unwrap_or_default(),
            object.name.as_deref().unwrap_or_default(),
            other.kind,
            other.name
        ));
    }
    match references
        .iter_mut()
        .find(|existing| same_owner(existing, &reference))
    {
        Some(existing) => *existing = reference,
        None => references.push(reference),
    }
    Ok(())
}

/// The performer key (namespace, name) a pod or service belongs to, when a
/// Performer is its controller: how controller-runtime's `Owns` maps an
/// event on an owned object to a reconcile of its owner.
pub(crate) fn controlling_performer(object: &ObjectMeta) -> Option<String> {
    object
        .owner_references
        .as_ref()?
        .iter()
        .find(|reference| reference.controller == Some(true))
        .filter(|reference| {
            reference.kind == PERFORMER_KIND && group(&reference.api_version) == PERFORMER_GROUP
        })
        .map(|reference| reference.name.clone())
}

fn same_owner(a: &OwnerReference, b: &OwnerReference) -> bool {
    group(&a.api_version) == group(&b.api_version) && a.kind == b.kind && a.name == b.name
}

/// The group of an `apiVersion` (`""` for the core group's `v1`).
fn group(api_version: &str) -> &str {
    api_version
        .rsplit_once('/')
        .map_or("", |(group, _version)| group)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(name: &str, uid: &str) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.into()),
            namespace: Some("ns".into()),
            uid: Some(uid.into()),
            ..ObjectMeta::default()
        }
    }

    #[test]
    fn replaces_a_reference_to_the_same_owner_and_refuses_another_controller() {
        let mut service = meta("performer-a", "svc");
        set_controller_reference(&mut service, controller_reference(&meta("a", "1"))).unwrap();
        set_controller_reference(&mut service, controller_reference(&meta("a", "2"))).unwrap();
        let references = service.owner_references.as_ref().unwrap();
        assert_eq!(references.len(), 1);
        assert_eq!(references[0].uid, "2");
        assert_eq!(controlling_performer(&service).as_deref(), Some("a"));

        let refused = set_controller_reference(&mut service, controller_reference(&meta("b", "3")));
        assert!(refused.unwrap_err().contains("already owned"));
    }
}
