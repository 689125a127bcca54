//! Errors of the query layer.

/// Errors raised by the query layer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The SQL could not be planned or run.
    #[error("{0}")]
    Sql(#[from] datafusion::error::DataFusionError),
    /// The warehouse could not be read.
    #[error(transparent)]
    Store(#[from] pqa_store::Error),
    /// Delta table registration failed.
    #[error("{0}")]
    Delta(#[from] deltalake::DeltaTableError),
    /// Result columns had unexpected types.
    #[error("{0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// The query engine cannot be used.
    #[error("engine: {0}")]
    Engine(String),
    /// A metric's SQL failed or returned the wrong shape.
    #[error("metric `{metric}`: {message}")]
    Metric { metric: String, message: String },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
