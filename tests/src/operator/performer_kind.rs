//! The Performer kind as the apiserver serves it (group, version, plural),
//! shared by the stand-ins' own Performer types.

pub(crate) const PERFORMER_GROUP: &str = "hourglass.eigenlayer.io";
pub(crate) const PERFORMER_VERSION: &str = "v1alpha1";
pub(crate) const PERFORMER_API_VERSION: &str = "hourglass.eigenlayer.io/v1alpha1";
pub(crate) const PERFORMER_KIND: &str = "Performer";
pub(crate) const PERFORMER_PLURAL: &str = "performers";

/// `impl kube::Resource` for a stand-in's Performer type with a
/// `metadata: ObjectMeta` field, so `Api<T>` reads and writes performers
/// through it.
macro_rules! performer_resource {
    ($type:ty) => {
        impl kube::Resource for $type {
            type DynamicType = ();
            type Scope = k8s_openapi::NamespaceResourceScope;

            fn kind(_: &()) -> std::borrow::Cow<'_, str> {
                $crate::operator::performer_kind::PERFORMER_KIND.into()
            }
            fn group(_: &()) -> std::borrow::Cow<'_, str> {
                $crate::operator::performer_kind::PERFORMER_GROUP.into()
            }
            fn version(_: &()) -> std::borrow::Cow<'_, str> {
                $crate::operator::performer_kind::PERFORMER_VERSION.into()
            }
            fn plural(_: &()) -> std::borrow::Cow<'_, str> {
                $crate::operator::performer_kind::PERFORMER_PLURAL.into()
            }
            fn meta(&self) -> &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                &self.metadata
            }
            fn meta_mut(
                &mut self,
            ) -> &mut k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                &mut self.metadata
            }
        }
    };
}

pub(crate) use performer_resource;
