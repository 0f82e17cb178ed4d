//! The pure parts of `performer upgrade`: which refusals are worth
//! retrying, and the restore command printed when a rollback cannot land
//! (when a performer counts as running the new image is
//! `shared::status::judge_upgrade`, tested there). Everything the apiserver takes
//! part in (conflicts, dry-run, other writers, waiting, rollback, a webhook
//! outage) is proven against a real one in `tests/tests/plugin_upgrade.rs`
//! and `tests/tests/upgrade_webhook_outage.rs`.

use kube::core::Status;
use serde_json::json;

use kubectl_hourglass::upgrade::{Target, is_transient_refusal, restore_command};

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
fn refusals_that_may_pass_later() {
    use kubectl_hourglass::error::CliError;
    assert!(is_transient_refusal(&CliError::from(webhook_down())));
    assert!(is_transient_refusal(&CliError::from(api_error(
        429,
        "TooManyRequests",
        "slow down"
    ))));
    assert!(is_transient_refusal(&CliError::Connect(
        "connection refused".into()
    )));
    assert!(!is_transient_refusal(&CliError::from(api_error(
        403,
        "Forbidden",
        "denied"
    ))));
    assert!(!is_transient_refusal(&CliError::msg("would be invalid")));
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
