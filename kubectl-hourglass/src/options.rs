//! Options more than one verb takes: kubectl's global flags, `--dry-run`,
//! `-o` for objects. Verbs import these, never the CLI. Durations are
//! parsed by `hourglass_shared::formats::duration`, as the webhook's are.

use std::time::Duration;

use clap::ValueEnum;
use hourglass_shared::formats::duration;

/// kubectl's global flags, accepted anywhere on the line.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, which may list several files, then ~/.kube/config, then in-cluster)
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<std::path::PathBuf>,
    /// The kubeconfig context to use
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// The namespace (default: the context's namespace; for install, uninstall and doctor: hourglass-system)
    #[arg(short = 'n', long, global = true, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// List across all namespaces
    #[arg(short = 'A', long, global = true)]
    pub all_namespaces: bool,
    /// Label selector to filter on, e.g. -l app=avs,tier!=test
    #[arg(short = 'l', long, global = true, value_name = "SELECTOR")]
    pub selector: Option<String>,
    /// Time to wait for one server request, e.g. 30s, 1m; 0 means no limit
    #[arg(long, global = true, value_name = "DURATION", value_parser = duration::parse, default_value = "0")]
    pub request_timeout: Duration,
    /// Log verbosity on stderr: 0 warnings, 2 info, 4 debug, 6 and more trace
    #[arg(
        short = 'v',
        long = "v",
        global = true,
        value_name = "LEVEL",
        default_value_t = 0
    )]
    pub verbosity: u8,
    /// Colour output: auto (only on a terminal, and never when NO_COLOR is set), always or never
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour, given whether stdout is a terminal and `NO_COLOR`.
    pub fn enabled(self, is_terminal: bool, no_color: Option<&str>) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_terminal && no_color.is_none_or(str::is_empty),
        }
    }
}

/// `--dry-run`: kubectl's values; a bare `--dry-run` means `client`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum DryRun {
    #[default]
    None,
    Client,
    Server,
}

impl DryRun {
    pub fn suffix(self) -> &'static str {
        match self {
            DryRun::None => "",
            DryRun::Client => " (dry run)",
            DryRun::Server => " (server dry run)",
        }
    }
}

/// kubectl's `-o` values for objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ObjectOutput {
    Json,
    Yaml,
    Name,
}
