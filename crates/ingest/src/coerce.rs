//! Turning cells into typed values. Pure functions: each returns the value or
//! a reason a person can act on. Reasons never contain the cell's value; the
//! mapper adds it only for columns that do not identify anyone.

use chrono::{Datelike, Duration, NaiveDate};
use compact_str::CompactString;

use crate::privacy::{Identifier, Pseudonym};
use crate::read::{CellRef, trim};

/// A typed value ready for the warehouse. Text of up to 24 bytes (codes,
/// most names) and pseudonyms are held inline: a row's values allocate
/// nothing, where a `String` each was two allocations of every national row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(CompactString),
    Pseudonym(Pseudonym),
    /// An identifier whose pseudonym is made with the rest of its batch's
    /// (`BatchBuilder::finish`); only the batch builder reads it.
    Identifier(Identifier),
    Integer(i64),
    Number(f64),
    Date(NaiveDate),
    Boolean(bool),
}

impl Value {
    /// The value's text, when it is text (a pseudonym is text too; an
    /// identifier waiting for its pseudonym is not shown).
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(text) => Some(text),
            Value::Pseudonym(pseudonym) => Some(pseudonym.as_str()),
            _ => None,
        }
    }
}

/// Date formats tried when a feed lists none.
pub const DEFAULT_DATE_FORMATS: &[&str] = &["%d/%m/%Y", "iso", "excel_serial"];

/// A suppression marker or statistical symbol found where a number should be.
/// The figure is unknown (null) and the status says why.
pub fn suppression_status(text: &str) -> Option<&'static str> {
    const MARKERS: &[(&str, &str)] = &[
        ("c", "c"),
        ("*", "c"),
        ("<5", "c"),
        ("< 5", "c"),
        ("<3", "c"),
        ("<10", "c"),
        ("x", "x"),
        ("n/a", "x"),
        ("na", "x"),
        ("z", "z"),
        ("-", "z"),
        ("k", "k"),
        ("u", "u"),
        ("low", "low"),
    ];
    let text = trim(text);
    // Checked for every numeric cell: no copy, and numbers leave at once.
    if text.len() > 3 || text.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    MARKERS
        .iter()
        .find(|(marker, _)| marker.eq_ignore_ascii_case(text))
        .map(|(_, status)| *status)
}

/// A date from a date cell, an Excel serial number or text in one of `formats`.
pub fn to_date(cell: CellRef<'_>, formats: &[String]) -> Result<NaiveDate, String> {
    // The feed's formats, else the defaults; gathered into no `Vec`, as this
    // is asked of every date cell.
    let defaults = if formats.is_empty() {
        DEFAULT_DATE_FORMATS
    } else {
        &[]
    };
    let formats = formats
        .iter()
        .map(String::as_str)
        .chain(defaults.iter().copied());
    match cell {
        CellRef::DateTime(d) => Ok(d.date()),
        CellRef::Number(n) if formats.clone().any(|f| f == "excel_serial") => excel_serial(n),
        CellRef::Number(_) => Err("a number where a date was expected (add `excel_serial` to the column's formats if the file holds Excel serial dates)".into()),
        CellRef::Text(t) => {
            let t = trim(t);
            for f in formats.clone() {
                // The two usual formats are read directly; chrono's general
                // parser is for the rest (and for anything unusual in these).
                if let Some(d) = match f {
                    "%d/%m/%Y" => fixed_width_date(t, b'/', [2, 5], [6, 3, 0]),
                    "iso" => fixed_width_date(t, b'-', [4, 7], [0, 5, 8]),
                    _ => None,
                } {
                    return Ok(d);
                }
                let parsed = match f {
                    "iso" => NaiveDate::parse_from_str(t, "%Y-%m-%d").ok(),
                    "excel_serial" => t.parse::<f64>().ok().and_then(|n| excel_serial(n).ok()),
                    f => NaiveDate::parse_from_str(t, f).ok(),
                };
                if let Some(d) = parsed {
                    // "05/03/24" read as the year 24 under %Y: a two-digit
                    // year is never taken for a year of the first century.
                    if d.year() < 1000 && (f == "iso" || f.contains("%Y")) {
                        return Err(format!(
                            "a two-digit year ({t}): write the year in full, or add a format with %y \
                             (e.g. \"%d/%m/%y\") to read 00–68 as 2000–2068 and 69–99 as 1969–1999"
                        ));
                    }
                    return Ok(d);
                }
            }
            Err(format!("not a valid date in the expected format ({})", describe_formats(formats)))
        }
        CellRef::Bool(_) => Err("true/false where a date was expected".into()),
        CellRef::Empty => Err("empty".into()),
    }
}

