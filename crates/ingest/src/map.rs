//! Mapping: one sheet of raw cells → typed rows of a dataset, plus a reject
//! for every row that cannot be taken as it is. Rows read = rows accepted +
//! rows rejected, always; blank rows are not data and are not counted.

use std::borrow::Cow;

use arrow::array::RecordBatch;
use chrono::{DateTime, Utc};
use pqa_core::check::RowCheck;
use pqa_core::config::{
    ColumnSpec, FileFormat, Fill, Measures, OneOrMany, Percent, Unpivot, did_you_mean,
};
use pqa_core::{DatasetSchema, FeedSpec, Period};

use crate::batch::BatchBuilder;
use crate::coerce::Value;
use crate::coerce::normalise;
use crate::error::{Error, Result};
use crate::privacy::PseudonymKey;
use crate::read::{Cell, CellRef, Cells, CsvBlock, QuoteFault, RawRow, RawSheet, trim};
pub use crate::read::{IterRows, RowSource};
use crate::row::{RowPlan, Source};
use pqa_core::config::Privacy;

/// Rows of the first this many are searched for the header row.
const HEADER_SEARCH_ROWS: usize = 30;

/// What a submission is, for lineage and for filling values.
#[derive(Debug, Clone)]
pub struct Submission<'a> {
    pub feed: &'a FeedSpec,
    pub schema: &'a DatasetSchema,
    /// The file's path relative to the inbox.
    pub file: String,
    pub sha256: String,
    pub period: Period,
    pub run_id: String,
    pub ingested_at: DateTime<Utc>,
    pub key: Option<&'a PseudonymKey>,
}

/// Why one row (or one cell of it) was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// 1-based row in the file or sheet.
    pub row: usize,
    /// The dataset column concerned, if one is.
    pub column: Option<String>,
    /// The rule broken: `type`, `required`, `code`, `shape` or a check's text.
    pub rule: String,
    /// What is wrong, in words; values of identifying columns are never shown.
    pub message: String,
}

/// What mapping one sheet found, apart from the accepted rows themselves
/// (which go to a sink batch by batch, see [`map_rows`]).
#[derive(Debug, Clone, Default)]
pub struct MapSummary {
    /// The sheet read (XLSX only).
    pub sheet: Option<String>,
    /// Records read: non-blank rows below the header row (for a wide return,
    /// each row's cell in each period column).
    pub rows_read: usize,
    pub rows_accepted: usize,
    pub rows_rejected: usize,
    pub rejects: Vec<Reject>,
    /// Rows that are not data (totals, footnotes): (row, first cell's text).
    pub skipped: Vec<(usize, String)>,
    /// Headers in the file that no column uses and the feed does not drop.
    pub unused_headers: Vec<String>,
    /// Rows left out by the feed's `keep_rows` (another area's, in a
    /// national file): not read, not rejected.
    pub rows_left_out: usize,
}

impl MapSummary {
    /// Rows that were accepted.
    pub fn rows_accepted(&self) -> usize {
        self.rows_accepted
    }
}

/// The outcome of mapping one sheet held in memory: the summary, and the
/// accepted rows with lineage columns in the dataset's Arrow schema.
#[derive(Debug, Clone)]
pub struct Mapped {
    pub summary: MapSummary,
    pub batch: RecordBatch,
}

/// A `Mapped` is its summary plus its rows: `mapped.rows_read` reads through.
impl std::ops::Deref for Mapped {
    type Target = MapSummary;

    fn deref(&self) -> &MapSummary {
        &self.summary
    }
}

/// Accepted rows are handed to the sink in batches of at most this many, so
/// memory does not grow with the size of the file.
pub const BATCH_ROWS: usize = 64 * 1024;

/// Maps a sheet held in memory through the feed. An `Err` rejects the whole
/// file (no header row, a required header missing, no key for a
/// pseudonymised column).
pub fn map_sheet(sheet: &RawSheet, sub: &Submission) -> Result<Mapped> {
    let mut batches = Vec::new();
    let summary = map_rows(
        IterRows(sheet.rows.iter().cloned().map(Ok)),
        sheet.sheet.clone(),
        sub,
        &mut |batch| {
            batches.push(batch);
            Ok(())
        },
    )?;
    let batch = arrow::compute::concat_batches(&sub.schema.arrow_schema(), &batches)
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(Mapped { summary, batch })
}

/// The rows read while looking for the header, then the rest.
struct AfterHead<S> {
    held: std::vec::IntoIter<RawRow>,
    rest: S,
}

impl<S: RowSource> RowSource for AfterHead<S> {
    fn next_into(&mut self, row: &mut RawRow) -> Result<bool> {
        match self.held.next() {
            Some(held) => {
                *row = held;
                Ok(true)
            }
            None => self.rest.next_into(row),
        }
    }
}

/// Maps rows as they are read, handing accepted rows to `sink` in batches of
/// at most [`BATCH_ROWS`]. Only the first rows (where the header is looked
/// for) and the rejects are held. `sheet` is the sheet's name (XLSX only).
pub fn map_rows(
    rows: impl RowSource,
    sheet: Option<String>,
    sub: &Submission,
    sink: &mut dyn FnMut(RecordBatch) -> Result<()>,
) -> Result<MapSummary> {
    let feed = sub.feed;
    let needs_key = feed
        .columns
        .values()
        .any(|c| c.privacy == Some(Privacy::Pseudonymise));
    if needs_key && sub.key.is_none() {
        return Err(Error::Key(format!(
            "feed `{}` pseudonymises identifiers but no key is set: set the environment variable named in pqa.yaml (privacy.key_env) or privacy.key_file",
            feed.feed
        )));
    }
    let mut rows = rows;
    let mut head: Vec<RawRow> = Vec::new();
    let mut row = RawRow::default();
    while rows.next_into(&mut row)? {
        let row = std::mem::take(&mut row);
        let number = row.number;
        head.push(row);
        let past_header_row = feed.source.header_row.is_none_or(|wanted| number >= wanted);
        if head.len() >= HEADER_SEARCH_ROWS && past_header_row {
            break;
        }
    }
    let (header_at, headers) = find_header_row(&head, feed)?;
    let sources = locate_columns(feed, sub, &headers)?;
    // A row yields one record, or for a wide return one record per period column.
    // A wide return's header may take two rows (periods under the row with
    // the feed's headers): its data starts below both.
    // Measures across the columns: a record per measure, each read with
    // its own percentage rule.
    let (variants, header_rows, percents) = match (&feed.unpivot, &feed.measures) {
        (Some(unpivot), _) => {
            let (variants, rows) =
                wide_variants(&head, header_at, &headers, sources, unpivot, feed)?;
            let percents = vec![None; variants.len()];
            (variants, rows, percents)
        }
        (None, Some(measures)) => {
            let (variants, percents) = measure_variants(&headers, sources, measures)?;
            (variants, 1, percents)
        }
        (None, None) => (vec![sources], 1, vec![None]),
    };
    let checks: Vec<RowCheck> = feed
        .checks
        .iter()
        .filter_map(|c| RowCheck::parse(c).ok())
        .collect();
    // CSV rows must be as wide as the header row; a sheet's cells are where they are.
    let shape = sheet.is_none().then_some(headers.len());
    let plans: Vec<RowPlan> = variants
        .iter()
        .zip(&percents)
        .map(|(sources, percent)| RowPlan::new(sources, &checks, sub, shape, *percent))
        .collect();

    let mut summary = MapSummary {
        sheet,
        ..MapSummary::default()
    };
    let below_header = head.split_off(header_at + header_rows);
    let mut rows = AfterHead {
        held: below_header.into_iter(),
        rest: rows,
    };
    // The header's cells that a column reads, to know the header again
    // further down (a wide return's header is its own: not looked for).
    let header_cells: Vec<(usize, String)> = match (&feed.unpivot, plans.first()) {
        (None, Some(plan)) => plan
            .cells_read()
            .map(|i| (i, headers[i].clone()))
            .filter(|(_, h)| !h.trim().is_empty())
            .collect(),
        _ => vec![],
    };
    let keep = keep_columns(feed, &headers)?;
    let mapper = ChunkMapper {
        plans: &plans,
        sub,
        header_cells: &header_cells,
        keep: &keep,
    };
    let mut repeated_header = None;
    let mut deliver = |mapped: Result<MappedChunk>| -> Result<()> {
        let mapped = mapped?;
        if let Some((row, before)) = mapped.repeated_header
            && summary.rows_read + before > 0
        {
            // Rows of data above it: a second table, not a header over
            // several rows.
            repeated_header = repeated_header.or(Some(row));
        }
        summary.rows_read += mapped.rows_read;
        summary.rows_rejected += mapped.rows_rejected;
        summary.rejects.extend(mapped.rejects);
        summary.skipped.extend(mapped.skipped);
        summary.rows_left_out += mapped.rows_left_out;
        for batch in mapped.batches {
            summary.rows_accepted += batch.num_rows();
            sink(batch)?;
        }
        Ok(())
    };
    // A file of a few chunks is mapped on this thread: no threads for a few
    // hundred rows.
    let mut ahead = Vec::new();
    while ahead.len() < 3
        && let Some(work) = rows.next_work(None)?
    {
        ahead.push(work);
    }
    if ahead.len() < 3 {
        let mut batch = BatchBuilder::new(sub);
        for work in ahead {
            deliver(mapper.map(work, &mut batch))?;
        }
    } else {
        mapper.map_in_parallel(ahead, rows, &mut deliver)?;
    }
    if let Some(row) = repeated_header {
        return Err(Error::File(format!(
            "row {row} repeats the header row: a second table starts there, and its rows \
             would be loaded as if they belonged to the first; send each table as a file \
             of its own"
        )));
    }
    let used: Vec<usize> = used_columns(&variants);
    let dropped: Vec<String> = feed.drop.iter().map(|d| normalise(d)).collect();
    let accepted: Vec<String> = feed.header_names();
    let accepted: Vec<&str> = accepted.iter().map(String::as_str).collect();
    summary.unused_headers = headers
        .iter()
        .enumerate()
        .filter(|(i, h)| {
            !h.trim().is_empty()
                && !used.contains(i)
                && !keep.iter().any(|(k, _)| k == i)
                && !dropped.contains(&normalise(h))
        })
        .map(|(_, h)| format!("{h}{}", did_you_mean(h, &accepted)))
        .collect();
    Ok(summary)
}

