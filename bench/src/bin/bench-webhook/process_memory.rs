//! Resident memory of a running process from `/proc/<pid>/status`, with the
//! peak reset between measurements so each one reports its own.

/// `VmHWM`, the peak resident set size in KiB since start or the last reset.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status_field_kib(&status, "VmHWM")
}

/// `VmRSS`, the resident set size now, in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status_field_kib(&status, "VmRSS")
}

/// Sets the peak back to the current resident size (writing 5 to
/// `clear_refs`, Linux 4.0 and later). `false` if the kernel refused, in
/// which case the peak stays the peak since start.
pub fn reset_peak_rss(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// A `Name:   1234 kB` line of a status file, in KiB.
fn status_field_kib(status: &str, name: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let value = line.strip_prefix(name)?.strip_prefix(':')?;
        value.trim().strip_suffix("kB")?.trim().parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_kib_field() {
        let status = "Name:\tx\nVmPeak:\t  20000 kB\nVmHWM:\t   12112 kB\nVmRSS:\t 9000 kB\n";
        assert_eq!(status_field_kib(status, "VmHWM"), Some(12112));
        assert_eq!(status_field_kib(status, "VmRSS"), Some(9000));
        assert_eq!(status_field_kib(status, "VmSwap"), None);
    }

    #[test]
    fn an_idle_process_has_a_peak_that_a_reset_does_not_raise() {
        // An idle child, not this process: other tests' threads allocate
        // here and could raise the peak between the two reads.
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id();
        // Until it has exec'd and gone to sleep, the child is still mapping
        // pages and its peak rises on its own.
        let asleep = || {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            stat.contains("(sleep) S")
        };
        let began = std::time::Instant::now();
        while !asleep() {
            assert!(
                began.elapsed() < std::time::Duration::from_secs(10),
                "sleep never slept"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let before = peak_rss_kib(pid).unwrap();
        assert!(before > 0);
        let reset = reset_peak_rss(pid);
        let after = peak_rss_kib(pid).unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        if reset {
            assert!(after <= before, "{after} KiB after reset, {before} before");
        }
    }
}
