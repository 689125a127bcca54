//! Readers: turn an agency's CSV or XLSX file into a [`RawTable`] of cells,
//! without interpreting values. Interpretation is the mapper's job, so that
//! every problem can be reported against the file, sheet, row and column.

use std::io::Cursor;

use arrow::error::ArrowError;
use calamine::{Data, Reader, open_workbook_auto_from_rs};
use chrono::NaiveDateTime;
use compact_str::CompactString;
use pqa_core::config::{Encoding, SheetRef, SourceSpec};

use crate::error::{Error, Result};

/// One cell as the file holds it. Text is held inline when it is short (up
/// to 24 bytes: most codes, dates, numbers and names), so reading a cell
/// allocates nothing unless it is long.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(CompactString),
    Number(f64),
    DateTime(NaiveDateTime),
    Bool(bool),
}

impl Cell {
    /// The cell, borrowed.
    #[inline]
    pub fn view(&self) -> CellRef<'_> {
        match self {
            Cell::Empty => CellRef::Empty,
            Cell::Text(t) => CellRef::Text(t),
            Cell::Number(n) => CellRef::Number(*n),
            Cell::DateTime(d) => CellRef::DateTime(*d),
            Cell::Bool(b) => CellRef::Bool(*b),
        }
    }

    /// Whether the cell holds nothing (or only spaces).
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => trim(t).is_empty(),
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

/// A cell as mapping reads it: borrowed from a row read whole, or from a CSV
/// record where the splitter left it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CellRef<'a> {
    Empty,
    Text(&'a str),
    Number(f64),
    DateTime(NaiveDateTime),
    Bool(bool),
}

impl CellRef<'_> {
    /// Whether the cell holds nothing (or only spaces).
    pub fn is_blank(self) -> bool {
        match self {
            CellRef::Empty => true,
            CellRef::Text(t) => trim(t).is_empty(),
            _ => false,
        }
    }

    /// The cell as text, for messages and codes.
    pub fn as_text(self) -> String {
        self.to_cell().as_text()
    }

    /// The cell, owned.
    pub fn to_cell(self) -> Cell {
        match self {
            CellRef::Empty => Cell::Empty,
            CellRef::Text(t) => Cell::Text(t.into()),
            CellRef::Number(n) => Cell::Number(n),
            CellRef::DateTime(d) => Cell::DateTime(d),
            CellRef::Bool(b) => Cell::Bool(b),
        }
    }
}

/// A row's cells, wherever they are held: a row read whole, or a CSV record
/// split in place.
pub trait Cells {
    fn len(&self) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Cell `i`, which must be below `len`.
    fn cell(&self, i: usize) -> CellRef<'_>;
}

impl Cells for [Cell] {
    #[inline]
    fn len(&self) -> usize {
        <[Cell]>::len(self)
    }

    #[inline]
    fn cell(&self, i: usize) -> CellRef<'_> {
        self[i].view()
    }
}

/// `text.trim()`, answered at once when the text neither starts nor ends
/// with a space or control character (nearly every cell). Cells are trimmed
/// several times on their way (blank? a marker? the value), and `str::trim`
/// decodes characters from both ends every time: ~3% of a national ingest.
pub fn trim(text: &str) -> &str {
    let plain = |b: Option<&u8>| b.is_some_and(|&b| b > b' ' && b.is_ascii());
    if plain(text.as_bytes().first()) && plain(text.as_bytes().last()) {
        text
    } else {
        text.trim()
    }
}

/// A row of cells and where it came from.
#[derive(Debug, Clone, Default)]
pub struct RawRow {
    /// 1-based row number in the file or sheet, as a person opening it sees it.
    pub number: usize,
    pub cells: Vec<Cell>,
    /// A CSV record whose quotes do not pair up: its fields are not what
    /// the sender wrote, so the row is refused, not guessed at.
    pub fault: Option<QuoteFault>,
}

/// Where a CSV record's quotes stop making sense. A CSV parser reads on
/// through both faults (a quote inside a field is kept as a character; text
/// after a closing quote is joined to the field), and the values it then
/// gives are shifted or merged: a lost or extra quote, not the sender's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuoteFault {
    /// The field (1-based, as the parser split the record).
    pub field: usize,
    pub kind: QuoteFaultKind,
    /// The lines of the file the record runs over: more than one when a
    /// quote left open took the lines below into it.
    pub lines: usize,
}

