//! Errors of the ingest crate.

use std::path::PathBuf;

/// Errors raised while reading and mapping agency files.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The whole file cannot be taken; the message says why.
    #[error("{0}")]
    File(String),
    /// No usable pseudonymisation key.
    #[error("{0}")]
    Key(String),
    /// A file or folder could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A bug: something that should not happen did.
    #[error("internal error: {0}")]
    Internal(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
