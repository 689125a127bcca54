//! Readers: turn an agency's CSV or XLSX file into a [`RawTable`] of cells,
//! without interpreting values. Interpretation is the mapper's job, so that
//! every problem can be reported against the file, sheet, row and column.

use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};
use chrono::NaiveDateTime;
use pqa_core::config::{Encoding, SheetRef, SourceSpec};

use crate::error::{Error, Result};

/// One cell as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    DateTime(NaiveDateTime),
    Bool(bool),
}

impl Cell {
    /// Whether the cell holds nothing (or only spaces).
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as text, for header matching and codes.
    pub fn as_text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.trim().to_string(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::DateTime(d) => d.to_string(),
            Cell::Bool(b) => b.to_string(),
        }
    }
}

/// A row of cells and where it came from.
#[derive(Debug, Clone)]
pub struct RawRow {
    /// 1-based row number in the file or sheet, as a person opening it sees it.
    pub number: usize,
    pub cells: Vec<Cell>,
}

/// Every row of one sheet (or CSV file), before headers are located.
#[derive(Debug, Clone)]
pub struct RawSheet {
    /// The sheet's name (XLSX only).
    pub sheet: Option<String>,
    pub rows: Vec<RawRow>,
}

/// Reads a file's bytes as the feed's source says.
pub fn read(bytes: &[u8], source: &SourceSpec) -> Result<RawSheet> {
    match source.format {
        pqa_core::config::FileFormat::Csv => read_csv(bytes, source.encoding, source.delimiter),
        pqa_core::config::FileFormat::Xlsx => read_xlsx(bytes, source.sheet.as_ref()),
        pqa_core::config::FileFormat::Parquet => read_parquet(bytes),
    }
}

/// Decodes and splits a CSV. Quoted fields may hold newlines; row numbers are
/// the line on which each record starts. Ragged rows are kept as they are, for
/// the mapper to report.
pub fn read_csv(bytes: &[u8], encoding: Encoding, delimiter: char) -> Result<RawSheet> {
    let text = decode(bytes, encoding)?;
    let delimiter = u8::try_from(delimiter)
        .map_err(|_| Error::File("the delimiter must be a single-byte character".into()))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    // The csv crate's line numbers skip blank lines and newlines inside quotes;
    // people count every line, so count newlines up to each record's start.
    let (mut line, mut counted_to) = (1usize, 0usize);
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let bytes = text.as_bytes();
                let mut start = record.position().map_or(counted_to, |p| p.byte() as usize);
                // With CRLF endings csv reports a record as starting at the `\n`.
                while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
                    start += 1;
                }
                line += bytes[counted_to..start]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count();
                counted_to = start;
                let number = line;
                let cells = record
                    .iter()
                    .map(|f| {
                        if f.is_empty() {
                            Cell::Empty
                        } else {
                            Cell::Text(f.to_string())
                        }
                    })
                    .collect();
                rows.push(RawRow { number, cells });
            }
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or_default();
                return Err(Error::File(format!(
                    "cannot split the CSV at line {line}: {}",
                    csv_reason(&e)
                )));
            }
        }
    }
    Ok(RawSheet { sheet: None, rows })
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => {
            "text that is not UTF-8 (is the file Windows-1252? set `encoding: windows-1252`)".into()
        }
        _ => "unreadable CSV".into(),
    }
}

/// UTF-8 (a byte-order mark is dropped) or Windows-1252.
fn decode(bytes: &[u8], encoding: Encoding) -> Result<String> {
    match encoding {
        Encoding::Utf8 => {
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            String::from_utf8(bytes.to_vec()).map_err(|e| {
                let at = e.utf8_error().valid_up_to();
                let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
                Error::File(format!(
                    "line {line} is not UTF-8 text; if the file was saved from Excel as CSV, set `encoding: windows-1252` in the feed"
                ))
            })
        }
        Encoding::Windows1252 => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            Ok(text.into_owned())
        }
    }
}

