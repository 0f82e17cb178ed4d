//! Ctrl-C for a plugin run the test started: the tests of an interrupted
//! upgrade wait until the plugin has said what the user would have seen
//! before pressing it, so the interrupt lands where the test means it to.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;

/// Reads `child`'s stderr (piped) line by line until `ready` holds for what
/// it has printed so far, sends the child SIGINT, reads the rest, and
/// returns the whole of its stderr. Panics when the child ends, or prints
/// nothing for `patience`, before `ready` holds.
pub async fn interrupt_when_ready(
    child: &mut Child,
    ready: impl Fn(&str) -> bool,
    patience: Duration,
) -> String {
    let stderr = child
        .stderr
        .take()
        .expect("the child's stderr is piped and not taken yet");
    let mut lines = BufReader::new(stderr).lines();
    let mut printed = String::new();
    while !ready(&printed) {
        let line = tokio::time::timeout(patience, lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("nothing printed for {patience:?}:\n{printed}"))
            .expect("the child's stderr reads")
            .unwrap_or_else(|| panic!("the child ended before it was ready:\n{printed}"));
        printed.push_str(&line);
        printed.push('\n');
    }
    let pid =
        libc::pid_t::try_from(child.id().expect("the child still runs")).expect("a pid fits pid_t");
    // SAFETY: kill(2) on our own child, which has not been reaped yet.
    assert_eq!(
        unsafe { libc::kill(pid, libc::SIGINT) },
        0,
        "kill -INT {pid}"
    );
    while let Some(line) = lines.next_line().await.expect("the child's stderr reads") {
        printed.push_str(&line);
        printed.push('\n');
    }
    printed
}
