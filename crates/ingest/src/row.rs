//! One row of cells → the dataset's values, or every reason it is refused.
//!
//! What each column needs (its definition and feed spec, where its cell is,
//! its codes by every accepted spelling, where a suppression marker goes) is
//! resolved once per file into a [`RowPlan`], so the work done per row looks
//! nothing up by name. At national sizes those lookups were a large part of
//! mapping (BENCHMARKS.md, "where the time goes").

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::Datelike;
use compact_str::CompactString;
use foldhash::HashMap;
use pqa_core::Period;
use pqa_core::check::{Operand, RowCheck};
use pqa_core::config::{Percent, Privacy};
use pqa_core::period::PeriodKind;
use pqa_core::schema::{ColumnDef, ColumnType};

use crate::coerce::{
    Value, normalise, suppression_status, to_boolean, to_date, to_integer, to_number,
};
use crate::map::{Reject, Submission};
use crate::privacy::{Identifier, PseudonymKey};
use crate::read::{Cell, CellRef, Cells, trim};

/// Where each dataset column's value comes from in one particular file.
#[derive(Clone)]
pub(crate) enum Source<'a> {
    Cell(usize),
    Constant(&'a str),
    Filled(String),
    Unmapped,
}

/// How one file's rows are mapped: one entry per dataset column, in schema
/// order, and the feed's row checks with their columns found.
pub(crate) struct RowPlan<'a> {
    columns: Vec<PlannedColumn<'a>>,
    checks: Vec<PlannedCheck>,
    /// The header row's width, when rows must match it (CSV).
    shape: Option<usize>,
}

struct PlannedColumn<'a> {
    name: &'a str,
    def: &'a ColumnDef,
    /// The cell read, by position; `fixed` when the feed gives the value.
    cell: Option<usize>,
    fixed: Option<Cell>,
    codes: Option<Codes>,
    formats: &'a [String],
    percent: Option<Percent>,
    privacy: Option<Privacy>,
    /// `as_period`: the kinds of period the feed takes, and the file's
    /// period (no row may be for a later one).
    as_period: Option<(&'static [PeriodKind], Period)>,
    /// A value derived from the cell rather than read as it stands.
    derived: Option<Derived<'a>>,
    /// A row check reads this column's values, so a pseudonym is made at
    /// once rather than with its batch's (a check compares pseudonyms).
    checked: bool,
    /// Values are never shown in messages (identifying, or given privacy treatment).
    private: bool,
    /// Where a suppression marker in this column is recorded.
    status: StatusColumn,
}

/// Values a feed derives from a cell.
enum Derived<'a> {
    /// A date of birth → the age band on this date (the period's end).
    AgeBand(&'a [u32], chrono::NaiveDate),
    /// A count → whether it is above this number.
    FlagAbove(f64),
}

enum StatusColumn {
    /// The `<name>_status` column, left unmapped, takes the marker.
    Fill(usize),
    /// The `<name>_status` column is mapped from the file: its own value stands.
    Mapped,
    /// The dataset has no `<name>_status` column: a marker is refused.
    None(String),
}

/// A column's codes by every spelling the feed accepts, normalised, and by
/// each spelling exactly as the feed lists it (so the usual cells need no
/// normalising).
struct Codes {
    by_spelling: HashMap<String, CompactString>,
    as_listed: HashMap<String, CompactString>,
    unknown: String,
}

