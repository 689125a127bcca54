//! Helpers every agency's generator shares: the calendar, identifiers and
//! writing CSV and Excel files the way agencies do.

use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

/// First financial year with submissions (2022/23), and how many years.
pub const FIRST_YEAR: i32 = 2022;
pub const YEARS: i32 = 3;
/// Quarters with submissions: 2022/23 Q1 … 2024/25 Q4.
pub const QUARTERS: usize = (YEARS * 4) as usize;

/// Every quarter with submissions, oldest first, as (financial year, quarter).
pub fn quarters() -> impl Iterator<Item = (i32, u8)> {
    (FIRST_YEAR..FIRST_YEAR + YEARS).flat_map(|fy| (1..=4).map(move |q| (fy, q)))
}

/// The position of a quarter among `quarters()` (2022/23 Q1 is 0).
pub fn quarter_index(fy: i32, q: u8) -> usize {
    ((fy - FIRST_YEAR) * 4 + i32::from(q) - 1) as usize
}

/// `2024` → `2024-25`, as agencies name files.
pub fn fy_file(fy: i32) -> String {
    format!("{fy}-{:02}", (fy + 1) % 100)
}

/// The quarter `offset` quarters after 2022/23 Q1, the first with
/// submissions (negative: before it). Simulations start some quarters early
/// so that the first submitted quarter looks like every other one.
pub fn quarter_at(offset: i32) -> (i32, u8) {
    let index = FIRST_YEAR * 4 + offset;
    (index.div_euclid(4), (index.rem_euclid(4) + 1) as u8)
}

/// One field of a CSV row replaced: how the generators plant a bad value.
pub fn with_field(row: &str, field: usize, value: &str) -> String {
    let mut fields: Vec<&str> = row.split(',').collect();
    fields[field] = value;
    fields.join(",")
}

/// `2024-25_Q3`: how agencies name a quarter's file.
pub fn quarter_file(fy: i32, q: u8) -> String {
    format!("{}_Q{q}", fy_file(fy))
}

/// First and last day of a financial quarter.
pub fn quarter_bounds(fy: i32, q: u8) -> (NaiveDate, NaiveDate) {
    let (y, m) = match q {
        1 => (fy, 4),
        2 => (fy, 7),
        3 => (fy, 10),
        _ => (fy + 1, 1),
    };
    let start = NaiveDate::from_ymd_opt(y, m, 1).expect("valid");
    let next = if m == 10 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 3, 1)
    };
    (start, next.expect("valid") - Duration::days(1))
}

/// `Q3 2024/25 (October to December 2024)`, for title rows.
pub fn quarter_title(fy: i32, q: u8) -> String {
    let (start, end) = quarter_bounds(fy, q);
    format!(
        "Q{q} {fy}/{:02} ({} to {} {})",
        (fy + 1) % 100,
        start.format("%B"),
        end.format("%B"),
        end.year()
    )
}

/// A day in `[start, end]` that is a weekday (offices do not close cases at weekends).
pub fn weekday_between(rng: &mut ChaCha8Rng, start: NaiveDate, end: NaiveDate) -> NaiveDate {
    let days = (end - start).num_days().max(0);
    let mut d = start + Duration::days(rng.random_range(0..=days));
    while is_weekend(d) {
        d -= Duration::days(1);
    }
    if d < start { next_weekday(start) } else { d }
}

pub fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

fn next_weekday(mut d: NaiveDate) -> NaiveDate {
    while is_weekend(d) {
        d += Duration::days(1);
    }
    d
}

/// The weekday `n` working days before `d` (bank holidays are not counted out).
pub fn working_days_before(mut d: NaiveDate, n: u32) -> NaiveDate {
    let mut left = n;
    while left > 0 {
        d -= Duration::days(1);
        if !is_weekend(d) {
            left -= 1;
        }
    }
    d
}

/// `dd/mm/yyyy`, as case systems export dates.
pub fn uk(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The unique pupil number of a made-up child: a letter and 12 digits,
/// derived from the child's number so every agency writes the same one.
pub fn upn_of(child: u32) -> String {
    let letter = (b'A' + (child % 26) as u8) as char;
    format!(
        "{letter}{:012}",
        (u64::from(child) * 7_919_113 + 48_611) % 1_000_000_000_000
    )
}

/// `k` of `n` flags set, in random places: an exact share (so a calibrated
/// percentage comes out exactly) without a pattern.
pub fn exact_flags(rng: &mut ChaCha8Rng, n: usize, share: f64) -> Vec<bool> {
    let k = ((n as f64) * share).round() as usize;
    let mut flags: Vec<bool> = (0..n).map(|i| i < k).collect();
    flags.shuffle(rng);
    flags
}

/// Flags spread evenly through a list in the proportion `share` (one in
/// four: the 4th, 8th, …): any run of neighbours in the list has close to the
/// share, where a random draw could leave a run of one kind together.
pub fn spaced_flags(n: usize, share: f64) -> Vec<bool> {
    (0..n).map(|k| spaced_flag(k, share)).collect()
}

/// The `k`th of [`spaced_flags`], for lists built one item at a time.
pub fn spaced_flag(k: usize, share: f64) -> bool {
    ((k + 1) as f64 * share).floor() > (k as f64 * share).floor()
}

/// A whole number within `spread` of `mean`, either side.
pub fn around(rng: &mut ChaCha8Rng, mean: u32, spread: u32) -> u32 {
    mean - spread + rng.random_range(0..=2 * spread)
}

/// Picks from weighted choices.
pub fn pick<'a, T>(rng: &mut ChaCha8Rng, choices: &'a [(T, f64)]) -> &'a T {
    let total: f64 = choices.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random::<f64>() * total;
    for (c, w) in choices {
        if roll < *w {
            return c;
        }
        roll -= w;
    }
    &choices[choices.len() - 1].0
}