/// The cells the feed's `keep_rows` reads, with the values kept
/// (normalised). A header it names that the file lacks refuses the file:
/// without it, no row could be told to be ours.
fn keep_columns(feed: &FeedSpec, headers: &[String]) -> Result<Vec<(usize, Vec<String>)>> {
    feed.keep_rows
        .iter()
        .map(|(header, values)| {
            let index = headers
                .iter()
                .position(|h| normalise(h) == normalise(header))
                .ok_or_else(|| {
                    Error::File(format!(
                        "`keep_rows`: no header \"{header}\" in the file, so its rows cannot \
                         be told to be this feed's"
                    ))
                })?;
            Ok((index, values.iter().map(|v| normalise(v)).collect()))
        })
        .collect()
}

/// Rows read one at a time (a sheet's, a Parquet file's) are mapped in
/// chunks of this many; each chunk's accepted rows become one batch. Small
/// enough that the chunks in flight (two per thread) stay a few megabytes,
/// large enough that handing them over costs nothing. A CSV is mapped in
/// blocks of about as many rows, split where they are mapped.
const CHUNK_ROWS: usize = 16 * 1024;

/// The next rows read, up to [`CHUNK_ROWS`]; fewer only at the end. They
/// are read into the rows of `spare` (a chunk already mapped) as far as it
/// has them.
fn next_chunk(rows: &mut impl RowSource, mut spare: Vec<RawRow>) -> Result<Vec<RawRow>> {
    spare.truncate(CHUNK_ROWS);
    let mut filled = 0;
    while filled < CHUNK_ROWS {
        if filled == spare.len() {
            spare.push(RawRow::default());
        }
        if !rows.next_into(&mut spare[filled])? {
            break;
        }
        filled += 1;
    }
    spare.truncate(filled);
    Ok(spare)
}

/// A piece of a file for one thread to map: rows read whole, or a block of
/// CSV records to split.
enum Work {
    Rows(Vec<RawRow>),
    Csv(CsvBlock),
}

impl<S: RowSource> AfterHead<S> {
    /// The next piece of the file below its header row, in file order,
    /// read into `spare` (a piece already mapped) where it can be: chunks of
    /// rows, or for a CSV the rows held and then blocks of records. `None`
    /// at the end of the file.
    fn next_work(&mut self, spare: Option<Work>) -> Result<Option<Work>> {
        if self.rest.splits_into_blocks() {
            if self.held.len() > 0 {
                return Ok(Some(Work::Rows(self.held.by_ref().collect())));
            }
            let bytes = match spare {
                Some(Work::Csv(block)) => block.bytes,
                _ => Vec::new(),
            };
            return Ok(self.rest.next_block(bytes)?.map(Work::Csv));
        }
        let spare = match spare {
            Some(Work::Rows(rows)) => rows,
            _ => Vec::new(),
        };
        let chunk = next_chunk(self, spare)?;
        Ok((!chunk.is_empty()).then_some(Work::Rows(chunk)))
    }
}

/// What mapping one piece of a file found.
#[derive(Default)]
struct MappedChunk {
    /// Accepted rows, in batches of at most [`BATCH_ROWS`] (a wide return's
    /// row yields a record per period column).
    batches: Vec<RecordBatch>,
    rows_read: usize,
    rows_rejected: usize,
    rejects: Vec<Reject>,
    skipped: Vec<(usize, String)>,
    rows_left_out: usize,
    /// The first row that repeats the header row, if any, and the rows
    /// read in this piece before it.
    repeated_header: Option<(usize, usize)>,
    /// The piece, mapped, for the next piece to be read into.
    spare: Option<Work>,
}

/// Maps pieces of a file: on the calling thread, or on a thread per core
/// while the calling thread reads the next pieces.
struct ChunkMapper<'p, 'a> {
    plans: &'p [RowPlan<'a>],
    sub: &'p Submission<'a>,
    /// The header row's text in each cell a column reads.
    header_cells: &'p [(usize, String)],
    /// The feed's `keep_rows`: each cell read and its values, normalised.
    keep: &'p [(usize, Vec<String>)],
}

impl ChunkMapper<'_, '_> {
    /// Maps one piece: its accepted rows in batches, its rejects and the
    /// rows that are not data.
    fn map(&self, work: Work, batch: &mut BatchBuilder) -> Result<MappedChunk> {
        let mut mapped = MappedChunk::default();
        let mut values = Vec::with_capacity(self.sub.schema.columns.len());
        match &work {
            Work::Rows(rows) => {
                for row in rows {
                    self.map_row(
                        row.number,
                        row.cells.as_slice(),
                        row.fault,
                        &mut values,
                        batch,
                        &mut mapped,
                    )?;
                }
            }
            Work::Csv(block) => block.split(|number, record| {
                self.map_row(
                    number,
                    record,
                    record.fault,
                    &mut values,
                    batch,
                    &mut mapped,
                )
            })?,
        }
        if batch.len() > 0 {
            mapped.batches.push(batch.finish()?);
        }
        mapped.spare = Some(work);
        Ok(mapped)
    }

    /// Maps one row: skipped if blank or not data, else one record per plan,
    /// accepted into `batch` or rejected.
    fn map_row<C: Cells + ?Sized>(
        &self,
        number: usize,
        cells: &C,
        fault: Option<QuoteFault>,
        values: &mut Vec<Option<Value>>,
        batch: &mut BatchBuilder,
        mapped: &mut MappedChunk,
    ) -> Result<()> {
        let Some(first) = (0..cells.len())
            .map(|i| cells.cell(i))
            .find(|c| !c.is_blank())
        else {
            return Ok(());
        };
        // Mapped as any row (its cells are no values, so it is refused),
        // and noted: below data rows, it starts a second table.
        if mapped.repeated_header.is_none() && self.repeats_header(cells) {
            mapped.repeated_header = Some((number, mapped.rows_read));
        }
        let feed = self.sub.feed;
        if !feed.skip_rows.is_empty() {
            // Asked of every row, so a text cell is not copied to ask it.
            let first: Cow<str> = match first {
                CellRef::Text(text) => Cow::Borrowed(trim(text)),
                other => Cow::Owned(other.as_text()),
            };
            if feed.skip_rows.iter().any(|w| starts_with_word(&first, w)) {
                mapped.skipped.push((number, first.into_owned()));
                return Ok(());
            }
        }
        let kept = self.keep.iter().all(|(i, values)| {
            *i < cells.len() && values.contains(&normalise(&cells.cell(*i).as_text()))
        });
        if !kept {
            mapped.rows_left_out += 1;
            return Ok(());
        }
        for plan in self.plans {
            mapped.rows_read += 1;
            let mapped_row = match fault {
                // Its fields are not what was sent: none is read.
                Some(fault) => Err(vec![Reject {
                    row: number,
                    column: None,
                    rule: "shape".into(),
                    message: fault.to_string(),
                }]),
                None => plan.map_row(number, cells, self.sub.key, values),
            };
            match mapped_row {
                Ok(()) => {
                    batch.push(values, number);
                    if batch.len() == BATCH_ROWS {
                        mapped.batches.push(batch.finish()?);
                    }
                }
                Err(row_rejects) => {
                    mapped.rows_rejected += 1;
                    mapped.rejects.extend(row_rejects);
                }
            }
        }
        Ok(())
    }

    /// Whether the row holds the header row's text, as written, in every
    /// cell a column reads. Asked of every row, and nearly every row
    /// differs from the header at its first cell read.
    fn repeats_header<C: Cells + ?Sized>(&self, cells: &C) -> bool {
        !self.header_cells.is_empty()
            && self.header_cells.iter().all(|(i, header)| {
                *i < cells.len()
                    && matches!(cells.cell(*i), CellRef::Text(t) if trim(t) == header.trim())
            })
    }

