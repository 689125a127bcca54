//! Encoding a data file: batches → Parquet row groups, as Delta Lake writes
//! its data files (Snappy, dictionaries, statistics, page indexes).
//!
//! Most of a row's lineage is one value for a whole submission (its feed,
//! period, source file, checksum, run and time): a staged file repeats the
//! same six values on every row. Parquet's writer would still intern each of
//! them in a dictionary and compare it for the statistics, row after row
//! (~5% of a national ingest's CPU). Here a column that holds one value
//! throughout a full row group is encoded once, for the first such row
//! group, and that column chunk's bytes are copied into every later full row
//! group that holds the same value. The bytes are what the writer would have
//! produced for that row group; only the time to produce them is saved. A
//! column that turns out not to be constant (files merged from several
//! submissions) is encoded as usual.

use std::fs::File;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit, TimestampMicrosecondType};
use bytes::Bytes;
use deltalake::parquet::arrow::ArrowWriter;
use deltalake::parquet::arrow::arrow_writer::{
    ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves,
};
use deltalake::parquet::column::writer::ColumnCloseResult;
use deltalake::parquet::file::properties::WriterProperties;
use deltalake::parquet::file::writer::SerializedFileWriter;
use pqa_core::schema::{LINEAGE_COLUMNS, SOURCE_ROW};

use crate::error::{Error, Result};
use crate::stats::OneValue;

/// Writes record batches of one schema to a Parquet file in row groups of
/// `row_group_rows`.
pub(crate) struct DataFileWriter {
    file: SerializedFileWriter<File>,
    factory: ArrowRowGroupWriterFactory,
    schema: SchemaRef,
    properties: Arc<WriterProperties>,
    row_group_rows: usize,
    /// The row group being gathered, if any rows are.
    group: Option<RowGroup>,
    written_groups: usize,
    /// The columns that may be one value throughout (lineage), by position.
    constants: Vec<Constant>,
    /// Column chunks copied instead of encoded.
    copied: usize,
}

/// A row group being gathered: the other columns are encoded as rows come,
/// the possibly constant ones only held until the group is complete.
struct RowGroup {
    writers: Vec<ArrowColumnWriter>,
    rows: usize,
    /// For each of [`DataFileWriter::constants`], its arrays in this group.
    held: Vec<Vec<ArrayRef>>,
    /// For each of them, whether every value so far equals its value.
    same: Vec<bool>,
}

/// A column that may hold one value throughout: its value in the first
/// row, and the column chunk of a full row group of it, once encoded.
struct Constant {
    index: usize,
    /// `None` until a batch is seen whose first row has a value.
    value: Option<ConstantValue>,
    chunk: Option<(Bytes, ColumnCloseResult)>,
}

enum ConstantValue {
    Text(Vec<u8>, OneValue),
    Timestamp(i64),
}

impl ConstantValue {
    /// The value at row 0 of `array`, if it is of a kind that is compared here.
    fn first_of(array: &dyn Array) -> Option<ConstantValue> {
        if array.is_empty() || array.null_count() > 0 {
            return None;
        }
        match array.data_type() {
            DataType::Utf8 => Some(ConstantValue::Text(
                array.as_string::<i32>().value(0).as_bytes().to_vec(),
                OneValue::default(),
            )),
            DataType::Timestamp(TimeUnit::Microsecond, _) => Some(ConstantValue::Timestamp(
                array.as_primitive::<TimestampMicrosecondType>().value(0),
            )),
            _ => None,
        }
    }

    /// Whether every value of `array` is this one.
    fn fills(&mut self, array: &dyn Array) -> bool {
        if array.null_count() > 0 {
            return false;
        }
        match (self, array.data_type()) {
            (ConstantValue::Text(value, one), DataType::Utf8) => one
                .of(array.as_string::<i32>())
                .is_some_and(|v| v.as_bytes() == value),
            (ConstantValue::Timestamp(value), DataType::Timestamp(TimeUnit::Microsecond, _)) => {
                let times = array.as_primitive::<TimestampMicrosecondType>();
                times.values().iter().all(|t| t == value)
            }
            _ => false,
        }
    }
}

