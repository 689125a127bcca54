//! pqa's own tables: `runs` (one row per completed run, naming the version of
//! every table it left), `submissions` (one row per file a run took or
//! refused) and `rejects` (one row per reason a row was refused).

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::{
    DataType, Field, Int64Type, Schema, SchemaRef, TimeUnit, TimestampMicrosecondType,
};
use chrono::{DateTime, Utc};

use crate::error::{Error, Result};

/// A completed run: the commit point of everything it wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// 1, 2, 3, … in the order runs completed.
    pub run_number: i64,
    pub run_id: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// Table name → Delta version readers must use.
    pub tables: BTreeMap<String, u64>,
}

/// What happened to one file in one run. Only files whose rows were taken
/// are recorded; refused files are reported, and tried again next run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionRecord {
    pub run_id: String,
    pub file: String,
    pub sha256: String,
    pub feed: Option<String>,
    pub dataset: Option<String>,
    pub period: Option<String>,
    /// `loaded`, `replaced` (a resubmission that replaced earlier rows),
    /// `superseded` (a file of the same run replaced it, by the feed's
    /// resubmission rule) or `refused` (the whole file, with the reason in
    /// `message`; no feed or period when none claimed or placed it).
    pub status: String,
    pub rows_read: i64,
    pub rows_accepted: i64,
    pub rows_rejected: i64,
    /// Why a file was refused, or notes such as unused headers.
    pub message: Option<String>,
}

/// One reason one row of one file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectRecord {
    pub run_id: String,
    pub feed: String,
    pub period: String,
    pub file: String,
    pub sha256: String,
    pub sheet: Option<String>,
    pub source_row: i64,
    pub column_name: Option<String>,
    pub rule: String,
    pub message: String,
}

pub(crate) fn ts_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

pub(crate) fn ts_array(values: impl IntoIterator<Item = DateTime<Utc>>) -> ArrayRef {
    Arc::new(
        TimestampMicrosecondArray::from(
            values
                .into_iter()
                .map(|t| t.timestamp_micros())
                .collect::<Vec<_>>(),
        )
        .with_timezone("UTC"),
    )
}

pub(crate) fn strings<'a>(values: impl IntoIterator<Item = Option<&'a str>>) -> ArrayRef {
    Arc::new(StringArray::from(values.into_iter().collect::<Vec<_>>()))
}

pub(crate) fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef> {
    batch
        .column_by_name(name)
        .ok_or_else(|| Error::Corrupt(format!("column `{name}` is missing")))
}

pub(crate) fn string_at(batch: &RecordBatch, name: &str, i: usize) -> Result<Option<String>> {
    // Parquet strings may come back as Utf8View; read them all as Utf8.
    let a = arrow::compute::cast(column(batch, name)?, &DataType::Utf8)?;
    let a = a
        .as_string_opt::<i32>()
        .ok_or_else(|| Error::Corrupt(format!("`{name}` is not text")))?;
    Ok(a.is_valid(i).then(|| a.value(i).to_string()))
}

pub(crate) fn int_at(batch: &RecordBatch, name: &str, i: usize) -> Result<i64> {
    let a = column(batch, name)?
        .as_primitive_opt::<Int64Type>()
        .ok_or_else(|| Error::Corrupt(format!("`{name}` is not an integer")))?;
    Ok(a.value(i))
}

pub(crate) fn time_at(batch: &RecordBatch, name: &str, i: usize) -> Result<DateTime<Utc>> {
    let a = column(batch, name)?
        .as_primitive_opt::<TimestampMicrosecondType>()
        .ok_or_else(|| Error::Corrupt(format!("`{name}` is not a timestamp")))?;
    DateTime::from_timestamp_micros(a.value(i))
        .ok_or_else(|| Error::Corrupt(format!("`{name}` is out of range")))
}

impl RunRecord {
    pub fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("run_number", DataType::Int64, false),
            Field::new("run_id", DataType::Utf8, false),
            Field::new("started_at", ts_type(), false),
            Field::new("finished_at", ts_type(), false),
            Field::new("table_versions", DataType::Utf8, false),
        ]))
    }

    pub fn to_batch(&self) -> Result<RecordBatch> {
        let versions =
            serde_json::to_string(&self.tables).map_err(|e| Error::Corrupt(e.to_string()))?;
        Ok(RecordBatch::try_new(
            Self::schema(),
            vec![
                Arc::new(Int64Array::from(vec![self.run_number])),
                strings([Some(self.run_id.as_str())]),
                ts_array([self.started_at]),
                ts_array([self.finished_at]),
                strings([Some(versions.as_str())]),
            ],
        )?)
    }

    pub fn from_batch(batch: &RecordBatch) -> Result<Vec<RunRecord>> {
        (0..batch.num_rows())
            .map(|i| {
                let versions = string_at(batch, "table_versions", i)?.unwrap_or_default();
                Ok(RunRecord {
                    run_number: int_at(batch, "run_number", i)?,
                    run_id: string_at(batch, "run_id", i)?.unwrap_or_default(),
                    started_at: time_at(batch, "started_at", i)?,
                    finished_at: time_at(batch, "finished_at", i)?,
                    tables: serde_json::from_str(&versions)
                        .map_err(|e| Error::Corrupt(format!("table_versions: {e}")))?,
                })
            })
            .collect()
    }
}

