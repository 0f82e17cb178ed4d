//! bench-upgrade's flags.

use clap::Parser;

/// Times `kubectl hourglass performer upgrade -l` of many performers against
/// one-at-a-time upgrades, and counts the plugin's API requests.
#[derive(Debug, Parser)]
#[command(name = "bench-upgrade")]
pub struct Args {
    /// Performers the bulk upgrade changes.
    #[arg(long, default_value_t = 200)]
    pub performers: usize,

    /// The bulk upgrade's --max-parallel.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..))]
    pub max_parallel: u16,

    /// Other performers upgraded one at a time, for the single upgrade's
    /// median.
    #[arg(long, default_value_t = 5)]
    pub singles: usize,
}

impl Args {
    /// The counts that must be at least 1, checked.
    pub fn checked(self) -> Result<Args, String> {
        if self.performers == 0 || self.singles == 0 {
            return Err("--performers and --singles must be at least 1".to_string());
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("bench-upgrade").chain(args.iter().copied()))
    }

    #[test]
    fn the_flags_are_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn defaults_and_changes() {
        let args = parse(&[]).unwrap();
        assert_eq!(
            (args.performers, args.max_parallel, args.singles),
            (200, 20, 5)
        );
        let args = parse(&["--performers", "40", "--max-parallel=4", "--singles", "3"]).unwrap();
        assert_eq!(
            (args.performers, args.max_parallel, args.singles),
            (40, 4, 3)
        );
    }

    #[test]
    fn mistakes_name_the_flag() {
        let error = parse(&["--max-parallel", "0"]).unwrap_err().to_string();
        assert!(error.contains("--max-parallel"), "{error}");
        let zero = parse(&["--singles", "0"]).unwrap().checked();
        assert!(zero.is_err_and(|e| e.contains("--singles")));
    }
}
