//! `pqa report`: metrics from the query layer, rendered to HTML and Markdown.

use std::path::Path;

use anyhow::{Context, Result};
use arrow::array::{Array, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int64Type};
use pqa_core::{Period, Project};
use pqa_query::QueryLayer;
use pqa_report::{Disclosure, FeedQuality, ReportInput, RunInfo};
use pqa_store::{REJECTS, Warehouse};

/// Builds the report for `period` (default: the half year of the latest
/// data) and writes `pqa-report-<period>.html` and `.md` into `out`.
pub async fn write(
    project: &Project,
    warehouse: &Warehouse,
    period: Option<Period>,
    out: &Path,
    as_of: Option<i64>,
) -> Result<()> {
    let layer = QueryLayer::open(warehouse, project, as_of).await?;
    let period = match period {
        Some(p) => p,
        None => latest_half(&layer)
            .await?
            .context("the warehouse holds no data yet: run `pqa ingest` first, or give --period")?,
    };
    let mut metrics = Vec::new();
    for spec in &project.metrics {
        metrics.push((spec, layer.series(spec).await?));
    }
    let quality = quality(project, &layer, period).await?;
    let run = layer.run.as_ref().map(|r| RunInfo {
        number: r.run_number,
        tables: r.tables.iter().map(|(t, v)| (t.clone(), *v)).collect(),
    });
    let input = ReportInput {
        partnership: &project.file.partnership,
        period,
        run,
        metrics,
        quality,
        validation_link: out
            .join("validation/latest.html")
            .exists()
            .then(|| "validation/latest.html".to_string()),
        disclosure: Disclosure {
            suppress_up_to: project.file.disclosure.suppress_counts_up_to,
        },
    };
    let rendered = pqa_report::render(&input)?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let stem = format!("pqa-report-{}", period.to_string().replace('/', "-"));
    let html = out.join(format!("{stem}.html"));
    let markdown = out.join(format!("{stem}.md"));
    std::fs::write(&html, rendered.html).with_context(|| format!("writing {}", html.display()))?;
    std::fs::write(&markdown, rendered.markdown)
        .with_context(|| format!("writing {}", markdown.display()))?;
    println!(
        "Report for {}: {} and {}",
        period.long_label(),
        html.display(),
        markdown.display()
    );
    Ok(())
}

/// The half year containing the latest quarter any dataset holds.
async fn latest_half(layer: &QueryLayer) -> Result<Option<Period>> {
    let Some(run) = &layer.run else {
        return Ok(None);
    };
    let mut latest: Option<Period> = None;
    for table in run
        .tables
        .keys()
        .filter(|t| !pqa_core::schema::RESERVED_TABLES.contains(&t.as_str()))
    {
        for batch in layer
            .sql(&format!("SELECT DISTINCT _period FROM {table}"))
            .await?
        {
            let column = cast(batch.column(0), &DataType::Utf8)?;
            let column = column.as_string::<i32>();
            for i in 0..column.len() {
                if let Ok(p) = column.value(i).parse::<Period>() {
                    latest = latest.max(Some(p));
                }
            }
        }
    }
    Ok(latest.map(|q| {
        Period::Half(
            q.financial_year(),
            if q <= Period::Quarter(q.financial_year(), 2) {
                1
            } else {
                2
            },
        )
    }))
}

/// Per feed: which of the submissions due in the period arrived, and rows
/// accepted and rejected for them, counted from what the warehouse holds.
async fn quality(
    project: &Project,
    layer: &QueryLayer,
    period: Period,
) -> Result<Vec<FeedQuality>> {
    let has_rejects = layer
        .run
        .as_ref()
        .is_some_and(|r| r.tables.contains_key(REJECTS));
    let mut out = Vec::new();
    for feed in &project.feeds {
        let due: Vec<String> = feed
            .frequency
            .due_in(period)
            .iter()
            .map(|q| q.to_string())
            .collect();
        if due.is_empty() {
            continue;
        }
        let in_list = due
            .iter()
            .map(|q| format!("'{q}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let accepted = counts(
            layer,
            &format!(
                "SELECT _period AS period, count(*) AS n FROM {} WHERE _feed = '{}' AND _period IN ({in_list}) GROUP BY 1",
                feed.dataset, feed.feed
            ),
        )
        .await?;
        let rejected = if has_rejects {
            counts(
                layer,
                &format!(
                    "SELECT period, count(DISTINCT source_row) AS n FROM {REJECTS} WHERE feed = '{}' AND period IN ({in_list}) GROUP BY 1",
                    feed.feed
                ),
            )
            .await?
        } else {
            vec![]
        };
        let received: Vec<String> = due
            .iter()
            .filter(|q| accepted.iter().any(|(p, _)| p == *q))
            .cloned()
            .collect();
        let rows_accepted: i64 = accepted.iter().map(|(_, n)| n).sum();
        let rows_rejected: i64 = rejected.iter().map(|(_, n)| n).sum();
        out.push(FeedQuality {
            feed: feed.feed.clone(),
            agency: feed.agency.clone(),
            missing: due
                .iter()
                .filter(|q| !received.contains(q))
                .cloned()
                .collect(),
            received,
            rows_read: rows_accepted + rows_rejected,
            rows_accepted,
            rows_rejected,
        });
    }
    Ok(out)
}

async fn counts(layer: &QueryLayer, sql: &str) -> Result<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for batch in layer.sql(sql).await? {
        let period = cast(batch.column(0), &DataType::Utf8)?;
        let period = period.as_string::<i32>();
        let n = cast(batch.column(1), &DataType::Int64)?;
        let n = n.as_primitive::<Int64Type>();
        for i in 0..batch.num_rows() {
            out.push((period.value(i).to_string(), n.value(i)));
        }
    }
    Ok(out)
}
