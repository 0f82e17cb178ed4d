//! Wall time and peak memory of one child process, from the kernel's own
//! accounting (`wait4`'s rusage), so nothing is sampled and nothing missed.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How one run of a command went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChildUsage {
    /// From just before spawning to the child being reaped.
    pub wall: Duration,
    /// Peak resident set size in KiB (`ru_maxrss`). Across an `exec`, Linux
    /// keeps the larger of the old and new image's peaks.
    pub max_rss_kib: u64,
    /// CPU time the child spent, user plus system.
    pub cpu: Duration,
    /// Exit code; `None` if a signal ended it.
    pub code: Option<i32>,
}

/// Runs `command` to completion with every standard stream on /dev/null
/// (callers check output in a separate run) and reports its usage.
pub fn measure(command: &mut Command) -> Result<ChildUsage, String> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let began = Instant::now();
    let child = command
        .spawn()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    let pid = libc::pid_t::try_from(child.id())
        .map_err(|_| format!("process id {} does not fit pid_t", child.id()))?;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own unreaped child (std's `Child` is dropped
        // without waiting, so nothing else reaps it) and both out-pointers
        // point at live locals.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4 on {command:?} failed: {error}"));
        }
    }
    let wall = began.elapsed();
    drop(child);
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    Ok(ChildUsage {
        wall,
        max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
        code,
    })
}

fn timeval(value: libc::timeval) -> Duration {
    Duration::from_secs(u64::try_from(value.tv_sec).unwrap_or(0))
        + Duration::from_micros(u64::try_from(value.tv_usec).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_exit_codes_and_a_plausible_peak() {
        let ok = measure(&mut Command::new("true")).unwrap();
        assert_eq!(ok.code, Some(0));
        assert!(ok.max_rss_kib > 0);
        let failed = measure(Command::new("sh").args(["-c", "exit 3"])).unwrap();
        assert_eq!(failed.code, Some(3));
    }

    #[test]
    fn sees_memory_the_child_touched() {
        // dd fills a 64 MiB buffer; through `exec`, as kubectl runs a plugin.
        let usage = measure(Command::new("sh").args([
            "-c",
            "exec dd if=/dev/zero bs=64M count=1 of=/dev/null status=none",
        ]))
        .unwrap();
        assert_eq!(usage.code, Some(0));
        assert!(usage.max_rss_kib >= 60 * 1024, "{usage:?}");
    }
}