impl DataFileWriter {
    /// A writer of a new file at `file`.
    pub(crate) fn try_new(
        file: File,
        schema: SchemaRef,
        properties: WriterProperties,
        row_group_rows: usize,
    ) -> Result<DataFileWriter> {
        let properties = Arc::new(properties);
        // ArrowWriter sets the file up as it would write it (the Arrow schema
        // in the file's metadata included), then hands over its parts.
        let (file, factory) =
            ArrowWriter::try_new(file, schema.clone(), Some((*properties).clone()))?
                .into_serialized_writer()?;
        let constants = schema
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| LINEAGE_COLUMNS.contains(&f.name().as_str()) && f.name() != SOURCE_ROW)
            .map(|(index, _)| Constant {
                index,
                value: None,
                chunk: None,
            })
            .collect();
        Ok(DataFileWriter {
            file,
            factory,
            schema,
            properties,
            row_group_rows: row_group_rows.max(1),
            group: None,
            written_groups: 0,
            constants,
            copied: 0,
        })
    }

    /// Appends a batch (of the file's schema).
    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let mut offset = 0;
        while offset < batch.num_rows() {
            if self.group.is_none() {
                self.group = Some(RowGroup {
                    writers: self.factory.create_column_writers(self.written_groups)?,
                    rows: 0,
                    held: vec![Vec::new(); self.constants.len()],
                    same: vec![true; self.constants.len()],
                });
            }
            let group = self.group.as_mut().expect("just made");
            let rows = (self.row_group_rows - group.rows).min(batch.num_rows() - offset);
            let part = batch.slice(offset, rows);
            let mut constants = self.constants.iter_mut().enumerate().peekable();
            for (index, (field, column)) in
                self.schema.fields().iter().zip(part.columns()).enumerate()
            {
                match constants.next_if(|(_, c)| c.index == index) {
                    Some((i, constant)) => {
                        if constant.value.is_none() {
                            constant.value = ConstantValue::first_of(column.as_ref());
                        }
                        group.same[i] = group.same[i]
                            && (constant.value.as_mut()).is_some_and(|v| v.fills(column.as_ref()));
                        group.held[i].push(column.clone());
                    }
                    None => encode(&mut group.writers[index], field, column)?,
                }
            }
            group.rows += rows;
            offset += rows;
            if group.rows == self.row_group_rows {
                self.flush()?;
            }
        }
        Ok(())
    }

    /// Writes the row group gathered so far, if any.
    fn flush(&mut self) -> Result<()> {
        let Some(group) = self.group.take() else {
            return Ok(());
        };
        let full = group.rows == self.row_group_rows;
        let mut row_group = self.file.next_row_group()?;
        let mut constants = self.constants.iter_mut().enumerate().peekable();
        let mut held = group.held.into_iter();
        for (index, mut writer) in group.writers.into_iter().enumerate() {
            let field = self.schema.field(index);
            let Some((i, constant)) = constants.next_if(|(_, c)| c.index == index) else {
                writer.close()?.append_to_row_group(&mut row_group)?;
                continue;
            };
            let arrays = held.next().expect("one per constant");
            if full && group.same[i] {
                if constant.chunk.is_none() {
                    constant.chunk = Some(encode_alone(field, &arrays, &self.properties)?);
                }
                let (bytes, close) = constant.chunk.as_ref().expect("just encoded");
                row_group.append_column(bytes, close.clone())?;
                self.copied += 1;
            } else {
                for array in &arrays {
                    encode(&mut writer, field, array)?;
                }
                writer.close()?.append_to_row_group(&mut row_group)?;
            }
        }
        row_group.close()?;
        self.written_groups += 1;
        Ok(())
    }

    /// Writes the last row group and the file's footer.
    pub(crate) fn close(mut self) -> Result<()> {
        self.flush()?;
        self.file.close()?;
        tracing::debug!(
            row_groups = self.written_groups,
            copied_column_chunks = self.copied,
            "data file written"
        );
        Ok(())
    }
}

/// Encodes one column's values into its writer.
fn encode(writer: &mut ArrowColumnWriter, field: &Field, column: &ArrayRef) -> Result<()> {
    for leaf in compute_leaves(field, column)? {
        writer.write(&leaf)?;
    }
    Ok(())
}

/// One column's arrays encoded as the column chunk of a one-column file
/// written with the same properties: its bytes, and what the file's writer
/// recorded of it (page offsets into those bytes, statistics, page indexes),
/// for appending to row groups of the real file.
fn encode_alone(
    field: &Field,
    arrays: &[ArrayRef],
    properties: &Arc<WriterProperties>,
) -> Result<(Bytes, ColumnCloseResult)> {
    let schema = Arc::new(Schema::new(vec![field.clone()]));
    let (mut file, factory) =
        ArrowWriter::try_new(Vec::new(), schema, Some((**properties).clone()))?
            .into_serialized_writer()?;
    let mut writer = factory
        .create_column_writers(0)?
        .pop()
        .ok_or_else(|| Error::Location("a column without a writer".into()))?;
    for array in arrays {
        encode(&mut writer, field, array)?;
    }
    let chunk = writer.close()?;
    let rows_written = chunk.close().rows_written;
    let mut row_group = file.next_row_group()?;
    chunk.append_to_row_group(&mut row_group)?;
    let metadata = row_group.close()?;
    let file_metadata = file.finish()?;
    let bytes = Bytes::from(std::mem::take(file.inner_mut()));
    let column = metadata.column(0).clone();
    let close = ColumnCloseResult {
        bytes_written: column.compressed_size() as u64,
        rows_written,
        metadata: column,
        bloom_filter: None,
        column_index: file_metadata.column_index().map(|c| c[0][0].clone()),
        offset_index: file_metadata.offset_index().map(|o| o[0][0].clone()),
    };
    Ok((bytes, close))
}