/// Reads one sheet (by name, or the first) of an XLSX workbook.
pub fn read_xlsx(bytes: &[u8], sheet: Option<&SheetRef>) -> Result<RawSheet> {
    let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| Error::File(format!("not a readable Excel workbook: {e}")))?;
    let names = workbook.sheet_names();
    let name = match sheet {
        Some(SheetRef::Position(n)) => names.get(n.wrapping_sub(1)).cloned().ok_or_else(|| {
            Error::File(format!(
                "no sheet {n}: the workbook has {} sheet(s): {}",
                names.len(),
                names.join(", ")
            ))
        })?,
        Some(SheetRef::Name(wanted)) => names
            .iter()
            .find(|n| n.trim().eq_ignore_ascii_case(wanted.trim()))
            .cloned()
            .ok_or_else(|| {
                Error::File(format!(
                    "no sheet named `{wanted}`; the workbook has: {}",
                    names.join(", ")
                ))
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| Error::File("the workbook has no sheets".into()))?,
    };
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| Error::File(format!("cannot read sheet `{name}`: {e}")))?;
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, row)| {
            // Pad on the left so that column positions match the sheet's.
            let mut cells = vec![Cell::Empty; first_col as usize];
            cells.extend(row.iter().map(cell_of));
            RawRow {
                number: first_row as usize + i + 1,
                cells,
            }
        })
        .collect();
    Ok(RawSheet {
        sheet: Some(name),
        rows,
    })
}

/// Reads a Parquet file: its column names become the header row (row 1) and
/// every value is taken as text, so mapping treats it like any other file
/// (published statistics keep symbols such as `c` and `x` in value columns).
pub fn read_parquet(bytes: &[u8]) -> Result<RawSheet> {
    use arrow::array::{Array, AsArray};
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        bytes::Bytes::copy_from_slice(bytes),
    )
    .map_err(|e| Error::File(format!("not a readable Parquet file: {e}")))?;
    let header = reader
        .schema()
        .fields()
        .iter()
        .map(|f| Cell::Text(f.name().clone()))
        .collect();
    let mut rows = vec![RawRow {
        number: 1,
        cells: header,
    }];
    let batches = reader
        .build()
        .map_err(|e| Error::File(format!("not a readable Parquet file: {e}")))?;
    for batch in batches {
        let batch = batch.map_err(|e| Error::File(format!("cannot read the Parquet data: {e}")))?;
        let columns = batch
            .columns()
            .iter()
            .map(|c| arrow::compute::cast(c, &arrow::datatypes::DataType::Utf8))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::File(format!("a Parquet column cannot be read as text: {e}")))?;
        for i in 0..batch.num_rows() {
            let cells = columns
                .iter()
                .map(|c| {
                    let c = c.as_string::<i32>();
                    if c.is_null(i) {
                        Cell::Empty
                    } else {
                        Cell::Text(c.value(i).to_string())
                    }
                })
                .collect();
            rows.push(RawRow {
                number: rows.len() + 1,
                cells,
            });
        }
    }
    Ok(RawSheet { sheet: None, rows })
}

fn cell_of(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(d) => d
            .as_datetime()
            .map_or_else(|| Cell::Number(d.as_f64()), Cell::DateTime),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_keeps_quoted_newlines_and_reports_start_lines() {
        let sheet = read_csv(b"a,b\r\n1,\"two\nlines\"\r\n3,4\r\n", Encoding::Utf8, ',').unwrap();
        assert_eq!(sheet.rows.len(), 3);
        assert_eq!(sheet.rows[1].cells[1], Cell::Text("two\nlines".into()));
        assert_eq!(sheet.rows[2].number, 4);
    }

    #[test]
    fn csv_drops_the_bom_and_decodes_windows_1252() {
        let sheet = read_csv(b"\xEF\xBB\xBFName\n", Encoding::Utf8, ',').unwrap();
        assert_eq!(sheet.rows[0].cells[0], Cell::Text("Name".into()));
        let sheet = read_csv(b"Cost\n\xA35\n", Encoding::Windows1252, ',').unwrap();
        assert_eq!(sheet.rows[1].cells[0], Cell::Text("£5".into()));
    }

    #[test]
    fn non_utf8_csv_says_which_line_and_what_to_do() {
        let err = read_csv(b"a\nok\n\xA35\n", Encoding::Utf8, ',')
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 3") && err.contains("windows-1252"),
            "{err}"
        );
    }

    #[test]
    fn ragged_rows_are_kept_for_reporting() {
        let sheet = read_csv(b"a,b\n1\n1,2,3\n", Encoding::Utf8, ',').unwrap();
        assert_eq!(sheet.rows[1].cells.len(), 1);
        assert_eq!(sheet.rows[2].cells.len(), 3);
    }

    #[test]
    fn garbage_is_not_a_workbook() {
        let err = read_xlsx(b"not a zip", None).unwrap_err().to_string();
        assert!(err.contains("not a readable Excel workbook"), "{err}");
    }
}