impl Codes {
    /// The first code (in the order listed) any of whose spellings matches.
    fn new<'s>(codes: impl Iterator<Item = (&'s String, Vec<&'s String>)>) -> Codes {
        let mut by_spelling: HashMap<String, CompactString> = HashMap::default();
        let mut spelt = Vec::new();
        let mut listed = Vec::new();
        for (code, spellings) in codes {
            listed.push(code.as_str());
            for spelling in std::iter::once(code).chain(spellings) {
                by_spelling
                    .entry(normalise(spelling))
                    .or_insert_with(|| code.into());
                spelt.push(spelling);
            }
        }
        // A spelling means the code its normalised form means, so the first
        // code listed still wins when two share a spelling.
        let as_listed = spelt
            .into_iter()
            .map(|s| (s.trim().to_string(), by_spelling[&normalise(s)].clone()))
            .collect();
        Codes {
            by_spelling,
            as_listed,
            unknown: format!("not a known code; known codes: {}", listed.join(", ")),
        }
    }

    /// The code `text` means, if any (an `Option` of a reference comes back
    /// in a register; a `Result` with the message came back through memory).
    fn code(&self, text: &str) -> Option<&CompactString> {
        self.as_listed
            .get(text)
            .or_else(|| self.by_spelling.get(&normalise(text)))
    }
}

struct PlannedCheck {
    check: RowCheck,
    left: Option<usize>,
    right: Option<PlannedOperand>,
}

enum PlannedOperand {
    Column(usize),
    Number(f64),
}

impl<'a> RowPlan<'a> {
    /// Resolves `sources` (one per schema column, in schema order) for `sub`.
    /// `shape` is the header row's width when every row must match it.
    pub(crate) fn new(
        sources: &[(String, Source<'_>)],
        checks: &[RowCheck],
        sub: &Submission<'a>,
        shape: Option<usize>,
        // A measure's own percentage rule for the column its value goes to.
        percent_of: Option<(&str, Option<Percent>)>,
    ) -> RowPlan<'a> {
        let position = |name: &str| sources.iter().position(|(n, _)| n == name);
        let checked = |name: &str| {
            checks
                .iter()
                .any(|c| c.left == name || matches!(&c.right, Operand::Column(r) if r == name))
        };
        let columns = sub
            .schema
            .columns
            .iter()
            .zip(sources)
            .map(|((name, def), (_, source))| {
                let spec = sub.feed.columns.get(name);
                let (cell, fixed) = match source {
                    Source::Cell(index) => (Some(*index), None),
                    Source::Constant(v) => (None, Some(Cell::Text((*v).into()))),
                    Source::Filled(v) => (None, Some(Cell::Text(v.as_str().into()))),
                    Source::Unmapped => (None, None),
                };
                // A feed's spellings add to the dataset's codes: a code the
                // feed does not list is still known by its own name.
                let codes = match (spec.filter(|s| !s.codes.is_empty()), &def.codes) {
                    (Some(spec), list) => Some(Codes::new(
                        spec.codes
                            .iter()
                            .map(|(c, s)| (c, s.iter().collect()))
                            .chain(
                                list.iter()
                                    .flatten()
                                    .filter(|c| !spec.codes.contains_key(*c))
                                    .map(|c| (c, vec![])),
                            ),
                    )),
                    (None, Some(list)) => Some(Codes::new(list.iter().map(|c| (c, vec![])))),
                    (None, None) => None,
                };
                let status_name = format!("{name}_status");
                let status = match position(&status_name) {
                    Some(i) if matches!(sources[i].1, Source::Unmapped) => StatusColumn::Fill(i),
                    Some(_) => StatusColumn::Mapped,
                    None => StatusColumn::None(status_name),
                };
                PlannedColumn {
                    name,
                    def,
                    cell,
                    fixed,
                    codes,
                    formats: spec.map(|s| s.formats.as_slice()).unwrap_or_default(),
                    percent: match percent_of {
                        Some((column, percent)) if column == name => percent,
                        _ => spec.and_then(|s| s.percent),
                    },
                    as_period: spec
                        .filter(|s| s.as_period)
                        .map(|_| (sub.feed.frequency.accepts(), sub.period)),
                    privacy: spec.and_then(|s| s.privacy),
                    derived: spec.and_then(|s| {
                        let bands = s.age_band_at_period_end.as_deref();
                        bands
                            .map(|b| Derived::AgeBand(b, sub.period.end()))
                            .or(s.flag_if_above.map(Derived::FlagAbove))
                    }),
                    checked: checked(name),
                    // A date of birth behind an age band is never shown.
                    private: def.identifying
                        || spec.is_some_and(|s| {
                            s.privacy.is_some() || s.age_band_at_period_end.is_some()
                        }),
                    status,
                }
            })
            .collect();
        let checks = checks
            .iter()
            .map(|check| PlannedCheck {
                left: position(&check.left),
                right: match &check.right {
                    Operand::Column(c) => position(c).map(PlannedOperand::Column),
                    Operand::Number(n) => Some(PlannedOperand::Number(*n)),
                },
                check: check.clone(),
            })
            .collect();
        RowPlan {
            columns,
            checks,
            shape,
        }
    }

    /// The cells a column of the plan reads.
    pub(crate) fn cells_read(&self) -> impl Iterator<Item = usize> + '_ {
        self.columns.iter().filter_map(|c| c.cell)
    }

