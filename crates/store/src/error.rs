//! Errors of the warehouse.

/// Errors raised by the warehouse.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Delta Lake refused or failed an operation.
    #[error("warehouse table: {0}")]
    Delta(#[from] deltalake::DeltaTableError),
    /// A query over one of pqa's own tables failed.
    #[error("warehouse query: {0}")]
    Query(#[from] deltalake::datafusion::error::DataFusionError),
    /// Rows did not fit their table.
    #[error("warehouse rows: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// A staged file could not be written.
    #[error("staging rows: {0}")]
    Parquet(#[from] deltalake::parquet::errors::ParquetError),
    /// An object store (s3://, az://, gs://) refused or failed a request.
    #[error("object store: {0}")]
    ObjectStore(#[from] object_store::Error),
    /// The warehouse location cannot be used.
    #[error("warehouse location: {0}")]
    Location(String),
    /// One of pqa's own tables holds something it should not.
    #[error("warehouse table is damaged: {0}")]
    Corrupt(String),
    /// Another run holds the warehouse's writer lock.
    #[error("{0}")]
    Busy(String),
    /// `--as-of` named a run that does not exist.
    #[error("there is no run {0}; `pqa history` lists the runs")]
    NoSuchRun(i64),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
