//! The query layer: a DataFusion session over the warehouse, as of a run, with
//! every dataset registered by name, plus pqa's own tables (`runs`,
//! `submissions`, `rejects`) and a `periods` calendar. Metrics are SQL over it.

pub mod engine;
pub mod error;
#[cfg(feature = "ballista")]
pub mod processes;
pub mod working_days;

use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type};
use datafusion::datasource::MemTable;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};
use pqa_core::{MetricSpec, Period, Point, Project, Series};
use pqa_store::{RunRecord, Warehouse};
use tracing::{debug, warn};

pub use engine::Engine;
pub use error::{Error, Result};

/// Memory the query engine may use before it spills or fails (bounded, so a
/// large pooled dataset cannot take the machine down).
const MEMORY_LIMIT_BYTES: usize = 4 << 30;

/// Partitions a local query is split into, per core. With one per core (the
/// default) a 100M-row attendance metric kept both cores busy only ~75% of
/// its time (17 s of CPU in 12 s for five runs); with three per core the same
/// CPU took 8.9 s, one partition's wait filled by another's work.
const PARTITIONS_PER_CORE: usize = 3;

/// Periods of every kind from this year on are in `periods`.
const CALENDAR_FIRST_YEAR: i32 = 2010;
const CALENDAR_LAST_YEAR: i32 = 2040;

/// Text as an SQL string literal (quotes doubled), for values put into SQL
/// that pqa writes: names from YAML, periods, measures.
pub fn sql_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A DataFusion session over one state of the warehouse.
pub struct QueryLayer {
    ctx: SessionContext,
    /// On a cluster: the folder of small tables the executors read.
    #[cfg(feature = "ballista")]
    _scratch: Option<engine::cluster::Scratch>,
    /// The run whose table versions are read; `None` for an empty warehouse.
    pub run: Option<RunRecord>,
}

impl QueryLayer {
    /// Opens the warehouse as the run `as_of` left it (the last run when `None`),
    /// with queries run by `engine`. Datasets with no data yet are registered
    /// empty, so SQL over them works.
    pub async fn open(
        warehouse: &Warehouse,
        project: &Project,
        as_of: Option<i64>,
        engine: &Engine,
    ) -> Result<QueryLayer> {
        let tables = Tables::open(warehouse, engine).await?;
        // On a cluster the executors would need it too; pqa's own executors
        // do not register it yet, so SQL calling it runs locally.
        tables
            .ctx
            .register_udf(working_days::udf(project.bank_holidays.clone()));
        let run = warehouse.run(as_of).await?;
        let datasets = match &run {
            Some(run) => warehouse.snapshot(run).await?,
            None => vec![],
        };
        for (name, table) in &datasets {
            tables.register_delta(name, table).await?;
            debug!(table = %name, version = ?table.version(), "registered");
        }
        // `runs` and `findings` are their own commit points, read at their
        // latest version, so each is shown as of the run read: a run that
        // commits while this one reads, or a later run when reading
        // `--as-of`, is not seen.
        let pinned = run.as_ref().map_or(0, |r| r.run_number);
        for (name, table) in [
            (pqa_store::RUNS, warehouse.runs_table().await?),
            (pqa_store::FINDINGS, warehouse.findings_table().await?),
        ] {
            if let Some(table) = table {
                let whole = format!("pqa_all_{name}");
                tables.register_delta(&whole, &table).await?;
                tables
                    .ctx
                    .sql(&format!(
                        "CREATE VIEW {name} AS SELECT * FROM {whole} WHERE run_number <= {pinned}"
                    ))
                    .await?;
            }
        }
        // pqa's own tables exist, empty, before the first run writes them.
        let registered = |name: &str| tables.ctx.table_exist(name).unwrap_or(false);
        for (name, schema) in [
            (pqa_store::RUNS, pqa_store::RunRecord::schema()),
            (pqa_store::FINDINGS, pqa_store::FindingRecord::schema()),
            (
                pqa_store::SUBMISSIONS,
                pqa_store::SubmissionRecord::schema(),
            ),
            (pqa_store::REJECTS, pqa_store::RejectRecord::schema()),
        ] {
            if !registered(name) && !datasets.iter().any(|(n, _)| *n == name) {
                tables.register_batch(name, RecordBatch::new_empty(schema))?;
            }
        }
        for schema in &project.schemas {
            if !datasets.iter().any(|(n, _)| *n == schema.dataset) {
                let empty = RecordBatch::new_empty(schema.arrow_schema());
                tables.register_batch(&schema.dataset, empty)?;
            }
        }
        tables.register_batch("periods", periods_batch()?)?;
        tables.register_batch("partnership", partnership_batch(project)?)?;
        let ctx = tables.ctx;
        // Each metric is a view named after it, so `SELECT * FROM
        // cp_children_with_plan` answers in `pqa query`. A metric whose SQL
        // does not plan is left out here and reported when it is used.
        for metric in &project.metrics {
            let view = format!("CREATE VIEW \"{}\" AS {}", metric.metric, metric.sql);
            if let Err(e) = ctx.sql(&view).await {
                warn!(metric = %metric.metric, error = %e, "metric SQL does not plan");
            }
        }
        Ok(QueryLayer {
            ctx,
            #[cfg(feature = "ballista")]
            _scratch: tables.scratch,
            run,
        })
    }