/// How a field's quotes fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteFaultKind {
    /// It does not start with a quote but holds one.
    InsideUnquoted,
    /// It is quoted, and text follows its closing quote.
    AfterClosing,
    /// Its opening quote is never closed: the file ends inside it.
    NeverClosed,
}

impl std::fmt::Display for QuoteFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let field = self.field;
        match self.kind {
            QuoteFaultKind::InsideUnquoted => {
                write!(f, "field {field} holds a quote but does not start with one")?
            }
            QuoteFaultKind::AfterClosing => {
                write!(f, "field {field} has text after its closing quote")?
            }
            QuoteFaultKind::NeverClosed => write!(
                f,
                "field {field} opens a quote that is never closed (the file ends inside it)"
            )?,
        }
        if self.lines > 1 {
            write!(
                f,
                "; the record runs over {} lines of the file, so the rows on the lines below it are inside it",
                self.lines
            )?;
        }
        write!(
            f,
            ": a quote is probably missing or extra, so the row's values cannot be trusted"
        )
    }
}

/// Where mapping takes its rows from: one at a time, each read into a row
/// whose memory is used again (allocating every row's cells afresh on the
/// reading thread and freeing them on a mapping thread cost ~5% of a
/// national ingest), or, for a CSV past its first rows, in blocks of records
/// that the mapping threads split.
pub trait RowSource {
    /// Reads the next row into `row` (whatever it held before); `false` at
    /// the end.
    fn next_into(&mut self, row: &mut RawRow) -> Result<bool>;

    /// Whether the rest of the rows can be read as blocks of CSV records
    /// ([`RowSource::next_block`]), split by the threads that map them.
    fn splits_into_blocks(&self) -> bool {
        false
    }

    /// The next block of whole records, read into `spare` (a block already
    /// mapped); `None` at the end. Asked only when
    /// [`RowSource::splits_into_blocks`].
    fn next_block(&mut self, _spare: Vec<u8>) -> Result<Option<CsvBlock>> {
        Ok(None)
    }
}

/// Rows from an iterator (a sheet held in memory, a Parquet file's batches).
pub struct IterRows<I>(pub I);

impl<I: Iterator<Item = Result<RawRow>>> RowSource for IterRows<I> {
    fn next_into(&mut self, row: &mut RawRow) -> Result<bool> {
        match self.0.next() {
            Some(next) => {
                *row = next?;
                Ok(true)
            }
            None => Ok(false),
        }
    }
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
        pqa_core::config::FileFormat::Csv => {
            let rows = CsvRows::new(bytes, source.encoding, source.delimiter)?
                .quoted_with(source.quote)?
                .collect::<Result<Vec<_>>>()?;
            Ok(RawSheet { sheet: None, rows })
        }
        pqa_core::config::FileFormat::Xlsx => read_xlsx(bytes, source.sheet.as_ref()),
        pqa_core::config::FileFormat::Parquet => read_parquet(bytes),
    }
}

/// Why a file claimed as a workbook cannot be opened, in words that say
/// what to do: calamine's own message ("Cannot detect file format") does not.
fn unreadable_workbook(bytes: &[u8], error: &str) -> String {
    let start = &bytes[..bytes.len().min(512)];
    if bytes.is_empty() {
        "the file is empty".into()
    } else if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        format!(
            "the workbook is damaged or cut short (it starts as a workbook, but its contents \
             cannot be read: {error}); ask the agency to send it again"
        )
    } else if !start.contains(&0) && std::str::from_utf8(start).is_ok() {
        "the file is text, not a workbook (a CSV named as a workbook?): ask the agency for \
         the workbook, or read it with a CSV feed"
            .into()
    } else {
        format!("not a readable Excel workbook: {error}")
    }
}

/// Decodes and splits a CSV held in memory (see [`CsvRows`]).
pub fn read_csv(bytes: &[u8], encoding: Encoding, delimiter: char) -> Result<RawSheet> {
    let rows = CsvRows::new(bytes, encoding, delimiter)?.collect::<Result<Vec<_>>>()?;
    Ok(RawSheet { sheet: None, rows })
}

mod delimited;

pub use delimited::{CsvBlock, CsvRows, Record};

/// The most a workbook may hold once decompressed. A return of a million
/// rows is about 200 MB of XML; a few megabytes that expand to gigabytes
/// (a "zip bomb") would take the machine's memory.
pub const MAX_WORKBOOK_BYTES: u64 = 512 << 20;
/// The most rows and columns a sheet may have: Excel's own limits.
pub const MAX_ROWS: usize = 1_048_576;
pub const MAX_COLUMNS: usize = 16_384;

