//! CSV files: read in blocks of whole records, which are split into fields
//! where they are mapped.
//!
//! A national file is read by one thread and mapped by one per core. When the
//! reading thread split every record into cells and handed the cells over,
//! each row's cells (~150 bytes for an attendance row of ~37) were written by
//! one core and read by another, and making them was ~15% of a national
//! ingest (BENCHMARKS.md). Now the reading thread only finds where a block of
//! records ends; the thread that maps the block splits it, and each record's
//! fields are read where the splitter left them, in that core's cache. A
//! block without quotes (nearly every block of a national extract) is split
//! where it lies, each field read from the block itself; one with quotes, in
//! another encoding or not UTF-8 goes through the CSV parser, `csv_core`.

use std::io::Read;

use csv_core::ReadRecordResult;
use pqa_core::config::Encoding;

use super::{CellRef, Cells, QuoteFault, QuoteFaultKind, RawRow, RowSource};
use crate::error::{Error, Result};

/// How many bytes a block holds at least (unless the file ends first): about
/// as many attendance rows (~14,000) as a chunk of rows held before.
const BLOCK_BYTES: usize = 512 * 1024;

/// Whole CSV records, cut from a file at a record's end, with what is needed
/// to split them apart from the file: the row the block starts on, counted
/// as a spreadsheet shows the file (a record over several lines is one row,
/// a blank line is a row, a lone CR ends a row as LF and CRLF do), the
/// delimiter and the encoding.
#[derive(Debug, Default)]
pub struct CsvBlock {
    pub bytes: Vec<u8>,
    line: usize,
    delimiter: u8,
    quote: u8,
    encoding: Encoding,
    /// The block holds a quote, so a field may hold a delimiter or a line end.
    quoted: bool,
    /// The byte before the block was a CR: an LF first is that CRLF's end,
    /// not a row of its own.
    after_cr: bool,
}

/// The rows of a CSV, read from any reader a block at a time, so that a file
/// of any size is read in bounded memory. Quoted fields may hold newlines;
/// rows are numbered as a spreadsheet opening the file numbers them. Ragged rows are kept
/// as they are, for the mapper to report. A UTF-8 byte-order mark is dropped
/// (and, as a browser would, taken to mean the file is UTF-8).
///
/// Rows are read one at a time with [`RowSource::next_into`] (the first rows,
/// where the header is looked for), and the rest as blocks with
/// [`RowSource::next_block`], for the mapping threads to split.
pub struct CsvRows<R: Read> {
    input: R,
    delimiter: u8,
    /// The character that quotes a field: `"`, or as the feed says.
    quote: u8,
    encoding: Encoding,
    /// Bytes read after the last block's end: the start of a record.
    tail: Vec<u8>,
    /// The row the tail starts on.
    line: usize,
    /// The last block ended with a CR.
    after_cr: bool,
    started: bool,
    at_end: bool,
    /// [`BLOCK_BYTES`], but for tests.
    block_bytes: usize,
    /// The block rows are being read from one at a time, and how far.
    current: CsvBlock,
    read_to: usize,
    splitter: Splitter,
    /// Finds where the last record in a block that holds quotes ends.
    scanner: csv_core::Reader,
}

impl<R: Read> CsvRows<R> {
    pub fn new(input: R, encoding: Encoding, delimiter: char) -> Result<CsvRows<R>> {
        let delimiter = u8::try_from(delimiter)
            .map_err(|_| Error::File("the delimiter must be a single-byte character".into()))?;
        Ok(CsvRows {
            input,
            delimiter,
            quote: b'"',
            encoding,
            tail: Vec::new(),
            line: 1,
            after_cr: false,
            started: false,
            at_end: false,
            block_bytes: BLOCK_BYTES,
            current: CsvBlock::default(),
            read_to: 0,
            splitter: Splitter::new(delimiter, b'"'),
            scanner: scanner(delimiter, b'"'),
        })
    }

    /// Reads fields quoted with `quote` instead of `"` (some systems write
    /// apostrophes).
    pub fn quoted_with(mut self, quote: char) -> Result<CsvRows<R>> {
        let quote = u8::try_from(quote)
            .ok()
            .filter(|q| q.is_ascii() && *q != self.delimiter)
            .ok_or_else(|| {
                Error::File(
                    "the quote must be a single-byte character other than the delimiter".into(),
                )
            })?;
        self.quote = quote;
        self.splitter = Splitter::new(self.delimiter, quote);
        self.scanner = scanner(self.delimiter, quote);
        Ok(self)
    }

