//! `pqa query` and `pqa history`: printing warehouse contents.

use anyhow::Result;
use arrow::array::RecordBatch;
use pqa_core::Project;
use pqa_query::{Engine, QueryLayer};
use pqa_store::Warehouse;

use crate::Format;

/// Runs SQL and prints the result in the chosen format.
pub async fn query(
    project: &Project,
    warehouse: &Warehouse,
    engine: &Engine,
    sql: &str,
    format: Format,
    as_of: Option<i64>,
    repeat: Option<u32>,
) -> Result<()> {
    let layer = QueryLayer::open(warehouse, project, as_of, engine).await?;
    let mut batches = layer.sql(sql).await?;
    if let Some(times) = repeat {
        // The first run above warms the caches; these are the timed ones.
        for _ in 0..times {
            let started = std::time::Instant::now();
            batches = layer.sql(sql).await?;
            eprintln!("time_ms {:.1}", started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let mut stdout = std::io::stdout().lock();
    print_batches(&mut stdout, &batches, format)
}

fn print_batches(
    out: &mut impl std::io::Write,
    batches: &[RecordBatch],
    format: Format,
) -> Result<()> {
    match format {
        Format::Table => writeln!(
            out,
            "{}",
            arrow::util::pretty::pretty_format_batches(batches)?
        )?,
        Format::Csv => {
            let mut writer = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(out);
            for batch in batches {
                writer.write(batch)?;
            }
        }
        Format::Json => {
            let mut writer = arrow::json::ArrayWriter::new(&mut *out);
            let refs: Vec<&RecordBatch> = batches.iter().collect();
            writer.write_batches(&refs)?;
            writer.finish()?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// Lists completed runs and the table versions each left.
pub async fn history(warehouse: &Warehouse) -> Result<()> {
    print!("{}", pqa_pipeline::text::history(&warehouse.runs().await?));
    Ok(())
}
