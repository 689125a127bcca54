//! The pipeline's errors: one enum, a `Result` alias.

/// Why a pipeline step could not run (a file refused is not an error: it is
/// an outcome, with its reason).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or checking files.
    #[error(transparent)]
    Ingest(#[from] pqa_ingest::Error),
    /// The warehouse: its lock, staging, its own tables, the commit.
    #[error(transparent)]
    Store(#[from] pqa_store::Error),
    /// Writing the validation report or the six-monthly report.
    #[error(transparent)]
    Report(#[from] pqa_report::Error),
    /// A query over the warehouse.
    #[error(transparent)]
    Query(#[from] pqa_query::Error),
    /// Reading a query's result, or a file's rows.
    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),
    /// Writing JSON.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// Something asked of the pipeline that it cannot do, said for the
    /// person who asked (e.g. "no feed `cp_plan`; did you mean `cp_plans`?").
    #[error("{0}")]
    Invalid(String),
    /// A file or folder the pipeline writes.
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// What the pipeline was doing when an error below it happened.
    #[error("{doing}: {source}")]
    While { doing: String, source: Box<Error> },
}

impl Error {
    /// This error, said to have happened while `doing`.
    pub fn while_(self, doing: impl Into<String>) -> Error {
        Error::While {
            doing: doing.into(),
            source: Box::new(self),
        }
    }
}

/// `Result` with the pipeline's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
