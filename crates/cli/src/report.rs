//! `pqa report`: the pipeline's report (`pqa_pipeline::report`), and where
//! it was written, printed.

use std::path::Path;

use anyhow::Result;
use pqa_core::{Period, Project};
use pqa_pipeline::report::Options;
use pqa_query::Engine;
use pqa_store::Warehouse;

/// Builds and writes the report, then says where it is (and, on stderr,
/// what it could not include).
pub async fn write(
    project: &Project,
    warehouse: &Warehouse,
    engine: &Engine,
    period: Option<Period>,
    out: &Path,
    options: Options,
) -> Result<()> {
    let written = pqa_pipeline::report::write(
        project,
        warehouse,
        engine,
        period,
        out,
        options,
        crate::say_waiting,
    )
    .await?;
    for (_, why) in &written.not_calculated {
        eprintln!("warning: {why}; the report shows it as not calculated");
    }
    if let Some(why) = &written.pdf_failed {
        eprintln!("warning: no PDF: {why}");
    }
    println!(
        "Report for {}: {}, {}, {}{}",
        written.period.long_label(),
        written.html.display(),
        written.markdown.display(),
        written.xlsx.display(),
        written
            .pdf
            .map(|p| format!(" and {}", p.display()))
            .unwrap_or_default()
    );
    Ok(())
}
