//! The pure parts of `performer upgrade`: when a performer counts as
//! running the new image, which refusals are worth retrying, and the restore
//! command printed when a rollback cannot land. Everything the apiserver takes
//! part in (conflicts, dry-run, other writers, waiting, rollback, a webhook
//! outage) is proven against a real one in `tests/tests/plugin_upgrade.rs`
//! and `tests/tests/upgrade_webhook_outage.rs`.

mod common;

use kube::core::Status;
use serde_json::json;

use kubectl_hourglass::commands::performer_upgrade::{
    Observation, Target, may_pass, observe, restore_command,
};

/// What the apiserver answers when a webhook with failurePolicy Fail is down.
fn webhook_down() -> kube::Error {
    api_error(
        500,
        "InternalError",
        "Internal error occurred: failed calling webhook \"mutate.hourglass.eigenlayer.io\": failed to call webhook: Post \"https://127.0.0.1:1/mutate?timeout=5s\": dial tcp 127.0.0.1:1: connect: connection refused",
    )
}

fn api_error(code: u16, reason: &str, message: &str) -> kube::Error {
    let status: Status = serde_json::from_value(json!({
        "status": "Failure", "code": code, "reason": reason, "message": message,
    }))
    .unwrap();
    kube::Error::Api(Box::new(status))
}

#[test]
fn running_means_the_new_generation_is_available() {
    let old = common::running(common::performer("p", "main", "avs/p:v2", 60), 1);
    // Running and ready, but observed for generation 1: the old pod.
    assert!(matches!(
        observe(&old, "avs/p:v2", 2),
        Observation::Waiting(_)
    ));
    let new = common::running(common::performer("p", "main", "avs/p:v2", 60), 2);
    assert_eq!(observe(&new, "avs/p:v2", 2), Observation::Done);
    assert_eq!(
        observe(&new, "avs/p:v3", 2),
        Observation::Replaced("avs/p:v2".to_string())
    );
    let mut failing = common::performer("p", "main", "avs/p:v2", 60);
    failing.status = Some(hourglass_shared::performer::PerformerStatus {
        phase: Some("Pending".to_string()),
        conditions: Some(vec![common::condition(
            "Available",
            "False",
            "ImagePullFailed",
            "no such image",
            2,
        )]),
        ..Default::default()
    });
    assert_eq!(
        observe(&failing, "avs/p:v2", 2),
        Observation::Failed("Available (ImagePullFailed): no such image".to_string())
    );
}

#[test]
fn refusals_that_may_pass() {
    use kubectl_hourglass::error::CliError;
    assert!(may_pass(&CliError::from(webhook_down())));
    assert!(may_pass(&CliError::from(api_error(
        429,
        "TooManyRequests",
        "slow down"
    ))));
    assert!(may_pass(&CliError::Connect("connection refused".into())));
    assert!(!may_pass(&CliError::from(api_error(
        403,
        "Forbidden",
        "denied"
    ))));
    assert!(!may_pass(&CliError::msg("would be invalid")));
}

#[test]
fn the_restore_command_quotes_for_the_shell_and_removes_an_absent_version() {
    let recorded = Target {
        image: "avs/p:v1".to_string(),
        version: None,
    };
    assert_eq!(
        restore_command("p", "ns", &recorded),
        r#"kubectl patch performer p -n ns --type merge -p '{"spec":{"image":"avs/p:v1","version":null}}'"#
    );
    let quoted = Target {
        image: "avs/p:v1".to_string(),
        version: Some("it's".to_string()),
    };
    assert!(
        restore_command("p", "ns", &quoted)
            .ends_with(r#"'{"spec":{"image":"avs/p:v1","version":"it'\''s"}}'"#),
        "{}",
        restore_command("p", "ns", &quoted)
    );
}
