//! `h2load` (Debian's nghttp2-client), the HTTP/2 load generator: found or
//! installed, run for a fixed number of requests, and its summary and
//! per-request log read back.
//!
//! A count rather than h2load's `--duration`: at the end of a timed run
//! h2load drops the requests still in flight, which the webhook then sees
//! as bodies cut short and answers with 400s nobody reads; with a count
//! every request gets its answer and any failure is a real one.
//!
//! h2load prints min/max/mean latency but no percentiles, so every run also
//! writes `--log-file` (one line per request: start time, status, duration
//! in microseconds) and the percentiles come from there.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

const PACKAGE: &str = "nghttp2-client";

/// How a number of concurrent streams is spread over connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Load {
    /// h2load's `-c`: TLS connections, each its own HTTP/2 session.
    pub connections: u32,
    /// h2load's `-m`: streams in flight on each connection.
    pub streams_per_connection: u32,
}

/// Most connections one load uses. The apiserver multiplexes its calls to a
/// webhook over a few HTTP/2 connections rather than one per request, so
/// the rest of the concurrency is streams on those.
const MAX_CONNECTIONS: u32 = 4;

impl Load {
    /// `streams` in flight as `-c min(streams, 4)` by `-m streams / c`
    /// (1 = 1x1, 16 = 4x4, 64 = 4x16).
    pub fn for_streams(streams: u32) -> Result<Load, String> {
        if streams == 0 {
            return Err("a load needs at least 1 stream".to_string());
        }
        let connections = streams.min(MAX_CONNECTIONS);
        if !streams.is_multiple_of(connections) {
            return Err(format!(
                "{streams} streams do not spread evenly over {connections} connections; use 1, 2, 3 or a multiple of {MAX_CONNECTIONS}"
            ));
        }
        Ok(Load {
            connections,
            streams_per_connection: streams / connections,
        })
    }

    pub fn streams(self) -> u32 {
        self.connections * self.streams_per_connection
    }
}

/// What h2load reported for one run.
#[derive(Clone, Debug, PartialEq)]
pub struct H2loadRun {
    /// From the first connection to the last answer ("finished in").
    pub duration: Duration,
    /// Requests answered.
    pub done: u64,
    /// h2load's own failure count (stream errors, timeouts, and by its
    /// accounting usually the 4xx and 5xx answers too).
    pub failed: u64,
    pub status_2xx: u64,
    /// Duration of every request in the log file.
    pub latencies: Vec<Duration>,
}

impl H2loadRun {
    /// Requests that did not end in a 2xx answer, each counted once whether
    /// or not this h2load version counts non-2xx answers as failed.
    pub fn failures(&self) -> u64 {
        self.failed.max(self.done.saturating_sub(self.status_2xx))
    }
}

/// The h2load on PATH; installs nghttp2-client with apt-get when missing
/// and running as root.
pub fn ensure_installed() -> Result<(), String> {
    if version().is_some() {
        return Ok(());
    }
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let why = if root {
        match apt_get_install() {
            Ok(()) if version().is_some() => return Ok(()),
            Ok(()) => "apt-get installed it but h2load is still not on PATH".to_string(),
            Err(error) => error,
        }
    } else {
        "not running as root, so it was not installed".to_string()
    };
    Err(format!(
        "h2load is not on PATH ({why}); install it with `apt-get install -y {PACKAGE}`"
    ))
}

fn version() -> Option<String> {
    let output = Command::new("h2load").arg("--version").output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// The h2load version line, for the report.
pub fn version_line() -> String {
    version().unwrap_or_else(|| "h2load (version unknown)".to_string())
}

fn apt_get_install() -> Result<(), String> {
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", PACKAGE])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .output()
    };
    let first = install().map_err(|e| format!("cannot run apt-get: {e}"))?;
    if first.status.success() {
        return Ok(());
    }
    // A fresh machine has no package lists yet.
    let _ = Command::new("apt-get").arg("update").output();
    let second = install().map_err(|e| format!("cannot run apt-get: {e}"))?;
    if second.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&second.stderr);
        Err(format!(
            "apt-get install {PACKAGE} failed: {}",
            stderr.lines().last().unwrap_or("no output")
        ))
    }
}

/// POSTs `body_file` as JSON to `url` `requests` times with `load`, one
/// h2load thread, writing the per-request log to `log_file`.
pub fn run(
    url: &str,
    body_file: &Path,
    load: Load,
    requests: u64,
    log_file: &Path,
) -> Result<H2loadRun, String> {
    // h2load appends to an existing log.
    let _ = std::fs::remove_file(log_file);
    // Every connection needs at least one request of its own.
    let requests = requests.max(u64::from(load.connections));
    let mut command = Command::new("h2load");
    command
        .args(["--requests", &requests.to_string()])
        .args(["--clients", &load.connections.to_string()])
        .args([
            "--max-concurrent-streams",
            &load.streams_per_connection.to_string(),
        ])
        .args(["--threads", "1"])
        .arg(format!("--data={}", body_file.display()))
        .args(["--header", "content-type: application/json"])
        .arg(format!("--log-file={}", log_file.display()))
        .arg(url);
    let output = command
        .output()
        .map_err(|e| format!("cannot run h2load: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "h2load against {url} failed ({}): {}",
            output.status,
            stderr.lines().chain(stdout.lines()).last().unwrap_or("")
        ));
    }
    let mut run = parse_summary(&stdout)?;
    let log = std::fs::read_to_string(log_file)
        .map_err(|e| format!("cannot read h2load's log {}: {e}", log_file.display()))?;
    run.latencies = parse_log(&log)?;
    Ok(run)
}

