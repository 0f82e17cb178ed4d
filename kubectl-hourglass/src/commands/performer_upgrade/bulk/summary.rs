//! How each performer of a bulk upgrade ended, as a table.

use std::io::Write;

use crate::render::table::{Styled, write_fixed};
use crate::upgrade::UpgradeEnd;

/// One performer's ending.
#[derive(Debug)]
pub enum Ending {
    /// Already at the image: skipped.
    AlreadyThere,
    /// `upgrade_one` ran to an end.
    Ran(UpgradeEnd),
    /// Refused before anything was written (not found, invalid, forbidden).
    Refused(String),
    /// Never started: halted after a failure, or interrupted.
    NotStarted(String),
}

impl Ending {
    /// Whether the performer now runs what was asked (or was left as it
    /// was because it already did).
    pub fn is_success(&self) -> bool {
        matches!(
            self,
            Ending::AlreadyThere
                | Ending::Ran(
                    UpgradeEnd::AlreadyThere | UpgradeEnd::Upgraded | UpgradeEnd::Written
                )
        )
    }

    fn result_and_detail(&self) -> (&'static str, String) {
        match self {
            Ending::AlreadyThere | Ending::Ran(UpgradeEnd::AlreadyThere) => {
                ("skipped", "already at the image".to_string())
            }
            Ending::Ran(UpgradeEnd::Upgraded) => ("upgraded", String::new()),
            Ending::Ran(UpgradeEnd::Written) => ("written", "not waited for".to_string()),
            Ending::Ran(UpgradeEnd::Failed { message, restored }) => (
                if *restored { "rolled back" } else { "failed" },
                first_line(message),
            ),
            Ending::Refused(message) => ("refused", first_line(message)),
            Ending::NotStarted(why) => ("not started", why.clone()),
        }
    }
}

/// The detail column holds one line; the full message went to stderr.
fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().to_string()
}

pub fn write_summary(
    w: &mut impl Write,
    endings: &[(String, String, Ending)],
    color: bool,
) -> std::io::Result<()> {
    let rows = endings
        .iter()
        .map(|(namespace, name, ending)| {
            let (result, detail) = ending.result_and_detail();
            vec![
                Styled::from(namespace.as_str()),
                name.as_str().into(),
                result.into(),
                detail.into(),
            ]
        })
        .collect();
    write_fixed(w, &["namespace", "name", "result", "detail"], rows, color)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_names_each_ending() {
        let endings = vec![
            (
                "a".to_string(),
                "p1".to_string(),
                Ending::Ran(UpgradeEnd::Upgraded),
            ),
            (
                "a".to_string(),
                "p2".to_string(),
                Ending::Ran(UpgradeEnd::Failed {
                    message: "performer \"p2\" failed to run x: ImagePullBackOff\nmore".to_string(),
                    restored: true,
                }),
            ),
            ("a".to_string(), "p3".to_string(), Ending::AlreadyThere),
            (
                "a".to_string(),
                "p4".to_string(),
                Ending::NotStarted("halted after a failure".to_string()),
            ),
        ];
        let mut out = Vec::new();
        write_summary(&mut out, &endings, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("NAMESPACE"), "{text}");
        assert!(
            lines[1].contains("p1") && lines[1].contains("upgraded"),
            "{text}"
        );
        assert!(
            lines[2].contains("rolled back") && lines[2].contains("ImagePullBackOff"),
            "{text}"
        );
        assert!(!text.contains("more"), "{text}");
        assert!(lines[3].contains("skipped"), "{text}");
        assert!(lines[4].contains("not started"), "{text}");
        assert!(endings[0].2.is_success() && endings[2].2.is_success());
        assert!(!endings[1].2.is_success() && !endings[3].2.is_success());
    }
}
