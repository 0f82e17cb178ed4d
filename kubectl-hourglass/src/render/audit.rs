//! `audit` as text: one row per object (what is wrong, counted), then one
//! line per problem of each object that is not clean.

use std::io::{self, Write};

use comfy_table::Color;

use super::table::{Column, Styled, TableStyle, labels_text, write_rows};
use crate::view::audit::Finding;

fn count(n: usize) -> Styled {
    Styled {
        text: n.to_string(),
        color: (n > 0).then_some(Color::Yellow),
    }
}

const FINDINGS: &[Column<Finding>] = &[
    Column::namespace(|f| f.namespace.as_str().into()),
    Column::new("kind", |f| f.kind.as_str().into()),
    Column::new("name", |f| f.name.as_str().into()),
    Column::new("violations", |f| count(f.violations.len())),
    Column::new("changes", |f| count(f.patch.len())),
    Column::new("pod lacks", |f| count(f.pod_lacks.len())),
    Column::new("result", |f| {
        if f.is_clean() {
            Styled {
                text: "clean".into(),
                color: Some(Color::Green),
            }
        } else {
            Styled {
                text: "needs attention".into(),
                color: Some(Color::Red),
            }
        }
    }),
    Column::wide("pod", |f| f.pod.as_str().into()),
];

pub fn findings(
    w: &mut impl Write,
    findings: &[Finding],
    style: &TableStyle,
    show_labels: bool,
) -> io::Result<()> {
    let labels: Vec<String> = findings.iter().map(|f| labels_text(&f.labels)).collect();
    write_rows(
        w,
        FINDINGS,
        findings,
        show_labels.then_some(labels.as_slice()),
        style,
    )?;
    let details: Vec<&Finding> = findings.iter().filter(|f| !f.lines().is_empty()).collect();
    if details.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    for finding in details {
        let who = if style.all_namespaces {
            format!(
                "{}/{}/{}",
                finding.kind.to_lowercase(),
                finding.namespace,
                finding.name
            )
        } else {
            format!("{}/{}", finding.kind.to_lowercase(), finding.name)
        };
        for line in finding.lines() {
            writeln!(w, "{who}: {line}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn finding(name: &str, violations: &[&str], patch: Vec<serde_json::Value>) -> Finding {
        Finding {
            kind: "Performer".into(),
            namespace: "avs".into(),
            name: name.into(),
            violations: violations.iter().map(|v| v.to_string()).collect(),
            warnings: Vec::new(),
            patch,
            pod: String::new(),
            pod_lacks: Vec::new(),
            labels: Default::default(),
        }
    }

    #[test]
    fn a_row_per_object_then_a_line_per_problem() {
        let findings = [
            finding("ok", &[], Vec::new()),
            finding(
                "bad",
                &["metadata.name: no dots"],
                vec![json!({"op": "add", "path": "/spec/logLevel", "value": "info"})],
            ),
        ];
        let mut out = Vec::new();
        findings_table(&mut out, &findings);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\
KIND        NAME   VIOLATIONS   CHANGES   POD LACKS   RESULT
Performer   ok     0            0         0           clean
Performer   bad    1            1         0           needs attention

performer/bad: metadata.name: no dots
performer/bad: webhook would add /spec/logLevel \"info\"
"
        );
    }

    fn findings_table(out: &mut Vec<u8>, rows: &[Finding]) {
        findings(out, rows, &TableStyle::default(), false).unwrap();
    }
}