    /// Maps the pieces `ahead` and then the rest of `rows` on one thread
    /// per core, while this thread reads. Piece `i` goes to thread
    /// `i % threads` and each thread answers in the order it was asked, so
    /// results are taken back round the threads in turn and reach `deliver`
    /// in file order. At most two pieces per thread are in flight, so memory
    /// stays bounded.
    fn map_in_parallel(
        &self,
        ahead: Vec<Work>,
        mut rows: AfterHead<impl RowSource>,
        deliver: &mut dyn FnMut(Result<MappedChunk>) -> Result<()>,
    ) -> Result<()> {
        use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        std::thread::scope(|scope| {
            let mut work: Vec<SyncSender<Work>> = Vec::new();
            let mut results: Vec<Receiver<Result<MappedChunk>>> = Vec::new();
            for _ in 0..threads {
                let (work_tx, work_rx) = sync_channel::<Work>(1);
                let (result_tx, result_rx) = sync_channel(2);
                scope.spawn(move || {
                    let mut batch = BatchBuilder::new(self.sub);
                    for piece in work_rx {
                        // The reader has stopped if the result cannot be sent.
                        if result_tx.send(self.map(piece, &mut batch)).is_err() {
                            break;
                        }
                    }
                });
                work.push(work_tx);
                results.push(result_rx);
            }
            let stopped = || Error::Internal("a mapping thread stopped".into());
            let received = |i: usize| {
                results[i % threads]
                    .recv()
                    .unwrap_or_else(|_| Err(stopped()))
            };
            let (mut sent, mut delivered) = (0, 0);
            let mut ahead = ahead.into_iter();
            let mut next = ahead.next();
            while let Some(piece) = next {
                let mut spare = None;
                if sent - delivered == 2 * threads {
                    let mut mapped = received(delivered);
                    if let Ok(mapped) = &mut mapped {
                        spare = mapped.spare.take();
                    }
                    deliver(mapped)?;
                    delivered += 1;
                }
                work[sent % threads].send(piece).map_err(|_| stopped())?;
                sent += 1;
                next = match ahead.next() {
                    Some(piece) => Some(piece),
                    None => rows.next_work(spare)?,
                };
            }
            drop(work);
            while delivered < sent {
                deliver(received(delivered))?;
                delivered += 1;
            }
            Ok(())
        })
    }
}

/// Whether `text` begins with the word(s) `word`, ignoring case: "Total",
/// "TOTAL:" and "Total (all teams)" begin with "Total"; "total_absence" and
/// "Totals" do not.
fn starts_with_word(text: &str, word: &str) -> bool {
    let (text, word) = (trim(text), trim(word));
    // Asked of every row, and nearly every row differs at the first letter:
    // that is seen without folding case a character at a time.
    if let (Some(t), Some(w)) = (text.bytes().next(), word.bytes().next())
        && t.is_ascii()
        && w.is_ascii()
        && !t.eq_ignore_ascii_case(&w)
    {
        return false;
    }
    // Compared a character at a time: it allocates nothing.
    let mut text = text.chars().flat_map(char::to_lowercase);
    let matched = word
        .chars()
        .flat_map(char::to_lowercase)
        .all(|w| text.next() == Some(w));
    matched && !text.next().is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// The column positions any record reads.
fn used_columns(variants: &[Sources]) -> Vec<usize> {
    variants
        .iter()
        .flatten()
        .filter_map(|(_, s)| match s {
            Source::Cell(index) => Some(*index),
            _ => None,
        })
        .collect()
}

/// Where each dataset column's value comes from, by column name.
type Sources<'a> = Vec<(String, Source<'a>)>;

/// For a wide return: one set of sources per period column, and how many
/// rows the header takes. A column's period is read from its header together
/// with the header above it, filled in from the left (a year heading merged
/// across its quarters is stored in its first cell only): "2024/25" above
/// "Q1" is 2024/25-Q1.
///
/// The periods may also be on the row *below* the one holding the feed's
/// headers ("Measure" on the year row, the quarters under it, nothing under
/// "Measure"): a data row always has its measure, so a row with nothing
/// under the mapped columns and labels elsewhere is the header's second row.
/// Read as data, Q1's values were loaded labelled as the year and Q2–Q4
/// dropped.
fn wide_variants<'a>(
    head: &[RawRow],
    header_at: usize,
    headers: &[String],
    sources: Sources<'a>,
    unpivot: &Unpivot,
    feed: &FeedSpec,
) -> Result<(Vec<Sources<'a>>, usize)> {
    let used = used_columns(std::slice::from_ref(&sources));
    let dropped: Vec<String> = feed.drop.iter().map(|d| normalise(d)).collect();
    let filled_left = |row: &RawRow| {
        let mut carried = String::new();
        row.cells
            .iter()
            .map(|cell| {
                let text = cell.as_text();
                if !text.is_empty() {
                    carried = text;
                }
                carried.clone()
            })
            .collect::<Vec<_>>()
    };
    let second_row = head.get(header_at + 1).filter(|row| {
        let blank_at = |i: usize| row.cells.get(i).is_none_or(|c| c.is_blank());
        used.iter().all(|&i| blank_at(i))
            && (0..row.cells.len()).any(|i| !used.contains(&i) && !blank_at(i))
    });
    let (above, labels, header_rows) = match second_row {
        Some(row) => (
            filled_left(&head[header_at]),
            row.cells.iter().map(|c| c.as_text()).collect::<Vec<_>>(),
            2,
        ),
        None => (
            header_at
                .checked_sub(1)
                .map(|i| filled_left(&head[i]))
                .unwrap_or_default(),
            headers.to_vec(),
            1,
        ),
    };
    let mut variants = Vec::new();
    for (index, header) in labels.iter().enumerate() {
        let dropped_here = [headers.get(index), Some(header)]
            .into_iter()
            .flatten()
            .any(|h| dropped.contains(&normalise(h)));
        if used.contains(&index) || dropped_here {
            continue;
        }
        if header.trim().is_empty() {
            // A column with no heading but values below it would be lost
            // without a word.
            let below = head.iter().skip(header_at + header_rows);
            if below
                .clone()
                .any(|row| row.cells.get(index).is_some_and(|c| !c.is_blank()))
            {
                return Err(Error::File(format!(
                    "column {} has values but no heading, so its period cannot be told: \
                     give it one (e.g. Q2 under the year), or list the heading above it \
                     under `drop:`",
                    column_letter(index)
                )));
            }
            continue;
        }
        let label = format!(
            "{} {header}",
            above.get(index).map(String::as_str).unwrap_or_default()
        )
        .trim()
        .to_string();
        let period = Period::find_in(&label).or_else(|| Period::find_in(header)).ok_or_else(|| {
            Error::File(format!(
                "column \"{label}\" is neither mapped nor a period: a wide return needs periods such as Q1 under a 2024/25 heading (or list the column under `drop:`)"
            ))
        })?;
        variants.push(one_cell_each(
            &sources,
            (&unpivot.period_column, Source::Filled(period.to_string())),
            (&unpivot.value_column, index),
        ));
    }
    if variants.is_empty() {
        return Err(Error::File(
            "the feed unpivots periods, but no period columns were found".into(),
        ));
    }
    Ok((variants, header_rows))
}

/// The column a feed names by its letter (`column: C`), checked against
/// the header there when the feed also gives `from`.
fn by_letter<'a>(
    name: &str,
    letters: &str,
    accepted: &[String],
    headers: &[String],
) -> Result<Source<'a>> {
    let index = pqa_core::config::column_index(letters).ok_or_else(|| {
        Error::File(format!(
            "column `{name}`: `column: {letters}` is not a column letter"
        ))
    })?;
    let Some(header) = headers.get(index) else {
        return Err(Error::File(format!(
            "column `{name}`: the feed reads column {}, but the header row has {} columns",
            column_letter(index),
            headers.len()
        )));
    };
    if !accepted.is_empty() && !accepted.iter().any(|a| normalise(a) == normalise(header)) {
        return Err(Error::File(format!(
            "column `{name}`: column {} is headed \"{header}\", not {}: the file's columns have moved",
            column_letter(index),
            accepted
                .iter()
                .map(|a| format!("\"{a}\""))
                .collect::<Vec<_>>()
                .join(" or ")
        )));
    }
    Ok(Source::Cell(index))
}

/// For measures across the columns: one set of sources per measure found
/// (its code as a constant, its cell as the value), and the percentage rule
/// each measure's value is read with.
type MeasureVariants<'a> = (Vec<Sources<'a>>, Vec<Option<(&'a str, Option<Percent>)>>);

fn measure_variants<'a>(
    headers: &[String],
    sources: Sources<'a>,
    measures: &'a Measures,
) -> Result<MeasureVariants<'a>> {
    let normalised: Vec<String> = headers.iter().map(|h| normalise(h)).collect();
    let mut variants = Vec::new();
    let mut percents = Vec::new();
    let mut missing = Vec::new();
    for (code, measure) in &measures.columns {
        let accepted = measure.from.names();
        let Some(index) = accepted
            .iter()
            .find_map(|a| normalised.iter().position(|h| *h == normalise(a)))
        else {
            if !measure.optional {
                missing.push(format!(
                    "measure `{code}`: no header {}",
                    accepted
                        .iter()
                        .map(|a| format!("\"{a}\""))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ));
            }
            continue;
        };
        variants.push(one_cell_each(
            &sources,
            (&measures.code_column, Source::Constant(code)),
            (&measures.value_column, index),
        ));
        percents.push(Some((measures.value_column.as_str(), measure.percent)));
    }
    if !missing.is_empty() {
        return Err(Error::File(missing.join("; ")));
    }
    Ok((variants, percents))
}

