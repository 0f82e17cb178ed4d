//! Peak memory of a child measured from a small process.
//!
//! A child of a big process starts out with that process's peak in its
//! `ru_maxrss`: std spawns with `posix_spawn` (a vfork sharing our memory),
//! and `exec` carries the old image's high-water mark into the new one. A
//! benchmark holding a fleet of objects in memory would report its own size
//! for every small command it runs. So it runs itself again as a tiny
//! spawner ([`SPAWNER_ARG`]), whose fresh image is small; the spawner runs
//! the command, and reports the command's usage on stdout.

use std::ffi::OsString;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::child_usage::{ChildUsage, measure};

/// The first argument that makes a benchmark binary act as the spawner.
pub const SPAWNER_ARG: &str = "--hourglass-measure-child";

/// Call first thing in `main`: when this process is a spawner, runs the
/// command given after [`SPAWNER_ARG`], prints its usage and exits.
pub fn serve_if_spawner() {
    let args: Vec<OsString> = std::env::args_os().collect();
    if args.get(1).is_none_or(|arg| arg != SPAWNER_ARG) {
        return;
    }
    let Some(program) = args.get(2) else {
        eprintln!("{SPAWNER_ARG} needs a command");
        std::process::exit(2);
    };
    match measure(Command::new(program).args(&args[3..])) {
        Ok(usage) => {
            println!("{}", report(&usage));
            std::process::exit(0);
        }
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(1);
        }
    }
}

/// Runs `command` (program, arguments, environment changes and directory)
/// through a spawner made of the current executable, which must call
/// [`serve_if_spawner`] first thing.
pub fn measure_isolated(command: &Command) -> Result<ChildUsage, String> {
    let this = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let mut spawner = Command::new(this);
    spawner
        .arg(SPAWNER_ARG)
        .arg(command.get_program())
        .args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => spawner.env(key, value),
            None => spawner.env_remove(key),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        spawner.current_dir(dir);
    }
    let output = spawner
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run the spawner for {command:?}: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    parse_report(text.trim()).ok_or_else(|| {
        format!(
            "the spawner for {command:?} reported {text:?}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )
    })
}

/// `wall-nanos max-rss-kib cpu-nanos code` (`-` for no code).
fn report(usage: &ChildUsage) -> String {
    format!(
        "{} {} {} {}",
        usage.wall.as_nanos(),
        usage.max_rss_kib,
        usage.cpu.as_nanos(),
        usage.code.map_or("-".to_string(), |c| c.to_string())
    )
}

fn parse_report(text: &str) -> Option<ChildUsage> {
    let mut fields = text.split(' ');
    let nanos = |field: &str| field.parse::<u64>().ok().map(Duration::from_nanos);
    let wall = nanos(fields.next()?)?;
    let max_rss_kib = fields.next()?.parse().ok()?;
    let cpu = nanos(fields.next()?)?;
    let code = match fields.next()? {
        "-" => None,
        code => Some(code.parse().ok()?),
    };
    fields.next().is_none().then_some(ChildUsage {
        wall,
        max_rss_kib,
        cpu,
        code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_read_back() {
        let usage = ChildUsage {
            wall: Duration::from_micros(1500),
            max_rss_kib: 4096,
            cpu: Duration::from_micros(700),
            code: Some(2),
        };
        assert_eq!(parse_report(&report(&usage)), Some(usage));
        let killed = ChildUsage {
            code: None,
            ..usage
        };
        assert_eq!(parse_report(&report(&killed)), Some(killed));
        assert_eq!(parse_report("1 2 3"), None);
        assert_eq!(parse_report("1 2 3 4 5"), None);
    }

    #[test]
    fn a_child_of_a_big_process_inherits_its_peak() {
        // Why the spawner exists: touch 256 MiB here, then run `true`.
        let ballast = vec![1u8; 256 << 20];
        let usage = measure(&mut Command::new("true")).unwrap();
        assert!(ballast.iter().step_by(4096).all(|b| *b == 1));
        assert!(usage.max_rss_kib >= 200 * 1024, "{usage:?}");
    }
}
