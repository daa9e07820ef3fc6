//! Errors that carry an exit code. Everything else is an `anyhow` chain, printed as `awsso: {err:#}` with exit 1.

/// An error with a specific exit status (cli.md "Exit codes").
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// Bad input the user can fix: unknown profile, profile of the wrong kind. Exit 2, like clap's own errors.
    #[error("{0}")]
    Usage(String),
    /// A login is needed but not allowed here (`--no-login`, no terminal). Exit 3; the message names the command.
    #[error("{0}")]
    LoginRequired(String),
    /// The user cancelled (Ctrl-C, Esc). Exit 130, nothing written.
    #[error("cancelled")]
    Cancelled,
    /// Exit with this status and print nothing (a child's status passed through).
    #[error("exit status {0}")]
    Exit(u8),
}

impl Error {
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => 2,
            Error::LoginRequired(_) => 3,
            Error::Cancelled => 130,
            Error::Exit(code) => *code,
        }
    }
}
