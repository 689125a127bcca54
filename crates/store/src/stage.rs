//! Staging: the rows a run accepts are written to Parquet files as they are
//! read, and the run's commit adds those files to the tables. Holding them on
//! disk instead of in memory is what lets a file of any size be ingested in
//! bounded memory, while the run still commits all or nothing.
//!
//! A staged file is written as the table's own data file will be (Snappy,
//! dictionaries, statistics), so committing it moves it into the table and
//! records it in the Delta log, without reading it again.
//!
//! A submission too small to be a data file of its own (fewer rows than
//! [`SMALL_FILE_ROWS`]) is held in memory instead, within a budget for the
//! whole run, and a dataset's small submissions are written together as one
//! data file when the run commits: their rows are encoded once, not staged
//! and then read back to be merged.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, SchemaRef};
use deltalake::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use deltalake::parquet::basic::{Compression, Encoding};
use deltalake::parquet::file::properties::{EnabledStatistics, WriterProperties};
use deltalake::parquet::schema::types::ColumnPath;

use pqa_core::schema::SOURCE_ROW;

use crate::encode::DataFileWriter;
use crate::error::{Error, Result};
use crate::stats::FileStats;

/// Rows per Parquet row group while staging: the writer holds one row group
/// in memory, so this bounds what staging costs.
const ROW_GROUP_ROWS: usize = 128 * 1024;

/// Submissions with fewer rows than this are not data files of their own: a
/// run's small submissions of one dataset become one data file when it
/// commits. A report pays for every file it opens, and a first load of
/// twelve small quarters should not cost twelve times what one does.
pub const SMALL_FILE_ROWS: usize = ROW_GROUP_ROWS;

/// What a run holds in memory of its small submissions, all together (Arrow
/// bytes). Past it, small submissions are written to disk as large ones are,
/// and read back when the run commits to be merged.
const HELD_BYTES: usize = 128 * 1024 * 1024;

/// A folder of staged files for one run, removed when dropped (whether the
/// run committed or failed: a failed run's staged rows are never committed).
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    /// Numbers the staged files; files are staged from several threads.
    next: AtomicUsize,
    /// Bytes of small submissions held in memory, counted until the run ends.
    held: Arc<AtomicUsize>,
    /// How many bytes may be held ([`HELD_BYTES`]; less in tests).
    held_limit: usize,
}

impl Staging {
    /// Creates `dir` (it must not hold anything of value: it is removed).
    pub fn create(dir: PathBuf) -> Result<Staging> {
        std::fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
        Ok(Staging {
            dir,
            next: AtomicUsize::new(0),
            held: Arc::new(AtomicUsize::new(0)),
            held_limit: HELD_BYTES,
        })
    }