    /// Bytes held: the block being read row by row, and what was read past
    /// the last block's end.
    pub fn held_bytes(&self) -> usize {
        self.current.bytes.len() + self.tail.len()
    }

    /// Reads the next block of whole records into `bytes` (whatever it held
    /// before): at least [`BLOCK_BYTES`] unless the file ends, cut after the
    /// last record that ends in what was read. `None` at the end of the file.
    fn read_block(&mut self, mut bytes: Vec<u8>) -> Result<Option<CsvBlock>> {
        bytes.clear();
        bytes.append(&mut self.tail);
        let mut want = self.block_bytes;
        let mut quoted;
        let cut = loop {
            if !self.at_end && bytes.len() < want {
                let more = want - bytes.len();
                bytes.reserve(more);
                let n = (&mut self.input)
                    .take(more as u64)
                    .read_to_end(&mut bytes)
                    .map_err(|e| Error::File(format!("cannot read the file: {e}")))?;
                self.at_end = n < more;
            }
            if !self.started && (bytes.len() >= 3 || self.at_end) {
                self.started = true;
                if is_utf16(&bytes) {
                    return Err(Error::File(
                        "the file is UTF-16 text (Excel's \"Unicode Text\"), which pqa does not read: \
                         save it as \"CSV UTF-8 (Comma delimited)\""
                            .into(),
                    ));
                }
                if bytes.starts_with(b"\xEF\xBB\xBF") {
                    bytes.drain(..3);
                    self.encoding = Encoding::Utf8;
                }
            }
            quoted = memchr::memchr(self.quote, &bytes).is_some();
            if self.at_end {
                break bytes.len();
            }
            match last_record_end(&mut self.scanner, &bytes, quoted) {
                0 => want *= 2, // not one whole record yet: read more
                cut => break cut,
            }
        };
        if bytes.is_empty() {
            return Ok(None);
        }
        self.tail.extend_from_slice(&bytes[cut..]);
        bytes.truncate(cut);
        let (line, after_cr) = (self.line, self.after_cr);
        self.line += if quoted {
            RowEnds::new(self.delimiter, self.quote, after_cr).count(&bytes)
        } else {
            row_ends_unquoted(&bytes, after_cr)
        };
        self.after_cr = bytes.last() == Some(&b'\r');
        Ok(Some(CsvBlock {
            bytes,
            line,
            delimiter: self.delimiter,
            quote: self.quote,
            encoding: self.encoding,
            quoted,
            after_cr,
        }))
    }
}

/// Whether a file's first bytes are UTF-16: its byte-order mark, or (with
/// none) a zero byte beside nearly every character of text.
fn is_utf16(start: &[u8]) -> bool {
    if start.starts_with(b"\xFF\xFE") || start.starts_with(b"\xFE\xFF") {
        return true;
    }
    let sample = &start[..start.len().min(512)];
    let zeros = sample.iter().filter(|&&b| b == 0).count();
    sample.len() >= 8 && zeros * 3 >= sample.len()
}

/// The bytes equal to `byte`, counted 255 at a time in a byte each (which
/// the compiler makes vector instructions of; counted in a `usize` each, it
/// made them four bytes at a time, ~2% of a national ingest).
fn count_byte(bytes: &[u8], byte: u8) -> usize {
    bytes
        .chunks(255)
        .map(|chunk| usize::from(chunk.iter().fold(0u8, |n, &b| n + u8::from(b == byte))))
        .sum()
}

/// The rows that end in `bytes`, which hold no quote: every LF, CR and
/// CRLF ends one (`after_cr`: the byte before them was a CR). Most files
/// have no CR, and are counted in one pass.
fn row_ends_unquoted(bytes: &[u8], after_cr: bool) -> usize {
    let lfs = count_byte(bytes, b'\n');
    let crs = count_byte(bytes, b'\r');
    if crs == 0 && !after_cr {
        return lfs;
    }
    let crlfs = bytes.windows(2).filter(|w| w == b"\r\n").count()
        + usize::from(after_cr && bytes.first() == Some(&b'\n'));
    lfs + crs - crlfs
}

