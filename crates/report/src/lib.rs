//! The report: a view of each metric over the report's period (headline,
//! last eight quarters, chart), rendered as self-contained HTML and as
//! Markdown from one view model, with small numbers suppressed throughout.

mod actions;
mod assurance;
pub mod audit_pack;
pub mod audit_report;
pub mod chart;
pub mod disclosure;
mod glance;
pub mod pdf;
mod questions;
mod ranked;
mod summary;
mod timeline;
pub mod upset;
pub mod validation;
mod view;
pub mod vulnerabilities;
mod xlsx;

use std::collections::BTreeMap;

use minijinja::Environment;
use pqa_core::{MetricSpec, Period, Series};
use pqa_trends::BenchmarkPosition;

pub use assurance::AuditInReport;
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
    #[error("PDF: {0}")]
    Pdf(String),
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a report is built from.
pub struct ReportInput<'a> {
    pub partnership: &'a str,
    /// Who the report is from, e.g. "Performance and Quality Assurance subgroup".
    pub author: &'a str,
    /// The date on its cover.
    pub date: chrono::NaiveDate,
    /// A final report (`pqa report --final`) rather than a draft.
    pub final_report: bool,
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
    /// Multi-agency audits whose returns came in during the period.
    pub audits: Vec<AuditInReport>,
    /// Every row of every recommendations tracker sent.
    pub recommendations: Vec<pqa_core::recommendations::Recommendation>,
    /// Children with overlaying vulnerabilities, where the project defines
    /// any (`vulnerabilities/`).
    pub overlay: Option<vulnerabilities::OverlayInput>,
}

/// A rendered report.
pub struct Rendered {
    /// The questions the report raises, most important first, each with
    /// its number in the report, to be stored so later reports quote them
    /// as asked.
    pub findings: Vec<(usize, pqa_trends::Finding)>,
    pub html: String,
    pub markdown: String,
    /// An Excel workbook (.xlsx).
    pub xlsx: Vec<u8>,
}

fn environment() -> Result<Environment<'static>> {
    let mut env = Environment::new();
    env.add_filter("md_text", markdown_text);
    env.add_filter("md_code", markdown_code);
    env.add_filter("css_text", css_text);
    env.add_template("report.html", include_str!("../templates/report.html"))?;
    env.add_template("report.md", include_str!("../templates/report.md"))?;
    Ok(env)
}

/// Renders a self-contained audit page from its template, which extends
/// `audit_page.html` (`name` ends `.html`, so every value is escaped).
pub(crate) fn render_page(
    name: &'static str,
    source: &'static str,
    view: impl serde::Serialize,
) -> Result<String> {
    let mut env = Environment::new();
    env.add_template(
        "audit_page.html",
        include_str!("../templates/audit_page.html"),
    )?;
    env.add_template(name, source)?;
    Ok(env.get_template(name)?.render(view)?)
}

/// Renders the report in every format.
pub fn render(input: &ReportInput) -> Result<Rendered> {
    let view = view::build(input)?;
    let env = environment()?;
    let html = env.get_template("report.html")?.render(&view)?;
    let markdown = env.get_template("report.md")?.render(&view)?;
    Ok(Rendered {
        findings: view
            .questions
            .iter()
            .flat_map(|q| q.findings.iter().map(|f| (q.number, f.clone())))
            .collect(),
        html,
        markdown: tidy_markdown(&markdown),
        xlsx: xlsx::workbook(&view)?,
    })
}

/// Prints the report to an A4 PDF with `printer`, working in `work` (a
/// folder of its own): printed once to find the page each section starts
/// on, then again with those pages in the contents.
pub fn render_pdf(
    input: &ReportInput,
    printer: &pdf::Printer,
    work: &std::path::Path,
) -> Result<Vec<u8>> {
    let io = |path: &std::path::Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    std::fs::create_dir_all(work).map_err(io(work))?;
    let mut view = view::build(input)?;
    let env = environment()?;
    let (html, pdf) = (work.join("report.html"), work.join("report.pdf"));
    let profile = work.join("chromium-profile");
    let mut printed = Vec::new();
    for pass in 0..2 {
        let text = env.get_template("report.html")?.render(&view)?;
        std::fs::write(&html, text).map_err(io(&html))?;
        printer.print(&html, &pdf, &profile)?;
        printed = std::fs::read(&pdf).map_err(io(&pdf))?;
        if pass == 0 {
            view.pages = pdf::pages_of_anchors(&printed)?;
        }
    }
    Ok(printed)
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

/// Text as a Markdown code span that nothing in it can close: the fence is
/// one backtick longer than the longest run inside, and a `|` cannot end a
/// table cell.
fn markdown_code(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let body = text.replace('|', "\\|");
    let pad = if body.starts_with('`') || body.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// Text for a CSS string (the print header): quotes, backslashes and angle
/// brackets left out, since nothing is escaped inside a style sheet.
fn css_text(text: &str) -> minijinja::Value {
    let clean: String = text.chars().filter(|c| !"\"\\<>".contains(*c)).collect();
    minijinja::Value::from_safe_string(clean)
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
    fn a_code_span_holds_any_text() {
        assert_eq!(markdown_code("m:trend:2024/25-H2"), "`m:trend:2024/25-H2`");
        assert_eq!(markdown_code("a`b"), "``a`b``");
        assert_eq!(markdown_code("`x`"), "`` `x` ``");
        assert_eq!(markdown_code("a|b"), "`a\\|b`");
    }

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
