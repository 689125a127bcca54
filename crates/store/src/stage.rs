//! Staging: the rows a run accepts are written to Parquet files as they are
//! read, and the run's commit adds those files to the tables. Holding them on
//! disk instead of in memory is what lets a file of any size be ingested in
//! bounded memory, while the run still commits all or nothing.
//!
//! A staged file is written as the table's own data file will be (Snappy,
//! dictionaries, statistics), so committing it moves it into the table and
//! records it in the Delta log, without reading it again.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use deltalake::parquet::arrow::ArrowWriter;
use deltalake::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use deltalake::parquet::basic::Compression;
use deltalake::parquet::file::properties::WriterProperties;

use crate::error::{Error, Result};
use crate::stats::FileStats;

/// Rows per Parquet row group while staging: the writer holds one row group
/// in memory, so this bounds what staging costs.
const ROW_GROUP_ROWS: usize = 128 * 1024;

/// A folder of staged files for one run, removed when dropped (whether the
/// run committed or failed: a failed run's staged rows are never committed).
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    /// Numbers the staged files; files are staged from several threads.
    next: AtomicUsize,
}

impl Staging {
    /// Creates `dir` (it must not hold anything of value: it is removed).
    pub fn create(dir: PathBuf) -> Result<Staging> {
        std::fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
        Ok(Staging {
            dir,
            next: AtomicUsize::new(0),
        })
    }

    /// The folder itself: what else is put in it goes with it.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A writer for one file's accepted rows.
    pub fn writer(&self, schema: SchemaRef) -> Result<StagedWriter> {
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        StagedWriter::create(self.dir.join(format!("{n:05}.parquet")), schema)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Batches queued for the writing thread: enough to keep it busy, few
/// enough that the queue stays a small part of memory (ingest hands over
/// batches of up to 16k rows, so a few megabytes).
const QUEUED_BATCHES: usize = 8;

/// Writes one file's accepted rows to a staged Parquet file. Encoding and
/// compressing run on a thread of their own, so they overlap with reading
/// and mapping the next rows.
pub struct StagedWriter {
    path: PathBuf,
    schema: SchemaRef,
    queue: Option<SyncSender<RecordBatch>>,
    thread: Option<JoinHandle<Result<FileStats>>>,
    rows: usize,
    stats: FileStats,
}

/// Staged files with fewer rows than this are merged into one data file
/// when a run commits several for one dataset: a report pays for every file
/// it opens, and a first load of twelve small quarters should not cost
/// twelve times what one does. Larger files are added as they are (merging
/// would mean reading and writing them again).
pub const SMALL_FILE_ROWS: usize = ROW_GROUP_ROWS;

/// A dataset's staged files for one commit, with those under
/// [`SMALL_FILE_ROWS`] merged into one (when there are several).
pub fn merge_small(files: &[StagedFile]) -> Result<Vec<StagedFile>> {
    let (small, mut kept): (Vec<_>, Vec<_>) = files
        .iter()
        .cloned()
        .partition(|f| f.rows < SMALL_FILE_ROWS);
    match &small[..] {
        [first, _, ..] => {
            let name = format!("merged-{}.parquet", uuid::Uuid::new_v4());
            kept.push(merge(&small, first.path.with_file_name(name))?);
        }
        _ => kept.extend(small),
    }
    Ok(kept)
}

/// Merges staged files of one schema into a new staged file at `into`.
fn merge(files: &[StagedFile], into: PathBuf) -> Result<StagedFile> {
    let schema = files
        .first()
        .map(|f| f.schema.clone())
        .ok_or_else(|| Error::Location("no staged files to merge".into()))?;
    let mut writer = StagedWriter::create(into, schema)?;
    for staged in files {
        let file = File::open(&staged.path).map_err(|e| io_error(&staged.path, e))?;
        for batch in ParquetRecordBatchReaderBuilder::try_new(file)?.build()? {
            writer.write(&batch?)?;
        }
    }
    writer.finish()
}

impl StagedWriter {
    /// A writer for a new staged file at `path`.
    fn create(path: PathBuf, schema: SchemaRef) -> Result<StagedWriter> {
        let file = File::create(&path).map_err(|e| io_error(&path, e))?;
        // As Delta Lake writes its data files (Snappy, dictionaries, column
        // statistics): the staged file becomes one.
        let properties = WriterProperties::builder()
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_compression(Compression::SNAPPY)
            .build();
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(properties))?;
        Ok(StagedWriter::start(path, schema, writer))
    }

    fn start(path: PathBuf, schema: SchemaRef, mut writer: ArrowWriter<File>) -> StagedWriter {
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
        StagedWriter {
            path,
            schema,
            queue: Some(queue),
            thread: Some(thread),
            rows: 0,
            stats: FileStats::default(),
        }
    }

    /// Appends a batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.rows += batch.num_rows();
        let sent = self.queue.as_ref().map(|q| q.send(batch.clone()));
        match sent {
            Some(Ok(())) => Ok(()),
            // The thread stopped: it says why.
            _ => Err(self.join().err().unwrap_or_else(|| {
                Error::Location(format!("{}: the writer stopped", self.path.display()))
            })),
        }
    }

