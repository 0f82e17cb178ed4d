//! `doctor`'s report: `ok    name: detail`, `fail  name: detail` then
//! `      fix: ...`, and a last line counting failures.

use std::io::{self, Write};

use crate::commands::doctor::Check;

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const RESET: &str = "\x1b[0m";

pub fn write(w: &mut impl Write, checks: &[Check], color: bool) -> io::Result<()> {
    for check in checks {
        let (word, paint) = if check.ok {
            ("ok", GREEN)
        } else {
            ("fail", RED)
        };
        let label = if color {
            format!("{paint}{word:<4}{RESET}")
        } else {
            format!("{word:<4}")
        };
        writeln!(w, "{label}  {}: {}", check.name, check.detail)?;
        if let Some(fix) = &check.fix {
            writeln!(w, "      fix: {fix}")?;
        }
    }
    let failed = checks.iter().filter(|c| !c.ok).count();
    if failed > 0 {
        writeln!(w, "{failed} of {} checks failed", checks.len())
    } else {
        writeln!(w, "all {} checks passed", checks.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_render_with_fixes() {
        let checks = vec![
            Check::ok(
                "CRD performers.hourglass.eigenlayer.io",
                "established, v1alpha1 served",
            ),
            Check::fail(
                "service hourglass-system/hourglass-webhook endpoints",
                "no ready endpoints",
                "check the pods",
            ),
        ];
        let mut out = Vec::new();
        write(&mut out, &checks, false).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ok    CRD performers.hourglass.eigenlayer.io: established, v1alpha1 served\n\
             fail  service hourglass-system/hourglass-webhook endpoints: no ready endpoints\n      fix: check the pods\n\
             1 of 2 checks failed\n"
        );
    }
}
