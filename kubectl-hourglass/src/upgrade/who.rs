//! Who is upgrading, as the apiserver knows them: recorded in the upgrade
//! history. A SelfSubjectReview (authentication.k8s.io/v1, GA since
//! Kubernetes 1.28) returns the user the apiserver authenticated, which
//! for a token or a client certificate is not in the kubeconfig. Any
//! failure (an older apiserver, no right) leaves it unknown: the history
//! says so rather than guess.

use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use kube::api::{Api, PostParams};

pub async fn who_am_i(client: kube::Client) -> Option<String> {
    let reviews: Api<SelfSubjectReview> = Api::all(client);
    let review = reviews
        .create(&PostParams::default(), &SelfSubjectReview::default())
        .await
        .ok()?;
    review.status?.user_info?.username
}
