//! Ingest: agency files in, typed Arrow rows and reasons out.
//!
//! `read` turns bytes into cells, `map` turns cells into a dataset's rows
//! (types, codes, checks, pseudonymisation, lineage) and rejects, `claim`
//! decides which feed a file belongs to. Nothing here writes anywhere.

mod batch;
pub mod claim;
pub mod coerce;
pub mod error;
#[cfg(test)]
mod fuzz;
pub mod map;
pub mod privacy;
pub mod read;
mod row;

pub use claim::{Claim, Claims, InboxFile, list_inbox};
pub use error::{Error, Result};
pub use map::{BATCH_ROWS, MapSummary, Mapped, Reject, Submission};
pub use privacy::{Pseudonym, PseudonymKey};

use std::io::Read;
use std::path::Path;

use arrow::array::RecordBatch;
use pqa_core::config::FileFormat;
use sha2::{Digest, Sha256};

/// Reads a file's bytes and maps them through the submission's feed.
pub fn ingest_bytes(bytes: &[u8], submission: &Submission) -> Result<Mapped> {
    let sheet = read::read(bytes, &submission.feed.source)?;
    map::map_sheet(&sheet, submission)
}

/// Reads a file and maps it through the submission's feed, handing accepted
/// rows to `sink` batch by batch. A CSV or Parquet file is streamed, so its
/// size does not bound memory; a workbook is read whole (an XLSX sheet holds
/// at most about a million rows).
pub fn ingest_file(
    path: &Path,
    submission: &Submission,
    sink: &mut dyn FnMut(RecordBatch) -> Result<()>,
) -> Result<MapSummary> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let source = &submission.feed.source;
    match source.format {
        FileFormat::Csv => {
            // Read straight from the file: the reader asks for half a
            // megabyte at a time, so a buffer in between would only copy.
            let file = std::fs::File::open(path).map_err(io)?;
            let rows = read::CsvRows::new(file, source.encoding, source.delimiter)?
                .quoted_with(source.quote)?;
            map::map_rows(rows, None, submission, sink)
        }
        FileFormat::Parquet => {
            let file = std::fs::File::open(path).map_err(io)?;
            let rows = map::IterRows(read::ParquetRows::new(file)?);
            map::map_rows(rows, None, submission, sink)
        }
        FileFormat::Xlsx => {
            let bytes = std::fs::read(path).map_err(io)?;
            let sheet = read::read(&bytes, source)?;
            map::map_rows(
                map::IterRows(sheet.rows.into_iter().map(Ok)),
                sheet.sheet,
                submission,
                sink,
            )
        }
    }
}

/// The SHA-256 of a file, read in pieces, as lowercase hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 20];
    loop {
        let n = file.read(&mut buffer).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// The SHA-256 of a file's bytes, as lowercase hex: how a submission is
/// recognised when it arrives again.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The most of a cell's text a message quotes: enough to recognise it.
pub const QUOTED_CHARS: usize = 100;

/// A value as a message quotes it: whole when short, else its start and its
/// length, so a 20 MB cell never reaches a summary, a log or `rejects`.
pub fn shortened(text: &str) -> String {
    let chars = text.chars().count();
    if chars <= QUOTED_CHARS {
        return text.to_string();
    }
    let start: String = text.chars().take(QUOTED_CHARS).collect();
    format!("{start}… ({chars} characters in all)")
}

#[cfg(test)]
mod shortened_tests {
    use super::*;

    #[test]
    fn a_long_value_is_quoted_by_its_start_and_length() {
        assert_eq!(shortened("31/02/2023"), "31/02/2023");
        let long = "x".repeat(20_000_000);
        let quoted = shortened(&long);
        assert!(quoted.len() < 200, "{}", quoted.len());
        assert!(
            quoted.ends_with("… (20000000 characters in all)"),
            "{quoted}"
        );
    }
}
