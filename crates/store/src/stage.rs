//! Staging: the rows a run accepts are written to Parquet files as they are
//! read, and the run's commit copies them into the tables. Holding them on
//! disk instead of in memory is what lets a file of any size be ingested in
//! bounded memory, while the run still commits all or nothing.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use deltalake::parquet::arrow::ArrowWriter;
use deltalake::parquet::basic::Compression;
use deltalake::parquet::file::properties::WriterProperties;

use crate::error::{Error, Result};

/// Rows per Parquet row group while staging: the writer holds one row group
/// in memory, so this bounds what staging costs.
const ROW_GROUP_ROWS: usize = 128 * 1024;

/// A folder of staged files for one run, removed when dropped (whether the
/// run committed or failed: a failed run's staged rows are never committed).
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    next: usize,
}

impl Staging {
    /// Creates `dir` (it must not hold anything of value: it is removed).
    pub fn create(dir: PathBuf) -> Result<Staging> {
        std::fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
        Ok(Staging { dir, next: 0 })
    }

    /// The folder itself: what else is put in it goes with it.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A writer for one file's accepted rows.
    pub fn writer(&mut self, schema: SchemaRef) -> Result<StagedWriter> {
        self.next += 1;
        let path = self.dir.join(format!("{:05}.parquet", self.next));
        let file = File::create(&path).map_err(|e| io_error(&path, e))?;
        let properties = WriterProperties::builder()
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            // Fast to write and read back: staged files live for one run
            // (LZ4: less CPU than Zstd, more disk; BENCHMARKS.md). Dictionaries
            // would be built again by the table's writer.
            .set_compression(Compression::LZ4_RAW)
            .set_dictionary_enabled(false)
            .build();
        let writer = ArrowWriter::try_new(file, schema, Some(properties))?;
        Ok(StagedWriter::start(path, writer))
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
    queue: Option<SyncSender<RecordBatch>>,
    thread: Option<JoinHandle<Result<()>>>,
    rows: usize,
}

impl StagedWriter {
    fn start(path: PathBuf, mut writer: ArrowWriter<File>) -> StagedWriter {
        let (queue, batches) = sync_channel::<RecordBatch>(QUEUED_BATCHES);
        let thread = std::thread::spawn(move || {
            for batch in batches {
                writer.write(&batch)?;
            }
            writer.close()?;
            Ok(())
        });
        StagedWriter {
            path,
            queue: Some(queue),
            thread: Some(thread),
            rows: 0,
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
            Some(Ok(result)) => result,
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
            rows: self.rows,
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
    pub rows: usize,
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::Location(format!("staging folder {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Int64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use deltalake::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

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
        let mut staging = Staging::create(dir.clone()).unwrap();
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
        let mut staging = Staging::create(dir).unwrap();
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