/// Refuses a workbook that would decompress to more than
/// [`MAX_WORKBOOK_BYTES`], from the sizes its table of contents declares
/// (a part is never read past its declared size).
fn check_workbook_size(bytes: &[u8], limit: u64) -> Result<()> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        // Not a zip: calamine says what it is (or is not).
        return Ok(());
    };
    // The sizes the central directory declares (there even when a part's
    // own header defers them to a trailing descriptor).
    let mut declared: u64 = 0;
    for i in 0..archive.len() {
        if let Ok(part) = archive.by_index_raw(i) {
            declared = declared.saturating_add(part.size());
        }
    }
    if declared > limit {
        return Err(Error::File(format!(
            "the workbook would take {} MB once decompressed ({} MB as sent), more than the {} MB pqa reads: \
             split it, or send it as CSV",
            declared >> 20,
            bytes.len() >> 20,
            limit >> 20
        )));
    }
    Ok(())
}

/// Reads one sheet (by name, or the first) of an XLSX workbook.
pub fn read_xlsx(bytes: &[u8], sheet: Option<&SheetRef>) -> Result<RawSheet> {
    check_workbook_size(bytes, MAX_WORKBOOK_BYTES)?;
    let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| Error::File(unreadable_workbook(bytes, &e.to_string())))?;
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
    let (height, width) = range.get_size();
    if height > MAX_ROWS || width + first_col as usize > MAX_COLUMNS {
        return Err(Error::File(format!(
            "sheet `{name}` has {height} rows and {width} columns, more than a workbook can \
             ({MAX_ROWS} rows, {MAX_COLUMNS} columns)"
        )));
    }
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
                fault: None,
            }
        })
        .collect();
    Ok(RawSheet {
        sheet: Some(name),
        rows,
    })
}

/// Reads a Parquet file held in memory (see [`ParquetRows`]).
pub fn read_parquet(bytes: &[u8]) -> Result<RawSheet> {
    let rows =
        ParquetRows::new(bytes::Bytes::copy_from_slice(bytes))?.collect::<Result<Vec<_>>>()?;
    Ok(RawSheet { sheet: None, rows })
}

/// Runs a step of the Parquet reader, which panics on some damaged files
/// (found by fuzzing: a bit width past its type's, an unknown schema type)
/// where it should return an error: the file is refused as damaged, and
/// the run goes on.
fn damaged_if_it_panics<T>(step: impl FnOnce() -> T) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(step)).map_err(|panic| {
        let why = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        Error::File(format!(
            "the Parquet file is damaged (its reader stopped: {why}): ask for it to be sent again"
        ))
    })
}

/// A Parquet file's rows, one record batch in memory at a time: its column
/// names become the header row (row 1) and every value is taken as text,
/// except floating-point numbers, which are numbers as in a spreadsheet, so
/// mapping treats it like any other file (published statistics keep symbols
/// such as `c` and `x` in value columns).
pub struct ParquetRows {
    batches: parquet::arrow::arrow_reader::ParquetRecordBatchReader,
    header: Option<RawRow>,
    /// The current batch's columns, and its number of rows.
    columns: Vec<ParquetColumn>,
    rows: usize,
    at: usize,
    number: usize,
}

impl ParquetRows {
    /// Opens a Parquet file (a `File`, or bytes in memory).
    pub fn new<T: parquet::file::reader::ChunkReader + 'static>(file: T) -> Result<ParquetRows> {
        let unreadable = |e: parquet::errors::ParquetError| {
            Error::File(format!("not a readable Parquet file: {e}"))
        };
        let builder = damaged_if_it_panics(|| {
            parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        })?
        .map_err(unreadable)?;
        let header = builder
            .schema()
            .fields()
            .iter()
            .map(|f| Cell::Text(f.name().into()))
            .collect();
        Ok(ParquetRows {
            batches: builder.build().map_err(unreadable)?,
            header: Some(RawRow {
                number: 1,
                cells: header,
                fault: None,
            }),
            columns: Vec::new(),
            rows: 0,
            at: 0,
            number: 1,
        })
    }

    /// Moves to the next batch; `false` at the end of the file.
    fn next_batch(&mut self) -> Result<bool> {
        let Some(batch) = damaged_if_it_panics(|| self.batches.next())? else {
            return Ok(false);
        };
        let batch = batch.map_err(|e| Error::File(format!("cannot read the Parquet data: {e}")))?;
        self.columns = batch
            .columns()
            .iter()
            .map(ParquetColumn::new)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::File(format!("a Parquet column cannot be read as text: {e}")))?;
        self.rows = batch.num_rows();
        self.at = 0;
        Ok(true)
    }
}

