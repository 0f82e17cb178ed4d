//! bench-plugin's flags.

use clap::{ArgAction, Parser, ValueEnum};
use hourglass_e2e::EtcdSource;

/// Compares `kubectl hourglass status -A` with `kubectl get` on a filled
/// control plane.
#[derive(Debug, Parser)]
#[command(name = "bench-plugin")]
pub struct Args {
    /// Performers in the control plane.
    #[arg(long, default_value_t = 2000)]
    pub performers: usize,

    /// Executors in the control plane.
    #[arg(long, default_value_t = 100)]
    pub executors: usize,

    /// Namespaces they are spread over.
    #[arg(long, default_value_t = 4)]
    pub namespaces: usize,

    /// Measured runs of each listing command.
    #[arg(long, default_value_t = 10)]
    pub runs: usize,

    /// Runs of `version` for its cold start.
    #[arg(long, default_value_t = 200)]
    pub version_runs: usize,

    /// system: Debian's etcd 3.4, as the suites run; built: etcd 3.5 from
    /// the Go module proxy, which lets the apiserver serve consistent lists
    /// from its cache as production clusters do.
    #[arg(long, value_enum, default_value_t = Etcd::System)]
    pub etcd: Etcd,

    /// Keep the filled control plane up after the report, until stdin
    /// closes (to profile by hand).
    #[arg(
        long,
        value_name = "BOOL",
        action = ArgAction::Set,
        num_args = 0..=1,
        default_value_t = false,
        default_missing_value = "true"
    )]
    pub hold: bool,
}

/// `--etcd`: which etcd the control plane runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Etcd {
    System,
    Built,
}

impl From<Etcd> for EtcdSource {
    fn from(etcd: Etcd) -> EtcdSource {
        match etcd {
            Etcd::System => EtcdSource::System,
            Etcd::Built => EtcdSource::Built,
        }
    }
}

impl Args {
    /// The flags that must be at least 1, checked.
    pub fn checked(self) -> Result<Args, String> {
        if self.namespaces == 0 || self.runs == 0 || self.version_runs == 0 {
            return Err("--namespaces, --runs and --version-runs must be at least 1".to_string());
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("bench-plugin").chain(args.iter().copied()))
    }

    #[test]
    fn the_flags_are_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn defaults_and_choices() {
        let args = parse(&[]).unwrap();
        assert_eq!(
            (
                args.performers,
                args.executors,
                args.namespaces,
                args.runs,
                args.version_runs
            ),
            (2000, 100, 4, 10, 200)
        );
        assert_eq!(EtcdSource::from(args.etcd), EtcdSource::System);
        assert!(!args.hold);
        let args = parse(&["--etcd", "built", "--hold", "true", "--runs=3"]).unwrap();
        assert_eq!(EtcdSource::from(args.etcd), EtcdSource::Built);
        assert!(args.hold);
        assert_eq!(args.runs, 3);
    }

    #[test]
    fn mistakes_name_the_flag() {
        let error = parse(&["--etcd", "3.5"]).unwrap_err().to_string();
        assert!(error.contains("--etcd") && error.contains("3.5"), "{error}");
        let zero = parse(&["--runs", "0"]).unwrap().checked();
        assert!(zero.is_err_and(|e| e.contains("--runs")));
    }
}
