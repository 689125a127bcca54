//! Core types of pqa: UK financial periods, the configuration a partnership
//! writes (project, dataset schemas, feeds, metrics, audits), row checks,
//! series and the draw of an audit's sample.
//!
//! Everything here is pure: no files are written and no data is read except
//! the YAML configuration.

pub mod audit;
pub mod audit_findings;
pub mod check;
pub mod config;
pub mod error;
#[cfg(test)]
mod fuzz;
pub mod overlay;
pub mod period;
pub mod recommendations;
pub mod schema;
pub mod series;
pub mod suppression;
pub mod vulnerability;
pub mod working_days;

pub use config::{FeedSpec, Frequency, MetricSpec, Project};
pub use error::{ConfigError, Error, Result};
pub use period::Period;
pub use schema::DatasetSchema;
pub use series::{Point, Series};
pub use working_days::BankHolidays;

/// What a published output shows in place of a small count.
pub const SUPPRESSED: &str = "c";
