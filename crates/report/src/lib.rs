//! The report: a view of each metric over the report's period (headline,
//! last eight quarters, chart), rendered as self-contained HTML and as
//! Markdown from one view model, with small numbers suppressed throughout.

pub mod chart;
pub mod disclosure;
mod questions;
mod timeline;
pub mod validation;
mod view;
mod xlsx;

use std::collections::BTreeMap;

use minijinja::Environment;
use pqa_core::{MetricSpec, Period, Series};
use pqa_trends::BenchmarkPosition;

pub use disclosure::{Disclosure, Published, SUPPRESSED};
pub use questions::{Response, StoredQuestion};
pub use view::{FeedQuality, RunInfo};

/// Errors raised while rendering.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("template: {0}")]
    Template(#[from] minijinja::Error),
    #[error("chart for `{metric}`: {message}")]
    Chart { metric: String, message: String },
    #[error("Excel workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("validation CSV: {0}")]
    Csv(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a report is built from.
pub struct ReportInput<'a> {
    pub partnership: &'a str,
    /// The period reported on, usually a half year such as `2024/25-H2`.
    pub period: Period,
    /// The warehouse state the figures come from.
    pub run: Option<RunInfo>,
    /// Each metric with its series, in catalogue order.
    pub metrics: Vec<(&'a MetricSpec, Series)>,
    /// Where the partnership's published figure sits among its statistical
    /// neighbours', by metric, for metrics with a benchmark.
    pub benchmarks: BTreeMap<String, BenchmarkPosition>,
    /// Agencies' responses to earlier reports' questions, oldest first.
    pub responses: Vec<Response>,
    /// Questions earlier reports asked, as they worded them (from the
    /// warehouse's `findings` table).
    pub stored: Vec<StoredQuestion>,
    /// Metrics whose figures could not be worked out: (title, why).
    pub failed: Vec<(String, String)>,
    /// What each feed sent for the period.
    pub quality: Vec<FeedQuality>,
    pub disclosure: Disclosure,
    /// Link (relative to the report) to the latest ingest's validation report.
    pub validation_link: Option<String>,
}

/// A rendered report.
pub struct Rendered {
    /// The questions the report raises, most important first, to be stored
    /// so later reports quote them as asked.
    pub findings: Vec<pqa_trends::Finding>,
    pub html: String,
    pub markdown: String,
    /// An Excel workbook (.xlsx).
    pub xlsx: Vec<u8>,
}

/// Renders the report in every format.
pub fn render(input: &ReportInput) -> Result<Rendered> {
    let view = view::build(input)?;
    let mut env = Environment::new();
    env.add_filter("md_text", markdown_text);
    env.add_template("report.html", include_str!("../templates/report.html"))?;
    env.add_template("report.md", include_str!("../templates/report.md"))?;
    let html = env.get_template("report.html")?.render(&view)?;
    let markdown = env.get_template("report.md")?.render(&view)?;
    Ok(Rendered {
        findings: view.findings.clone(),
        html,
        markdown: tidy_markdown(&markdown),
        xlsx: xlsx::workbook(&view)?,
    })
}

/// Text from agency files, made inert in Markdown: characters that would
/// start markup (emphasis, links, HTML, tables) are backslash-escaped.
fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\`*_<>[]|#".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Collapses runs of blank lines the template leaves behind.
fn tidy_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        blank = if line.is_empty() { blank + 1 } else { 0 };
        if blank <= 1 {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_text_cannot_start_markup_in_markdown() {
        assert_eq!(
            markdown_text("<script>*bold* [link](x) | a_b"),
            "\\<script\\>\\*bold\\* \\[link\\](x) \\| a\\_b"
        );
        assert_eq!(
            markdown_text("Waits back under 18 weeks."),
            "Waits back under 18 weeks."
        );
    }
}
