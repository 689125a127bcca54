//! Accepted rows → an Arrow batch in the dataset's schema: the dataset's
//! columns, then the lineage columns every row carries.

use std::sync::Arc;

use arrow::array::{
    ArrayBuilder, ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int64Array,
    Int64Builder, RecordBatch, StringArray, StringBuilder, TimestampMicrosecondArray,
};
use arrow::buffer::MutableBuffer;
use arrow::datatypes::SchemaRef;
use arrow::temporal_conversions::UNIX_EPOCH_DAY;
use chrono::{Datelike, NaiveDate};
use pqa_core::schema::ColumnType;

use crate::coerce::Value;
use crate::error::{Error, Result};
use crate::map::Submission;
use crate::privacy::{Identifier, PseudonymKey};

/// Rows of one submission being gathered into the next batch, one Arrow
/// builder per column. One builder serves a mapping thread for a whole file:
/// it is left empty after each batch, and keeps the lineage that every batch
/// repeats.
pub(crate) struct BatchBuilder<'s, 'a> {
    sub: &'s Submission<'a>,
    /// The batches' schema: the dataset's columns, then lineage.
    schema: SchemaRef,
    columns: Vec<Column>,
    source_rows: Vec<i64>,
    lineage: Option<Lineage>,
}

/// The lineage columns that are the same on every row of a submission (feed,
/// period, source file, checksum, run, time), for as many rows as the
/// largest batch so far; a batch takes a slice of them, which copies
/// nothing. Built for every batch they copied ~180 bytes a row into fresh
/// memory: ~4% of the CPU of a 10M-row ingest.
struct Lineage {
    rows: usize,
    /// `_feed`, `_period`, `_source_file`, `_source_sha256`.
    source: [ArrayRef; 4],
    /// `_run_id`, `_ingested_at`.
    run: [ArrayRef; 2],
}

impl Lineage {
    fn new(sub: &Submission, rows: usize) -> Lineage {
        let repeat = |s: &str| {
            Arc::new(StringArray::from_iter_values(std::iter::repeat_n(s, rows))) as ArrayRef
        };
        let ingested_at =
            TimestampMicrosecondArray::from_value(sub.ingested_at.timestamp_micros(), rows)
                .with_timezone("UTC");
        Lineage {
            rows,
            source: [
                repeat(&sub.feed.feed),
                repeat(&sub.period.to_string()),
                repeat(&sub.file),
                repeat(&sub.sha256),
            ],
            run: [repeat(&sub.run_id), Arc::new(ingested_at)],
        }
    }
}

/// An Arrow date: days from 1 January 1970. Counted from Arrow's constant for
/// that day (`UNIX_EPOCH_DAY`, days from the start of the common era), where
/// building the epoch's date for each row, as `Date32Type::from_naive_date`
/// does, was ~1% of a CAMHS ingest.
fn days_since_1970(date: NaiveDate) -> i32 {
    (i64::from(date.num_days_from_ce()) - UNIX_EPOCH_DAY) as i32
}

enum Column {
    Text(StringBuilder, Pending),
    Integer(Int64Builder),
    Number(Float64Builder),
    Date(Date32Builder),
    Boolean(BooleanBuilder),
}

impl<'s, 'a> BatchBuilder<'s, 'a> {
    pub(crate) fn new(sub: &'s Submission<'a>) -> BatchBuilder<'s, 'a> {
        let columns = sub
            .schema
            .columns
            .values()
            .map(|def| match def.kind {
                ColumnType::String => Column::Text(StringBuilder::new(), Pending::default()),
                ColumnType::Integer => Column::Integer(Int64Builder::new()),
                ColumnType::Number => Column::Number(Float64Builder::new()),
                ColumnType::Date => Column::Date(Date32Builder::new()),
                ColumnType::Boolean => Column::Boolean(BooleanBuilder::new()),
            })
            .collect();
        BatchBuilder {
            sub,
            schema: sub.schema.arrow_schema(),
            columns,
            source_rows: Vec::new(),
            lineage: None,
        }
    }

    /// Rows gathered so far.
    pub(crate) fn len(&self) -> usize {
        self.source_rows.len()
    }

    /// Adds one accepted row (values in schema order) read from `source_row`.
    /// The values are read where they lie: moving each out (as draining the
    /// row did) copied it through the stack, and a pseudonym's 32 bytes at an
    /// odd offset stalled on every row.
    pub(crate) fn push(&mut self, values: &[Option<Value>], source_row: usize) {
        for (column, value) in self.columns.iter_mut().zip(values) {
            match column {
                Column::Text(b, pending) => match value {
                    Some(Value::Identifier(identifier)) => {
                        pending.offsets.push(b.values_slice().len());
                        pending.identifiers.push(*identifier);
                        b.append_value(Pending::PLACEHOLDER);
                    }
                    _ => match value.as_ref().and_then(Value::as_text) {
                        Some(text) => b.append_value(text),
                        None => b.append_null(),
                    },
                },
                Column::Integer(b) => b.append_option(match value {
                    Some(Value::Integer(i)) => Some(*i),
                    _ => None,
                }),
                Column::Number(b) => b.append_option(match value {
                    Some(Value::Number(x)) => Some(*x),
                    Some(Value::Integer(i)) => Some(*i as f64),
                    _ => None,
                }),
                Column::Date(b) => b.append_option(match value {
                    Some(Value::Date(d)) => Some(days_since_1970(*d)),
                    _ => None,
                }),
                Column::Boolean(b) => b.append_option(match value {
                    Some(Value::Boolean(x)) => Some(*x),
                    _ => None,
                }),
            }
        }
        self.source_rows.push(source_row as i64);
    }

