//! bench-webhook's flags.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

use crate::h2load::Load;

/// Drives the release webhook with h2load over HTTP/2 + TLS and reports
/// throughput, latency, CPU and memory.
#[derive(Debug, Parser)]
#[command(name = "bench-webhook")]
pub struct Args {
    /// Seconds measured per endpoint and load.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub duration: u64,

    /// Seconds of unmeasured load before each run.
    #[arg(long, value_name = "SECONDS", default_value_t = 2)]
    pub warm_up: u64,

    /// Passes over the servers for each endpoint and load. The ratios are
    /// taken within each pass (the servers measured one after the other),
    /// and their median is reported with the range: on a shared machine
    /// one pass's ratio moves with the neighbours.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub rounds: usize,

    /// Comma-separated concurrent streams.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "1,16,64",
        value_parser = parse_load
    )]
    pub streams: Vec<Load>,

    /// Comma-separated endpoints.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "validate,mutate"
    )]
    pub endpoints: Vec<Endpoint>,

    /// The webhook's --log-level (info, as deployed).
    #[arg(long, value_name = "LEVEL", default_value = "info")]
    pub log_level: String,

    /// Our webhook binary as already built (default: build the release
    /// binary with cargo, which alone resolves features differently from
    /// this package and so may rebuild dependencies).
    #[arg(long, value_name = "PATH")]
    pub webhook_binary: Option<PathBuf>,

    /// Another hourglass-webhook binary (main's release build, say) measured
    /// beside ours in the same run; the report gives ours/before.
    #[arg(long, value_name = "PATH")]
    pub compare_binary: Option<PathBuf>,

    /// Leave out the floor server and the controller-runtime peer.
    #[arg(long)]
    pub no_yardsticks: bool,

    /// Leave out the memory figures (steady RSS, peak under 7 MiB reviews).
    #[arg(long)]
    pub no_memory: bool,
}

/// An admission endpoint of the webhook.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Endpoint {
    Validate,
    Mutate,
}

impl Endpoint {
    /// The path without its slash, as the report names it.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Validate => "validate",
            Endpoint::Mutate => "mutate",
        }
    }
}

/// What the flags ask for.
pub struct Plan {
    pub duration: Duration,
    pub warm_up: Duration,
    pub rounds: usize,
    pub loads: Vec<Load>,
    pub endpoints: Vec<&'static str>,
    pub log_level: String,
    pub compare_binary: Option<PathBuf>,
    pub webhook_binary: Option<PathBuf>,
    /// The floor server and the peer are measured too.
    pub yardsticks: bool,
    /// Memory is measured after the load.
    pub memory: bool,
}

impl Args {
    pub fn plan(self) -> Result<Plan, String> {
        if self.duration == 0 {
            return Err("--duration must be at least 1 second".to_string());
        }
        if self.rounds == 0 {
            return Err("--rounds must be at least 1".to_string());
        }
        Ok(Plan {
            duration: Duration::from_secs(self.duration),
            warm_up: Duration::from_secs(self.warm_up),
            rounds: self.rounds,
            loads: self.streams,
            endpoints: self.endpoints.into_iter().map(Endpoint::name).collect(),
            log_level: self.log_level,
            compare_binary: self.compare_binary,
            webhook_binary: self.webhook_binary,
            yardsticks: !self.no_yardsticks,
            memory: !self.no_memory,
        })
    }
}

fn parse_load(streams: &str) -> Result<Load, String> {
    let streams: u32 = streams
        .trim()
        .parse()
        .map_err(|_| format!("{streams:?} is not a number"))?;
    Load::for_streams(streams)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("bench-webhook").chain(args.iter().copied()))
    }

    #[test]
    fn the_flags_are_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn defaults_and_lists() {
        let plan = parse(&[]).unwrap().plan().unwrap();
        assert_eq!(plan.duration, Duration::from_secs(10));
        assert_eq!(plan.warm_up, Duration::from_secs(2));
        let streams: Vec<u32> = plan.loads.iter().map(|load| load.streams()).collect();
        assert_eq!(streams, [1, 16, 64]);
        assert_eq!(plan.endpoints, ["validate", "mutate"]);
        assert_eq!(plan.log_level, "info");
        assert!(plan.yardsticks);
        assert_eq!(plan.compare_binary, None);

        let plan = parse(&["--streams=4", "--endpoints", "mutate", "--warm-up", "0"])
            .unwrap()
            .plan()
            .unwrap();
        assert_eq!(plan.loads, [Load::for_streams(4).unwrap()]);
        assert_eq!(plan.endpoints, ["mutate"]);
        assert_eq!(plan.warm_up, Duration::ZERO);

        let plan = parse(&["--no-yardsticks", "--compare-binary", "/tmp/main-webhook"])
            .unwrap()
            .plan()
            .unwrap();
        assert!(!plan.yardsticks);
        assert_eq!(
            plan.compare_binary,
            Some(PathBuf::from("/tmp/main-webhook"))
        );
    }

    #[test]
    fn mistakes_name_the_flag() {
        let error = parse(&["--streams", "1,five"]).unwrap_err().to_string();
        assert!(
            error.contains("--streams") && error.contains("five"),
            "{error}"
        );
        let error = parse(&["--streams", "5"]).unwrap_err().to_string();
        assert!(error.contains("do not spread evenly"), "{error}");
        let error = parse(&["--endpoints", "admit"]).unwrap_err().to_string();
        assert!(error.contains("--endpoints"), "{error}");
        let zero = parse(&["--duration", "0"]).unwrap().plan();
        assert!(zero.is_err_and(|e| e.contains("--duration")));
        let no_rounds = parse(&["--rounds", "0"]).unwrap().plan();
        assert!(no_rounds.is_err_and(|e| e.contains("--rounds")));
    }
}