    /// The folder itself: what else is put in it goes with it.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A writer for one file's accepted rows. `distinct` names the columns
    /// whose values are (nearly) all different, such as pseudonymised
    /// identifiers: see [`properties`].
    pub fn writer(&self, schema: SchemaRef, distinct: &[String]) -> Result<StagedWriter> {
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        Ok(StagedWriter {
            path: self.dir.join(format!("{n:05}.parquet")),
            schema,
            distinct: distinct.into(),
            held: Vec::new(),
            held_bytes: 0,
            budget: self.held.clone(),
            held_limit: self.held_limit,
            encoder: None,
            rows: 0,
        })
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Gathers one submission's accepted rows: held in memory while it is small
/// (and the run's budget allows), written to a staged Parquet file from the
/// moment it is not.
pub struct StagedWriter {
    path: PathBuf,
    schema: SchemaRef,
    distinct: Arc<[String]>,
    held: Vec<RecordBatch>,
    held_bytes: usize,
    budget: Arc<AtomicUsize>,
    held_limit: usize,
    encoder: Option<Encoder>,
    rows: usize,
}

impl StagedWriter {
    /// Appends a batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        // Checked here, not when a held batch is written at commit: the
        // file it came from is what is wrong.
        if batch.schema_ref() != &self.schema {
            return Err(Error::Location(format!(
                "{}: rows of another shape than the dataset's",
                self.path.display()
            )));
        }
        self.rows += batch.num_rows();
        if let Some(encoder) = &mut self.encoder {
            return encoder.write(batch.clone());
        }
        let bytes = batch.get_array_memory_size();
        self.held.push(batch.clone());
        self.held_bytes += bytes;
        let held_by_run = self.budget.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if self.rows < SMALL_FILE_ROWS && held_by_run <= self.held_limit {
            return Ok(());
        }
        // Too large to hold (or the run holds enough): on to disk.
        self.budget.fetch_sub(self.held_bytes, Ordering::Relaxed);
        self.held_bytes = 0;
        let encoder =
            self.encoder
                .insert(Encoder::create(&self.path, &self.schema, &self.distinct)?);
        for batch in std::mem::take(&mut self.held) {
            encoder.write(batch)?;
        }
        Ok(())
    }

    /// The submission's rows, staged.
    pub fn finish(mut self) -> Result<StagedFile> {
        let (held, stats) = match self.encoder.take() {
            Some(encoder) => (None, encoder.finish()?),
            None => {
                let mut stats = FileStats::default();
                self.held.iter().for_each(|batch| stats.add(batch));
                (Some(std::mem::take(&mut self.held)), stats)
            }
        };
        Ok(StagedFile {
            path: std::mem::take(&mut self.path),
            held,
            schema: self.schema.clone(),
            distinct: self.distinct.clone(),
            rows: self.rows,
            stats: stats.to_json(),
        })
    }
}

/// A submission's staged rows, ready to be committed.
#[derive(Debug, Clone)]
pub struct StagedFile {
    /// The staged Parquet file; where it would be written while `held`.
    pub path: PathBuf,
    /// The rows themselves, for a small submission held in memory.
    pub held: Option<Vec<RecordBatch>>,
    pub schema: SchemaRef,
    /// Columns whose values are (nearly) all different.
    pub distinct: Arc<[String]>,
    pub rows: usize,
    /// Its Delta statistics (JSON), for the `add` action that commits it.
    pub stats: String,
}

/// A dataset's staged rows for one commit as files on disk: large staged
/// files as they are, and the small submissions (held in memory, or staged
/// past the run's memory budget) written together as one file. A single
/// small file already on disk is kept as it is.
pub fn data_files(files: &[StagedFile]) -> Result<Vec<StagedFile>> {
    let (small, mut kept): (Vec<_>, Vec<_>) = files
        .iter()
        .cloned()
        .partition(|f| f.rows < SMALL_FILE_ROWS);
    match &small[..] {
        [] => {}
        [only] if only.held.is_none() => kept.push(only.clone()),
        [first, ..] => {
            let name = format!("merged-{}.parquet", uuid::Uuid::new_v4());
            kept.push(write_together(&small, first.path.with_file_name(name))?);
        }
    }
    Ok(kept)
}

/// Writes staged rows of one schema, held or on disk, as one staged file.
fn write_together(files: &[StagedFile], into: PathBuf) -> Result<StagedFile> {
    let first = files
        .first()
        .ok_or_else(|| Error::Location("no staged files to merge".into()))?;
    let (schema, distinct) = (first.schema.clone(), first.distinct.clone());
    let mut encoder = Encoder::create(&into, &schema, &distinct)?;
    for staged in files {
        match &staged.held {
            Some(batches) => {
                for batch in batches {
                    encoder.write(batch.clone())?;
                }
            }
            None => {
                let file = File::open(&staged.path).map_err(|e| io_error(&staged.path, e))?;
                for batch in ParquetRecordBatchReaderBuilder::try_new(file)?.build()? {
                    encoder.write(batch?)?;
                }
            }
        }
    }
    let stats = encoder.finish()?;
    Ok(StagedFile {
        path: into,
        held: None,
        schema,
        distinct,
        rows: files.iter().map(|f| f.rows).sum(),
        stats: stats.to_json(),
    })
}

/// How a data file is written: as Delta Lake writes its data files (Snappy,
/// dictionaries, column statistics), since the staged file becomes one;
/// except that columns whose values are all different have no dictionary.
/// A dictionary there is built for every row group only to be as large as
/// the column (a row group's source rows) or to be given up part way (a
/// pseudonym's 32 characters fill the dictionary page at ~28k rows), and
/// building it cost ~8% of ingest's CPU. Source rows count up, so they are
/// delta-encoded instead: smaller than their dictionary was. The distinct
/// columns (pseudonyms: random hexadecimal) are not compressed either:
/// Snappy saved ~9% of their bytes at ~13% of a national ingest's CPU; nor
/// do they have minimum and maximum statistics, which no query can prune by
/// (~1%). Their lengths (all 32) are delta-encoded, as source rows are,
/// instead of written before every value: a tenth of a national ingest's
/// bytes written, for ~0.7% of its CPU (BENCHMARKS.md). Whole numbers and
/// dates are delta-encoded too, without a dictionary: looking each value up
/// in one cost more than packing its difference from the last (a 10M-row
/// ingest's CPU ~4% less, its files 0.85% larger, its queries no slower).
fn properties(schema: &SchemaRef, distinct: &[String]) -> WriterProperties {
    let mut properties = WriterProperties::builder()
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_compression(Compression::SNAPPY);
    for field in schema.fields() {
        let name = field.name();
        let column = || ColumnPath::from(name.as_str());
        if name == SOURCE_ROW || matches!(field.data_type(), DataType::Int64 | DataType::Date32) {
            properties = properties
                .set_column_dictionary_enabled(column(), false)
                .set_column_encoding(column(), Encoding::DELTA_BINARY_PACKED);
        } else if distinct.contains(name) {
            properties = properties
                .set_column_dictionary_enabled(column(), false)
                .set_column_compression(column(), Compression::UNCOMPRESSED)
                .set_column_statistics_enabled(column(), EnabledStatistics::None);
            if field.data_type() == &DataType::Utf8 {
                properties =
                    properties.set_column_encoding(column(), Encoding::DELTA_LENGTH_BYTE_ARRAY);
            }
        }
    }
    properties.build()
}

/// Batches queued for the encoding thread: enough to keep it busy, few
/// enough that the queue stays a small part of memory (ingest hands over
/// batches of up to 16k rows, so a few megabytes).
const QUEUED_BATCHES: usize = 8;

/// Encodes batches into a staged Parquet file on a thread of its own, so
/// that encoding and compressing overlap with reading and mapping the next
/// rows.
struct Encoder {
    path: PathBuf,
    queue: Option<SyncSender<RecordBatch>>,
    thread: Option<JoinHandle<Result<FileStats>>>,
}

impl Encoder {
    /// An encoder for a new staged file at `path`.
    fn create(path: &Path, schema: &SchemaRef, distinct: &[String]) -> Result<Encoder> {
        let file = File::create(path).map_err(|e| io_error(path, e))?;
        let mut writer = DataFileWriter::try_new(
            file,
            schema.clone(),
            properties(schema, distinct),
            ROW_GROUP_ROWS,
        )?;
        let (queue, batches) = sync_channel::<RecordBatch>(QUEUED_BATCHES);
        let thread = std::thread::spawn(move || {
            let mut stats = FileStats::default();
            for batch in batches {
                writer.write(&batch)?;
                stats.add(&batch);
            }
            writer.close()?;
            Ok(stats)
        });
        Ok(Encoder {
            path: path.to_path_buf(),
            queue: Some(queue),
            thread: Some(thread),
        })
    }