    /// Waits for the writing thread to finish the file.
    fn join(&mut self) -> Result<()> {
        self.queue = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => {
                self.stats = result?;
                Ok(())
            }
            Some(Err(_)) => Err(Error::Location(format!(
                "{}: the writer failed",
                self.path.display()
            ))),
            None => Ok(()),
        }
    }

    /// Closes the file.
    pub fn finish(mut self) -> Result<StagedFile> {
        self.join()?;
        Ok(StagedFile {
            path: std::mem::take(&mut self.path),
            schema: self.schema.clone(),
            rows: self.rows,
            stats: std::mem::take(&mut self.stats).to_json(),
        })
    }
}

impl Drop for StagedWriter {
    fn drop(&mut self) {
        let _ = self.join();
    }
}

/// A staged file, ready to be committed.
#[derive(Debug, Clone)]
pub struct StagedFile {
    pub path: PathBuf,
    pub schema: SchemaRef,
    pub rows: usize,
    /// Its Delta statistics (JSON), for the `add` action that commits it.
    pub stats: String,
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::Location(format!("staging folder {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Int64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};

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
        let mut writer = staging.writer(schema()).unwrap();
        for i in 0..10 {
            writer
                .write(&numbers(i * 50_000, (i + 1) * 50_000))
                .unwrap();
        }
        let staged = writer.finish().unwrap();
        assert_eq!(staged.rows, 500_000);
        let file = File::open(&staged.path).unwrap();
        let read: Vec<i64> = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap()
            .flat_map(|b| {
                let b = b.unwrap();
                b.column(0)
                    .as_any()
                    .downcast_ref::<Int64Array>()
                    .unwrap()
                    .values()
                    .to_vec()
            })
            .collect();
        assert_eq!(read, (0..500_000).collect::<Vec<_>>());
        drop(staging);
        assert!(!dir.exists());
    }

    #[test]
    fn a_batch_the_file_cannot_take_is_an_error_not_a_hang() {
        let dir = std::env::temp_dir().join(format!("pqa-stage-bad-{}", std::process::id()));
        let staging = Staging::create(dir).unwrap();
        let mut writer = staging.writer(schema()).unwrap();
        let other = Arc::new(Schema::new(vec![Field::new("s", DataType::Utf8, false)]));
        let wrong =
            RecordBatch::try_new(other, vec![Arc::new(StringArray::from(vec!["x"]))]).unwrap();
        // The writing thread refuses it; the error comes back by the next
        // write or by finish, whichever is first.
        let outcome = (0..5)
            .map(|_| writer.write(&wrong))
            .find(Result::is_err)
            .unwrap_or_else(|| writer.finish().map(|_| ()));
        assert!(outcome.is_err());
    }
}