    /// Runs SQL and collects the result.
    pub async fn sql(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        Ok(self.ctx.sql(sql).await?.collect().await?)
    }

    /// A metric's series: its SQL must return `period` and `value` columns.
    pub async fn series(&self, metric: &MetricSpec) -> Result<Series> {
        let batches = self.sql(&metric.sql).await.map_err(|e| Error::Metric {
            metric: metric.metric.clone(),
            message: e.to_string(),
        })?;
        series_from(metric, &batches)
    }
}

/// The cores this machine gives pqa.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A session being given its tables, locally or for a cluster.
struct Tables {
    ctx: SessionContext,
    /// For a cluster: where small tables are written for the executors.
    #[cfg(feature = "ballista")]
    scratch: Option<engine::cluster::Scratch>,
}

impl Tables {
    async fn open(warehouse: &Warehouse, engine: &Engine) -> Result<Tables> {
        match engine {
            Engine::Local => {
                let runtime = RuntimeEnvBuilder::new()
                    .with_memory_limit(MEMORY_LIMIT_BYTES, 1.0)
                    .build_arc()?;
                Ok(Tables {
                    ctx: SessionContext::new_with_config_rt(
                        SessionConfig::new()
                            .with_information_schema(true)
                            .with_target_partitions(PARTITIONS_PER_CORE * cores()),
                        runtime,
                    ),
                    #[cfg(feature = "ballista")]
                    scratch: None,
                })
            }
            #[cfg(feature = "ballista")]
            Engine::Ballista(address) => {
                let id = uuid::Uuid::new_v4();
                Ok(Tables {
                    ctx: engine::cluster::session(address).await?,
                    scratch: Some(engine::cluster::Scratch::create(
                        warehouse.staging_dir(&format!("query-{id}")),
                    )?),
                })
            }
            #[cfg(not(feature = "ballista"))]
            Engine::Ballista(_) => {
                let _ = warehouse;
                Err(Error::Engine(
                    "this pqa was built without Ballista: build it with `cargo build --features ballista`".into(),
                ))
            }
        }
    }

    async fn register_delta(&self, name: &str, table: &pqa_store::DeltaTable) -> Result<()> {
        #[cfg(feature = "ballista")]
        if let Some(scratch) = &self.scratch {
            return engine::cluster::register_delta(&self.ctx, name, table, scratch).await;
        }
        table.update_datafusion_session(&self.ctx.state())?;
        self.ctx
            .register_table(name, table.table_provider().await?)?;
        Ok(())
    }

    fn register_batch(&self, name: &str, batch: RecordBatch) -> Result<()> {
        #[cfg(feature = "ballista")]
        if let Some(scratch) = &self.scratch {
            return engine::cluster::register_batch(&self.ctx, name, &batch, scratch);
        }
        let table = MemTable::try_new(batch.schema(), vec![vec![batch]])?;
        self.ctx.register_table(name, Arc::new(table))?;
        Ok(())
    }
}

