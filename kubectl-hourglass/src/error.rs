//! Typed errors that reach `main`, printed the way kubectl prints them, with an exit code.

use kube::core::Status;

/// Exit code of a command or API error.
pub const EXIT_ERROR: u8 = 1;
/// Exit code of `status` when something is not ready or degraded.
pub const EXIT_UNHEALTHY: u8 = 2;
/// Exit code of `audit` when some stored object breaks a rule or would be changed.
pub const EXIT_FINDINGS: u8 = 2;

const CRDS_MISSING_HINT: &str =
    "the Hourglass CRDs are not installed in this cluster; run `kubectl hourglass install`";

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A client-side error: printed as `error: <message>`.
    #[error("{0}")]
    Message(String),
    /// The apiserver refused: printed as `Error from server (<Reason>): <message>`.
    #[error("{}", render_status(.0))]
    Api(Box<Status>),
    /// The resource type is not served: the CRDs are missing.
    #[error("the server doesn't have a resource type \"{resource}\"")]
    NoResourceType { resource: String },
    /// The apiserver could not be reached.
    #[error("Unable to connect to the server: {0}")]
    Connect(String),
    /// Everything worth saying was already printed; only the exit code remains.
    #[error("")]
    Silent(u8),
}

impl CliError {
    pub fn msg(message: impl Into<String>) -> Self {
        CliError::Message(message.into())
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Silent(code) => *code,
            _ => EXIT_ERROR,
        }
    }

    /// The lines printed on stderr (nothing for `Silent`).
    pub fn render(&self) -> String {
        match self {
            CliError::Silent(_) => String::new(),
            CliError::Api(status) => render_status(status),
            CliError::NoResourceType { .. } => format!("error: {self}\nhint: {CRDS_MISSING_HINT}"),
            CliError::Connect(_) => self.to_string(),
            CliError::Message(message) => format!("error: {message}"),
        }
    }

    /// Maps a kube error on a request about `resource` (a plural like
    /// `performers`), recognising the 404 that means the type is not served.
    pub fn from_kube_for(resource: &str, error: kube::Error) -> Self {
        match &error {
            kube::Error::Api(status) if is_type_missing(status) => CliError::NoResourceType {
                resource: resource.to_string(),
            },
            _ => CliError::from(error),
        }
    }

    /// True for a 404 about the object itself (not about the resource type).
    pub fn is_not_found(&self) -> bool {
        matches!(self, CliError::Api(status) if status.code == 404)
    }
}

/// The apiserver says "the server could not find the requested resource"
/// (no `details.name`) when the type itself is unknown.
pub fn is_type_missing(status: &Status) -> bool {
    status.code == 404 && status.details.as_ref().is_none_or(|d| d.name.is_empty())
}

fn render_status(status: &Status) -> String {
    let message = if status.message.is_empty() {
        format!("the server responded with status {}", status.code)
    } else {
        status.message.clone()
    };
    match status.reason.as_str() {
        "Unauthorized" => format!("error: You must be logged in to the server ({message})"),
        "" => format!("Error from server: {message}"),
        reason => format!("Error from server ({reason}): {message}"),
    }
}

impl From<kube::Error> for CliError {
    fn from(error: kube::Error) -> Self {
        match error {
            kube::Error::Api(status) => CliError::Api(status),
            kube::Error::HyperError(e) => CliError::Connect(chain(&e)),
            kube::Error::Service(e) => CliError::Connect(chain(e.as_ref())),
            kube::Error::InferConfig(e) => CliError::Message(format!(
                "cannot load a kubeconfig or in-cluster configuration: {}",
                chain(&e)
            )),
            other => CliError::Message(chain(&other)),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(error: std::io::Error) -> Self {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            // The reader went away (`| head`): nothing left to say.
            return CliError::Silent(EXIT_ERROR);
        }
        CliError::Message(error.to_string())
    }
}

/// An error with its sources, `a: b: c`, each said once.
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let next = inner.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = inner.source();
    }
    text
}

pub type Result<T, E = CliError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use kube::core::response::StatusDetails;

    fn status(code: u16, reason: &str, message: &str, name: Option<&str>) -> Box<Status> {
        Box::new(Status {
            code,
            reason: reason.to_string(),
            message: message.to_string(),
            details: name.map(|n| {
                serde_json::from_value::<StatusDetails>(serde_json::json!({ "name": n }))
                    .expect("status details")
            }),
            ..Default::default()
        })
    }

    #[test]
    fn api_errors_read_like_kubectl() {
        let error = CliError::Api(status(
            404,
            "NotFound",
            "performers.hourglass.eigenlayer.io \"x\" not found",
            Some("x"),
        ));
        assert_eq!(
            error.render(),
            "Error from server (NotFound): performers.hourglass.eigenlayer.io \"x\" not found"
        );
        assert!(error.is_not_found());
        assert_eq!(error.exit_code(), 1);
    }

    #[test]
    fn missing_type_gets_the_install_hint() {
        let error = CliError::from_kube_for(
            "performers",
            kube::Error::Api(status(
                404,
                "NotFound",
                "the server could not find the requested resource",
                None,
            )),
        );
        assert_eq!(
            error.render(),
            "error: the server doesn't have a resource type \"performers\"\nhint: the Hourglass CRDs are not installed in this cluster; run `kubectl hourglass install`"
        );
    }

    #[test]
    fn silent_errors_print_nothing() {
        assert_eq!(CliError::Silent(2).render(), "");
        assert_eq!(CliError::Silent(2).exit_code(), 2);
    }
}
