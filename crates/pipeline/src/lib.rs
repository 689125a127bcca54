//! The pqa pipeline as a library: open a project's warehouse, ingest an
//! inbox, and get back data — what became of every file, the run committed
//! — for a front end to show (the `pqa` binary prints it; a test or a
//! service can read it). Nothing here prints.

mod error;
pub mod ingest;

pub use error::{Error, Result};
pub use ingest::{
    FileOutcome, IngestRun, Progress, Silent, Status, describe_reject, ingest, status_text,
};

/// How long a run waits for another to finish writing the warehouse.
pub const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(600);
