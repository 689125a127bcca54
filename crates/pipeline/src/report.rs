//! Building the six-monthly report: the metrics and the figures around them
//! from the query layer, rendered to HTML, Markdown, an Excel workbook and
//! (with Chromium) a PDF, written into a folder; the questions it asks are
//! stored in the warehouse for later reports to quote.

mod queries;

use std::path::{Path, PathBuf};

use futures::{StreamExt, TryStreamExt};
use pqa_core::{Period, Project};
use pqa_query::{Engine, QueryLayer};
use pqa_report::{Disclosure, ReportInput, RunInfo};
use pqa_store::{FindingRecord, Warehouse};
use tracing::debug;

use crate::{Error, Result};

/// Queries run at once while building a report: each is small and much of
/// its time is planning and reading file footers, so a few at a time keep
/// both cores busy.
const QUERIES_AT_ONCE: usize = 4;

/// What a report was asked for beyond its period.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Read the warehouse as this run left it.
    pub as_of: Option<i64>,
    /// The final report, not a draft.
    pub final_report: bool,
    /// The date on the cover (default: the day the run it reads finished).
    pub date: Option<chrono::NaiveDate>,
    /// No PDF this time, whatever pqa.yaml says.
    pub no_pdf: bool,
}

/// The report as written.
#[derive(Debug)]
pub struct WrittenReport {
    /// The period it reports on.
    pub period: Period,
    pub html: PathBuf,
    pub markdown: PathBuf,
    pub xlsx: PathBuf,
    /// The PDF, when one was asked for and printed.
    pub pdf: Option<PathBuf>,
    /// Why no PDF was printed, when one was asked for (the other formats
    /// stand without it).
    pub pdf_failed: Option<String>,
    /// Metrics that could not be calculated (title, why): the report shows
    /// them as not calculated, the rest of it stands.
    pub not_calculated: Vec<(String, String)>,
}

/// Builds the report for `period` (default: the half year of the latest
/// data) and writes `pqa-report-<period>.html`, `.md`, `.xlsx` and `.pdf`
/// into `out`. `on_wait` is told when another run holds the warehouse's
/// writer lock (the report stores its questions).
pub async fn write(
    project: &Project,
    warehouse: &Warehouse,
    engine: &Engine,
    period: Option<Period>,
    out: &Path,
    options: Options,
    on_wait: impl Fn(&pqa_store::Holder),
) -> Result<WrittenReport> {
    let started = std::time::Instant::now();
    let step = |what: &str| debug!(ms = started.elapsed().as_millis() as u64, "report: {what}");
    let layer = QueryLayer::open(warehouse, project, options.as_of, engine).await?;
    step("warehouse opened");
    let period = match period {
        Some(p) => p,
        None => queries::latest_half(&layer).await?.ok_or_else(|| {
            Error::Invalid(
                "the warehouse holds no data yet: run `pqa ingest` first, or give --period".into(),
            )
        })?,
    };
    step("period chosen");
    // The metrics, the feeds' quality, the benchmarks and the responses are
    // independent, and each is a few small queries whose time is mostly
    // planning and reading file footers: asked together they keep both
    // cores busy.
    // A metric whose SQL fails, or returns periods it cannot place, is
    // reported in the report and to the caller; the rest of the report stands.
    let metrics = futures::stream::iter(&project.metrics)
        .map(|spec| {
            let layer = &layer;
            async move { Ok::<_, Error>((spec, layer.series(spec).await)) }
        })
        .buffered(QUERIES_AT_ONCE)
        .try_collect::<Vec<_>>();
    let (metrics, quality, benchmarks, responses, stored, audits, recommendations, overlay) = futures::try_join!(
        metrics,
        queries::quality(project, &layer, period),
        queries::benchmark_positions(project, &layer),
        queries::responses(&layer),
        queries::stored_questions(warehouse, layer.run.as_ref().map(|r| r.run_number)),
        crate::audit_findings::headlines(project, &layer, period),
        crate::audit_findings::recommendations(project, &layer),
        crate::overlay::for_report(project, &layer, period),
    )?;
    let mut failed = Vec::new();
    let metrics: Vec<_> = metrics
        .into_iter()
        .filter_map(|(spec, series)| match series {
            Ok(series) => Some((spec, series)),
            Err(e) => {
                failed.push((spec.title.clone(), e.to_string()));
                None
            }
        })
        .collect();
    step("queried");
    let run = layer.run.as_ref().map(|r| RunInfo {
        number: r.run_number,
        tables: r.tables.iter().map(|(t, v)| (t.clone(), *v)).collect(),
    });
    // The cover's date: given, or the day the run read finished, so the
    // same warehouse state always gives the same report.
    let date = options.date.unwrap_or_else(|| {
        layer.run.as_ref().map_or_else(
            || chrono::Utc::now().date_naive(),
            |r| r.finished_at.date_naive(),
        )
    });
    let input = ReportInput {
        partnership: &project.file.partnership,
        author: &project.file.report.author,
        date,
        final_report: options.final_report,
        period,
        run,
        metrics,
        benchmarks,
        responses,
        stored,
        failed: failed.clone(),
        quality,
        validation_link: out
            .join("validation/latest.html")
            .exists()
            .then(|| "validation/latest.html".to_string()),
        disclosure: Disclosure {
            suppress_up_to: project.file.disclosure.suppress_counts_up_to,
        },
        audits: audits
            .into_iter()
            .map(|a| pqa_report::AuditInReport {
                title: a.title,
                drawn_for: a.drawn_for,
                findings: a.findings,
            })
            .collect(),
        recommendations,
        overlay,
    };
    let rendered = pqa_report::render(&input)?;
    step("rendered");
    store_questions(warehouse, period, &rendered, options.final_report, on_wait).await?;
    step("findings stored");
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    std::fs::create_dir_all(out).map_err(io(out))?;
    let stem = format!("pqa-report-{}", period.to_string().replace('/', "-"));
    let html = out.join(format!("{stem}.html"));
    let markdown = out.join(format!("{stem}.md"));
    let xlsx = out.join(format!("{stem}.xlsx"));
    std::fs::write(&html, rendered.html).map_err(io(&html))?;
    std::fs::write(&markdown, rendered.markdown).map_err(io(&markdown))?;
    std::fs::write(&xlsx, rendered.xlsx).map_err(io(&xlsx))?;
    // The PDF for print, from the same HTML. Without Chromium the other
    // formats stand, and the caller is told why there is no PDF.
    let pdf = out.join(format!("{stem}.pdf"));
    let (pdf, pdf_failed) = if project.file.report.pdf && !options.no_pdf {
        match print(project, &input, &pdf) {
            Ok(()) => (Some(pdf), None),
            Err(e) => (None, Some(e.to_string())),
        }
    } else {
        (None, None)
    };
    step("printed");
    Ok(WrittenReport {
        period,
        html,
        markdown,
        xlsx,
        pdf,
        pdf_failed,
        not_calculated: failed,
    })
}