    /// The rows gathered, with their lineage, as one batch; the builder is
    /// left empty for the next, with room for as many rows (and as much
    /// text) as this batch held. A builder finished empty grew its buffers
    /// again by doubling for every batch: copies, and fresh memory each time.
    pub(crate) fn finish(&mut self) -> Result<RecordBatch> {
        let n = self.source_rows.len();
        let source_rows = std::mem::replace(&mut self.source_rows, Vec::with_capacity(n));
        let mut arrays: Vec<ArrayRef> = self
            .columns
            .iter_mut()
            .map(|column| match column {
                Column::Text(b, pending) => {
                    let bytes = b.values_slice().len();
                    let text =
                        std::mem::replace(b, StringBuilder::with_capacity(n, bytes)).finish();
                    if pending.identifiers.is_empty() {
                        Ok(Arc::new(text) as ArrayRef)
                    } else {
                        let key = self.sub.key.ok_or_else(|| {
                            Error::Internal("identifiers to pseudonymise without a key".into())
                        })?;
                        pending.fill(text, key).map(|a| Arc::new(a) as ArrayRef)
                    }
                }
                Column::Integer(b) => Ok(refill(b, Int64Builder::with_capacity(n))),
                Column::Number(b) => Ok(refill(b, Float64Builder::with_capacity(n))),
                Column::Date(b) => Ok(refill(b, Date32Builder::with_capacity(n))),
                Column::Boolean(b) => Ok(refill(b, BooleanBuilder::with_capacity(n))),
            })
            .collect::<Result<_>>()?;
        let lineage = match self.lineage.take() {
            Some(lineage) if lineage.rows >= n => lineage,
            _ => Lineage::new(self.sub, n),
        };
        arrays.extend(lineage.source.iter().map(|a| a.slice(0, n)));
        arrays.push(Arc::new(Int64Array::from(source_rows)));
        arrays.extend(lineage.run.iter().map(|a| a.slice(0, n)));
        self.lineage = Some(lineage);
        RecordBatch::try_new(self.schema.clone(), arrays)
            .map_err(|e| Error::Internal(e.to_string()))
    }
}

/// Identifiers in a text column waiting for their pseudonyms, and where each
/// pseudonym goes in the column's bytes. Their pseudonyms are made together
/// when the batch is finished: four at a time, an identifier's keyed hash
/// costs about half what it does alone (BENCHMARKS.md).
#[derive(Default)]
struct Pending {
    identifiers: Vec<Identifier>,
    offsets: Vec<usize>,
}

impl Pending {
    /// Stands in the column's bytes where a pseudonym will be written.
    const PLACEHOLDER: &str = "00000000000000000000000000000000";

    /// `text` with each placeholder replaced by its identifier's pseudonym;
    /// left empty for the next batch.
    fn fill(&mut self, text: StringArray, key: &PseudonymKey) -> Result<StringArray> {
        let pseudonyms = key.pseudonymise_all(&self.identifiers);
        let (offsets, values, nulls) = text.into_parts();
        // The builder's bytes are this array's alone, so they are written in
        // place; were they shared, they would be copied first.
        let mut values = values.into_mutable().unwrap_or_else(|shared| {
            let mut copy = MutableBuffer::new(shared.len());
            copy.extend_from_slice(shared.as_slice());
            copy
        });
        let bytes = values.as_slice_mut();
        for (offset, pseudonym) in self.offsets.iter().zip(&pseudonyms) {
            bytes[*offset..*offset + Self::PLACEHOLDER.len()].copy_from_slice(pseudonym.as_bytes());
        }
        self.identifiers.clear();
        self.offsets.clear();
        StringArray::try_new(offsets, values.into(), nulls)
            .map_err(|e| Error::Internal(e.to_string()))
    }
}

/// The array `builder` holds, leaving `empty` in its place.
fn refill<B: ArrayBuilder>(builder: &mut B, empty: B) -> ArrayRef {
    std::mem::replace(builder, empty).finish()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    #[test]
    fn dates_count_days_from_1970() {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        for (y, m, d) in [(1970, 1, 1), (1969, 12, 31), (2024, 2, 29), (1900, 3, 1)] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(
                super::days_since_1970(date),
                (date - epoch).num_days() as i32,
                "{date}"
            );
        }
    }
}