/// Reads `period` and `value` columns (and the optional `base` and
/// `status`) into a series, oldest first. Every period must be of the
/// metric's kind: a quarterly metric returning `2024/25-M02` is an error on
/// that metric, which the report shows, never a figure put in the wrong place.
fn series_from(metric: &MetricSpec, batches: &[RecordBatch]) -> Result<Series> {
    let bad = |message: String| Error::Metric {
        metric: metric.metric.clone(),
        message,
    };
    let mut points: Vec<Point> = Vec::new();
    for batch in batches {
        let period = batch
            .column_by_name("period")
            .ok_or_else(|| bad("the SQL must return a `period` column".into()))?;
        let period = cast(period, &DataType::Utf8)?;
        let value = batch
            .column_by_name("value")
            .ok_or_else(|| bad("the SQL must return a `value` column".into()))?;
        let value = cast(value, &DataType::Float64)?;
        let (period, value) = (
            period.as_string::<i32>(),
            value.as_primitive::<Float64Type>(),
        );
        // Optional: what the value is built on (see `Point::base`).
        let base = batch
            .column_by_name("base")
            .map(|b| cast(b, &DataType::Float64))
            .transpose()?;
        let base = base.as_ref().map(|b| b.as_primitive::<Float64Type>());
        // Optional: the symbol written where a figure was withheld.
        let status = batch
            .column_by_name("status")
            .map(|b| cast(b, &DataType::Utf8))
            .transpose()?;
        let status = status.as_ref().map(|s| s.as_string::<i32>());
        for i in 0..batch.num_rows() {
            if period.is_null(i) {
                continue;
            }
            let p: Period = period
                .value(i)
                .parse()
                .map_err(|e: pqa_core::Error| bad(e.to_string()))?;
            if p.kind() != metric.kind() {
                return Err(bad(format!(
                    "the SQL returned the period {p} ({}), but the metric is counted in {} \
                     (its `frequency:`): return periods like {}",
                    p.kind().name(),
                    metric.kind().nouns(),
                    metric.kind().example()
                )));
            }
            if points.iter().any(|q| q.period == p) {
                return Err(bad(format!(
                    "the SQL returned {p} more than once: group by the period"
                )));
            }
            let value = value.is_valid(i).then(|| value.value(i));
            points.push(Point {
                period: p,
                value,
                base: base.filter(|b| b.is_valid(i)).map(|b| b.value(i)),
                withheld: status
                    .filter(|s| value.is_none() && s.is_valid(i) && !s.value(i).trim().is_empty())
                    .map(|s| s.value(i).trim().to_string()),
            });
        }
    }
    points.sort_by_key(|p| p.period);
    Ok(Series { points })
}

/// The `partnership` table: one row naming the partnership and the area it
/// covers, so metric SQL can find its own rows in published statistics.
fn partnership_batch(project: &Project) -> Result<RecordBatch> {
    use arrow::array::StringArray;
    use arrow::datatypes::{Field, Schema};
    let area = project.file.area.as_ref();
    let column = |v: Option<&str>| Arc::new(StringArray::from(vec![v])) as Arc<dyn Array>;
    let schema = Schema::new(
        ["name", "area", "area_code", "la_number"]
            .map(|n| Field::new(n, DataType::Utf8, true))
            .to_vec(),
    );
    Ok(RecordBatch::try_new(
        Arc::new(schema),
        vec![
            column(Some(&project.file.partnership)),
            column(area.map(|a| a.name.as_str())),
            column(area.map(|a| a.code.as_str())),
            column(area.map(|a| a.la_number.as_str())),
        ],
    )?)
}