/// A date written `dd/mm/yyyy` or `yyyy-mm-dd` exactly: 10 characters,
/// `sep` at `seps` and digits elsewhere; `starts` are where the year, month
/// and day begin.
fn fixed_width_date(
    text: &str,
    sep: u8,
    seps: [usize; 2],
    starts: [usize; 3],
) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b.iter().enumerate().all(|(i, &c)| {
            if seps.contains(&i) {
                c == sep
            } else {
                c.is_ascii_digit()
            }
        });
    if !shaped {
        return None;
    }
    let number = |from: usize, len: usize| {
        b[from..from + len]
            .iter()
            .fold(0u32, |n, &c| n * 10 + u32::from(c - b'0'))
    };
    let [y, m, d] = starts;
    NaiveDate::from_ymd_opt(number(y, 4) as i32, number(m, 2), number(d, 2))
}

fn describe_formats<'f>(formats: impl Iterator<Item = &'f str>) -> String {
    formats
        .map(|f| match f {
            "iso" => "yyyy-mm-dd".to_string(),
            "excel_serial" => "Excel date number".to_string(),
            f => f
                .replace("%d", "dd")
                .replace("%m", "mm")
                .replace("%Y", "yyyy")
                .replace("%b", "Mon")
                .replace("%e", "d"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Excel's day count (1900 system, with its phantom 29 Feb 1900) to a date.
fn excel_serial(n: f64) -> Result<NaiveDate, String> {
    if !(1.0..2_958_466.0).contains(&n) {
        return Err("a number outside the range of Excel dates".into());
    }
    let base = NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid");
    Ok(base + Duration::days(n.trunc() as i64))
}

/// A whole number; thousands separators are allowed. Inlined, with the
/// unusual cases apart: its result, returned through memory, was written a
/// piece at a time and at once read back whole, which stalled the processor
/// on every integer cell (~3% of a national ingest).
#[inline]
pub fn to_integer(cell: CellRef<'_>) -> Result<i64, String> {
    match cell {
        CellRef::Text(t) if let Ok(n) = trim(t).parse::<i64>() => Ok(n),
        cell => unusual_integer(cell),
    }
}

#[cold]
fn unusual_integer(cell: CellRef<'_>) -> Result<i64, String> {
    match cell {
        CellRef::Number(n) if n.fract() == 0.0 => Ok(n as i64),
        CellRef::Number(_) => Err("a fraction where a whole number was expected".into()),
        CellRef::Text(t) => {
            let cleaned = without_separators(t);
            // "3.0" (as spreadsheets and pandas write whole numbers) is still 3.
            cleaned
                .parse::<i64>()
                .ok()
                .or_else(|| {
                    let f = cleaned.parse::<f64>().ok()?;
                    (f.fract() == 0.0 && f.abs() < 9e15).then_some(f as i64)
                })
                .ok_or_else(|| "not a whole number".into())
        }
        _ => Err("not a whole number".into()),
    }
}

/// "16,309" → "16309": thousands separators and spaces go.
fn without_separators(text: &str) -> String {
    text.trim()
        .chars()
        .filter(|c| *c != ',' && *c != ' ')
        .collect()
}

/// A number; thousands separators are allowed.
pub fn to_number(cell: CellRef<'_>) -> Result<f64, String> {
    match cell {
        CellRef::Number(n) => Ok(n),
        CellRef::Text(t) => t
            .trim()
            .parse::<f64>()
            .or_else(|_| without_separators(t).parse::<f64>())
            .ok()
            .filter(|n| n.is_finite())
            .ok_or_else(|| "not a number".into()),
        _ => Err("not a number".into()),
    }
}

/// Y/N, Yes/No, True/False, 1/0.
pub fn to_boolean(cell: CellRef<'_>) -> Result<bool, String> {
    match cell {
        CellRef::Bool(b) => Ok(b),
        CellRef::Number(1.0) => Ok(true),
        CellRef::Number(0.0) => Ok(false),
        CellRef::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
            "y" | "yes" | "true" | "1" | "1.0" => Ok(true),
            "n" | "no" | "false" | "0" | "0.0" => Ok(false),
            _ => Err("not one of Y, N, Yes, No, True, False, 1, 0".into()),
        },
        _ => Err("not one of Y, N, Yes, No, True, False, 1, 0".into()),
    }
}

/// Lower case with everything but letters and digits removed: how headers and
/// code spellings are compared ("Plan Start-Date" matches "plan start date").
pub fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> CellRef<'_> {
        CellRef::Text(s)
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_two_digit_year_is_refused_under_a_four_digit_format_and_read_under_y() {
        let formats = ["%d/%m/%Y".to_string()];
        let err = to_date(CellRef::Text("05/03/24"), &formats).unwrap_err();
        assert!(
            err.contains("a two-digit year") && err.contains("%y"),
            "{err}"
        );
        let short = ["%d/%m/%y".to_string()];
        assert_eq!(
            to_date(CellRef::Text("05/03/24"), &short),
            Ok(NaiveDate::from_ymd_opt(2024, 3, 5).unwrap())
        );
        assert!(
            to_date(CellRef::Text("05/03/24"), &[]).is_err(),
            "the defaults too"
        );
    }

    #[test]
    fn dates_from_text_serials_and_date_cells() {
        assert_eq!(to_date(text("05/11/2024"), &[]), Ok(d(2024, 11, 5)));
        assert_eq!(to_date(text("2024-11-05"), &[]), Ok(d(2024, 11, 5)));
        assert_eq!(to_date(CellRef::Number(45601.0), &[]), Ok(d(2024, 11, 5)));
        let dt = d(2024, 11, 5).and_hms_opt(0, 0, 0).unwrap();
        assert_eq!(to_date(CellRef::DateTime(dt), &[]), Ok(d(2024, 11, 5)));
        assert_eq!(
            to_date(text("5-Nov-2024"), &["%d-%b-%Y".into()]),
            Ok(d(2024, 11, 5))
        );
    }

    #[test]
    fn the_direct_date_reader_agrees_with_chrono() {
        let mut texts: Vec<String> = (0..800)
            .map(|i| d(2023, 6, 1) + Duration::days(i))
            .flat_map(|day| {
                [
                    day.format("%d/%m/%Y").to_string(),
                    day.format("%Y-%m-%d").to_string(),
                ]
            })
            .collect();
        texts.extend(
            [
                "31/02/2024",
                "29/02/2023",
                "00/01/2024",
                "12/13/2024",
                "2024-00-10",
                "2024-02-30",
                "1/2/2024",
                "2024-1-05",
                "05-11-2024",
                "2024/11/05",
                "05/11/-024",
                "+2024-11-0",
            ]
            .map(String::from),
        );
        // Whatever it reads, chrono reads the same; what it cannot, chrono is asked.
        let mut read = 0;
        for t in &texts {
            for (fast, format) in [
                (fixed_width_date(t, b'/', [2, 5], [6, 3, 0]), "%d/%m/%Y"),
                (fixed_width_date(t, b'-', [4, 7], [0, 5, 8]), "%Y-%m-%d"),
            ] {
                if let Some(date) = fast {
                    assert_eq!(NaiveDate::parse_from_str(t, format), Ok(date), "{t}");
                    read += 1;
                }
            }
        }
        assert_eq!(read, 1600, "every well-formed date is read directly");
    }

    #[test]
    fn impossible_dates_are_refused_with_the_format() {
        let err = to_date(text("31/02/2024"), &[]).unwrap_err();
        assert!(err.contains("dd/mm/yyyy"), "{err}");
        assert!(
            !err.contains("31/02"),
            "reasons never carry the value: {err}"
        );
        assert!(to_date(CellRef::Number(12.0), &["%d/%m/%Y".into()]).is_err());
    }

    #[test]
    fn numbers_accept_thousands_separators() {
        assert_eq!(to_integer(text("16,309")), Ok(16309));
        assert_eq!(to_integer(CellRef::Number(42.0)), Ok(42));
        assert_eq!(to_integer(text("3.0")), Ok(3));
        assert!(to_integer(text("3.5")).is_err());
        assert!(to_integer(CellRef::Number(4.5)).is_err());
        assert!(to_integer(text("12a")).is_err());
        assert_eq!(to_number(text("1,234.5")), Ok(1234.5));
        assert!(to_number(text("NaN")).is_err());
    }

    #[test]
    fn booleans_in_the_usual_spellings() {
        for (t, b) in [("Y", true), ("no", false), ("TRUE", true), ("0", false)] {
            assert_eq!(to_boolean(text(t)), Ok(b));
        }
        assert!(to_boolean(text("maybe")).is_err());
    }

    #[test]
    fn suppression_markers_are_recognised_and_numbers_are_not() {
        assert_eq!(suppression_status("<5"), Some("c"));
        assert_eq!(suppression_status(" * "), Some("c"));
        assert_eq!(suppression_status("LOW"), Some("low"));
        assert_eq!(suppression_status("n/a"), Some("x"));
        assert_eq!(suppression_status("5"), None);
        assert_eq!(suppression_status("< 5"), Some("c"));
        assert_eq!(suppression_status("<10"), Some("c"));
        assert_eq!(suppression_status("lower"), None);
    }

    #[test]
    fn normalise_ignores_case_spaces_and_punctuation() {
        assert_eq!(normalise("Plan Start-Date"), normalise("plan_start date"));
        assert_eq!(normalise("Cat: Neglect"), "catneglect");
    }
}
