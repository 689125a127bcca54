//! `pqa report`: metrics from the query layer, rendered to HTML and Markdown.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use arrow::array::{Array, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use futures::{StreamExt, TryStreamExt};
use pqa_core::config::BenchmarkKind;
use pqa_core::{Period, Project};
use pqa_query::{Engine, QueryLayer};
use pqa_report::{Disclosure, FeedQuality, ReportInput, Response, RunInfo};
use pqa_store::{REJECTS, Warehouse};
use pqa_trends::BenchmarkPosition;

/// Metric queries run at once while building a report.
const METRICS_AT_ONCE: usize = 4;

/// Builds the report for `period` (default: the half year of the latest
/// data) and writes `pqa-report-<period>.html` and `.md` into `out`.
pub async fn write(
    project: &Project,
    warehouse: &Warehouse,
    engine: &Engine,
    period: Option<Period>,
    out: &Path,
    as_of: Option<i64>,
) -> Result<()> {
    let layer = QueryLayer::open(warehouse, project, as_of, engine).await?;
    let period = match period {
        Some(p) => p,
        None => latest_half(&layer)
            .await?
            .context("the warehouse holds no data yet: run `pqa ingest` first, or give --period")?,
    };
    // Each metric's query is small and much of its time is planning and
    // reading file footers, so a few at a time keep both cores busy.
    let metrics: Vec<_> = futures::stream::iter(&project.metrics)
        .map(|spec| {
            let layer = &layer;
            async move { Ok::<_, anyhow::Error>((spec, layer.series(spec).await?)) }
        })
        .buffered(METRICS_AT_ONCE)
        .try_collect()
        .await?;
    let quality = quality(project, &layer, period).await?;
    let benchmarks = benchmark_positions(project, &layer).await?;
    let responses = responses(&layer).await?;
    let run = layer.run.as_ref().map(|r| RunInfo {
        number: r.run_number,
        tables: r.tables.iter().map(|(t, v)| (t.clone(), *v)).collect(),
    });
    let input = ReportInput {
        partnership: &project.file.partnership,
        period,
        run,
        metrics,
        benchmarks,
        responses,
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
    let xlsx = out.join(format!("{stem}.xlsx"));
    std::fs::write(&xlsx, rendered.xlsx).with_context(|| format!("writing {}", xlsx.display()))?;
    println!(
        "Report for {}: {}, {} and {}",
        period.long_label(),
        html.display(),
        markdown.display(),
        xlsx.display()
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
        let late = counts(
            layer,
            &format!(
                "WITH s AS (
                   SELECT s.feed, s.period, r.run_number FROM submissions s
                   JOIN runs r ON s.run_id = r.run_id WHERE s.status = 'loaded'),
                 quarter_run AS (SELECT period, min(run_number) AS run FROM s GROUP BY period),
                 arrived AS (SELECT feed, period, min(run_number) AS run FROM s GROUP BY feed, period)
                 SELECT a.period, a.run FROM arrived a JOIN quarter_run q ON a.period = q.period
                 WHERE a.feed = '{}' AND a.period IN ({in_list}) AND a.run > q.run",
                feed.feed
            ),
        )
        .await?;
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
            late: late.into_iter().map(|(period, _)| period).collect(),
            rows_read: rows_accepted + rows_rejected,
            rows_accepted,
            rows_rejected,
        });
    }
    Ok(out)
}

