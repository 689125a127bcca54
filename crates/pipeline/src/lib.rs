//! The pqa pipeline as a library: open a project's warehouse, ingest an
//! inbox, build the report, check and draft feeds, judge a series, draw an
//! audit's sample and re-identify it; each
//! returns data — what became of every file, the report as written, a
//! feed's rows — for a front end to show (the `pqa` binary prints it; a
//! test or a service can read it), and [`text`] words it for a terminal or
//! a log. Nothing here prints.

pub mod audit;
pub mod audit_findings;
mod error;
pub mod feeds;
pub mod ingest;
pub mod overlay;
pub mod report;
pub mod text;
pub mod trends;

use pqa_core::Project;
use pqa_store::Warehouse;

pub use error::{Error, Result};
pub use ingest::{
    FileOutcome, IngestRun, Progress, Silent, Status, Totals, describe_reject, ingest, status_text,
};

/// How long a run waits for another to finish writing the warehouse.
pub const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(600);

/// A location named in pqa.yaml: a path there is relative to the project
/// file; a URL such as az://… is used as it is.
pub fn location(project: &Project, named: &str) -> String {
    if pqa_store::is_url(named) {
        named.to_string()
    } else {
        project.path(named).to_string_lossy().into_owned()
    }
}

/// The warehouse at `given` (a folder or an s3://, az://, gs:// URL), or
/// else the one pqa.yaml names.
pub fn open_warehouse(project: &Project, given: Option<&str>) -> Result<Warehouse> {
    let location = match given {
        Some(given) => given.to_string(),
        None => location(project, &project.file.warehouse),
    };
    Warehouse::open(&location)
        .map_err(|e| Error::from(e).while_(format!("opening the warehouse at {location}")))
}