/// The `periods` calendar: one row per period of every kind (`month`,
/// `quarter`, `term`, `half`, `year` for financial years, `academic_year`,
/// `calendar_year`), with its first and last day and, for a term or month,
/// the financial `quarter` holding most of it, so metric SQL can ask "open
/// at the end of the quarter" or link a term with a quarterly extract.
fn periods_batch() -> Result<RecordBatch> {
    use pqa_core::period::PeriodKind;
    let mut rows: Vec<Period> = Vec::new();
    for y in CALENDAR_FIRST_YEAR..=CALENDAR_LAST_YEAR {
        rows.push(Period::Year(y));
        rows.extend((1..=2).map(|h| Period::Half(y, h)));
        rows.extend((1..=4).map(|q| Period::Quarter(y, q)));
        rows.extend((1..=12).map(|m| Period::Month(y, m)));
        rows.extend((1..=3).map(|t| Period::Term(y, t)));
        rows.push(Period::AcademicYear(y));
        rows.push(Period::CalendarYear(y));
    }
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid");
    let days = |d: chrono::NaiveDate| (d - epoch).num_days() as i32;
    let kind = |p: &Period| match p.kind() {
        PeriodKind::FinancialYear => "year",
        PeriodKind::Half => "half",
        PeriodKind::Quarter => "quarter",
        PeriodKind::Month => "month",
        PeriodKind::Term => "term",
        PeriodKind::AcademicYear => "academic_year",
        PeriodKind::CalendarYear => "calendar_year",
    };
    let text = |f: &dyn Fn(&Period) -> String| {
        Arc::new(arrow::array::StringArray::from_iter_values(
            rows.iter().map(f),
        )) as _
    };
    Ok(RecordBatch::try_from_iter(vec![
        ("period", text(&|p| p.to_string())),
        ("kind", text(&|p| kind(p).to_string())),
        (
            "financial_year",
            text(&|p| Period::Year(p.financial_year()).to_string()),
        ),
        ("label", text(&|p| p.label())),
        (
            "quarter",
            Arc::new(arrow::array::StringArray::from_iter(
                rows.iter().map(|p| p.main_quarter().map(|q| q.to_string())),
            )) as _,
        ),
        (
            "start_date",
            Arc::new(arrow::array::Date32Array::from_iter_values(
                rows.iter().map(|p| days(p.start())),
            )) as _,
        ),
        (
            "end_date",
            Arc::new(arrow::array::Date32Array::from_iter_values(
                rows.iter().map(|p| days(p.end())),
            )) as _,
        ),
    ])?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, StringArray};

    #[test]
    fn series_reads_period_and_value_in_order() {
        let batch = RecordBatch::try_from_iter(vec![
            (
                "period",
                Arc::new(StringArray::from(vec![
                    Some("2024/25-Q2"),
                    Some("2024/25-Q1"),
                    None,
                ])) as _,
            ),
            (
                "value",
                Arc::new(Int64Array::from(vec![Some(5), None, Some(1)])) as _,
            ),
        ])
        .unwrap();
        let s = series_from(&metric("m"), &[batch]).unwrap();
        assert_eq!(s.points.len(), 2);
        assert_eq!(
            s.points[0],
            Point {
                period: Period::Quarter(2024, 1),
                value: None,
                base: None,
                withheld: None,
            }
        );
        assert_eq!(s.points[1].value, Some(5.0));
    }

    #[test]
    fn series_names_the_metric_when_columns_are_wrong() {
        let batch =
            RecordBatch::try_from_iter(vec![("when", Arc::new(StringArray::from(vec!["x"])) as _)])
                .unwrap();
        let err = series_from(&metric("cp_open"), &[batch])
            .unwrap_err()
            .to_string();
        assert!(err.contains("cp_open") && err.contains("`period`"), "{err}");
    }

    fn metric(name: &str) -> MetricSpec {
        serde_yaml::from_str(&format!(
            "metric: {name}\ntitle: t\narea: a\nagency: g\nunit: children\nmeasure: stock\n\
             better: neither\ndefinition: d\nsql: SELECT 1\n"
        ))
        .unwrap()
    }

    #[test]
    fn a_period_of_another_kind_is_an_error_on_the_metric() {
        let batch = RecordBatch::try_from_iter(vec![
            (
                "period",
                Arc::new(StringArray::from(vec!["2024/25-M01", "2024/25-M02"])) as _,
            ),
            ("value", Arc::new(Int64Array::from(vec![5, 6])) as _),
        ])
        .unwrap();
        let err = series_from(&metric("ae"), &[batch])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ae") && err.contains("2024/25-M01") && err.contains("quarters"),
            "{err}"
        );
    }

    #[test]
    fn a_withheld_figure_keeps_its_symbol() {
        let batch = RecordBatch::try_from_iter(vec![
            (
                "period",
                Arc::new(StringArray::from(vec!["2024/25-Q1", "2024/25-Q2"])) as _,
            ),
            (
                "value",
                Arc::new(Int64Array::from(vec![None, Some(7)])) as _,
            ),
            (
                "status",
                Arc::new(StringArray::from(vec![Some("<5"), Some("ignored")])) as _,
            ),
        ])
        .unwrap();
        let s = series_from(&metric("m"), &[batch]).unwrap();
        assert_eq!(s.points[0].withheld.as_deref(), Some("<5"));
        assert_eq!(s.points[1].withheld, None, "a figure given is not withheld");
    }

    #[tokio::test]
    async fn the_calendar_knows_quarter_ends() {
        let ctx = SessionContext::new();
        ctx.register_batch("periods", periods_batch().unwrap())
            .unwrap();
        let out = ctx
            .sql("SELECT CAST(end_date AS VARCHAR) AS e FROM periods WHERE period = '2024/25-Q4'")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let e = cast(out[0].column(0), &DataType::Utf8).unwrap();
        assert_eq!(e.as_string::<i32>().value(0), "2025-03-31");
    }
}