/// For each metric with a published benchmark: the partnership's latest
/// published figure, its statistical neighbours' and England's for the same
/// year. Empty when the area, the benchmarks or the neighbours are not loaded.
async fn benchmark_positions(
    project: &Project,
    layer: &QueryLayer,
) -> Result<BTreeMap<String, BenchmarkPosition>> {
    let mut out = BTreeMap::new();
    let loaded = |t: &str| layer.run.as_ref().is_some_and(|r| r.tables.contains_key(t));
    let Some(area) = &project.file.area else {
        return Ok(out);
    };
    let Ok(la) = area.la_number.parse::<i64>() else {
        return Ok(out);
    };
    if !loaded("benchmarks") || !loaded("statistical_neighbours") {
        return Ok(out);
    }
    for spec in &project.metrics {
        // Only rates can be set against other areas: their sizes differ.
        let Some(benchmark) = spec
            .benchmark
            .as_ref()
            .filter(|b| b.kind == BenchmarkKind::Rate)
        else {
            continue;
        };
        let measure = benchmark.measure.replace('\'', "''");
        let sql = format!(
            "WITH sn AS (
               SELECT unnest(make_array(sn_1, sn_2, sn_3, sn_4, sn_5, sn_6, sn_7, sn_8, sn_9, sn_10)) AS code
               FROM statistical_neighbours WHERE la_number = {la}),
             latest AS (
               SELECT max(year) AS year FROM benchmarks
               WHERE measure = '{measure}' AND area_code = {la} AND value IS NOT NULL)
             SELECT b.year,
                    CASE WHEN b.area_code = {la} THEN 'own' WHEN b.area = 'England' THEN 'england' ELSE 'neighbour' END,
                    CAST(b.value AS DOUBLE),
                    (SELECT max(measure_description) FROM benchmarks WHERE measure = '{measure}')
             FROM benchmarks b JOIN latest ON b.year = latest.year
             WHERE b.measure = '{measure}' AND b.value IS NOT NULL
               AND (b.area_code = {la} OR b.area = 'England' OR b.area_code IN (SELECT code FROM sn))"
        );
        let mut position = BenchmarkPosition {
            description: benchmark.measure.clone(),
            year: String::new(),
            own: f64::NAN,
            neighbours: Vec::new(),
            england: None,
        };
        for batch in layer.sql(&sql).await? {
            let year = cast(batch.column(0), &DataType::Utf8)?;
            let role = cast(batch.column(1), &DataType::Utf8)?;
            let value = batch.column(2).as_primitive::<Float64Type>();
            for i in 0..batch.num_rows() {
                position.year = year.as_string::<i32>().value(i).to_string();
                match role.as_string::<i32>().value(i) {
                    "own" => {
                        position.own = value.value(i);
                        let description = cast(batch.column(3), &DataType::Utf8)?;
                        let description = description.as_string::<i32>();
                        if description.is_valid(i) && !description.value(i).is_empty() {
                            position.description =
                                pqa_trends::words::mid_sentence(description.value(i));
                        }
                    }
                    "england" => position.england = Some(value.value(i)),
                    _ => position.neighbours.push(value.value(i)),
                }
            }
        }
        if position.own.is_finite() {
            out.insert(spec.metric.clone(), position);
        }
    }
    Ok(out)
}

/// Agencies' responses to earlier questions, oldest first (none until the
/// responses feed has loaded some).
async fn responses(layer: &QueryLayer) -> Result<Vec<Response>> {
    if !layer
        .run
        .as_ref()
        .is_some_and(|r| r.tables.contains_key("responses"))
    {
        return Ok(vec![]);
    }
    let mut out = Vec::new();
    let sql = "SELECT finding_id, agency, response, CAST(response_date AS VARCHAR) AS day \
               FROM responses ORDER BY response_date, finding_id";
    for batch in layer.sql(sql).await? {
        let text: Vec<_> = (0..4)
            .map(|i| cast(batch.column(i), &DataType::Utf8))
            .collect::<Result<_, _>>()?;
        let text: Vec<_> = text.iter().map(|c| c.as_string::<i32>()).collect();
        for row in 0..batch.num_rows() {
            out.push(Response {
                finding_id: text[0].value(row).to_string(),
                agency: text[1].value(row).to_string(),
                response: text[2].value(row).to_string(),
                // "14 November 2024", as people write dates.
                date: text[3].is_valid(row).then(|| {
                    let iso = text[3].value(row);
                    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")
                        .map_or_else(|_| iso.to_string(), |d| d.format("%-d %B %Y").to_string())
                }),
            });
        }
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