/// The sources of one record of an unpivoted row: as `sources`, but with
/// the label column (a period, a measure's code) given and the value
/// column reading cell `index`.
fn one_cell_each<'a>(
    sources: &Sources<'a>,
    (label_column, label): (&str, Source<'a>),
    (value_column, index): (&str, usize),
) -> Sources<'a> {
    sources
        .iter()
        .map(|(name, source)| {
            let source = if name == label_column {
                label.clone()
            } else if name == value_column {
                Source::Cell(index)
            } else {
                source.clone()
            };
            (name.clone(), source)
        })
        .collect()
}

/// A column as a spreadsheet names it: 0 is A, 26 is AA.
fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

/// The header row: the given one, or the first of the top rows that matches
/// the most expected headers (agencies put title rows above their tables).
fn find_header_row(head: &[RawRow], feed: &FeedSpec) -> Result<(usize, Vec<String>)> {
    // With `header_rows: 2`, a column's header is the row above's (filled
    // in from the left, as a heading merged over its columns is stored in
    // its first cell) joined to its own: "Plan" over "Start" is "Plan
    // Start". A header the feed names on its own ("Category", beside the
    // merged heading but not under it) is read on its own.
    let expected: Vec<String> = feed.header_names().iter().map(|n| normalise(n)).collect();
    let texts_at = |i: usize| {
        let own = head[i].cells.iter().map(Cell::as_text);
        if feed.source.header_rows < 2 || i == 0 {
            return own.collect::<Vec<_>>();
        }
        let mut carried = String::new();
        let above: Vec<String> = head[i - 1]
            .cells
            .iter()
            .map(|c| {
                let text = c.as_text();
                if !text.trim().is_empty() {
                    carried = text.trim().to_string();
                }
                carried.clone()
            })
            .collect();
        own.enumerate()
            .map(|(j, text)| {
                let upper = above.get(j).map(String::as_str).unwrap_or_default();
                if expected.contains(&normalise(&text)) {
                    return text;
                }
                format!("{upper} {}", text.trim()).trim().to_string()
            })
            .collect()
    };
    let texts = |row: &RawRow| {
        let i = head
            .iter()
            .position(|r| std::ptr::eq(r, row))
            .expect("a row of the head");
        texts_at(i)
    };
    if let Some(wanted) = feed.source.header_row {
        let index = head
            .iter()
            .position(|r| r.number == wanted)
            .ok_or_else(|| {
                Error::File(format!(
                    "the feed says headers are on row {wanted}, but the file has no such row"
                ))
            })?;
        return Ok((index, texts(&head[index])));
    }
    let score = |row: &RawRow| {
        texts(row)
            .iter()
            .filter(|h| expected.contains(&normalise(h)))
            .count()
    };
    let best = head
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .enumerate()
        .map(|(i, r)| (score(r), i))
        .filter(|(s, _)| *s > 0)
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    match best {
        Some((_, i)) => match head[i].fault {
            // Where each column is cannot be told: nothing can be read.
            Some(fault) => Err(Error::File(format!(
                "the header row (row {}): {fault}",
                head[i].number
            ))),
            None => {
                let headers = texts(&head[i]);
                // Quoted with another character than the feed's, the
                // values would keep their quotes (and any field holding a
                // delimiter would be split).
                let other = if feed.source.quote == '"' { '\'' } else { '"' };
                let wrapped = headers.iter().find(|h| {
                    let h = h.trim();
                    h.len() > 2 && h.starts_with(other) && h.ends_with(other)
                });
                match wrapped {
                    Some(h) if matches!(feed.source.format, FileFormat::Csv) => {
                        Err(Error::File(format!(
                            "the header row (row {}) has {h} in quotes that are not the feed's: \
                             if the file quotes fields with {other}, set `quote: \"{}\"` under \
                             `source:` in the feed",
                            head[i].number,
                            if other == '"' { "\\\"" } else { "'" }
                        )))
                    }
                    _ => Ok((i, headers)),
                }
            }
        },
        None if head.iter().all(|r| r.cells.iter().all(Cell::is_blank)) => {
            Err(Error::File(if head.is_empty() {
                "the file is empty".into()
            } else {
                "the file holds only blank rows".into()
            }))
        }
        None => Err(Error::File(format!(
            "no header row found in the first {HEADER_SEARCH_ROWS} rows: expected headers such as {}{}",
            feed.header_names()
                .iter()
                .take(3)
                .map(|h| format!("\"{h}\""))
                .collect::<Vec<_>>()
                .join(", "),
            other_delimiter(head, feed, &expected)
        ))),
    }
}

/// When the headers are there but split by another delimiter than the
/// feed's, what to set: "; the rows look delimited by semicolons: set
/// `delimiter: \";\"` in the feed". Empty when no other delimiter finds them.
fn other_delimiter(head: &[RawRow], feed: &FeedSpec, expected: &[String]) -> String {
    if !matches!(feed.source.format, FileFormat::Csv) {
        return String::new();
    }
    let candidates = [
        (';', "semicolons", ";"),
        ('\t', "tabs", "\\t"),
        ('|', "vertical bars", "|"),
        (',', "commas", ","),
        (' ', "spaces", " "),
    ];
    let own = feed.source.delimiter.to_string();
    for (delimiter, name, written) in candidates {
        if delimiter == feed.source.delimiter {
            continue;
        }
        let found = head.iter().take(HEADER_SEARCH_ROWS).any(|row| {
            // The row as it was written, near enough, split the other way.
            let line: Vec<String> = row.cells.iter().map(Cell::as_text).collect();
            let line = line.join(&own);
            let hits = line
                .split(delimiter)
                .filter(|part| expected.contains(&normalise(part.trim_matches('"'))))
                .count();
            hits >= 2 || (hits == 1 && expected.len() == 1)
        });
        if found {
            return format!(
                "; the rows look delimited by {name}: set `delimiter: \"{written}\"` under `source:` in the feed"
            );
        }
    }
    String::new()
}