#[cfg(test)]
mod tests {
    use arrow::array::{Int64Array, StringArray, TimestampMicrosecondArray};
    use deltalake::parquet::file::properties::WriterProperties;

    use super::*;
    use crate::stats::one_value;

    const GROUP: usize = 1000;

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, false),
            Field::new("_feed", DataType::Utf8, false),
            Field::new(
                "_ingested_at",
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                false,
            ),
        ]))
    }

    /// Rows `from..to`, their feed as `feed(row)`, all ingested at one time.
    fn batch(from: i64, to: i64, feed: impl Fn(i64) -> &'static str) -> RecordBatch {
        let rows = (to - from) as usize;
        RecordBatch::try_new(
            schema(),
            vec![
                Arc::new(Int64Array::from_iter_values(from..to)),
                Arc::new(StringArray::from_iter_values((from..to).map(feed))),
                Arc::new(
                    TimestampMicrosecondArray::from_value(1_700_000_000_000_000, rows)
                        .with_timezone("UTC"),
                ),
            ],
        )
        .unwrap()
    }

    fn properties() -> WriterProperties {
        WriterProperties::builder()
            .set_max_row_group_row_count(Some(GROUP))
            .build()
    }

    /// The file's bytes as written by `DataFileWriter`, and by Parquet's own
    /// `ArrowWriter` from the same batches with the same properties; and how
    /// many column chunks `DataFileWriter` copied.
    fn both(batches: &[RecordBatch]) -> (Vec<u8>, Vec<u8>, usize) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ours.parquet");
        let mut ours =
            DataFileWriter::try_new(File::create(&path).unwrap(), schema(), properties(), GROUP)
                .unwrap();
        let mut theirs = ArrowWriter::try_new(Vec::new(), schema(), Some(properties())).unwrap();
        for batch in batches {
            ours.write(batch).unwrap();
            theirs.write(batch).unwrap();
        }
        let copied = ours.copied;
        ours.close().unwrap();
        (
            std::fs::read(&path).unwrap(),
            theirs.into_inner().unwrap(),
            copied,
        )
    }

    #[test]
    fn constant_columns_copied_between_row_groups_give_the_writers_own_bytes() {
        // Batches that straddle row groups; three full groups and a partial one.
        let batches: Vec<RecordBatch> = [(0, 700), (700, 2500), (2500, 3100), (3100, 3333)]
            .iter()
            .map(|&(from, to)| batch(from, to, |_| "school_attendance"))
            .collect();
        let (ours, theirs, copied) = both(&batches);
        assert_eq!(ours, theirs);
        // `_feed` and `_ingested_at` in each of the three full row groups.
        assert_eq!(copied, 6);
    }

    #[test]
    fn a_column_that_changes_value_is_encoded_as_usual() {
        // Files merged from several submissions: the feed changes within a
        // row group, and later groups hold another value than the first.
        let feed = |row: i64| {
            if row < 1500 {
                "cp_plans"
            } else {
                "camhs_referrals"
            }
        };
        let batches = vec![batch(0, 1200, feed), batch(1200, 4000, feed)];
        let (ours, theirs, copied) = both(&batches);
        assert_eq!(ours, theirs);
        // `_ingested_at` in all four (full) row groups; `_feed` only in the
        // first, the one group that holds nothing but its first value.
        assert_eq!(copied, 5);
    }

    #[test]
    fn constant_text_is_recognised_only_when_every_value_is_it() {
        let array = |values: &[&str]| StringArray::from_iter_values(values.iter());
        let mut value = ConstantValue::first_of(&array(&["ab", "ab"])).unwrap();
        assert!(value.fills(&array(&["ab", "ab", "ab"])));
        assert!(value.fills(&array(&["ab", "ab", "ab"]).slice(1, 2)));
        assert!(!value.fills(&array(&["ab", "ab", "ba"])));
        assert!(!value.fills(&array(&["ba", "ba"])));
        // The same bytes cut differently are other values.
        assert!(!value.fills(&array(&["a", "bab"])));
        assert!(!value.fills(&StringArray::from(vec![Some("ab"), None])));
        let long = "x".repeat(100_000);
        let mut value = ConstantValue::first_of(&array(&[&long])).unwrap();
        assert!(value.fills(&array(&[&long, &long, &long])));
        let mut other = long.clone();
        other.replace_range(99_999.., "y");
        assert!(!value.fills(&array(&[&long, &long, &other])));
        assert_eq!(one_value(&array(&["", ""])), Some(""));
        assert_eq!(one_value(&array(&[])), None);
    }
}