impl Iterator for ParquetRows {
    type Item = Result<RawRow>;

    fn next(&mut self) -> Option<Result<RawRow>> {
        if let Some(header) = self.header.take() {
            return Some(Ok(header));
        }
        while self.at >= self.rows {
            match self.next_batch() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => return Some(Err(e)),
            }
        }
        let i = self.at;
        let cells = self.columns.iter().map(|c| c.cell(i)).collect();
        self.at += 1;
        self.number += 1;
        Some(Ok(RawRow {
            number: self.number,
            cells,
            fault: None,
        }))
    }
}

/// One column of a Parquet batch: floating-point numbers as they are (a
/// double formatted as text would only be parsed back), anything else as text.
enum ParquetColumn {
    Number(arrow::array::Float64Array),
    Text(arrow::array::StringArray),
}

impl ParquetColumn {
    fn new(column: &arrow::array::ArrayRef) -> std::result::Result<ParquetColumn, ArrowError> {
        use arrow::array::AsArray;
        use arrow::datatypes::{DataType, Float64Type};
        Ok(match column.data_type() {
            DataType::Float16 | DataType::Float32 | DataType::Float64 => ParquetColumn::Number(
                arrow::compute::cast(column, &DataType::Float64)?
                    .as_primitive::<Float64Type>()
                    .clone(),
            ),
            _ => ParquetColumn::Text(
                arrow::compute::cast(column, &DataType::Utf8)?
                    .as_string::<i32>()
                    .clone(),
            ),
        })
    }

    fn cell(&self, i: usize) -> Cell {
        use arrow::array::Array;
        match self {
            ParquetColumn::Number(c) if c.is_valid(i) => Cell::Number(c.value(i)),
            ParquetColumn::Text(c) if c.is_valid(i) => Cell::Text(c.value(i).into()),
            _ => Cell::Empty,
        }
    }
}

