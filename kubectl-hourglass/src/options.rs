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

/// `-o` of a listing (`get`, `status`, `audit`): kubectl's formats, each
/// verb allowing the ones it can print (see [`FormatParser`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Format {
    Wide,
    Json,
    Yaml,
    Name,
    JsonPath(crate::render::jsonpath::Template),
    CustomColumns(crate::render::custom_columns::Columns),
}

/// Parses `-o` into a [`Format`], refusing what the verb cannot print, and
/// lists the names for completion and `--help`.
#[derive(Debug, Clone, Copy)]
pub struct FormatParser {
    pub plain: &'static [&'static str],
}

const JSONPATH_EXAMPLE: &str = "-o jsonpath='{.items[*].metadata.name}'";

impl FormatParser {
    pub fn parse(&self, text: &str) -> Result<Format, String> {
        if let Some(template) = text.strip_prefix("jsonpath=") {
            return crate::render::jsonpath::Template::parse(template)
                .map(Format::JsonPath)
                .map_err(|e| format!("-o jsonpath: {e}; e.g. {JSONPATH_EXAMPLE}"));
        }
        if let Some(spec) = text.strip_prefix("custom-columns=") {
            return crate::render::custom_columns::Columns::parse(spec)
                .map(Format::CustomColumns)
                .map_err(|e| format!("-o {e}"));
        }
        let plain = match text {
            "wide" => Some(Format::Wide),
            "json" => Some(Format::Json),
            "yaml" => Some(Format::Yaml),
            "name" => Some(Format::Name),
            _ => None,
        };
        match plain {
            Some(format) if self.plain.contains(&text) => Ok(format),
            _ if text == "jsonpath" || text == "custom-columns" => Err(format!(
                "-o {text} needs its template after '=', e.g. {JSONPATH_EXAMPLE} or -o custom-columns=NAME:.metadata.name"
            )),
            _ => Err(format!(
                "-o {text:?} is not a format here; use one of {}, jsonpath=TEMPLATE, custom-columns=SPEC",
                self.plain.join(", ")
            )),
        }
    }
}

impl clap::builder::TypedValueParser for FormatParser {
    type Value = Format;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Format, clap::Error> {
        let text = value.to_str().ok_or_else(|| {
            clap::Error::raw(clap::error::ErrorKind::InvalidUtf8, "-o must be UTF-8\n")
        })?;
        self.parse(text)
            .map_err(|e| clap::Error::raw(clap::error::ErrorKind::InvalidValue, format!("{e}\n")))
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        let names = self
            .plain
            .iter()
            .copied()
            .chain(["jsonpath=", "custom-columns="]);
        Some(Box::new(names.map(clap::builder::PossibleValue::new)))
    }
}

/// kubectl's flags for listings, next to `-o`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ListingArgs {
    /// Sort by this JSONPath of the objects as -o json shows them, e.g. .metadata.creationTimestamp
    #[arg(long, value_name = "JSONPATH", value_parser = crate::render::sort::SortBy::parse)]
    pub sort_by: Option<crate::render::sort::SortBy>,
    /// Add a LABELS column with each object's labels
    #[arg(long)]
    pub show_labels: bool,
    /// Leave out the header line of tables
    #[arg(long)]
    pub no_headers: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_a_verb_cannot_print_are_refused_with_the_ones_it_can() {
        let status = FormatParser {
            plain: &["json", "yaml"],
        };
        assert_eq!(status.parse("json"), Ok(Format::Json));
        let error = status.parse("wide").unwrap_err();
        assert!(
            error.contains("use one of json, yaml, jsonpath=TEMPLATE, custom-columns=SPEC"),
            "{error}"
        );
        let error = status.parse("jsonpath").unwrap_err();
        assert!(error.contains("needs its template after '='"), "{error}");
        assert!(matches!(
            status.parse("jsonpath={.performers[*].name}"),
            Ok(Format::JsonPath(_))
        ));
        let error = status.parse("jsonpath={.performers[}").unwrap_err();
        assert!(error.starts_with("-o jsonpath: unclosed ["), "{error}");
        assert!(error.contains(JSONPATH_EXAMPLE), "{error}");
        let error = status.parse("custom-columns=NAME").unwrap_err();
        assert!(
            error.starts_with("-o custom-columns: \"NAME\" is not HEADER:PATH"),
            "{error}"
        );
    }
}