    fn write(&mut self, batch: RecordBatch) -> Result<()> {
        match self.queue.as_ref().map(|q| q.send(batch)) {
            Some(Ok(())) => Ok(()),
            // The thread stopped: it says why.
            _ => Err(self.join().err().unwrap_or_else(|| {
                Error::Location(format!("{}: the writer stopped", self.path.display()))
            })),
        }
    }

    /// Closes the file: its statistics.
    fn finish(mut self) -> Result<FileStats> {
        self.join()
    }

    /// Waits for the encoding thread to finish the file.
    fn join(&mut self) -> Result<FileStats> {
        self.queue = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(Error::Location(format!(
                "{}: the writer failed",
                self.path.display()
            ))),
            None => Ok(FileStats::default()),
        }
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        let _ = self.join();
    }
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::Location(format!("staging folder {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Date32Array, Int64Array, StringArray};
    use arrow::datatypes::{Field, Schema};

    use super::*;

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, false)]))
    }

    fn numbers(from: i64, to: i64) -> RecordBatch {
        let n = Int64Array::from_iter_values(from..to);
        RecordBatch::try_new(schema(), vec![Arc::new(n)]).unwrap()
    }

    #[test]
    fn staged_rows_are_all_written_in_order_and_the_folder_goes() {
        let dir = std::env::temp_dir().join(format!("pqa-stage-test-{}", std::process::id()));
        let staging = Staging::create(dir.clone()).unwrap();
        let mut writer = staging.writer(schema(), &[]).unwrap();
        for i in 0..10 {
            writer
                .write(&numbers(i * 50_000, (i + 1) * 50_000))
                .unwrap();
        }
        let staged = writer.finish().unwrap();
        assert_eq!(staged.rows, 500_000);
        assert!(staged.held.is_none());
        assert_eq!(read_back(&staged.path), (0..500_000).collect::<Vec<_>>());
        drop(staging);
        assert!(!dir.exists());
    }

    fn read_back(path: &Path) -> Vec<i64> {
        let file = File::open(path).unwrap();
        ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap()
            .flat_map(|b| {
                let b = b.unwrap();
                let n = b.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
                n.values().to_vec()
            })
            .collect()
    }

    #[test]
    fn small_submissions_are_held_then_written_together_once() {
        let dir = std::env::temp_dir().join(format!("pqa-stage-held-{}", std::process::id()));
        let mut staging = Staging::create(dir).unwrap();
        // Room for the first two submissions only: the third goes to disk.
        staging.held_limit = 2 * numbers(0, 1000).get_array_memory_size();
        let stage = |from: i64, to: i64| {
            let mut writer = staging.writer(schema(), &[]).unwrap();
            writer.write(&numbers(from, to)).unwrap();
            writer.finish().unwrap()
        };
        let (a, b, c) = (stage(0, 1000), stage(5000, 5900), stage(-300, -200));
        assert!(a.held.is_some() && b.held.is_some());
        assert!(!a.path.exists() && !b.path.exists());
        assert!(c.held.is_none() && c.path.exists());
        let large = stage(10_000, 10_000 + SMALL_FILE_ROWS as i64);
        assert!(large.held.is_none());

        let files = data_files(&[a, large.clone(), b, c]).unwrap();
        // The large file as it is, then the small ones as one file, in order.
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].path, large.path);
        let together = &files[1];
        assert!(together.held.is_none());
        assert_eq!(together.rows, 1000 + 900 + 100);
        let expected: Vec<i64> = (0..1000).chain(5000..5900).chain(-300..-200).collect();
        assert_eq!(read_back(&together.path), expected);
        let stats: serde_json::Value = serde_json::from_str(&together.stats).unwrap();
        assert_eq!(stats["numRecords"], 2000);
        assert_eq!(stats["minValues"]["n"], -300);
        assert_eq!(stats["maxValues"]["n"], 5899);

        // One held submission alone is written as a file of its own.
        let alone = data_files(&[stage(7, 9)]).unwrap();
        assert_eq!(read_back(&alone[0].path), vec![7, 8]);
    }

    #[test]
    fn columns_of_distinct_values_are_written_without_a_dictionary_or_statistics() {
        use deltalake::parquet::file::reader::{FileReader, SerializedFileReader};
        let dir = std::env::temp_dir().join(format!("pqa-stage-dict-{}", std::process::id()));
        let staging = Staging::create(dir).unwrap();
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Utf8, false),
            Field::new("team", DataType::Utf8, false),
            Field::new(SOURCE_ROW, DataType::Int64, false),
            // Identifying, and not text: its values are written as usual.
            Field::new("born", DataType::Date32, false),
            Field::new("sessions", DataType::Int64, false),
        ]));
        let rows = SMALL_FILE_ROWS as i64;
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from_iter_values(
                    (0..rows).map(|i| format!("{i:032x}")),
                )),
                Arc::new(StringArray::from_iter_values(
                    (0..rows).map(|i| ["north", "south"][i as usize % 2]),
                )),
                Arc::new(Int64Array::from_iter_values(2..rows + 2)),
                Arc::new(Date32Array::from_iter_values((0..rows).map(|i| i as i32))),
                Arc::new(Int64Array::from_iter_values((0..rows).map(|i| i * 7 % 150))),
            ],
        )
        .unwrap();
        let distinct = ["id".to_string(), "born".to_string()];
        let mut writer = staging.writer(schema, &distinct).unwrap();
        writer.write(&batch).unwrap();
        let staged = writer.finish().unwrap();

        let reader = SerializedFileReader::new(File::open(&staged.path).unwrap()).unwrap();
        let chunks = reader.metadata().row_group(0).columns();
        let dictionary = |i: usize| chunks[i].dictionary_page_offset().is_some();
        assert!(!dictionary(0), "a distinct column has no dictionary");
        assert!(dictionary(1), "other columns keep theirs");
        assert!(!dictionary(2));
        assert!(!dictionary(3));
        assert!(
            chunks[0].statistics().is_none(),
            "no minimum or maximum of pseudonyms"
        );
        assert!(chunks[1].statistics().is_some() && chunks[2].statistics().is_some());
        let encodings: Vec<Encoding> = chunks[0].encodings().collect();
        assert!(
            encodings.contains(&Encoding::DELTA_LENGTH_BYTE_ARRAY),
            "{encodings:?}"
        );
        // The 32 characters of each value, and next to nothing for lengths.
        assert!(chunks[0].uncompressed_size() < rows * 32 + rows / 8);
        let encodings: Vec<Encoding> = chunks[2].encodings().collect();
        assert!(
            encodings.contains(&Encoding::DELTA_BINARY_PACKED),
            "{encodings:?}"
        );
        // Delta encoding stores counting rows in a fraction of their 8 bytes.
        assert!(
            chunks[2].compressed_size() < rows / 8,
            "{}",
            chunks[2].compressed_size()
        );
        // Whole numbers and dates are delta-encoded too, without a
        // dictionary; small numbers still take about a byte each.
        for i in [3, 4] {
            assert!(!dictionary(i));
            let encodings: Vec<Encoding> = chunks[i].encodings().collect();
            assert!(
                encodings.contains(&Encoding::DELTA_BINARY_PACKED),
                "{encodings:?}"
            );
            assert!(chunks[i].statistics().is_some());
        }
        assert!(
            chunks[4].compressed_size() < rows * 3 / 2,
            "{}",
            chunks[4].compressed_size()
        );
    }

    #[test]
    fn a_batch_of_another_shape_is_refused_when_written() {
        let dir = std::env::temp_dir().join(format!("pqa-stage-bad-{}", std::process::id()));
        let staging = Staging::create(dir).unwrap();
        let mut writer = staging.writer(schema(), &[]).unwrap();
        let other = Arc::new(Schema::new(vec![Field::new("s", DataType::Utf8, false)]));
        let wrong =
            RecordBatch::try_new(other, vec![Arc::new(StringArray::from(vec!["x"]))]).unwrap();
        assert!(writer.write(&wrong).is_err());
        // Rows of the dataset's shape are still taken.
        writer.write(&numbers(0, 3)).unwrap();
        assert_eq!(writer.finish().unwrap().rows, 3);
    }
}