/// The "finished in", "requests:" and "status codes:" lines of h2load's output.
fn parse_summary(stdout: &str) -> Result<H2loadRun, String> {
    let missing = |what: &str| format!("h2load printed no {what:?} line: {stdout}");
    let finished = stdout
        .lines()
        .find_map(|line| line.strip_prefix("finished in "))
        .ok_or_else(|| missing("finished in"))?;
    let duration = parse_h2load_duration(finished.split(',').next().unwrap_or_default())?;
    let requests = stdout
        .lines()
        .find_map(|line| line.strip_prefix("requests: "))
        .ok_or_else(|| missing("requests:"))?;
    let codes = stdout
        .lines()
        .find_map(|line| line.strip_prefix("status codes: "))
        .ok_or_else(|| missing("status codes:"))?;
    Ok(H2loadRun {
        duration,
        done: counted(requests, "done")?,
        failed: counted(requests, "failed")?,
        status_2xx: counted(codes, "2xx")?,
        latencies: Vec::new(),
    })
}

/// `N label` out of a comma-separated list such as "10 total, 9 done".
fn counted(list: &str, label: &str) -> Result<u64, String> {
    list.split(',')
        .find_map(|item| {
            let (number, name) = item.trim().split_once(' ')?;
            (name == label).then(|| number.parse().ok())?
        })
        .ok_or_else(|| format!("no {label:?} count in h2load's {list:?}"))
}

/// "3.00s", "943.98ms" or "250us".
fn parse_h2load_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(number) = text.strip_suffix("ms") {
        (number, 1e-3)
    } else if let Some(number) = text.strip_suffix("us") {
        (number, 1e-6)
    } else if let Some(number) = text.strip_suffix('s') {
        (number, 1.0)
    } else {
        return Err(format!(
            "h2load printed a duration without a unit: {text:?}"
        ));
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("h2load printed an unreadable duration: {text:?}"))?;
    Ok(Duration::from_secs_f64(value * scale))
}

/// The third column (microseconds) of every line of h2load's log.
fn parse_log(log: &str) -> Result<Vec<Duration>, String> {
    log.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            line.split('\t')
                .nth(2)
                .and_then(|micros| micros.trim().parse().ok())
                .map(Duration::from_micros)
                .ok_or_else(|| format!("unreadable line in h2load's log: {line:?}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "\
starting benchmark...
finished in 3.00s, 17646.33 req/s, 2.12MB/s
requests: 52939 total, 52940 started, 52939 done, 52930 succeeded, 9 failed, 2 errored, 0 timeout
status codes: 52929 2xx, 0 3xx, 1 4xx, 0 5xx
";

    #[test]
    fn streams_spread_over_at_most_four_connections() {
        let spread = |streams| {
            let load = Load::for_streams(streams).unwrap();
            (load.connections, load.streams_per_connection)
        };
        assert_eq!(spread(1), (1, 1));
        assert_eq!(spread(16), (4, 4));
        assert_eq!(spread(64), (4, 16));
        assert_eq!(spread(3), (3, 1));
        assert!(Load::for_streams(0).is_err());
        assert!(Load::for_streams(10).unwrap_err().contains("10 streams"));
    }

    #[test]
    fn reads_the_summary() {
        let run = parse_summary(OUTPUT).unwrap();
        assert_eq!(run.duration, Duration::from_secs(3));
        assert_eq!(run.done, 52939);
        assert_eq!(run.failed, 9);
        assert_eq!(run.status_2xx, 52929);
        assert_eq!(run.failures(), 10);
        assert!(
            parse_summary("garbage")
                .unwrap_err()
                .contains("finished in")
        );
    }

    #[test]
    fn reads_durations_in_every_unit() {
        assert_eq!(
            parse_h2load_duration("943.98ms").unwrap(),
            Duration::from_secs_f64(0.94398)
        );
        assert_eq!(
            parse_h2load_duration("250us").unwrap(),
            Duration::from_micros(250)
        );
        assert_eq!(
            parse_h2load_duration("10.00s").unwrap(),
            Duration::from_secs(10)
        );
        assert!(parse_h2load_duration("10").is_err());
    }

    #[test]
    fn reads_the_log() {
        let log = "1795428776682381\t200\t40818\n1795428776682379\t200\t95\n";
        assert_eq!(
            parse_log(log).unwrap(),
            vec![Duration::from_micros(40818), Duration::from_micros(95)]
        );
        assert!(parse_log("x\ty\n").is_err());
    }
}
