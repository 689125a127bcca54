//! The `findings` table: the questions each report asked, in the words it
//! used, so that later reports quote them as they were asked rather than
//! re-deriving them from figures that have changed since.
//!
//! Like `runs`, the table is its own commit point (one Delta commit per
//! report written) and is read at its latest version. Each row names the
//! last completed run when it was written (`run_number`): a report rebuilt
//! `--as-of` run N reads only rows written when run N was the latest or
//! before, so it is rebuilt exactly even if later reports were written since.

use std::sync::Arc;

use arrow::array::{AsArray, BooleanArray, Int64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use chrono::{DateTime, Utc};

use super::{FINDINGS, Rows, Warehouse, read_all};
use crate::error::Result;
use crate::records::{int_at, string_at, strings, time_at, ts_array, ts_type};

/// One question of one report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingRecord {
    /// The report period, e.g. `2024/25-H2`.
    pub report_period: String,
    /// The last completed run when the report was written.
    pub run_number: i64,
    /// `metric:rule:period`, as agencies quote it.
    pub finding_id: String,
    /// Its number in the report: question 3 is quoted as `2024/25-H2 Q3`.
    pub number: i64,
    pub metric: String,
    pub agency: String,
    pub rule: String,
    pub severity: String,
    pub direction: String,
    pub statement: String,
    pub question: String,
    /// The figures behind it, as printed: JSON `[[period, figure], …]`.
    pub figures: String,
    /// Written by the final report (`pqa report --final`), not a draft.
    pub final_report: bool,
    pub written_at: DateTime<Utc>,
}

impl FindingRecord {
    pub fn schema() -> SchemaRef {
        let text = |n: &str| Field::new(n, DataType::Utf8, false);
        Arc::new(Schema::new(vec![
            text("report_period"),
            Field::new("run_number", DataType::Int64, false),
            text("finding_id"),
            Field::new("number", DataType::Int64, false),
            text("metric"),
            text("agency"),
            text("rule"),
            text("severity"),
            text("direction"),
            text("statement"),
            text("question"),
            text("figures"),
            Field::new("final_report", DataType::Boolean, false),
            Field::new("written_at", ts_type(), false),
        ]))
    }

    pub fn to_batch(records: &[FindingRecord]) -> Result<RecordBatch> {
        let text = |f: fn(&FindingRecord) -> &str| strings(records.iter().map(|r| Some(f(r))));
        Ok(RecordBatch::try_new(
            Self::schema(),
            vec![
                text(|r| &r.report_period),
                Arc::new(Int64Array::from(
                    records.iter().map(|r| r.run_number).collect::<Vec<_>>(),
                )),
                text(|r| &r.finding_id),
                Arc::new(Int64Array::from(
                    records.iter().map(|r| r.number).collect::<Vec<_>>(),
                )),
                text(|r| &r.metric),
                text(|r| &r.agency),
                text(|r| &r.rule),
                text(|r| &r.severity),
                text(|r| &r.direction),
                text(|r| &r.statement),
                text(|r| &r.question),
                text(|r| &r.figures),
                Arc::new(BooleanArray::from(
                    records.iter().map(|r| r.final_report).collect::<Vec<_>>(),
                )),
                ts_array(records.iter().map(|r| r.written_at)),
            ],
        )?)
    }

    pub fn from_batch(batch: &RecordBatch) -> Result<Vec<FindingRecord>> {
        let text = |name: &str, i: usize| -> Result<String> {
            Ok(string_at(batch, name, i)?.unwrap_or_default())
        };
        (0..batch.num_rows())
            .map(|i| {
                Ok(FindingRecord {
                    report_period: text("report_period", i)?,
                    run_number: int_at(batch, "run_number", i)?,
                    finding_id: text("finding_id", i)?,
                    number: int_at(batch, "number", i)?,
                    metric: text("metric", i)?,
                    agency: text("agency", i)?,
                    rule: text("rule", i)?,
                    severity: text("severity", i)?,
                    direction: text("direction", i)?,
                    statement: text("statement", i)?,
                    question: text("question", i)?,
                    figures: text("figures", i)?,
                    final_report: batch
                        .column_by_name("final_report")
                        .and_then(|c| c.as_boolean_opt())
                        .is_some_and(|c| c.value(i)),
                    written_at: time_at(batch, "written_at", i)?,
                })
            })
            .collect()
    }
}

impl Warehouse {
    /// Stores a report's findings: they replace those the same report
    /// period stored while the same run was the latest (writing a report
    /// twice keeps one copy), in one commit.
    pub async fn store_findings(
        &self,
        report_period: &str,
        run_number: i64,
        records: &[FindingRecord],
    ) -> Result<()> {
        let latest = self.latest(FINDINGS).await?.and_then(|t| t.version());
        let predicate = format!(
            "report_period = '{}' AND run_number = {run_number}",
            report_period.replace('\'', "''")
        );
        self.write(
            FINDINGS,
            Rows::Batches(vec![FindingRecord::to_batch(records)?]),
            latest,
            latest.map(|_| predicate),
        )
        .await?;
        Ok(())
    }

    /// The `findings` table at its latest version (it is its own commit
    /// point), or `None` before any report was written.
    pub async fn findings_table(&self) -> Result<Option<deltalake::DeltaTable>> {
        self.latest(FINDINGS).await
    }

    /// Every stored finding written while run `as_of` (or an earlier one)
    /// was the latest; all of them when `as_of` is `None`.
    pub async fn findings(&self, as_of: Option<i64>) -> Result<Vec<FindingRecord>> {
        let Some(table) = self.latest(FINDINGS).await? else {
            return Ok(vec![]);
        };
        let mut out = Vec::new();
        for batch in read_all(&table).await? {
            out.extend(
                FindingRecord::from_batch(&batch)?
                    .into_iter()
                    .filter(|r| as_of.is_none_or(|n| r.run_number <= n)),
            );
        }
        out.sort_by(|a, b| {
            (&a.report_period, a.run_number, &a.finding_id).cmp(&(
                &b.report_period,
                b.run_number,
                &b.finding_id,
            ))
        });
        Ok(out)
    }
}