/// Counts the rows that end in bytes holding quotes, as the CSV parser
/// reads them: a line end inside a quoted field is part of its row; a quote
/// opens a field only at its start (elsewhere it is text). Blocks start
/// with a record, outside any quote.
struct RowEnds {
    delimiter: u8,
    quote: u8,
    at: QuoteState,
    after_cr: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum QuoteState {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: doubled, or its end.
    QuoteInQuoted,
}

impl RowEnds {
    fn new(delimiter: u8, quote: u8, after_cr: bool) -> RowEnds {
        RowEnds {
            delimiter,
            quote,
            at: QuoteState::FieldStart,
            after_cr,
        }
    }

    /// The rows that end in `bytes`, carrying on from the bytes before.
    fn count(&mut self, bytes: &[u8]) -> usize {
        let mut rows = 0;
        for &b in bytes {
            let was_cr = std::mem::replace(&mut self.after_cr, b == b'\r');
            if self.at == QuoteState::Quoted {
                if b == self.quote {
                    self.at = QuoteState::QuoteInQuoted;
                }
                continue;
            }
            if b == b'\r' || b == b'\n' {
                rows += usize::from(!(b == b'\n' && was_cr));
                self.at = QuoteState::FieldStart;
            } else if b == self.delimiter {
                self.at = QuoteState::FieldStart;
            } else if b == self.quote && self.at != QuoteState::Unquoted {
                self.at = QuoteState::Quoted;
            } else {
                self.at = QuoteState::Unquoted;
            }
        }
        rows
    }
}

/// Where the last record that ends in `bytes` (which start a record) ends; 0
/// if none does. Without a quote every line end ends a record, so it is found
/// at once; with quotes the block is split to find it.
fn last_record_end(scanner: &mut csv_core::Reader, bytes: &[u8], quoted: bool) -> usize {
    if !quoted {
        return memchr::memrchr2(b'\n', b'\r', bytes).map_or(0, |i| i + 1);
    }
    scanner.reset();
    let (mut out, mut ends) = ([0; 4096], [0; 64]);
    let (mut at, mut cut) = (0, 0);
    loop {
        let (result, nin, _, _) = scanner.read_record(&bytes[at..], &mut out, &mut ends);
        at += nin;
        match result {
            // The fields are not wanted: the same room is used again.
            ReadRecordResult::OutputFull | ReadRecordResult::OutputEndsFull => {}
            ReadRecordResult::Record => cut = at,
            ReadRecordResult::InputEmpty | ReadRecordResult::End => return cut,
        }
    }
}

fn scanner(delimiter: u8, quote: u8) -> csv_core::Reader {
    csv_core::ReaderBuilder::new()
        .delimiter(delimiter)
        .quote(quote)
        .build()
}

impl<R: Read> RowSource for CsvRows<R> {
    fn next_into(&mut self, row: &mut RawRow) -> Result<bool> {
        loop {
            if self.read_to >= self.current.bytes.len() {
                let spare = std::mem::take(&mut self.current.bytes);
                let Some(block) = self.read_block(spare)? else {
                    return Ok(false);
                };
                self.splitter.start(&block);
                self.current = block;
                self.read_to = 0;
            }
            let (number, took) = self
                .splitter
                .next_record(&self.current.bytes[self.read_to..]);
            self.read_to += took;
            if let Some(number) = number {
                let record = self.splitter.record(number)?;
                row.number = number;
                row.fault = record.fault;
                row.cells.clear();
                row.cells
                    .extend((0..record.len()).map(|i| record.cell(i).to_cell()));
                return Ok(true);
            }
        }
    }

    fn splits_into_blocks(&self) -> bool {
        true
    }

    fn next_block(&mut self, spare: Vec<u8>) -> Result<Option<CsvBlock>> {
        if self.read_to < self.current.bytes.len() {
            // The rest of the block rows were being read from.
            let mut bytes = spare;
            bytes.clear();
            bytes.extend_from_slice(&self.current.bytes[self.read_to..]);
            self.read_to = self.current.bytes.len();
            return Ok(Some(CsvBlock {
                quoted: memchr::memchr(self.quote, &bytes).is_some(),
                bytes,
                line: self.splitter.row,
                delimiter: self.delimiter,
                quote: self.quote,
                encoding: self.encoding,
                after_cr: self.splitter.rows.after_cr,
            }));
        }
        self.read_block(spare)
    }
}

impl<R: Read> Iterator for CsvRows<R> {
    type Item = Result<RawRow>;