fn cell_of(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.into()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(d) => d
            .as_datetime()
            .map_or_else(|| Cell::Number(d.as_f64()), Cell::DateTime),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.into()),
        Data::Error(e) => Cell::Text(compact_str::format_compact!("#{e:?}")),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn a_workbook_too_large_once_decompressed_is_refused_before_it_is_opened() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/files/bb_wide_2024-25_Q4.xlsx"
        );
        let bytes = std::fs::read(path).unwrap();
        assert!(check_workbook_size(&bytes, MAX_WORKBOOK_BYTES).is_ok());
        let err = check_workbook_size(&bytes, 1024).unwrap_err().to_string();
        assert!(
            err.contains("once decompressed") && err.contains("send it as CSV"),
            "{err}"
        );
        // Not a zip at all: left for calamine to say so.
        assert!(check_workbook_size(b"not a zip", 1024).is_ok());
    }

    #[test]
    fn trim_is_str_trim() {
        for text in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\ta\r\n",
            "\u{a0}a",
            "a\u{3000}",
            "\u{1}a",
            "a\u{7f}",
            "é",
            " é ",
            "ab cd",
        ] {
            assert_eq!(trim(text), text.trim(), "{text:?}");
        }
    }

    #[test]
    fn csv_keeps_quoted_newlines_and_numbers_rows_as_a_spreadsheet_does() {
        let sheet = read_csv(b"a,b\r\n1,\"two\nlines\"\r\n3,4\r\n", Encoding::Utf8, ',').unwrap();
        assert_eq!(sheet.rows.len(), 3);
        assert_eq!(sheet.rows[1].cells[1], Cell::Text("two\nlines".into()));
        // The field over two lines is one row: "3,4" is row 3, not line 4.
        assert_eq!(sheet.rows[2].number, 3);
        // Lone CRs end rows as LFs do.
        let sheet = read_csv(b"a,b\r1,2\r\r3,4", Encoding::Utf8, ',').unwrap();
        let numbers: Vec<usize> = sheet.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [1, 2, 4]);
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
    fn utf8_records_read_whole_give_the_cells_read_field_by_field() {
        let sheet = read_csv(
            "Name,Town\nZoë,Llanfair\n,Bryn\n".as_bytes(),
            Encoding::Utf8,
            ',',
        )
        .unwrap();
        assert_eq!(sheet.rows[1].cells, [text("Zoë"), text("Llanfair")]);
        assert_eq!(sheet.rows[2].cells, [Cell::Empty, text("Bryn")]);
    }

    #[test]
    fn ragged_rows_are_kept_for_reporting() {
        let sheet = read_csv(b"a,b\n1\n1,2,3\n", Encoding::Utf8, ',').unwrap();
        assert_eq!(sheet.rows[1].cells.len(), 1);
        assert_eq!(sheet.rows[2].cells.len(), 3);
    }

    /// Hands out one byte per read, so every record and line end straddles
    /// the CSV reader's buffer.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.0.split_first() {
                Some((b, rest)) if !buf.is_empty() => {
                    buf[0] = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn streamed_rows_keep_row_numbers_across_crlf_blank_lines_and_quotes() {
        let text = b"a,b\r\n\r\n1,\"x\r\ny\"\r\n\n\n2,z\r\n3,w";
        let rows = CsvRows::new(Trickle(text), Encoding::Utf8, ',').unwrap();
        let numbers: Vec<usize> = rows.map(|r| r.unwrap().number).collect();
        assert_eq!(numbers, vec![1, 3, 6, 7]);
        let whole: Vec<usize> = read_csv(text, Encoding::Utf8, ',')
            .unwrap()
            .rows
            .iter()
            .map(|r| r.number)
            .collect();
        assert_eq!(whole, vec![1, 3, 6, 7]);
    }

    #[test]
    fn streamed_rows_hold_only_what_the_reader_has_read_ahead() {
        let mut text = b"a,b\n".to_vec();
        for i in 0..200_000 {
            text.extend_from_slice(format!("{i},x\n").as_bytes());
        }
        let mut rows = CsvRows::new(text.as_slice(), Encoding::Utf8, ',').unwrap();
        let (mut last, mut most_held) = (0, 0);
        while let Some(row) = rows.next() {
            last = row.unwrap().number;
            most_held = most_held.max(rows.held_bytes());
        }
        assert_eq!(last, 200_001);
        // At most a block, and what was read past its end, is held.
        assert!(most_held < 600 * 1024, "{most_held} bytes held");
    }

    #[test]
    fn parquet_doubles_are_numbers_and_everything_else_text() {
        use std::sync::Arc;

        use arrow::array::{Float64Array, Int64Array, RecordBatch, StringArray};
        let batch = RecordBatch::try_from_iter([
            (
                "LA Number",
                Arc::new(Float64Array::from(vec![Some(921.0), None])) as _,
            ),
            (
                "Values",
                Arc::new(StringArray::from(vec!["12.5", "c"])) as _,
            ),
            ("Year", Arc::new(Int64Array::from(vec![2024, 2025])) as _),
        ])
        .unwrap();
        let mut file = Vec::new();
        let mut writer =
            parquet::arrow::ArrowWriter::try_new(&mut file, batch.schema(), None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        let sheet = read_parquet(&file).unwrap();
        let cells: Vec<&[Cell]> = sheet.rows.iter().map(|r| r.cells.as_slice()).collect();
        assert_eq!(
            cells,
            [
                &[text("LA Number"), text("Values"), text("Year")][..],
                &[Cell::Number(921.0), text("12.5"), text("2024")],
                &[Cell::Empty, text("c"), text("2025")],
            ]
        );
        // A whole double reads as the integer it is.
        assert_eq!(Cell::Number(921.0).as_text(), "921");
        assert_eq!(sheet.rows[2].number, 3);
    }

    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    #[test]
    fn a_file_that_is_no_workbook_says_what_it_is() {
        let err = |bytes: &[u8]| read_xlsx(bytes, None).unwrap_err().to_string();
        assert_eq!(err(b""), "the file is empty");
        assert!(
            err(b"Child ID,Start\nC1,2024-01-01\n").starts_with("the file is text, not a workbook")
        );
        assert!(err(b"\x00\x01\x02garbage").starts_with("not a readable Excel workbook"));
        // A real workbook cut short: calamine says "Cannot detect file
        // format"; pqa says what happened and what to do.
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet().write_string(0, 0, "Child ID").unwrap();
        let whole = wb.save_to_buffer().unwrap();
        let cut = err(&whole[..whole.len() / 2]);
        assert!(
            cut.starts_with("the workbook is damaged or cut short"),
            "{cut}"
        );
        assert!(cut.ends_with("ask the agency to send it again"), "{cut}");
    }
}
