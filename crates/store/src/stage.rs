//! Staging: the rows a run accepts are written to Parquet files as they are
//! read, and the run's commit copies them into the tables. Holding them on
//! disk instead of in memory is what lets a file of any size be ingested in
//! bounded memory, while the run still commits all or nothing.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use deltalake::parquet::arrow::ArrowWriter;
use deltalake::parquet::basic::{Compression, ZstdLevel};
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
            // Fast to write and read back: staged files live for one run.
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(1)?))
            .build();
        let writer = ArrowWriter::try_new(file, schema, Some(properties))?;
        Ok(StagedWriter {
            path,
            writer,
            rows: 0,
        })
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Writes one file's accepted rows to a staged Parquet file.
pub struct StagedWriter {
    path: PathBuf,
    writer: ArrowWriter<File>,
    rows: usize,
}

impl StagedWriter {
    /// Appends a batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.rows += batch.num_rows();
        Ok(self.writer.write(batch)?)
    }

    /// Closes the file.
    pub fn finish(self) -> Result<StagedFile> {
        self.writer.close()?;
        Ok(StagedFile {
            path: self.path,
            rows: self.rows,
        })
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
