//! The warehouse: Delta Lake tables under a folder or object-store URL, with
//! run-level atomicity, idempotent re-ingest, replace-on-resubmission and
//! table history. See [`warehouse`] for how a run commits.

mod encode;
pub mod error;
pub mod records;
pub mod remote;
pub mod stage;
pub mod stats;
pub mod warehouse;

pub use deltalake::DeltaTable;
pub use error::{Error, Result};
pub use records::{RejectRecord, RunRecord, SubmissionRecord};
pub use remote::{download_inbox, is_url, register_object_stores};
pub use stage::{StagedFile, StagedWriter, Staging};
pub use warehouse::{
    DatasetWrite, FINDINGS, FindingRecord, Holder, REJECTS, RUNS, RunPlan, SUBMISSIONS, Warehouse,
    WriterLock,
};