    /// Maps one row (`cells`, read from row `number`) into `values` (one per
    /// schema column, each written), or says every reason the row is refused.
    pub(crate) fn map_row<C: Cells + ?Sized>(
        &self,
        number: usize,
        cells: &C,
        key: Option<&PseudonymKey>,
        values: &mut Vec<Option<Value>>,
    ) -> Result<(), Vec<Reject>> {
        let reject = |column: Option<&str>, rule: &str, message: String| Reject {
            row: number,
            column: column.map(str::to_string),
            rule: rule.to_string(),
            message,
        };
        // A row wider than the header is refused even when its extra fields
        // are empty: a delimiter too many shifts every later value one
        // column on, and the last column is often empty (Pollock's corpus:
        // most "extra separator" files).
        if let Some(width) = self.shape.filter(|&w| cells.len() != w) {
            let why = if cells.len() < width {
                "a delimiter or quote is probably missing"
            } else {
                "a delimiter too many, or a value holding one without quotes, would move its \
                 values into the wrong columns"
            };
            return Err(vec![reject(
                None,
                "shape",
                format!(
                    "the row has {} fields but the header row has {width}: {why}",
                    cells.len()
                ),
            )]);
        }
        // Each value is written straight into its place in `values`: made
        // elsewhere and moved in, it was written piecemeal and read back
        // whole, which stalled the processor on nearly every cell.
        // Every slot is written for every row (with `None` when there is no
        // value), so the slots are not emptied first: emptying and refilling
        // them was ~2% of a national ingest.
        if values.len() != self.columns.len() {
            values.clear();
            values.resize(self.columns.len(), None);
        }
        let mut rejects = Vec::new();
        let mut markers: Vec<(&PlannedColumn, &'static str)> = Vec::new();
        for (column, slot) in self.columns.iter().zip(values.iter_mut()) {
            let cell = match (column.cell, &column.fixed) {
                (Some(index), _) if index < cells.len() => cells.cell(index),
                (Some(_), _) | (None, None) => CellRef::Empty,
                (None, Some(fixed)) => fixed.view(),
            };
            let outcome = column.value(cell, key, slot);
            if !matches!(outcome, Ok(Outcome::Value)) {
                *slot = None;
            }
            match outcome {
                Ok(Outcome::Value) => {}
                Ok(Outcome::Missing) => {
                    if column.def.required {
                        rejects.push(reject(
                            Some(column.name),
                            "required",
                            "a value is required here".into(),
                        ));
                    }
                }
                Ok(Outcome::Suppressed(status)) => markers.push((column, status)),
                Err(reason) => {
                    let shown = if column.private {
                        reason
                    } else {
                        format!("\"{}\": {reason}", crate::shortened(&cell.as_text()))
                    };
                    let rule = if column.codes.is_some() {
                        "code"
                    } else {
                        "type"
                    };
                    rejects.push(reject(Some(column.name), rule, shown));
                }
            }
        }
        for (column, status) in markers {
            match &column.status {
                StatusColumn::Fill(i) => values[*i] = Some(Value::Text(CompactString::const_new(status))),
                StatusColumn::Mapped => {}
                StatusColumn::None(status_name) => rejects.push(reject(
                    Some(column.name),
                    "type",
                    format!(
                        "a suppression marker ({status}) where the dataset has no `{status_name}` column to record it"
                    ),
                )),
            }
        }
        for planned in &self.checks {
            let check = &planned.check;
            let left = planned.left.and_then(|i| values[i].as_ref());
            // Compared where they lie, not copied out.
            let number;
            let right = match planned.right {
                Some(PlannedOperand::Column(i)) => values[i].as_ref(),
                Some(PlannedOperand::Number(n)) => {
                    number = Value::Number(n);
                    Some(&number)
                }
                None => None,
            };
            if let (Some(l), Some(r)) = (left, right) {
                match compare(l, r) {
                    Some(ordering) if check.op.holds(ordering) => {}
                    Some(_) => rejects.push(reject(
                        Some(&check.left),
                        &check.text,
                        format!("fails the check `{}`", check.text),
                    )),
                    None => rejects.push(reject(
                        Some(&check.left),
                        &check.text,
                        format!(
                            "the check `{}` compares values of different kinds",
                            check.text
                        ),
                    )),
                }
            }
        }
        if rejects.is_empty() {
            Ok(())
        } else {
            Err(rejects)
        }
    }
}

/// What a cell held: a value (written into the row's values), nothing, or
/// a suppression marker.
enum Outcome {
    Value,
    Missing,
    Suppressed(&'static str),
}

impl PlannedColumn<'_> {
    /// Interprets one cell for this column (type, codes, suppression
    /// markers, privacy), writing its value, if it has one, into `slot`
    /// (which is left as it was otherwise). Inlined into its one caller: its
    /// result, returned through memory, was written and at once read back,
    /// which stalled the processor on every cell.
    #[inline(always)]
    fn value(
        &self,
        cell: CellRef<'_>,
        key: Option<&PseudonymKey>,
        slot: &mut Option<Value>,
    ) -> Result<Outcome, String> {
        if cell.is_blank() {
            return Ok(Outcome::Missing);
        }
        if let Some(derived) = &self.derived {
            *slot = Some(derive(derived, cell, self.formats)?);
            return Ok(Outcome::Value);
        }
        let numeric = matches!(self.def.kind, ColumnType::Integer | ColumnType::Number);
        if numeric
            && let CellRef::Text(t) = cell
            && let Some(status) = suppression_status(t)
        {
            return Ok(Outcome::Suppressed(status));
        }
        // Each value is given its privacy treatment as it is made: text as
        // it stands in the cell (or as its code), without a copy of what is
        // not kept. Each kind is written into the slot on its own: made as
        // one `Value` and moved in, an integer's 8 bytes were written and at
        // once read back as 16, which stalled the processor on every cell.
        match self.def.kind {
            ColumnType::String => {
                let text = cell_text(cell);
                if let Some((accepts, latest)) = self.as_period {
                    *slot = Some(Value::Text(
                        period_in(&text, accepts, latest)?.to_string().into(),
                    ));
                    return Ok(Outcome::Value);
                }
                let code = match &self.codes {
                    Some(codes) => Some(codes.code(&text).ok_or_else(|| codes.unknown.clone())?),
                    None => None,
                };
                let text = code.map_or(text, |code| Cow::Borrowed(code.as_str()));
                match self.privacy {
                    Some(Privacy::Pseudonymise) => {
                        let key = key.ok_or("no pseudonymisation key")?;
                        // Held to be pseudonymised with the rest of its batch.
                        if !self.checked {
                            if !matches!(slot, Some(Value::Identifier(_))) {
                                *slot = Some(Value::Identifier(Identifier::default()));
                            }
                            if let Some(Value::Identifier(held)) = slot
                                && held.write(&text)
                            {
                                return Ok(Outcome::Value);
                            }
                        }
                        *slot = Some(Value::Pseudonym(key.pseudonymise(&text)));
                    }
                    Some(Privacy::GeneraliseToSector) => {
                        *slot = Some(Value::Text(postcode_sector(&text)?.into()));
                    }
                    // A code is copied whole: made from its text, each
                    // row's copy was written a piece at a time and read
                    // back whole, which stalled the processor.
                    _ => {
                        *slot = Some(Value::Text(
                            code.map_or_else(|| text.as_ref().into(), Clone::clone),
                        ));
                    }
                }
            }
            ColumnType::Integer => *slot = Some(Value::Integer(to_integer(cell)?)),
            ColumnType::Number => {
                let number = match self.percent {
                    Some(percent) => to_percent(cell, percent)?,
                    None => to_number(cell)?,
                };
                *slot = Some(Value::Number(number));
            }
            ColumnType::Date => {
                let date = to_date(cell, self.formats)?;
                *slot = Some(Value::Date(match self.privacy {
                    Some(Privacy::GeneraliseToMonth) => {
                        date.with_day(1).expect("every month has a first day")
                    }
                    _ => date,
                }));
            }
            ColumnType::Boolean => *slot = Some(Value::Boolean(to_boolean(cell)?)),
        }
        Ok(Outcome::Value)
    }
}

/// A cell's text, trimmed, without copying when it is text already.
fn cell_text(cell: CellRef<'_>) -> Cow<'_, str> {
    match cell {
        CellRef::Text(t) => Cow::Borrowed(trim(t)),
        other => Cow::Owned(other.as_text()),
    }
}

/// A derived column's value from its cell.
fn derive(derived: &Derived, cell: CellRef<'_>, formats: &[String]) -> Result<Value, String> {
    match *derived {
        Derived::AgeBand(bands, on) => {
            let born = to_date(cell, formats)?;
            let age = on
                .years_since(born)
                .ok_or("a date of birth after the end of the period")?;
            let band = pqa_core::config::age_band(age, bands)
                .ok_or_else(|| format!("an age ({age}) below the first band ({})", bands[0]))?;
            Ok(Value::Text(band.into()))
        }
        Derived::FlagAbove(limit) => Ok(Value::Boolean(to_number(cell)? > limit)),
    }
}

/// The period a cell names, of a kind in `accepts`, and not after `latest`
/// (the period of the file it is in).
fn period_in(text: &str, accepts: &[PeriodKind], latest: Period) -> Result<Period, String> {
    let found = pqa_core::period::most_specific(&pqa_core::period::find_all(text), accepts)?
        .ok_or_else(|| {
            format!(
                "not a period the feed takes (a {}, e.g. {})",
                accepts
                    .iter()
                    .map(|k| k.name())
                    .collect::<Vec<_>>()
                    .join(" or "),
                accepts
                    .iter()
                    .map(|k| k.example())
                    .collect::<Vec<_>>()
                    .join(" or ")
            )
        })?;
    if found.end() > latest.end() {
        return Err(format!(
            "{} is after {}, the period the file is for",
            found.label(),
            latest.label()
        ));
    }
    Ok(found)
}

/// A percentage in points: "41.6%" and 41.6 are 41.6; with `fraction`, a bare
/// 0.416 (how Excel stores a percentage cell) is 41.6 too.
pub(crate) fn to_percent(cell: CellRef<'_>, percent: Percent) -> Result<f64, String> {
    if let CellRef::Text(t) = cell
        && let Some(points) = t.trim().strip_suffix('%')
    {
        return to_number(CellRef::Text(points)).map_err(|_| "not a percentage".to_string());
    }
    let n = to_number(cell)?;
    match percent {
        Percent::Points => Ok(n),
        // Only a fraction is a percentage written as one: 14 or "1,204" in
        // a column of fractions is a count sharing it, never 1400%.
        Percent::Fraction if (0.0..=1.0).contains(&n) => Ok(n * 100.0),
        Percent::Fraction => Err(format!(
            "{n} is not a fraction (0 to 1) in a column of percentages written as fractions: \
             if the column also holds counts, the counts need a column or a feed of their own \
             (a count is never multiplied by 100)"
        )),
    }
}

/// The sector of a UK postcode: outward code, space, first digit of the
/// inward code ("eg19 7tt" → "EG19 7").
pub(crate) fn postcode_sector(text: &str) -> Result<String, String> {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    let ok = (5..=7).contains(&compact.len())
        && compact.chars().all(|c| c.is_ascii_alphanumeric())
        && compact[compact.len() - 3..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit());
    if !ok {
        return Err("not a UK postcode".into());
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    Ok(format!("{outward} {}", &inward[..1]))
}

fn compare(l: &Value, r: &Value) -> Option<Ordering> {
    let number = |v: &Value| match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Number(n) => Some(*n),
        _ => None,
    };
    match (l, r) {
        (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
        (Value::Boolean(a), Value::Boolean(b)) => Some(a.cmp(b)),
        _ => match (l.as_text(), r.as_text()) {
            (Some(a), Some(b)) => Some(a.cmp(b)),
            _ => number(l)?.partial_cmp(&number(r)?),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_any_listed_spelling_and_the_first_code_listed_wins() {
        let (a, b) = ("neglect".to_string(), "multiple".to_string());
        let (n1, n2) = ("Cat N".to_string(), "Neglect/Emotional".to_string());
        let codes = Codes::new([(&a, vec![&n1, &n2]), (&b, vec![&n2])].into_iter());
        assert_eq!(codes.code("neglect"), Some(&"neglect".into()));
        assert_eq!(codes.code("Cat N"), Some(&"neglect".into()));
        assert_eq!(codes.code("Neglect/Emotional"), Some(&"neglect".into()));
        assert_eq!(codes.code("CAT-N"), Some(&"neglect".into()));
        assert_eq!(codes.code("neglect / emotional"), Some(&"neglect".into()));
        assert_eq!(codes.code("financial"), None);
        assert_eq!(
            codes.unknown,
            "not a known code; known codes: neglect, multiple"
        );
    }

    #[test]
    fn pseudonyms_compare_as_text_and_kinds_do_not_mix() {
        let key = PseudonymKey::new("a-test-key-of-some-length").unwrap();
        let pseudonym = Value::Pseudonym(key.pseudonymise("AB1234C"));
        let text = |t: &str| Value::Text(t.into());
        let digits = pseudonym.as_text().unwrap().to_string();
        assert_eq!(compare(&pseudonym, &text(&digits)), Some(Ordering::Equal));
        assert_eq!(
            compare(&text("0"), &pseudonym).map(Ordering::is_le),
            Some(true)
        );
        assert_eq!(compare(&pseudonym, &Value::Integer(3)), None);
        assert_eq!(
            compare(&Value::Integer(3), &Value::Number(2.5)),
            Some(Ordering::Greater)
        );
    }

    #[test]
    fn postcodes_become_sectors_and_bad_ones_are_refused() {
        assert_eq!(postcode_sector("eg19 7tt"), Ok("EG19 7".into()));
        assert_eq!(postcode_sector("W1A1AA"), Ok("W1A 1".into()));
        assert!(postcode_sector("not one").is_err());
        assert!(postcode_sector("AB1").is_err());
    }

    #[test]
    fn percentages_in_points_or_fractions() {
        assert_eq!(
            to_percent(CellRef::Text("41.6%"), Percent::Points),
            Ok(41.6)
        );
        assert_eq!(
            to_percent(CellRef::Text("41.6%"), Percent::Fraction),
            Ok(41.6)
        );
        assert_eq!(to_percent(CellRef::Number(41.6), Percent::Points), Ok(41.6));
        assert!(
            (to_percent(CellRef::Number(0.416), Percent::Fraction).unwrap() - 41.6).abs() < 1e-9
        );
        assert!(to_percent(CellRef::Text("lots%"), Percent::Points).is_err());
        // A count sharing a column of fractions is refused, never multiplied.
        assert!(to_percent(CellRef::Number(14.0), Percent::Fraction).is_err());
        assert!(to_percent(CellRef::Text("1,204"), Percent::Fraction).is_err());
        assert_eq!(
            to_percent(CellRef::Number(1.0), Percent::Fraction),
            Ok(100.0)
        );
    }
}
