//! bench-apiserver's flags.

use clap::{ArgAction, Parser};
use hourglass_bench::admission_variant::AdmissionVariant;

/// Creates performers through a real kube-apiserver three ways and compares
/// the latency.
#[derive(Debug, Parser)]
#[command(name = "bench-apiserver")]
pub struct Args {
    /// Performers created and measured per variant.
    #[arg(long, default_value_t = 2000)]
    pub count: usize,

    /// Creates in flight.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,

    /// Creates before measuring, not counted.
    #[arg(long, default_value_t = 48)]
    pub warmup: usize,

    /// Comma-separated: none (the CRD schema only), webhook (ours), cel
    /// (our rules as CEL in the CRD).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "none,webhook,one-call,cel",
        value_parser = AdmissionVariant::parse
    )]
    pub variants: Vec<AdmissionVariant>,

    /// Interleaved rounds the measured creates are split into.
    #[arg(long, default_value_t = 8)]
    pub rounds: usize,

    /// Every variant creates the performer as our mutation leaves it, so
    /// every variant stores the same object and only the admission step
    /// differs (by default each creates the example as written, and ours
    /// stores it with defaults and scheduling added).
    #[arg(
        long,
        value_name = "BOOL",
        action = ArgAction::Set,
        num_args = 0..=1,
        default_value_t = false,
        default_missing_value = "true"
    )]
    pub stored_alike: bool,

    /// Print the CEL variant of the Performer CRD as JSON and exit.
    #[arg(
        long,
        value_name = "BOOL",
        action = ArgAction::Set,
        num_args = 0..=1,
        default_value_t = false,
        default_missing_value = "true"
    )]
    pub print_cel_crd: bool,
}

impl Args {
    /// The flags that must be at least 1, checked.
    pub fn checked(self) -> Result<Args, String> {
        if self.count == 0 || self.concurrency == 0 {
            return Err("--count and --concurrency must be at least 1".to_string());
        }
        Ok(self)
    }

    /// `--rounds`, at least 1 and at most one per create.
    pub fn rounds(&self) -> usize {
        self.rounds.clamp(1, self.count)
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("bench-apiserver").chain(args.iter().copied()))
    }

    #[test]
    fn the_flags_are_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn both_spellings_and_defaults() {
        let args = parse(&["--count", "5", "--variants=none,cel"]).unwrap();
        assert_eq!(args.count, 5);
        assert_eq!(
            args.variants,
            [AdmissionVariant::SchemaOnly, AdmissionVariant::Cel]
        );
        let defaults = parse(&[]).unwrap();
        assert_eq!(defaults.count, 2000);
        assert_eq!(defaults.concurrency, 16);
        assert_eq!(defaults.warmup, 48);
        assert_eq!(defaults.rounds(), 8);
        assert_eq!(defaults.variants, AdmissionVariant::ALL);
        assert!(!defaults.print_cel_crd);
        // The old `--print-cel-crd true` still works, as does the bare flag.
        assert!(parse(&["--print-cel-crd", "true"]).unwrap().print_cel_crd);
        assert!(parse(&["--print-cel-crd"]).unwrap().print_cel_crd);
        assert!(!parse(&["--print-cel-crd=false"]).unwrap().print_cel_crd);
    }

    #[test]
    fn mistakes_name_the_flag() {
        let error = |args: &[&str]| parse(args).unwrap_err().to_string();
        assert!(error(&["--cuont", "5"]).contains("--cuont"));
        assert!(error(&["--count"]).contains("--count"));
        assert!(error(&["--count", "many"]).contains("--count"));
        assert!(error(&["stray"]).contains("stray"));
        assert!(error(&["--variants", "none,fast"]).contains("unknown variant \"fast\""));
        let zero = parse(&["--count", "0"]).unwrap().checked();
        assert!(zero.is_err_and(|e| e.contains("--count")));
    }
}