/// The questions as asked, for later reports to quote; a report of an
/// empty warehouse has none to keep.
async fn store_questions(
    warehouse: &Warehouse,
    period: Period,
    rendered: &pqa_report::Rendered,
    final_report: bool,
    on_wait: impl Fn(&pqa_store::Holder),
) -> Result<()> {
    let Some(latest) = warehouse.last_run().await? else {
        return Ok(());
    };
    let records: Vec<FindingRecord> = rendered
        .findings
        .iter()
        .map(|(number, f)| FindingRecord {
            report_period: period.to_string(),
            run_number: latest.run_number,
            finding_id: f.id.clone(),
            number: *number as i64,
            metric: f.metric.clone(),
            agency: f.agency.clone(),
            rule: f.rule.to_string(),
            severity: format!("{:?}", f.severity).to_lowercase(),
            direction: format!("{:?}", f.direction).to_lowercase(),
            statement: f.statement.clone(),
            question: f.question.clone(),
            figures: serde_json::to_string(&f.figures).unwrap_or_default(),
            final_report,
            written_at: chrono::Utc::now(),
        })
        .collect();
    let lock = warehouse
        .lock("pqa report", crate::LOCK_PATIENCE, on_wait)
        .await?;
    let stored = warehouse
        .store_findings(&period.to_string(), latest.run_number, &records)
        .await;
    lock.release().await?;
    Ok(stored?)
}

/// Prints the report to `pdf` with Chromium, working in a folder of the
/// system's temporary folder that is removed afterwards.
fn print(project: &Project, input: &ReportInput, pdf: &Path) -> Result<()> {
    let printer = pqa_report::pdf::Printer::find(project.file.report.chromium.as_deref())?;
    let work = std::env::temp_dir().join(format!("pqa-print-{}", uuid::Uuid::new_v4()));
    let printed = pqa_report::render_pdf(input, &printer, &work);
    let _ = std::fs::remove_dir_all(&work);
    std::fs::write(pdf, printed?).map_err(|source| Error::Io {
        path: pdf.to_path_buf(),
        source,
    })
}
