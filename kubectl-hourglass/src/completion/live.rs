//! Live names for completion (executors, performers, namespaces) and the
//! kubeconfig's contexts, read with the global flags found among the words.

use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, ListParams};

use hourglass_shared::object::ObjectKind;

use crate::api;
use crate::context::Context;
use crate::options::GlobalArgs;

/// The global flags found among the words (for -n, --context, --kubeconfig).
pub fn globals_from(words: &[String]) -> GlobalArgs {
    let mut global = GlobalArgs {
        request_timeout: Duration::from_secs(5),
        ..Default::default()
    };
    let mut iter = words.iter().peekable();
    while let Some(word) = iter.next() {
        let (flag, inline) = match word.split_once('=') {
            Some((f, v)) => (f, Some(v.to_string())),
            None => (word.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| iter.peek().map(|v| v.to_string()))
        };
        match flag {
            "-n" | "--namespace" => global.namespace = value(),
            "--context" => global.context = value(),
            "--kubeconfig" => global.kubeconfig = value().map(Into::into),
            "-A" | "--all-namespaces" => global.all_namespaces = true,
            _ => {}
        }
    }
    global
}

fn quiet_context(global: &GlobalArgs) -> Context {
    Context::new(
        global.clone(),
        Box::new(std::io::sink()),
        Box::new(std::io::sink()),
        false,
    )
}

pub async fn live_names(global: &GlobalArgs, kind: ObjectKind) -> Vec<String> {
    let ctx = quiet_context(global);
    let namespace = ctx.list_namespace().await;
    let names: Vec<Option<String>> = match kind {
        ObjectKind::Executor => api::list_executors(&ctx, namespace.as_deref())
            .await
            .map(|items| items.into_iter().map(|i| i.metadata.name).collect())
            .unwrap_or_default(),
        ObjectKind::Performer => api::list_performers(&ctx, namespace.as_deref())
            .await
            .map(|items| items.into_iter().map(|i| i.metadata.name).collect())
            .unwrap_or_default(),
    };
    names.into_iter().flatten().collect()
}

pub async fn live_namespaces(global: &GlobalArgs) -> Vec<String> {
    let ctx = quiet_context(global);
    let Ok(client) = ctx.client().await else {
        return Vec::new();
    };
    Api::<Namespace>::all(client)
        .list(&ListParams::default())
        .await
        .map(|list| {
            list.items
                .into_iter()
                .filter_map(|n| n.metadata.name)
                .collect()
        })
        .unwrap_or_default()
}

pub fn contexts(global: &GlobalArgs) -> Vec<String> {
    let kubeconfig = match &global.kubeconfig {
        Some(path) => kube::config::Kubeconfig::read_from(path),
        None => kube::config::Kubeconfig::read(),
    };
    kubeconfig
        .map(|k| k.contexts.into_iter().map(|c| c.name).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn globals_are_read_from_the_words() {
        let global = globals_from(&words("get performers -n team --context=prod "));
        assert_eq!(global.namespace.as_deref(), Some("team"));
        assert_eq!(global.context.as_deref(), Some("prod"));
    }
}