impl SubmissionRecord {
    pub fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("run_id", DataType::Utf8, false),
            Field::new("file", DataType::Utf8, false),
            Field::new("sha256", DataType::Utf8, false),
            Field::new("feed", DataType::Utf8, true),
            Field::new("dataset", DataType::Utf8, true),
            Field::new("period", DataType::Utf8, true),
            Field::new("status", DataType::Utf8, false),
            Field::new("rows_read", DataType::Int64, false),
            Field::new("rows_accepted", DataType::Int64, false),
            Field::new("rows_rejected", DataType::Int64, false),
            Field::new("message", DataType::Utf8, true),
        ]))
    }

    pub fn to_batch(records: &[SubmissionRecord]) -> Result<RecordBatch> {
        let ints = |f: fn(&SubmissionRecord) -> i64| {
            Arc::new(Int64Array::from(records.iter().map(f).collect::<Vec<_>>())) as ArrayRef
        };
        Ok(RecordBatch::try_new(
            Self::schema(),
            vec![
                strings(records.iter().map(|r| Some(r.run_id.as_str()))),
                strings(records.iter().map(|r| Some(r.file.as_str()))),
                strings(records.iter().map(|r| Some(r.sha256.as_str()))),
                strings(records.iter().map(|r| r.feed.as_deref())),
                strings(records.iter().map(|r| r.dataset.as_deref())),
                strings(records.iter().map(|r| r.period.as_deref())),
                strings(records.iter().map(|r| Some(r.status.as_str()))),
                ints(|r| r.rows_read),
                ints(|r| r.rows_accepted),
                ints(|r| r.rows_rejected),
                strings(records.iter().map(|r| r.message.as_deref())),
            ],
        )?)
    }

    pub fn from_batch(batch: &RecordBatch) -> Result<Vec<SubmissionRecord>> {
        (0..batch.num_rows())
            .map(|i| {
                Ok(SubmissionRecord {
                    run_id: string_at(batch, "run_id", i)?.unwrap_or_default(),
                    file: string_at(batch, "file", i)?.unwrap_or_default(),
                    sha256: string_at(batch, "sha256", i)?.unwrap_or_default(),
                    feed: string_at(batch, "feed", i)?,
                    dataset: string_at(batch, "dataset", i)?,
                    period: string_at(batch, "period", i)?,
                    status: string_at(batch, "status", i)?.unwrap_or_default(),
                    rows_read: int_at(batch, "rows_read", i)?,
                    rows_accepted: int_at(batch, "rows_accepted", i)?,
                    rows_rejected: int_at(batch, "rows_rejected", i)?,
                    message: string_at(batch, "message", i)?,
                })
            })
            .collect()
    }
}

impl RejectRecord {
    pub fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("run_id", DataType::Utf8, false),
            Field::new("feed", DataType::Utf8, false),
            Field::new("period", DataType::Utf8, false),
            Field::new("file", DataType::Utf8, false),
            Field::new("sha256", DataType::Utf8, false),
            Field::new("sheet", DataType::Utf8, true),
            Field::new("source_row", DataType::Int64, false),
            Field::new("column_name", DataType::Utf8, true),
            Field::new("rule", DataType::Utf8, false),
            Field::new("message", DataType::Utf8, false),
        ]))
    }

    pub fn to_batch(records: &[RejectRecord]) -> Result<RecordBatch> {
        Ok(RecordBatch::try_new(
            Self::schema(),
            vec![
                strings(records.iter().map(|r| Some(r.run_id.as_str()))),
                strings(records.iter().map(|r| Some(r.feed.as_str()))),
                strings(records.iter().map(|r| Some(r.period.as_str()))),
                strings(records.iter().map(|r| Some(r.file.as_str()))),
                strings(records.iter().map(|r| Some(r.sha256.as_str()))),
                strings(records.iter().map(|r| r.sheet.as_deref())),
                Arc::new(Int64Array::from(
                    records.iter().map(|r| r.source_row).collect::<Vec<_>>(),
                )),
                strings(records.iter().map(|r| r.column_name.as_deref())),
                strings(records.iter().map(|r| Some(r.rule.as_str()))),
                strings(records.iter().map(|r| Some(r.message.as_str()))),
            ],
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_records_round_trip() {
        let run = RunRecord {
            run_number: 3,
            run_id: "r".into(),
            started_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            finished_at: DateTime::from_timestamp(1_700_000_005, 0).unwrap(),
            tables: BTreeMap::from([("cp_plans".to_string(), 4), ("rejects".to_string(), 1)]),
        };
        assert_eq!(
            RunRecord::from_batch(&run.to_batch().unwrap()).unwrap(),
            vec![run]
        );
    }

    #[test]
    fn submission_records_round_trip() {
        let s = SubmissionRecord {
            run_id: "r".into(),
            file: "a.csv".into(),
            sha256: "00".into(),
            feed: Some("f".into()),
            dataset: None,
            period: Some("2024/25-Q1".into()),
            status: "loaded".into(),
            rows_read: 3,
            rows_accepted: 2,
            rows_rejected: 1,
            message: None,
        };
        let batch = SubmissionRecord::to_batch(std::slice::from_ref(&s)).unwrap();
        assert_eq!(SubmissionRecord::from_batch(&batch).unwrap(), vec![s]);
    }
}