/// Writes a CSV file with CRLF line ends, as Excel and case systems do.
pub fn write_csv(path: &Path, header: &str, rows: &[String]) -> std::io::Result<()> {
    let mut text = String::with_capacity(rows.len() * 64);
    text.push_str(header);
    text.push_str("\r\n");
    for r in rows {
        text.push_str(r);
        text.push_str("\r\n");
    }
    write(path, text.as_bytes())
}

/// Writes a file, creating its folder.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, bytes)
}

/// A cell of a generated workbook.
pub enum Cell {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Empty,
}

/// A workbook as agencies fill in returns: title rows, a bold header row
/// (row 4), the table, and a guidance sheet. Fixed document properties keep
/// the bytes identical from run to run.
pub struct Sheet<'a> {
    pub name: &'a str,
    pub titles: Vec<String>,
    pub headers: &'a [&'a str],
    pub rows: Vec<Vec<Cell>>,
    pub guidance: &'a str,
    pub author: &'a str,
}

pub fn write_xlsx(path: &Path, sheet: &Sheet) -> std::io::Result<()> {
    write_workbook(path, sheet).map_err(|e| std::io::Error::other(e.to_string()))
}

fn write_workbook(path: &Path, s: &Sheet) -> Result<(), XlsxError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(XlsxError::IoError)?;
    }
    let mut wb = Workbook::new();
    let when = ExcelDateTime::from_ymd(2025, 4, 1)?;
    wb.set_properties(
        &DocProperties::new()
            .set_author(s.author)
            .set_creation_datetime(&when),
    );
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let sheet = wb.add_worksheet().set_name(s.name)?;
    for (r, title) in s.titles.iter().enumerate() {
        if r == 0 {
            sheet.write_string_with_format(0, 0, title, &bold)?;
        } else {
            sheet.write_string(r as u32, 0, title)?;
        }
    }
    let header_row = 3;
    for (c, h) in s.headers.iter().enumerate() {
        sheet.write_string_with_format(header_row, c as u16, *h, &bold)?;
    }
    for (r, row) in s.rows.iter().enumerate() {
        let r = header_row + 1 + r as u32;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(t) => {
                    sheet.write_string(r, c, t)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(r, c, *n)?;
                }
                Cell::Date(d) => {
                    let x =
                        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                    sheet.write_datetime_with_format(r, c, &x, &date)?;
                }
                Cell::Empty => {}
            }
        }
    }
    sheet.set_column_width(0, 44)?;
    let guidance = wb.add_worksheet().set_name("Guidance")?;
    guidance.write_string(0, 0, s.guidance)?;
    wb.save(path)
}

/// One measure of an aggregate return: wording as the agency writes it, and
/// the figure (`None` where the agency withheld a small number).
pub fn measure_rows(measures: &[(&str, Option<u32>)], withheld: &str) -> Vec<Vec<Cell>> {
    measures
        .iter()
        .map(|(m, v)| {
            vec![
                Cell::Text((*m).into()),
                match v {
                    Some(v) => Cell::Number(f64::from(*v)),
                    None => Cell::Text(withheld.into()),
                },
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarter_bounds_follow_the_financial_year() {
        assert_eq!(
            quarter_bounds(2024, 4),
            (
                NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
                NaiveDate::from_ymd_opt(2025, 3, 31).unwrap()
            )
        );
        assert_eq!(
            quarter_bounds(2024, 3).1,
            NaiveDate::from_ymd_opt(2024, 12, 31).unwrap()
        );
    }

    #[test]
    fn quarters_count_from_the_first_submission() {
        assert_eq!(quarter_at(-1), (2021, 4));
        assert_eq!(quarter_at(-8), (2020, 1));
        assert_eq!(quarter_at(0), (2022, 1));
        assert_eq!(quarter_at(11), (2024, 4));
    }

    #[test]
    fn working_days_skip_weekends() {
        // Monday 13 January 2025, 5 working days back: Monday 6 January.
        let monday = NaiveDate::from_ymd_opt(2025, 1, 13).unwrap();
        assert_eq!(
            working_days_before(monday, 5),
            NaiveDate::from_ymd_opt(2025, 1, 6).unwrap()
        );
        // 45 working days are nine calendar weeks.
        assert_eq!((monday - working_days_before(monday, 45)).num_days(), 63);
    }

    #[test]
    fn exact_flags_set_the_share_asked() {
        use rand::SeedableRng;
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let flags = exact_flags(&mut rng, 1000, 0.416);
        assert_eq!(flags.iter().filter(|f| **f).count(), 416);
    }

    #[test]
    fn spaced_flags_keep_the_share_in_every_stretch() {
        let flags = spaced_flags(1000, 0.28);
        assert_eq!(flags.iter().filter(|f| **f).count(), 280);
        for window in flags.windows(50) {
            let set = window.iter().filter(|f| **f).count();
            assert!((13..=15).contains(&set), "{set} of 50");
        }
    }
}