    fn next(&mut self) -> Option<Result<RawRow>> {
        let mut row = RawRow::default();
        match self.next_into(&mut row) {
            Ok(true) => Some(Ok(row)),
            Ok(false) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

impl CsvBlock {
    /// Splits every record, handing each to `row` with the line it starts
    /// on. Stops at the first error, from `row` or from text that is not in
    /// the block's encoding.
    pub fn split(&self, mut row: impl FnMut(usize, &Record<'_>) -> Result<()>) -> Result<()> {
        if !self.quoted
            && matches!(self.encoding, Encoding::Utf8)
            && let Ok(text) = std::str::from_utf8(&self.bytes)
        {
            return self.split_plain(text, row);
        }
        // Quotes, another encoding, or text that is not UTF-8 (to say where).
        Splitter::new(self.delimiter, self.quote).split(self, &mut row)
    }

    /// Splits a block without quotes (so every delimiter ends a field and
    /// every line end a record), valid UTF-8 as `text`: each field is read
    /// where it lies in the block, with nothing copied. Blank lines are
    /// skipped, as the CSV parser skips them.
    fn split_plain(
        &self,
        text: &str,
        mut row: impl FnMut(usize, &Record<'_>) -> Result<()>,
    ) -> Result<()> {
        let bytes = text.as_bytes();
        let delimiter = self.delimiter;
        let mut ends = Vec::with_capacity(64);
        let mut line = self.line;
        let mut at = 0;
        while at < bytes.len() {
            match bytes[at] {
                // Each line end is a row; a CRLF's LF is not one more.
                b'\n' => {
                    let crlf = if at == 0 {
                        self.after_cr
                    } else {
                        bytes[at - 1] == b'\r'
                    };
                    line += usize::from(!crlf);
                    at += 1;
                    continue;
                }
                b'\r' => {
                    line += 1;
                    at += 1;
                    continue;
                }
                _ => {}
            }
            let start = at;
            ends.clear();
            let end = loop {
                match bytes[at..]
                    .iter()
                    .position(|&b| b == delimiter || b == b'\n' || b == b'\r')
                {
                    Some(i) if bytes[at + i] == delimiter => {
                        ends.push(at + i - start);
                        at += i + 1;
                    }
                    Some(i) => break at + i,
                    None => break bytes.len(),
                }
            };
            ends.push(end - start);
            let record = Record {
                text: &text[start..end],
                ends: &ends,
                gap: 1,
                fault: None,
            };
            row(line, &record)?;
            // The line end is skipped (and counted) before the next record.
            at = end;
        }
        Ok(())
    }
}

/// Splits blocks into records, and records into fields, one record at a
/// time: the record's fields lie one after another in one buffer, used again
/// for every record.
struct Splitter {
    core: csv_core::Reader,
    fields: Vec<u8>,
    /// Where each field of the record ends in `fields`.
    ends: Vec<usize>,
    /// The record's number of fields.
    len: usize,
    /// Where the record's quotes stop pairing up, if they do.
    fault: Option<QuoteFault>,
    /// The row the next bytes start on, and the count of rows ending in
    /// them (which knows whether the byte before was a CR).
    row: usize,
    rows: RowEnds,
    delimiter: u8,
    quote: u8,
    encoding: Encoding,
    /// The record's fields decoded from Windows-1252, and where each ends.
    decoded: String,
    decoded_ends: Vec<usize>,
}

impl Splitter {
    fn new(delimiter: u8, quote: u8) -> Splitter {
        Splitter {
            core: scanner(delimiter, quote),
            fields: vec![0; 1024],
            ends: vec![0; 64],
            len: 0,
            fault: None,
            row: 1,
            rows: RowEnds::new(delimiter, quote, false),
            delimiter,
            quote,
            encoding: Encoding::Utf8,
            decoded: String::new(),
            decoded_ends: Vec::new(),
        }
    }

    /// Splits every record of `block` (see [`CsvBlock::split`]).
    fn split(
        &mut self,
        block: &CsvBlock,
        row: &mut impl FnMut(usize, &Record<'_>) -> Result<()>,
    ) -> Result<()> {
        self.start(block);
        let mut at = 0;
        while at < block.bytes.len() {
            let (number, took) = self.next_record(&block.bytes[at..]);
            at += took;
            let Some(number) = number else { break };
            row(number, &self.record(number)?)?;
        }
        Ok(())
    }

    /// Starts on a block (which starts with a record).
    fn start(&mut self, block: &CsvBlock) {
        self.core.reset();
        self.row = block.line;
        self.rows = RowEnds::new(self.delimiter, self.quote, block.after_cr);
        self.encoding = block.encoding;
    }

    /// Splits the next record from `input` (the rest of a block, holding
    /// only whole records): the row the record is on (`None` if there is
    /// no record left), and the bytes taken.
    fn next_record(&mut self, input: &[u8]) -> (Option<usize>, usize) {
        // The parser skips blank lines (and a CRLF's `\n`) before a record
        // as part of reading it: the record starts after them, each a row.
        let blank = input
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .count();
        self.row += self.rows.count(&input[..blank]);
        let number = self.row;
        let input_after_blank = &input[blank..];
        let taken = |nin: usize| nin + blank;
        let input = input_after_blank;
        let (mut nin, mut nout, mut nend) = (0, 0, 0);
        loop {
            let (result, i, o, e) = self.core.read_record(
                &input[nin..],
                &mut self.fields[nout..],
                &mut self.ends[nend..],
            );
            nin += i;
            nout += o;
            nend += e;
            match result {
                // Asked again with nothing left: the block's end ends the
                // record (the file's last record may have no line end).
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let grown = self.fields.len() * 2;
                    self.fields.resize(grown, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let grown = self.ends.len() * 2;
                    self.ends.resize(grown, 0);
                }
                ReadRecordResult::Record => {
                    self.len = nend;
                    self.fault = quote_fault(&input[..nin], self.delimiter, self.quote);
                    self.row += self.rows.count(&input[..nin]);
                    return (Some(number), taken(nin));
                }
                ReadRecordResult::End => return (None, taken(nin)),
            }
        }
    }

    /// The record just split, as text. `number` is the line it starts on,
    /// for the error when it is not UTF-8.
    fn record(&mut self, number: usize) -> Result<Record<'_>> {
        let ends = &self.ends[..self.len];
        let bytes = &self.fields[..ends.last().copied().unwrap_or(0)];
        if matches!(self.encoding, Encoding::Windows1252) {
            self.decoded.clear();
            self.decoded_ends.clear();
            let mut start = 0;
            for &end in ends {
                let (text, _) =
                    encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes[start..end]);
                self.decoded.push_str(&text);
                self.decoded_ends.push(self.decoded.len());
                start = end;
            }
            return Ok(Record {
                text: &self.decoded,
                ends: &self.decoded_ends,
                gap: 0,
                fault: self.fault,
            });
        }
        let not_utf8 = |valid: usize| {
            // The bad byte may be on a later line of a quoted field.
            let line = number + bytes[..valid].iter().filter(|&&b| b == b'\n').count();
            Error::File(format!(
                "line {line} is not UTF-8 text; if the file was saved from Excel as CSV, set `encoding: windows-1252` in the feed"
            ))
        };
        let text = std::str::from_utf8(bytes).map_err(|e| not_utf8(e.valid_up_to()))?;
        // Each field must be text on its own, not only all of them together.
        if let Some(&end) = ends.iter().find(|&&end| !text.is_char_boundary(end)) {
            return Err(not_utf8(end));
        }
        Ok(Record {
            text,
            ends,
            gap: 0,
            fault: self.fault,
        })
    }
}

/// Where the quotes of the record at the start of `raw` (after any blank
/// lines) stop pairing up as a CSV's must: a field either has no quote, or
/// starts with one and ends with the one that closes it, with quotes inside
/// it doubled.
fn quote_fault(raw: &[u8], delimiter: u8, quote: u8) -> Option<QuoteFault> {
    enum At {
        FieldStart,
        Unquoted,
        Quoted,
        /// A quote in a quoted field: it closes the field, or is the first
        /// of a doubled quote.
        QuoteInQuoted,
    }
    let mut at = At::FieldStart;
    let mut field = 1;
    let start = raw
        .iter()
        .position(|&b| b != b'\n' && b != b'\r')
        .unwrap_or(raw.len());
    let record = &raw[start..];
    let fault = |field: usize, kind: QuoteFaultKind| {
        // The lines the parser took as this record, to its end.
        Some(QuoteFault {
            field,
            kind,
            lines: 1 + count_byte(record.trim_ascii_end(), b'\n'),
        })
    };
    for &b in record {
        let ends_record = b == b'\n' || b == b'\r';
        at = match at {
            At::FieldStart | At::Unquoted | At::QuoteInQuoted if ends_record => return None,
            At::FieldStart | At::Unquoted | At::QuoteInQuoted if b == delimiter => {
                field += 1;
                At::FieldStart
            }
            At::FieldStart if b == quote => At::Quoted,
            At::FieldStart | At::Unquoted if b == quote => {
                return fault(field, QuoteFaultKind::InsideUnquoted);
            }
            At::FieldStart | At::Unquoted => At::Unquoted,
            At::Quoted if b == quote => At::QuoteInQuoted,
            At::Quoted => At::Quoted,
            At::QuoteInQuoted if b == quote => At::Quoted,
            At::QuoteInQuoted => return fault(field, QuoteFaultKind::AfterClosing),
        };
    }
    match at {
        At::Quoted => fault(field, QuoteFaultKind::NeverClosed),
        _ => None,
    }
}

/// One CSV record split into fields, read where the splitter left them: in
/// the splitter's buffer one after another, or in the block, `gap` (the
/// delimiter) apart.
pub struct Record<'s> {
    text: &'s str,
    /// Where each field ends in `text`.
    ends: &'s [usize],
    gap: usize,
    /// Where its quotes stop pairing up, if they do.
    pub fault: Option<QuoteFault>,
}

impl Cells for Record<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.ends.len()
    }

    /// Field `i` (an empty field is an empty cell). Inlined: returned
    /// through memory, the cell was stored and at once read back.
    #[inline]
    fn cell(&self, i: usize) -> CellRef<'_> {
        let start = match i {
            0 => 0,
            i => self.ends[i - 1] + self.gap,
        };
        match &self.text[start..self.ends[i]] {
            "" => CellRef::Empty,
            text => CellRef::Text(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::Cell;

    /// Every row of `text`: the first `by_row` read one at a time, the rest
    /// as blocks of `block_bytes`, split as a mapping thread splits them.
    fn rows(
        text: &[u8],
        encoding: Encoding,
        by_row: usize,
        block_bytes: usize,
    ) -> Result<Vec<(usize, Vec<Cell>)>> {
        let mut csv = CsvRows::new(text, encoding, ',')?;
        csv.block_bytes = block_bytes;
        let mut rows = Vec::new();
        let mut row = RawRow::default();
        while rows.len() < by_row && csv.next_into(&mut row)? {
            rows.push((row.number, row.cells.clone()));
        }
        while let Some(block) = csv.next_block(Vec::new())? {
            block.split(|number, record| {
                let cells = (0..record.len())
                    .map(|i| record.cell(i).to_cell())
                    .collect();
                rows.push((number, cells));
                Ok(())
            })?;
        }
        Ok(rows)
    }

    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    fn error_of<T>(result: Result<T>) -> String {
        match result {
            Ok(_) => panic!("read without an error"),
            Err(e) => e.to_string(),
        }
    }

    /// A CSV with what splitting must get right: quoted delimiters, quotes
    /// and line ends; CRLF and lone CR line ends; blank lines; ragged and
    /// empty fields; no line end after the last record.
    fn awkward(records: usize) -> String {
        let mut csv = String::from("id,note,n\r\n");
        for i in 0..records {
            match i % 7 {
                0 => csv.push_str(&format!("{i},\"a, \"\"b\"\"\r\nc\",{i}\r\n")),
                1 => csv.push_str(&format!("{i},plain,{i}\n\n")),
                2 => csv.push_str(&format!("{i},,\r")),
                3 => csv.push_str(&format!("{i}\n")),
                4 => csv.push_str(&format!("{i},x,y,z\r\n\r\n")),
                5 => csv.push_str(&format!("{i},\"\",\"\n\"\n")),
                _ => csv.push_str(&format!("{i},Zoë,{i}\n")),
            }
        }
        csv.push_str("last,row");
        csv
    }

    #[test]
    fn blocks_split_where_mapped_give_the_rows_read_one_at_a_time() {
        // With quotes, and without (where the line ends in quotes end records).
        for (csv, records) in [(awkward(500), 502), (awkward(500).replace('"', "'"), 645)] {
            let whole = rows(csv.as_bytes(), Encoding::Utf8, usize::MAX, BLOCK_BYTES).unwrap();
            assert_eq!(whole.len(), records);
            // Blocks of every size down to a few bytes (smaller than some
            // records), after 0 to 3 rows read one at a time.
            for block_bytes in [1, 7, 64, 1000, 4096] {
                for by_row in 0..4 {
                    let split = rows(csv.as_bytes(), Encoding::Utf8, by_row, block_bytes).unwrap();
                    assert_eq!(split, whole, "blocks of {block_bytes}, {by_row} rows first");
                }
            }
        }
    }

    #[test]
    fn split_rows_have_their_cells_and_the_rows_a_spreadsheet_shows() {
        let csv = "a,b\r\n\r\n1,\"x\r\ny\"\r\n\n\n2,z\r\n3,w\n,\n4";
        for block_bytes in [1, 5, 100] {
            let rows = rows(csv.as_bytes(), Encoding::Utf8, 1, block_bytes).unwrap();
            assert_eq!(
                rows,
                [
                    (1, vec![text("a"), text("b")]),
                    (3, vec![text("1"), text("x\r\ny")]),
                    (6, vec![text("2"), text("z")]),
                    (7, vec![text("3"), text("w")]),
                    (8, vec![Cell::Empty, Cell::Empty]),
                    (9, vec![text("4")]),
                ]
            );
        }
        // Without quotes, a block is split where it lies.
        let plain = csv.replace("\"x\r\ny\"", "xy");
        let rows = rows(plain.as_bytes(), Encoding::Utf8, 1, 5).unwrap();
        let numbers: Vec<usize> = rows.iter().map(|(n, _)| *n).collect();
        assert_eq!(numbers, [1, 3, 6, 7, 8, 9]);
    }

    #[test]
    fn a_byte_order_mark_is_dropped_and_means_utf8_however_the_file_is_read() {
        for block_bytes in [1, 2, 1024] {
            let rows = rows(
                b"\xEF\xBB\xBFName\nZo\xC3\xAB\n",
                Encoding::Windows1252,
                0,
                block_bytes,
            )
            .unwrap();
            assert_eq!(rows, [(1, vec![text("Name")]), (2, vec![text("Zoë")])]);
        }
    }

    #[test]
    fn blocks_decode_windows_1252_and_name_the_line_that_is_not_utf8() {
        let decoded = rows(b"Cost\n\xA35\n\"\xA36\"\n", Encoding::Windows1252, 1, 2).unwrap();
        assert_eq!(decoded[1], (2, vec![text("£5")]));
        assert_eq!(decoded[2], (3, vec![text("£6")]));
        for csv in [&b"a\nok\n\xA35\n"[..], b"a\n\"ok\nstill\",\xA3\n"] {
            let err = error_of(rows(csv, Encoding::Utf8, 1, 4));
            assert!(
                err.contains("line 3") && err.contains("windows-1252"),
                "{err}"
            );
        }
        // A field that is not text on its own, though the record's bytes together are.
        let err = error_of(rows(b"a,b\n\xC3,\xA9\n", Encoding::Utf8, 1, 1024));
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn utf16_is_named_not_taken_for_windows_1252() {
        let utf16le: Vec<u8> = "Child ID,Start\r\nC1,2024-01-01\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let with_bom = [&b"\xFF\xFE"[..], &utf16le].concat();
        for bytes in [&with_bom[..], &utf16le] {
            let err = error_of(rows(bytes, Encoding::Utf8, 1, 1024));
            assert!(err.starts_with("the file is UTF-16 text"), "{err}");
        }
    }
}
