//! CPU time a running process has used so far, from `/proc/<pid>/stat`, to
//! say which process a benchmark's time went to.

use std::time::Duration;

/// User plus system CPU time of `pid`; `None` if it cannot be read (the
/// process is gone, or this is not Linux).
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&stat, clock_ticks_per_second()?)
}

/// utime and stime (fields 14 and 15) of a stat line. The command name in
/// field 2 is parenthesised and may hold spaces, so count after its `)`.
fn parse_stat(stat: &str, ticks_per_second: u64) -> Option<Duration> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    let ticks = user + system;
    Some(
        Duration::from_secs(ticks / ticks_per_second)
            + Duration::from_nanos((ticks % ticks_per_second) * 1_000_000_000 / ticks_per_second),
    )
}

/// The process whose command line has `argument` as one of its arguments
/// (the webhook is found by its unique `--tls-listen=...`).
pub fn find_pid_with_argument(argument: &str) -> Option<u32> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            cmdline
                .split(|b| *b == 0)
                .any(|arg| arg == argument.as_bytes())
                .then_some(pid)
        })
}

fn clock_ticks_per_second() -> Option<u64> {
    // SAFETY: sysconf only reads a configuration value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).ok().filter(|t| *t > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_user_and_system_ticks_after_a_name_with_spaces() {
        let stat =
            "42 (kube apiserver) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 100 0 0";
        assert_eq!(parse_stat(stat, 100), Some(Duration::from_secs(3)));
        assert_eq!(parse_stat("garbage", 100), None);
    }

    #[test]
    fn this_process_has_used_some_cpu() {
        let mut spin = 0u64;
        for i in 0..5_000_000u64 {
            spin = spin.wrapping_add(i * i);
        }
        assert!(spin > 0);
        assert!(cpu_time(std::process::id()).is_some());
    }

    #[test]
    fn finds_a_child_by_an_argument() {
        let marker = format!("--bench-marker-{}", std::process::id());
        // `sh -c SCRIPT NAME`: NAME is only an argument; `; true` keeps sh
        // from replacing itself with sleep.
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 5; true", &marker])
            .spawn()
            .unwrap();
        // Between fork and exec the child still shows the test's own
        // command line, so look again for a moment before giving up.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
        let mut found = find_pid_with_argument(&marker);
        while found.is_none() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
            found = find_pid_with_argument(&marker);
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(found, Some(child.id()));
    }
}
