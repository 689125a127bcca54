//! The report's figures from the warehouse, beside the metrics: which
//! period to report on, the feeds' quality, published benchmarks, the
//! agencies' responses and the questions earlier reports asked.

use std::collections::BTreeMap;

use arrow::array::{Array, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use futures::{StreamExt, TryStreamExt};
use pqa_core::config::BenchmarkKind;
use pqa_core::period::PeriodKind;
use pqa_core::{FeedSpec, Period, Project};
use pqa_query::QueryLayer;
use pqa_report::{FeedQuality, Response, StoredQuestion};
use pqa_store::{REJECTS, Warehouse};
use pqa_trends::BenchmarkPosition;

use super::QUERIES_AT_ONCE;
use crate::Result;

/// The half year in which the latest period any dataset holds ends.
pub(super) async fn latest_half(layer: &QueryLayer) -> Result<Option<Period>> {
    let Some(run) = &layer.run else {
        return Ok(None);
    };
    // One query over every dataset: planned once, its scans run together.
    let union = run
        .tables
        .keys()
        .filter(|t| !pqa_core::schema::RESERVED_TABLES.contains(&t.as_str()))
        .map(|table| format!("SELECT DISTINCT _period FROM {table}"))
        .collect::<Vec<_>>()
        .join(" UNION ");
    if union.is_empty() {
        return Ok(None);
    }
    let periods = layer.sql(&union).await?;
    let mut latest: Option<Period> = None;
    for batch in &periods {
        let column = cast(batch.column(0), &DataType::Utf8)?;
        let column = column.as_string::<i32>();
        for i in 0..column.len() {
            if let Ok(p) = column.value(i).parse::<Period>()
                && latest.is_none_or(|l: Period| p.end() > l.end())
            {
                latest = Some(p);
            }
        }
    }
    Ok(latest.map(|p| Period::half_of(p.end())))
}

/// Per feed: which of the submissions due in the period arrived, and rows
/// accepted and rejected for them, counted from what the warehouse holds.
/// A query per dataset and two over the run records, however many feeds:
/// each is small, so their number is what costs.
pub(super) async fn quality(
    project: &Project,
    layer: &QueryLayer,
    period: Period,
) -> Result<Vec<FeedQuality>> {
    let due: Vec<(&FeedSpec, Vec<String>)> = project
        .feeds
        .iter()
        .map(|feed| {
            let due = feed.frequency.due_in(period);
            (feed, due.iter().map(|q| q.to_string()).collect::<Vec<_>>())
        })
        .filter(|(_, due)| !due.is_empty())
        .collect();
    if due.is_empty() {
        return Ok(vec![]);
    }
    // A due quarter may arrive inside a longer submission (a file for the
    // whole year): rows for the periods covering a due one count too.
    let mut every_due: Vec<String> = due
        .iter()
        .flat_map(|(_, d)| d)
        .flat_map(|q| std::iter::once(q.clone()).chain(covering(q)))
        .collect();
    every_due.sort_unstable();
    every_due.dedup();
    let in_list = every_due
        .iter()
        .map(|q| format!("'{q}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut datasets: Vec<&str> = due.iter().map(|(f, _)| f.dataset.as_str()).collect();
    datasets.sort_unstable();
    datasets.dedup();
    let (accepted, rejected, late) = futures::try_join!(
        accepted_counts(layer, &datasets, &in_list),
        rejected_counts(layer, &in_list),
        late_counts(layer, &in_list),
    )?;
    Ok(due
        .iter()
        .map(|(feed, due)| {
            let counts = [&accepted[..], &rejected[..], &late[..]];
            let mut line = feed_quality(&feed.feed, &feed.agency, due, counts);
            line.title = feed
                .title
                .clone()
                .unwrap_or_else(|| feed.feed.replace('_', " "));
            line
        })
        .collect())
}

/// Rows accepted per (feed, period) in the datasets, for the quoted periods.
async fn accepted_counts(
    layer: &QueryLayer,
    datasets: &[&str],
    in_list: &str,
) -> Result<Vec<FeedCount>> {
    let per_dataset: Vec<Vec<FeedCount>> = futures::stream::iter(datasets)
        .map(|dataset| {
            let sql = format!(
                "SELECT _feed, _period, count(*) FROM {dataset} WHERE _period IN ({in_list}) GROUP BY 1, 2"
            );
            async move { feed_counts(layer, &sql).await }
        })
        .buffered(QUERIES_AT_ONCE)
        .try_collect()
        .await?;
    Ok(per_dataset.into_iter().flatten().collect())
}

/// Source rows rejected per (feed, period); none before any run kept rejects.
async fn rejected_counts(layer: &QueryLayer, in_list: &str) -> Result<Vec<FeedCount>> {
    let has_rejects = layer
        .run
        .as_ref()
        .is_some_and(|r| r.tables.contains_key(REJECTS));
    if !has_rejects {
        return Ok(vec![]);
    }
    feed_counts(
        layer,
        &format!(
            "SELECT feed, period, count(DISTINCT source_row) FROM {REJECTS} WHERE period IN ({in_list}) GROUP BY 1, 2"
        ),
    )
    .await
}

/// The (feed, period) submissions that arrived late: after the run that
/// first loaded any agency's return for that quarter.
async fn late_counts(layer: &QueryLayer, in_list: &str) -> Result<Vec<FeedCount>> {
    feed_counts(
        layer,
        &format!(
            "WITH s AS (
               SELECT s.feed, s.period, r.run_number FROM submissions s
               JOIN runs r ON s.run_id = r.run_id WHERE s.status = 'loaded'),
             quarter_run AS (SELECT period, min(run_number) AS run FROM s GROUP BY period),
             arrived AS (SELECT feed, period, min(run_number) AS run FROM s GROUP BY feed, period)
             SELECT a.feed, a.period, a.run FROM arrived a JOIN quarter_run q ON a.period = q.period
             WHERE a.period IN ({in_list}) AND a.run > q.run"
        ),
    )
    .await
}

/// The longer periods (the half and the financial year) that hold the due
/// period `due`, as the warehouse writes them.
fn covering(due: &str) -> Vec<String> {
    let Ok(period) = due.parse::<Period>() else {
        return vec![];
    };
    [PeriodKind::Half, PeriodKind::FinancialYear]
        .into_iter()
        .filter_map(|kind| Period::containing(kind, period.start()))
        .filter(|longer| *longer != period && longer.covers(period))
        .map(|longer| longer.to_string())
        .collect()
}

/// One feed's line in the quality table, from the (accepted, rejected,
/// late) counts of every feed: a due submission with accepted rows, or a
/// longer one covering it, was received (and is named as it came); any
/// other is missing.
fn feed_quality(
    feed: &str,
    agency: &str,
    due: &[String],
    [accepted, rejected, late]: [&[FeedCount]; 3],
) -> FeedQuality {
    let parsed = |p: &str| p.parse::<Period>().ok();
    // Whether a submission for `p` holds the due period `q`.
    let holds = |p: &str, q: &str| {
        p == q || matches!((parsed(p), parsed(q)), (Some(p), Some(q)) if p.covers(q))
    };
    let of_feed = |counts: &[FeedCount]| -> Vec<(String, i64)> {
        counts
            .iter()
            .filter(|(f, p, _)| f == feed && due.iter().any(|q| holds(p, q)))
            .map(|(_, p, n)| (p.clone(), *n))
            .collect()
    };
    let accepted = of_feed(accepted);
    let missing: Vec<String> = due
        .iter()
        .filter(|q| !accepted.iter().any(|(p, _)| holds(p, q)))
        .cloned()
        .collect();
    let mut received: Vec<String> = accepted.iter().map(|(p, _)| p.clone()).collect();
    received.sort_by_key(|p| parsed(p).map(Period::start));
    received.dedup();
    let rows_accepted: i64 = accepted.iter().map(|(_, n)| n).sum();
    let rows_rejected: i64 = of_feed(rejected).iter().map(|(_, n)| n).sum();
    FeedQuality {
        feed: feed.to_string(),
        title: feed.to_string(),
        agency: agency.to_string(),
        received,
        missing,
        late: of_feed(late)
            .into_iter()
            .map(|(period, _)| period)
            .collect(),
        rows_read: rows_accepted + rows_rejected,
        rows_accepted,
        rows_rejected,
    }
}

/// For each metric with a published benchmark: the partnership's latest
/// published figure, its statistical neighbours' and England's for the same
/// year. Empty when the area, the benchmarks or the neighbours are not loaded.
pub(super) async fn benchmark_positions(
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
    // Only rates can be set against other areas: their sizes differ.
    // measure -> the metrics compared with it
    let mut rates: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for spec in &project.metrics {
        if let Some(b) = &spec.benchmark
            && b.kind == BenchmarkKind::Rate
        {
            rates.entry(&b.measure).or_default().push(&spec.metric);
        }
    }
    if rates.is_empty() {
        return Ok(out);
    }
    let measures = rates
        .keys()
        .map(|m| pqa_query::sql_string(m))
        .collect::<Vec<_>>()
        .join(", ");
    // One pass over the benchmarks for every measure at once: for each, the
    // latest year the area has a figure for, and that year's figures for the
    // area, its neighbours and England.
    let sql = format!(
        "WITH sn AS (
           SELECT unnest(make_array(sn_1, sn_2, sn_3, sn_4, sn_5, sn_6, sn_7, sn_8, sn_9, sn_10)) AS code
           FROM statistical_neighbours WHERE la_number = {la}),
         own_region AS (
           SELECT max(region) AS name FROM benchmarks WHERE area_code = {la}),
         measures AS (
           SELECT measure, year, area, area_code, value, measure_description
           FROM benchmarks WHERE measure IN ({measures})),
         wanted AS (
           SELECT * FROM measures
           WHERE value IS NOT NULL
             AND (area_code = {la} OR area = 'England' OR area_code IN (SELECT code FROM sn)
                  OR area = (SELECT name FROM own_region))),
         latest AS (
           SELECT measure, max(year) AS year FROM wanted WHERE area_code = {la} GROUP BY measure),
         described AS (
           SELECT measure, max(measure_description) AS description FROM measures GROUP BY measure)
         SELECT w.measure, w.year,
                CASE WHEN w.area_code = {la} THEN 'own' WHEN w.area = 'England' THEN 'england'
                     WHEN w.area = (SELECT name FROM own_region) THEN 'region' ELSE 'neighbour' END,
                CAST(w.value AS DOUBLE),
                d.description
         FROM wanted w
         JOIN latest l ON w.measure = l.measure AND w.year = l.year
         JOIN described d ON w.measure = d.measure"
    );
    let mut positions: BTreeMap<&str, BenchmarkPosition> = BTreeMap::new();
    for batch in layer.sql(&sql).await? {
        let text = |i: usize| cast(batch.column(i), &DataType::Utf8);
        let (measure, year, role, description) = (text(0)?, text(1)?, text(2)?, text(4)?);
        let (measure, year, role, description) = (
            measure.as_string::<i32>(),
            year.as_string::<i32>(),
            role.as_string::<i32>(),
            description.as_string::<i32>(),
        );
        let value = batch.column(3).as_primitive::<Float64Type>();
        for i in 0..batch.num_rows() {
            let Some((&measure, _)) = rates.get_key_value(measure.value(i)) else {
                continue;
            };
            let position = positions
                .entry(measure)
                .or_insert_with(|| BenchmarkPosition {
                    description: measure.to_string(),
                    year: String::new(),
                    own: f64::NAN,
                    neighbours: Vec::new(),
                    england: None,
                    region: None,
                });
            position.year = year.value(i).to_string();
            match role.value(i) {
                "own" => {
                    position.own = value.value(i);
                    if description.is_valid(i) && !description.value(i).is_empty() {
                        position.description =
                            pqa_trends::words::mid_sentence(description.value(i));
                    }
                }
                "england" => position.england = Some(value.value(i)),
                "region" => position.region = Some(value.value(i)),
                _ => position.neighbours.push(value.value(i)),
            }
        }
    }
    for (measure, position) in positions {
        if position.own.is_finite() {
            for metric in &rates[measure] {
                out.insert(metric.to_string(), position.clone());
            }
        }
    }
    Ok(out)
}

/// Agencies' responses to earlier questions, oldest first (none until the
/// responses feed has loaded some).
pub(super) async fn responses(layer: &QueryLayer) -> Result<Vec<Response>> {
    if !layer
        .run
        .as_ref()
        .is_some_and(|r| r.tables.contains_key("responses"))
    {
        return Ok(vec![]);
    }
    let mut out = Vec::new();
    // `*`: a responses table written before the due date and status
    // columns existed has none, and reads as "no date set, not closed".
    let sql = "SELECT * FROM responses ORDER BY response_date, finding_id";
    let day =
        |c: Option<&arrow::array::ArrayRef>, row: usize| -> Result<Option<chrono::NaiveDate>> {
            let Some(c) = c else { return Ok(None) };
            let c = cast(c, &DataType::Utf8)?;
            let c = c.as_string::<i32>();
            Ok(c.is_valid(row)
                .then(|| chrono::NaiveDate::parse_from_str(c.value(row), "%Y-%m-%d").ok())
                .flatten())
        };
    for batch in layer.sql(sql).await? {
        let text = |name: &str| -> Result<Option<arrow::array::ArrayRef>> {
            Ok(batch
                .column_by_name(name)
                .map(|c| cast(c, &DataType::Utf8))
                .transpose()?)
        };
        let (id, agency, response, status) = (
            text("finding_id")?,
            text("agency")?,
            text("response")?,
            text("status")?,
        );
        let value = |c: &Option<arrow::array::ArrayRef>, row: usize| -> String {
            c.as_ref()
                .map(|c| c.as_string::<i32>())
                .filter(|c| c.is_valid(row))
                .map(|c| c.value(row).to_string())
                .unwrap_or_default()
        };
        for row in 0..batch.num_rows() {
            out.push(Response {
                finding_id: value(&id, row),
                agency: value(&agency, row),
                response: value(&response, row),
                date: day(batch.column_by_name("response_date"), row)?,
                due: day(batch.column_by_name("due_date"), row)?,
                closed: value(&status, row) == "closed",
            });
        }
    }
    Ok(out)
}

/// Questions earlier reports stored, as the warehouse held them when run
/// `as_of` was the latest (all of them for the latest run).
pub(super) async fn stored_questions(
    warehouse: &Warehouse,
    as_of: Option<i64>,
) -> Result<Vec<StoredQuestion>> {
    Ok(warehouse
        .findings(as_of)
        .await?
        .into_iter()
        .map(|r| StoredQuestion {
            id: r.finding_id,
            report_period: r.report_period,
            number: r.number,
            metric: r.metric,
            agency: r.agency,
            statement: r.statement,
            question: r.question,
            final_report: r.final_report,
        })
        .collect())
}

/// (feed, period, number) rows of a query that returns them in that order.
type FeedCount = (String, String, i64);

async fn feed_counts(layer: &QueryLayer, sql: &str) -> Result<Vec<FeedCount>> {
    let mut out = Vec::new();
    for batch in layer.sql(sql).await? {
        let feed = cast(batch.column(0), &DataType::Utf8)?;
        let feed = feed.as_string::<i32>();
        let period = cast(batch.column(1), &DataType::Utf8)?;
        let period = period.as_string::<i32>();
        let n = cast(batch.column(2), &DataType::Int64)?;
        let n = n.as_primitive::<Int64Type>();
        for i in 0..batch.num_rows() {
            out.push((
                feed.value(i).to_string(),
                period.value(i).to_string(),
                n.value(i),
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(feed: &str, period: &str, n: i64) -> FeedCount {
        (feed.to_string(), period.to_string(), n)
    }

    #[test]
    fn a_feed_line_counts_only_its_own_due_submissions() {
        let due = vec!["2024/25 Q3".to_string(), "2024/25 Q4".to_string()];
        let accepted = [
            count("cp_plans", "2024/25 Q3", 40),
            count("cp_plans", "2024/25 Q2", 35), // not due in this half
            count("contacts", "2024/25 Q4", 900), // another feed
        ];
        let rejected = [
            count("cp_plans", "2024/25 Q3", 2),
            count("cp_plans", "2024/25 Q4", 5),
        ];
        let late = [count("cp_plans", "2024/25 Q3", 3)];
        let line = feed_quality(
            "cp_plans",
            "Children's social care",
            &due,
            [&accepted, &rejected, &late],
        );
        assert_eq!(line.received, ["2024/25 Q3"]);
        assert_eq!(line.missing, ["2024/25 Q4"]);
        assert_eq!(line.late, ["2024/25 Q3"]);
        assert_eq!(line.rows_accepted, 40);
        // A quarter whose every row was rejected still counts its rejects.
        assert_eq!(line.rows_rejected, 7);
        assert_eq!(line.rows_read, 47);
        assert_eq!(line.agency, "Children's social care");
    }

    #[test]
    fn a_file_for_the_whole_year_is_received_not_missing() {
        // A quarterly feed sent one file for 2024/25: its 12 rows were once
        // shown as "received: none".
        let due = vec!["2024/25-Q3".to_string(), "2024/25-Q4".to_string()];
        assert_eq!(covering("2024/25-Q3"), ["2024/25-H2", "2024/25"]);
        let accepted = [
            count("bb", "2024/25", 12),
            count("bb", "2023/24", 9), // another year
        ];
        let line = feed_quality("bb", "Housing", &due, [&accepted, &[], &[]]);
        assert_eq!(line.received, ["2024/25"]);
        assert!(line.missing.is_empty(), "{:?}", line.missing);
        assert_eq!(line.rows_accepted, 12);
    }
}