/// Finds each mapped column's header; every missing header is reported at once.
fn locate_columns<'a>(
    feed: &'a FeedSpec,
    sub: &Submission,
    headers: &[String],
) -> Result<Sources<'a>> {
    let normalised: Vec<String> = headers.iter().map(|h| normalise(h)).collect();
    // Each missing column's name and the headers it accepts.
    let mut missing: Vec<(&str, Vec<String>)> = Vec::new();
    let mut sources = Vec::new();
    for name in sub.schema.columns.keys() {
        let source = match feed.columns.get(name) {
            None => Source::Unmapped,
            Some(ColumnSpec { value: Some(v), .. }) => Source::Constant(v),
            Some(ColumnSpec {
                fill: Some(Fill::Period),
                ..
            }) => Source::Filled(sub.period.to_string()),
            Some(ColumnSpec {
                fill: Some(Fill::Agency),
                ..
            }) => Source::Filled(feed.agency.clone()),
            Some(spec) => {
                let accepted = spec.from.names();
                // The headers the feed accepts are in its order of
                // preference: the first found is read.
                let matches: Vec<usize> = accepted
                    .iter()
                    .map(|a| {
                        let a = normalise(a);
                        (0..normalised.len())
                            .filter(|&i| normalised[i] == a)
                            .collect::<Vec<_>>()
                    })
                    .find(|found| !found.is_empty())
                    .unwrap_or_default();
                if let Some(letters) = &spec.column {
                    sources.push((name.clone(), by_letter(name, letters, &accepted, headers)?));
                    continue;
                }
                match matches[..] {
                    [index] => Source::Cell(index),
                    [] => {
                        if !spec.optional && !matches!(spec.from, OneOrMany::None) {
                            missing.push((name, accepted));
                        }
                        Source::Unmapped
                    }
                    // Taking the first would be a guess at which is meant.
                    ref several => {
                        return Err(Error::File(format!(
                            "column `{name}`: {} headers match ({}): say which with \
                             `column: {}` (its letter) in the feed",
                            several.len(),
                            several
                                .iter()
                                .map(|&i| format!(
                                    "\"{}\" in column {}",
                                    headers[i],
                                    column_letter(i)
                                ))
                                .collect::<Vec<_>>()
                                .join(", "),
                            column_letter(several[0])
                        )));
                    }
                }
            }
        };
        sources.push((name.clone(), source));
    }
    if missing.is_empty() {
        return Ok(sources);
    }
    // A header another column took is not offered: "Plan Start" missing is
    // not "did you mean `Plan End`?" when Plan End is loaded as plan_end.
    let taken: Vec<usize> = sources
        .iter()
        .filter_map(|(_, s)| match s {
            Source::Cell(i) => Some(*i),
            _ => None,
        })
        .collect();
    let free: Vec<&str> = headers
        .iter()
        .enumerate()
        .filter(|(i, h)| !taken.contains(i) && !h.trim().is_empty())
        .map(|(_, h)| h.as_str())
        .collect();
    let messages: Vec<String> = missing
        .iter()
        .map(|(name, accepted)| {
            let suggestion = accepted
                .iter()
                .map(|a| did_you_mean(a, &free))
                .find(|s| !s.is_empty())
                .unwrap_or_default();
            format!(
                "column `{name}`: no header {}{suggestion}",
                accepted
                    .iter()
                    .map(|a| format!("\"{a}\""))
                    .collect::<Vec<_>>()
                    .join(" or ")
            )
        })
        .collect();
    Err(Error::File(messages.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::read_csv;
    use arrow::array::{Array, AsArray};
    use pqa_core::config::Encoding;

    const SCHEMA: &str = r#"
dataset: plans
description: test
columns:
  child_id: { type: string, required: true, identifying: true }
  plan_start: { type: date, required: true }
  plan_end: { type: date }
  category: { type: string, codes: [neglect, emotional_abuse] }
  count: { type: integer }
  count_status: { type: string }
"#;
    const FEED: &str = r#"
feed: plans
agency: Children's social care
dataset: plans
source: { files: "*.csv", format: csv }
columns:
  child_id: { from: ["Child ID", "Person ID"], privacy: pseudonymise }
  plan_start: { from: "Start" }
  plan_end: { from: "End" }
  category: { from: "Category", codes: { neglect: ["N", "Cat: Neglect"], emotional_abuse: ["E"] } }
  count: { from: "Count" }
checks:
  - plan_end >= plan_start
"#;

    /// A submission of `plans_2024-25_Q3.csv` through `feed` into `schema`.
    fn submission<'a>(
        feed: &'a FeedSpec,
        schema: &'a DatasetSchema,
        key: Option<&'a PseudonymKey>,
    ) -> Submission<'a> {
        Submission {
            feed,
            schema,
            file: "plans_2024-25_Q3.csv".into(),
            sha256: "abc".into(),
            period: Period::Quarter(2024, 3),
            run_id: "run-1".into(),
            ingested_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            key,
        }
    }

    fn run(csv: &str) -> Result<Mapped> {
        let schema: DatasetSchema = serde_yaml::from_str(SCHEMA).unwrap();
        let feed: FeedSpec = serde_yaml::from_str(FEED).unwrap();
        let key = PseudonymKey::new("unit-test-key-0123456789").unwrap();
        let sub = submission(&feed, &schema, Some(&key));
        map_sheet(
            &read_csv(csv.as_bytes(), Encoding::Utf8, ',').unwrap(),
            &sub,
        )
    }

    #[test]
    fn pseudonyms_made_with_their_batch_are_each_identifiers_own() {
        let schema: DatasetSchema = serde_yaml::from_str(SCHEMA).unwrap();
        let key = PseudonymKey::new("a-test-key-of-some-length").unwrap();
        // Short identifiers wait for their batch; long ones (over 31 bytes)
        // and those a check reads are pseudonymised at once. Every way must
        // give each row its own identifier's pseudonym.
        let ids: Vec<String> = (0..BATCH_ROWS + 7)
            .map(|i| match i % 5 {
                0 => format!("{}{i}", "L".repeat(31)),
                1 => format!("c {i}"),
                _ => format!("C{i}"),
            })
            .collect();
        let csv: String = std::iter::once("Child ID,Start,End,Category,Count\n".to_string())
            .chain(ids.iter().map(|id| format!("{id},2024-01-01,,N,1\n")))
            .collect();
        for checks in ["plan_end >= plan_start", "child_id != category"] {
            let feed: FeedSpec =
                serde_yaml::from_str(&FEED.replace("plan_end >= plan_start", checks)).unwrap();
            let sub = submission(&feed, &schema, Some(&key));
            let mut seen = Vec::new();
            map_rows(
                crate::read::CsvRows::new(csv.as_bytes(), Encoding::Utf8, ',').unwrap(),
                None,
                &sub,
                &mut |batch| {
                    let child = batch.column_by_name("child_id").unwrap().as_string::<i32>();
                    seen.extend(child.iter().map(|v| v.unwrap().to_string()));
                    Ok(())
                },
            )
            .unwrap();
            let expected: Vec<String> = ids
                .iter()
                .map(|id| key.pseudonymise(id).as_str().to_string())
                .collect();
            assert_eq!(seen, expected, "with the check {checks}");
        }
    }

    #[test]
    fn large_files_reach_the_sink_in_bounded_batches() {
        let feed: FeedSpec = serde_yaml::from_str(FEED).unwrap();
        let schema: DatasetSchema = serde_yaml::from_str(SCHEMA).unwrap();
        let key = PseudonymKey::new("a-test-key-of-some-length").unwrap();
        let sub = submission(&feed, &schema, Some(&key));
        let rows = BATCH_ROWS * 2 + 10;
        let mut csv = String::from("Child ID,Start,End,Category,Count\n");
        for i in 0..rows {
            // Every thousandth row ends before it starts: rejected.
            let end = if i % 1000 == 0 {
                "2023-01-01"
            } else {
                "2025-01-01"
            };
            csv.push_str(&format!("C{i},2024-01-01,{end},N,{i}\n"));
        }
        let mut sizes = Vec::new();
        let mut counts = Vec::new();
        let summary = map_rows(
            crate::read::CsvRows::new(csv.as_bytes(), Encoding::Utf8, ',').unwrap(),
            None,
            &sub,
            &mut |batch| {
                sizes.push(batch.num_rows());
                let count = batch.column_by_name("count").unwrap();
                let count = count.as_primitive::<arrow::datatypes::Int64Type>();
                counts.extend(count.values().iter().map(|c| *c as usize));
                // Lineage repeated on every row, whatever the batch's size.
                for (column, expected) in [("_feed", "plans"), ("_source_sha256", "abc")] {
                    let values = batch.column_by_name(column).unwrap().as_string::<i32>();
                    assert!(values.iter().all(|v| v == Some(expected)), "{column}");
                }
                let at = batch.column_by_name("_ingested_at").unwrap();
                let at = at.as_primitive::<arrow::datatypes::TimestampMicrosecondType>();
                let micros = sub.ingested_at.timestamp_micros();
                assert!(at.values().iter().all(|t| *t == micros));
                Ok(())
            },
        )
        .unwrap();
        let rejected = rows.div_ceil(1000);
        assert_eq!(summary.rows_read, rows);
        assert_eq!(summary.rows_rejected, rejected);
        assert_eq!(summary.rows_accepted, rows - rejected);
        assert_eq!(sizes.iter().sum::<usize>(), rows - rejected);
        assert!(
            sizes.len() >= 2 && sizes.iter().all(|n| *n <= BATCH_ROWS),
            "{sizes:?}"
        );
        // Mapped on several threads, the rows and rejects keep the file's order.
        let accepted: Vec<usize> = (0..rows).filter(|i| i % 1000 != 0).collect();
        assert!(counts == accepted, "accepted rows out of file order");
        let rejected_rows: Vec<usize> = summary.rejects.iter().map(|r| r.row).collect();
        let expected: Vec<usize> = (0..rows).step_by(1000).map(|i| i + 2).collect();
        assert_eq!(rejected_rows, expected);
    }

    #[test]
    fn rows_read_into_a_used_chunk_hold_only_their_own_cells() {
        let csv = "a,b,c\n1,2,3\n4\n";
        let mut rows = crate::read::CsvRows::new(csv.as_bytes(), Encoding::Utf8, ',').unwrap();
        let old = RawRow {
            number: 99,
            cells: vec![Cell::Text("old".into()); 5],
            fault: None,
        };
        let chunk = next_chunk(&mut rows, vec![old; 2]).unwrap();
        let fresh: Vec<RawRow> = crate::read::CsvRows::new(csv.as_bytes(), Encoding::Utf8, ',')
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(chunk.len(), 3);
        for (reused, fresh) in chunk.iter().zip(&fresh) {
            assert_eq!(reused.number, fresh.number);
            assert_eq!(reused.cells, fresh.cells);
        }
        assert_eq!(chunk[2].cells, vec![Cell::Text("4".into())]);
    }

    #[test]
    fn a_sink_that_fails_stops_the_file_with_its_error() {
        let feed: FeedSpec = serde_yaml::from_str(FEED).unwrap();
        let schema: DatasetSchema = serde_yaml::from_str(SCHEMA).unwrap();
        let key = PseudonymKey::new("a-test-key-of-some-length").unwrap();
        let sub = submission(&feed, &schema, Some(&key));
        let mut csv = String::from("Child ID,Start,End,Category,Count\n");
        for i in 0..CHUNK_ROWS * 12 {
            csv.push_str(&format!("C{i},2024-01-01,2025-01-01,N,{i}\n"));
        }
        let mut batches = 0;
        let err = map_rows(
            crate::read::CsvRows::new(csv.as_bytes(), Encoding::Utf8, ',').unwrap(),
            None,
            &sub,
            &mut |_| {
                batches += 1;
                match batches {
                    3 => Err(Error::Internal("the disk is full".into())),
                    _ => Ok(()),
                }
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("the disk is full"), "{err}");
        assert_eq!(batches, 3, "no batch may reach the sink after it failed");
    }

    #[test]
    fn a_value_missing_from_a_row_is_null_not_the_row_befores() {
        // Each row's values are written over the last row's: a cell left
        // empty, or a row refused part-way, must leave nothing behind.
        let m = run("Child ID,Start,End,Category,Count\n\
             C1,01/10/2024,01/12/2024,N,3\n\
             C2,01/10/2024,,E,\n\
             C3,01/10/2024,31/02/2024,N,x\n\
             C4,01/10/2024,,,\n")
        .unwrap();
        assert_eq!((m.rows_accepted(), m.rows_rejected), (3, 1));
        let b = &m.batch;
        let nulls = |name: &str| -> Vec<bool> {
            let column = b.column_by_name(name).unwrap();
            (0..3).map(|i| column.is_null(i)).collect()
        };
        assert_eq!(nulls("plan_end"), [false, true, true]);
        assert_eq!(nulls("count"), [false, true, true]);
        assert_eq!(nulls("category"), [false, false, true]);
        assert_eq!(nulls("count_status"), [true, true, true]);
        let child = b.column_by_name("child_id").unwrap().as_string::<i32>();
        let key = PseudonymKey::new("unit-test-key-0123456789").unwrap();
        for (i, id) in ["C1", "C2", "C4"].iter().enumerate() {
            assert_eq!(child.value(i), key.pseudonymise(id).as_str());
        }
    }

    #[test]
    fn maps_title_rows_headers_codes_and_lineage() {
        let m = run("Plans return,,,,\n,,,,\nperson id,START,End,category,Count\nC1,01/10/2024,,Cat: Neglect,3\n\nC2,02/10/2024,01/12/2024,e,<5\n")
            .unwrap();
        assert_eq!((m.rows_read, m.rows_accepted(), m.rows_rejected), (2, 2, 0));
        let b = &m.batch;
        let category = b.column_by_name("category").unwrap().as_string::<i32>();
        assert_eq!(category.value(0), "neglect");
        assert_eq!(category.value(1), "emotional_abuse");
        let child = b.column_by_name("child_id").unwrap().as_string::<i32>();
        assert_eq!(child.value(0).len(), 32, "identifiers are pseudonymised");
        assert!(!child.value(0).contains("C1"));
        let count = b.column_by_name("count").unwrap();
        assert!(count.is_null(1), "a suppression marker is null, never 0");
        assert_eq!(
            b.column_by_name("count_status")
                .unwrap()
                .as_string::<i32>()
                .value(1),
            "c"
        );
        let rows = b
            .column_by_name("_source_row")
            .unwrap()
            .as_primitive::<arrow::datatypes::Int64Type>();
        assert_eq!((rows.value(0), rows.value(1)), (4, 6));
        assert_eq!(
            b.column_by_name("_period")
                .unwrap()
                .as_string::<i32>()
                .value(0),
            "2024/25-Q3"
        );
    }

    #[test]
    fn bad_rows_are_rejected_with_row_column_and_reason() {
        let m = run(
            "Child ID,Start,End,Category,Count\nC1,31/02/2024,,N,1\nC2,01/10/2024,01/09/2024,N,1\nC3,01/10/2024,,Physical,1\n,01/10/2024,,N,1\nC5,01/10/2024\n",
        )
        .unwrap();
        assert_eq!((m.rows_read, m.rows_accepted(), m.rows_rejected), (5, 0, 5));
        let by_row = |r: usize| m.rejects.iter().find(|x| x.row == r).unwrap();
        assert_eq!(by_row(2).column.as_deref(), Some("plan_start"));
        assert!(
            by_row(2)
                .message
                .contains("\"31/02/2024\": not a valid date"),
            "{}",
            by_row(2).message
        );
        assert_eq!(by_row(3).rule, "plan_end >= plan_start");
        assert_eq!(by_row(4).rule, "code");
        assert!(
            by_row(4)
                .message
                .contains("known codes: neglect, emotional_abuse")
        );
        assert_eq!(
            (by_row(5).rule.as_str(), by_row(5).column.as_deref()),
            ("required", Some("child_id"))
        );
        assert_eq!(by_row(6).rule, "shape");
    }

    #[test]
    fn identifying_values_never_appear_in_messages() {
        let schema_text = SCHEMA.replace(
            "child_id: { type: string, required: true, identifying: true }",
            "child_id: { type: date, identifying: true }",
        );
        let schema: DatasetSchema = serde_yaml::from_str(&schema_text).unwrap();
        let feed: FeedSpec =
            serde_yaml::from_str(&FEED.replace(", privacy: pseudonymise", "")).unwrap();
        let sub = submission(&feed, &schema, None);
        let sheet = read_csv(
            b"Child ID,Start,End,Category,Count\nSECRET-99,01/10/2024,,N,1\n",
            Encoding::Utf8,
            ',',
        )
        .unwrap();
        let m = map_sheet(&sheet, &sub).unwrap();
        assert_eq!(m.rows_rejected, 1);
        assert!(
            !m.rejects[0].message.contains("SECRET"),
            "{}",
            m.rejects[0].message
        );
    }

    #[test]
    fn skip_words_match_whole_words_only() {
        assert!(starts_with_word("Total", "total"));
        assert!(starts_with_word("TOTAL: all teams", "Total"));
        assert!(starts_with_word("Source: case system", "Source:"));
        assert!(starts_with_word("Grand total", "Grand total"));
        assert!(!starts_with_word("total_absence_special", "Total"));
        assert!(!starts_with_word("Totals carried", "Total"));
        assert!(!starts_with_word("Tot", "Total"));
        assert!(!starts_with_word("N0001", "Total"));
        assert!(starts_with_word("Note: rounded", "NOTE"));
        assert!(starts_with_word("  ÉCOLE total ", "école"));
        assert!(starts_with_word("Total   ", "Total"));
    }

    #[test]
    fn total_rows_are_skipped_and_counted_not_read() {
        let m = run("Child ID,Start,End,Category,Count\nC1,01/10/2024,,N,1\nTotal,,,,1\n").unwrap();
        assert_eq!((m.rows_read, m.rows_accepted(), m.skipped.len()), (1, 1, 1));
        assert_eq!(m.skipped[0], (3, "Total".to_string()));
    }

    #[test]
    fn values_of_columns_given_privacy_treatment_are_never_shown() {
        // `count` is not identifying in the schema; `child_id` is pseudonymised
        // by the feed: a bad value there must not be echoed either.
        let schema: DatasetSchema =
            serde_yaml::from_str(&SCHEMA.replace("identifying: true", "identifying: false"))
                .unwrap();
        let feed: FeedSpec = serde_yaml::from_str(FEED).unwrap();
        let key = PseudonymKey::new("unit-test-key-0123456789").unwrap();
        // A code list on child_id makes the secret value fail, so a message is written.
        let mut schema_with_codes = schema.clone();
        schema_with_codes.columns.get_mut("child_id").unwrap().codes = Some(vec!["X".into()]);
        let sub = submission(&feed, &schema_with_codes, Some(&key));
        let sheet = read_csv(
            b"Child ID,Start,End,Category,Count\nSECRET-7,01/10/2024,,N,1\n",
            Encoding::Utf8,
            ',',
        )
        .unwrap();
        let m = map_sheet(&sheet, &sub).unwrap();
        assert_eq!(m.rows_rejected, 1);
        assert!(
            !m.rejects[0].message.contains("SECRET"),
            "{}",
            m.rejects[0].message
        );
    }

    #[test]
    fn a_missing_header_rejects_the_file_with_the_closest_name() {
        let err = run("Child ID,Strat,End,Category,Count\nC1,01/10/2024,,N,1\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("column `plan_start`: no header \"Start\""),
            "{err}"
        );
        assert!(err.contains("did you mean `Strat`?"), "{err}");
    }

    #[test]
    fn no_key_no_ingest_for_pseudonymised_feeds() {
        let schema: DatasetSchema = serde_yaml::from_str(SCHEMA).unwrap();
        let feed: FeedSpec = serde_yaml::from_str(FEED).unwrap();
        let sub = submission(&feed, &schema, None);
        let sheet = read_csv(b"Child ID\n", Encoding::Utf8, ',').unwrap();
        assert!(
            map_sheet(&sheet, &sub)
                .unwrap_err()
                .to_string()
                .contains("no key")
        );
    }

    /// Maps `csv` as a file is ingested: the first rows one at a time,
    /// the rest in blocks split on the mapping threads.
    fn run_streamed(csv: &str) -> Result<MapSummary> {
        let schema: DatasetSchema = serde_yaml::from_str(SCHEMA).unwrap();
        let feed: FeedSpec = serde_yaml::from_str(FEED).unwrap();
        let key = PseudonymKey::new("unit-test-key-0123456789").unwrap();
        let sub = submission(&feed, &schema, Some(&key));
        map_rows(
            crate::read::CsvRows::new(csv.as_bytes(), Encoding::Utf8, ',')?,
            None,
            &sub,
            &mut |_| Ok(()),
        )
    }

    /// `rows` good rows after the header, then `tail`.
    fn good_rows_then(rows: usize, tail: &str) -> String {
        let mut csv = String::from("Child ID,Start,End,Category,Count\n");
        for i in 0..rows {
            csv.push_str(&format!("C{i},01/10/2024,,N,{i}\n"));
        }
        csv + tail
    }

    #[test]
    fn a_row_wider_than_the_header_is_refused_even_if_its_extra_field_is_empty() {
        // An extra delimiter shifts every later value; the last column is
        // often empty, so the row looks like one with a trailing comma.
        for rows in [1, 40] {
            let m = run_streamed(&good_rows_then(
                rows,
                "C9,01/10/2024,,,N,\nC10,01/10/2024,,N,2\n",
            ))
            .unwrap();
            assert_eq!((m.rows_accepted, m.rows_rejected), (rows + 1, 1));
            assert_eq!(m.rejects[0].rule, "shape");
            assert!(
                m.rejects[0]
                    .message
                    .contains("has 6 fields but the header row has 5")
            );
        }
    }

    #[test]
    fn rows_whose_quotes_do_not_pair_up_are_refused_with_where() {
        // Read one at a time (within the first rows) and split in blocks.
        for rows in [1, 40] {
            let tail = "C9,01/10/2024,,N,1\"2\n\
                        C10,01/10/2024,,\"N\"x,2\n\
                        C11,01/10/2024,,N,3\n";
            let m = run_streamed(&good_rows_then(rows, tail)).unwrap();
            assert_eq!(
                (m.rows_accepted, m.rows_rejected),
                (rows + 1, 2),
                "{:?}",
                m.rejects
            );
            assert!(
                m.rejects[0]
                    .message
                    .starts_with("field 5 holds a quote but does not start with one")
            );
            assert!(
                m.rejects[1]
                    .message
                    .starts_with("field 4 has text after its closing quote")
            );
            // A quote left open takes the next line into its row, and says so.
            let tail = "C9,01/10/2024,,N,\"\nC10,01/10/2024,,\"N\",2\nC11,01/10/2024,,N,3\n";
            let m = run_streamed(&good_rows_then(rows, tail)).unwrap();
            assert_eq!((m.rows_accepted, m.rows_rejected), (rows + 1, 1));
            assert!(
                m.rejects[0]
                    .message
                    .contains("runs over 2 lines of the file"),
                "{}",
                m.rejects[0].message
            );
            // And one never closed, at the end of the file.
            let m = run_streamed(&good_rows_then(rows, "C9,01/10/2024,,N,\"1\n")).unwrap();
            assert!(
                m.rejects[0].message.contains("never closed"),
                "{:?}",
                m.rejects
            );
        }
        // Doubled quotes inside a quoted field are text, not a fault.
        let m = run_streamed(&good_rows_then(1, "\"C \"\"9\"\"\",01/10/2024,,N,1\n")).unwrap();
        assert_eq!((m.rows_accepted, m.rows_rejected), (2, 0));
    }

    #[test]
    fn a_second_table_below_the_first_refuses_the_file() {
        for rows in [1, 40] {
            let csv = good_rows_then(
                rows,
                "Child ID,Start,End,Category,Count\nD1,01/10/2024,,N,1\n",
            );
            let err = run_streamed(&csv).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("row {} repeats the header row", rows + 2)),
                "{err}"
            );
        }
        // Right below the header it is a header over two rows: refused as a
        // row (its cells are no values), the data loaded.
        let m = run_streamed(&good_rows_then(
            0,
            "Child ID,Start,End,Category,Count\nD1,01/10/2024,,N,1\n",
        ))
        .unwrap();
        assert_eq!((m.rows_accepted, m.rows_rejected), (1, 1));
    }

    #[test]
    fn a_file_that_is_empty_or_split_by_another_delimiter_says_so() {
        assert_eq!(
            run_streamed("").unwrap_err().to_string(),
            "the file is empty"
        );
        assert_eq!(
            run_streamed("\n,,\n\n").unwrap_err().to_string(),
            "the file holds only blank rows"
        );
        let err = run_streamed("Child ID;Start;End;Category;Count\nC1;01/10/2024;;N;1\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with("the rows look delimited by semicolons: set `delimiter: \";\"` under `source:` in the feed"),
            "{err}"
        );
        let err = run_streamed("Child ID\tStart\tEnd\nC1\t01/10/2024\t\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("delimited by tabs: set `delimiter: \"\\t\"`"),
            "{err}"
        );
    }

    #[test]
    fn headers_in_apostrophes_point_to_the_quote_setting() {
        let err = run_streamed("Child ID,'Start',End,Category,Count\nC1,'01/10/2024',,N,1\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("has 'Start' in quotes that are not the feed's: if the file quotes fields with ', set `quote: \"'\"`"),
            "{err}"
        );
        // Read with `quote: "'"`, the same file loads, and a field quoted
        // with apostrophes may hold the delimiter.
        let schema: DatasetSchema = serde_yaml::from_str(SCHEMA).unwrap();
        let feed: FeedSpec =
            serde_yaml::from_str(&FEED.replace("format: csv }", "format: csv, quote: \"'\" }"))
                .unwrap();
        let key = PseudonymKey::new("unit-test-key-0123456789").unwrap();
        let sub = submission(&feed, &schema, Some(&key));
        let csv = "Child ID,'Start',End,Category,Count\n'C,1','01/10/2024',,N,1\n";
        let m = map_rows(
            crate::read::CsvRows::new(csv.as_bytes(), Encoding::Utf8, ',')
                .unwrap()
                .quoted_with('\'')
                .unwrap(),
            None,
            &sub,
            &mut |_| Ok(()),
        )
        .unwrap();
        assert_eq!(
            (m.rows_accepted, m.rows_rejected),
            (1, 0),
            "{:?}",
            m.rejects
        );
    }

    #[test]
    fn a_header_another_column_took_is_never_suggested() {
        // "Start" is missing; "End" is loaded as plan_end, so it is not
        // offered as the one meant (it was, as "did you mean `End`?").
        let err = run("Child ID,Begin date,End,Category,Count\nC1,01/10/2024,,N,1\n")
            .unwrap_err()
            .to_string();
        assert_eq!(err, "column `plan_start`: no header \"Start\"");
    }

    /// A wide return of `csv` through a feed that unpivots its quarters.
    fn run_wide(csv: &str) -> Result<Mapped> {
        let schema: DatasetSchema = serde_yaml::from_str(
            "dataset: indicators\ndescription: test\ncolumns:\n\
             \x20 indicator: { type: string, required: true }\n\
             \x20 period: { type: string, required: true }\n\
             \x20 value: { type: number }\n\
             \x20 value_status: { type: string }\n",
        )
        .unwrap();
        let feed: FeedSpec = serde_yaml::from_str(
            "feed: wide\nagency: Housing\ndataset: indicators\n\
             source: { files: \"*.csv\", format: csv }\n\
             unpivot: { period_column: period, value_column: value }\n\
             columns:\n  indicator: { from: Measure }\n",
        )
        .unwrap();
        map_sheet(
            &read_csv(csv.as_bytes(), Encoding::Utf8, ',').unwrap(),
            &submission(&feed, &schema, None),
        )
    }

    #[test]
    fn a_wide_header_over_two_rows_gives_every_quarter_its_period() {
        // "Measure" on the year row, quarters below it: read as one header
        // row, Q1 was loaded as the year and Q2 dropped.
        let m = run_wide("Measure,2023/24,\n,Q1,Q2\nFamilies,10,12\n").unwrap();
        assert_eq!((m.rows_read, m.rows_accepted(), m.rows_rejected), (2, 2, 0));
        let col = m.batch.column_by_name("period").unwrap().as_string::<i32>();
        let periods: Vec<&str> = (0..col.len()).map(|i| col.value(i)).collect();
        assert_eq!(periods, ["2023/24-Q1", "2023/24-Q2"]);
    }

    #[test]
    fn a_wide_column_with_values_but_no_heading_refuses_the_file() {
        let err = run_wide("Measure,2023/24 Q1,\nFamilies,10,12\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("column C has values but no heading"), "{err}");
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
    }

    /// `csv` through the test feed with `edit` applied to its YAML.
    fn run_edited(edit: impl Fn(&str) -> String, schema: &str, csv: &str) -> Result<Mapped> {
        let schema: DatasetSchema = serde_yaml::from_str(schema).unwrap();
        let feed: FeedSpec = serde_yaml::from_str(&edit(FEED)).unwrap();
        let key = PseudonymKey::new("unit-test-key-0123456789").unwrap();
        map_sheet(
            &read_csv(csv.as_bytes(), Encoding::Utf8, ',').unwrap(),
            &submission(&feed, &schema, Some(&key)),
        )
    }

    #[test]
    fn keep_rows_leaves_other_areas_rows_out_and_counts_them() {
        let keep = |f: &str| format!("{f}keep_rows:\n  LA code: [\"E06000023\"]\n");
        let csv = "LA code,Child ID,Start,End,Category,Count\n\
                   E06000023,C1,01/10/2024,,N,1\n\
                   E09000001,C2,01/10/2024,,N,1\n\
                   e06000023,C3,02/10/2024,,E,1\n";
        let m = run_edited(keep, SCHEMA, csv).unwrap();
        assert_eq!((m.rows_read, m.rows_accepted(), m.rows_left_out), (2, 2, 1));
        assert!(m.unused_headers.is_empty(), "{:?}", m.unused_headers);
        let err = run_edited(
            keep,
            SCHEMA,
            "Child ID,Start,End,Category,Count\nC1,01/10/2024,,N,1\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("`keep_rows`: no header \"LA code\""), "{err}");
    }

    #[test]
    fn a_feeds_codes_add_to_the_datasets() {
        let schema = SCHEMA.replace(
            "codes: [neglect, emotional_abuse]",
            "codes: [neglect, emotional_abuse, physical_abuse]",
        );
        let csv = "Child ID,Start,End,Category,Count\n\
                   C1,01/10/2024,,N,1\n\
                   C2,01/10/2024,,physical abuse,1\n\
                   C3,01/10/2024,,Physical,1\n";
        let m = run_edited(|f| f.to_string(), &schema, csv).unwrap();
        assert_eq!(
            (m.rows_accepted(), m.rows_rejected),
            (2, 1),
            "{:?}",
            m.rejects
        );
        assert!(
            m.rejects[0]
                .message
                .contains("known codes: neglect, emotional_abuse, physical_abuse"),
            "{:?}",
            m.rejects
        );
    }

    #[test]
    fn a_column_by_letter_is_read_there_and_checked_against_its_header() {
        // Two "Start" columns: which is meant cannot be told by the header.
        let csv = "Child ID,Start,End,Category,Count,Start\nC1,01/10/2024,,N,1,02/10/2024\n";
        let err = run_edited(|f| f.to_string(), SCHEMA, csv)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("column `plan_start`: 2 headers match (\"Start\" in column B, \"Start\" in column F): say which with `column: B`"),
            "{err}"
        );
        let by_f = |f: &str| {
            f.replace(
                "plan_start: { from: \"Start\" }",
                "plan_start: { from: \"Start\", column: F }",
            )
        };
        let m = run_edited(by_f, SCHEMA, csv).unwrap();
        let dates = m.batch.column_by_name("plan_start").unwrap();
        assert_eq!(
            arrow::util::display::array_value_to_string(dates, 0).unwrap(),
            "2024-10-02"
        );
        let by_e = |f: &str| {
            f.replace(
                "plan_start: { from: \"Start\" }",
                "plan_start: { from: \"Start\", column: E }",
            )
        };
        let err = run_edited(by_e, SCHEMA, csv).unwrap_err().to_string();
        assert!(
            err.contains(
                "column E is headed \"Count\", not \"Start\": the file's columns have moved"
            ),
            "{err}"
        );
    }

    #[test]
    fn a_period_column_is_read_as_periods_of_the_feeds_kind() {
        let schema: DatasetSchema = serde_yaml::from_str(
            "dataset: indicators\ndescription: test\ncolumns:\n\
             \x20 indicator: { type: string, required: true }\n\
             \x20 period: { type: string, required: true }\n\
             \x20 value: { type: number }\n",
        )
        .unwrap();
        let feed: FeedSpec = serde_yaml::from_str(
            "feed: bb\nagency: Housing\ndataset: indicators\n\
             source: { files: \"*.csv\", format: csv }\n\
             columns:\n  indicator: { from: Measure }\n  value: { from: Families }\n\
             \x20 period: { from: Quarter, as_period: true }\n",
        )
        .unwrap();
        let csv = "Quarter,Measure,Families\n\
                   2024/25 Q2,B&B,21\n\
                   Q3 2024-25,B&B,25\n\
                   2024/25 Q4,B&B,29\n\
                   Autumn 2024,B&B,3\n";
        let m = map_sheet(
            &read_csv(csv.as_bytes(), Encoding::Utf8, ',').unwrap(),
            &submission(&feed, &schema, None),
        )
        .unwrap();
        let col = m.batch.column_by_name("period").unwrap().as_string::<i32>();
        let periods: Vec<&str> = (0..col.len()).map(|i| col.value(i)).collect();
        assert_eq!(periods, ["2024/25-Q2", "2024/25-Q3"]);
        let messages: Vec<&str> = m.rejects.iter().map(|r| r.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "\"2024/25 Q4\": Q4 2024/25 is after Q3 2024/25, the period the file is for",
                "\"Autumn 2024\": not a period the feed takes (a quarter or financial year, e.g. 2024/25-Q3 or 2024/25)",
            ]
        );
    }

    #[test]
    fn age_bands_and_flags_are_derived_and_the_date_of_birth_never_shown() {
        let schema: DatasetSchema = serde_yaml::from_str(
            "dataset: pupils\ndescription: test\ncolumns:\n\
             \x20 age_band: { type: string }\n\
             \x20 suspended: { type: boolean }\n",
        )
        .unwrap();
        let feed: FeedSpec = serde_yaml::from_str(
            "feed: pupils\nagency: Schools\ndataset: pupils\n\
             source: { files: \"*.csv\", format: csv }\n\
             columns:\n\
             \x20 age_band: { from: DOB, formats: [\"%d/%m/%Y\"], age_band_at_period_end: [0, 5, 11, 16] }\n\
             \x20 suspended: { from: Suspensions, flag_if_above: 0 }\n",
        )
        .unwrap();
        // The period (Q3 2024/25) ends on 31 December 2024.
        let csv = "DOB,Suspensions\n\
                   31/12/2013,0\n\
                   01/01/2014,2\n\
                   31/12/2008,1\n\
                   01/01/2025,0\n\
                   17/03/2012,lots\n";
        let m = map_sheet(
            &read_csv(csv.as_bytes(), Encoding::Utf8, ',').unwrap(),
            &submission(&feed, &schema, None),
        )
        .unwrap();
        let bands = m
            .batch
            .column_by_name("age_band")
            .unwrap()
            .as_string::<i32>();
        let flags = m.batch.column_by_name("suspended").unwrap().as_boolean();
        let rows: Vec<(&str, bool)> = (0..bands.len())
            .map(|i| (bands.value(i), flags.value(i)))
            .collect();
        assert_eq!(rows, [("11-15", false), ("5-10", true), ("16+", true)]);
        let messages: Vec<&str> = m.rejects.iter().map(|r| r.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[0].contains("a date of birth after the end of the period"),
            "{messages:?}"
        );
        assert!(
            !messages[0].contains("2025"),
            "the date is never shown: {messages:?}"
        );
        assert!(messages[1].contains("lots"), "{messages:?}");
    }

    #[test]
    fn measures_across_the_columns_become_rows_each_with_its_percentage_rule() {
        let schema: DatasetSchema = serde_yaml::from_str(
            "dataset: indicators\ndescription: test\ncolumns:\n\
             \x20 area: { type: string }\n\
             \x20 indicator: { type: string, required: true }\n\
             \x20 value: { type: number }\n",
        )
        .unwrap();
        let feed: FeedSpec = serde_yaml::from_str(
            "feed: eh\nagency: Early help\ndataset: indicators\n\
             source: { files: \"*.csv\", format: csv }\n\
             columns:\n  area: { from: Area }\n\
             measures:\n  code_column: indicator\n  value_column: value\n  columns:\n\
             \x20   eh_cases: { from: Cases }\n\
             \x20   eh_improved_pct: { from: \"% improved\", percent: fraction }\n",
        )
        .unwrap();
        let csv = "Area,Cases,% improved\nNorth,120,0.743\nSouth,\"1,204\",0.5\n";
        let m = map_sheet(
            &read_csv(csv.as_bytes(), Encoding::Utf8, ',').unwrap(),
            &submission(&feed, &schema, None),
        )
        .unwrap();
        assert_eq!((m.rows_read, m.rows_accepted(), m.rows_rejected), (4, 4, 0));
        let codes = m
            .batch
            .column_by_name("indicator")
            .unwrap()
            .as_string::<i32>();
        let values = m
            .batch
            .column_by_name("value")
            .unwrap()
            .as_primitive::<arrow::datatypes::Float64Type>();
        let rows: Vec<(&str, f64)> = (0..codes.len())
            .map(|i| (codes.value(i), values.value(i)))
            .collect();
        // A count is never multiplied by 100; a fraction becomes points.
        assert_eq!(
            rows,
            [
                ("eh_cases", 120.0),
                ("eh_improved_pct", 74.3),
                ("eh_cases", 1204.0),
                ("eh_improved_pct", 50.0)
            ]
        );
        let err = map_sheet(
            &read_csv(b"Area,Cases\nNorth,1\n".as_slice(), Encoding::Utf8, ',').unwrap(),
            &submission(&feed, &schema, None),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(err, "measure `eh_improved_pct`: no header \"% improved\"");
    }

    #[test]
    fn a_header_over_two_rows_is_read_joined() {
        // "Plan" and "Review" merged over their own "Start" (each stored in
        // its first cell): the feed names them joined.
        let two_rows = |f: &str| {
            f.replace("format: csv }", "format: csv, header_rows: 2 }")
                .replace("from: \"Start\"", "from: \"Plan Start\"")
                .replace("from: \"End\"", "from: \"Plan End\"")
        };
        let csv = "Plans open in the quarter\n\
                   ,Plan,,Review,,\n\
                   Child ID,Start,End,Start,Category,Count\n\
                   C1,01/10/2024,,05/11/2024,N,1\n";
        let m = run_edited(two_rows, SCHEMA, csv).unwrap();
        assert_eq!((m.rows_read, m.rows_accepted()), (1, 1), "{:?}", m.rejects);
        let starts = m.batch.column_by_name("plan_start").unwrap();
        assert_eq!(
            arrow::util::display::array_value_to_string(starts, 0).unwrap(),
            "2024-10-01"
        );
        // "Category" is named on its own, so it is not "Review Category".
        assert_eq!(m.unused_headers, ["Review Start"]);
    }
}
