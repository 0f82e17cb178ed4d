//! Logging: JSON lines or text, filtered by `--log-level`.

use tracing_subscriber::EnvFilter;

use crate::args::LogFormat;
use crate::error::StartupError;

/// Installs the global subscriber. Review spans (uid, kind, name, namespace,
/// operation) appear on every line logged inside them.
pub fn init(format: LogFormat, level: &str) -> Result<(), StartupError> {
    let filter = EnvFilter::try_new(level).map_err(|error| StartupError::Flag {
        flag: "--log-level",
        message: format!("{level:?} is not a level or filter directive: {error}"),
    })?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Text => builder.with_ansi(false).try_init(),
    };
    // Already installed (a test that runs twice): keep the first.
    let _ = result;
    Ok(())
}

/// Panics become one log line in the chosen format (with the location)
/// instead of free text on stderr. A panic while answering a review is also
/// caught and answered with a 500 (see `router`).
pub fn log_panics() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|location| format!("{}:{}", location.file(), location.line()))
            .unwrap_or_default();
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(not a string)");
        tracing::error!(location, panic = message, "panicked");
    }));
}
