//! Working days: Monday to Friday, less the bank holidays of England and
//! Wales. Child protection timescales are set in working days (Working
//! Together 2023): an initial conference within 15 working days of the
//! strategy discussion, the first core group within 10 of the conference.
//!
//! The bank holidays come from a file the partnership keeps (the published
//! list, <https://www.gov.uk/bank-holidays>), so a new year, or a holiday
//! declared for a state occasion, is a line added, not a release of pqa. A
//! date outside the years the file covers is an error, never a guess: a
//! year with its holidays missing would count them as working days.

use std::collections::BTreeSet;
use std::ops::{Bound, RangeInclusive};
use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use crate::error::{ConfigError, Error, Result};

/// The bank holidays of the years a file covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankHolidays {
    days: BTreeSet<NaiveDate>,
    years: RangeInclusive<i32>,
}

/// A date the bank holidays file does not cover.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{date} is outside the years the bank holidays file covers ({first} to {last}): \
     add that year's bank holidays from https://www.gov.uk/bank-holidays"
)]
pub struct NotCovered {
    pub date: NaiveDate,
    pub first: i32,
    pub last: i32,
}

impl BankHolidays {
    /// Reads the file: a `date,title` header, then one holiday a line
    /// (`2024-12-26,Boxing Day`); blank lines and lines starting `#` are
    /// skipped. Every bad line is reported, with its line number.
    pub fn parse(text: &str, file: &Path) -> Result<BankHolidays> {
        let problem = |line: usize, message: String| ConfigError {
            file: file.to_path_buf(),
            line: Some(line),
            column: None,
            message,
        };
        let mut problems = Vec::new();
        let mut days = BTreeSet::new();
        let mut header_seen = false;
        for (i, line) in text.lines().enumerate() {
            let (number, line) = (i + 1, line.trim());
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if !header_seen {
                header_seen = true;
                if line.eq_ignore_ascii_case("date,title") {
                    continue;
                }
                problems.push(problem(
                    number,
                    "the first line must be `date,title`".into(),
                ));
                continue;
            }
            let date = line.split(',').next().unwrap_or_default().trim();
            match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
                Ok(d) if matches!(d.weekday(), Weekday::Sat | Weekday::Sun) => problems.push(
                    problem(
                        number,
                        format!(
                            "{d} is a {:?}: list the weekday the holiday is taken on (the substitute day)",
                            d.weekday()
                        ),
                    ),
                ),
                Ok(d) => {
                    if !days.insert(d) {
                        problems.push(problem(number, format!("{d} is listed twice")));
                    }
                }
                Err(_) => problems.push(problem(
                    number,
                    format!("`{date}` is not a date written as 2024-12-26"),
                )),
            }
        }
        let (Some(first), Some(last)) = (days.first(), days.last()) else {
            problems.push(problem(1, "the file lists no bank holidays".into()));
            return Err(Error::Config(problems));
        };
        let years = first.year()..=last.year();
        // Every year in England and Wales has bank holidays: a year with none
        // listed is a gap, and its holidays would be counted as working days.
        for year in years.clone() {
            if !days.iter().any(|d| d.year() == year) {
                problems.push(problem(
                    1,
                    format!("no bank holidays are listed for {year}, between years that have them"),
                ));
            }
        }
        if problems.is_empty() {
            Ok(BankHolidays { days, years })
        } else {
            Err(Error::Config(problems))
        }
    }

    /// Reads the bank holidays file at `path`.
    pub fn load(path: &Path) -> Result<BankHolidays> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        BankHolidays::parse(&text, path)
    }

    /// The calendar years the file covers.
    pub fn years(&self) -> RangeInclusive<i32> {
        self.years.clone()
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> std::result::Result<bool, NotCovered> {
        self.covers(date)?;
        Ok(!is_weekend(date) && !self.days.contains(&date))
    }

    /// Working days from `from` to `to`: those after `from`, up to and
    /// including `to` (so the next working day is 1 and the same day 0);
    /// negative when `to` is before `from`. "Within 15 working days of the
    /// strategy discussion" is `working_days(discussion, conference) <= 15`.
    pub fn between(&self, from: NaiveDate, to: NaiveDate) -> std::result::Result<i64, NotCovered> {
        self.covers(from)?;
        self.covers(to)?;
        if to < from {
            return self.between(to, from).map(|n| -n);
        }
        let holidays = self
            .days
            .range((Bound::Excluded(from), Bound::Included(to)))
            .count() as i64;
        Ok(weekdays_after(from, to) - holidays)
    }

    /// The date `n` working days after `from` (`n` ≥ 0; 0 is `from`).
    pub fn add(&self, from: NaiveDate, n: u32) -> std::result::Result<NaiveDate, NotCovered> {
        self.step(from, n, Duration::days(1))
    }

    /// The date `n` working days before `from` (`n` ≥ 0; 0 is `from`).
    pub fn before(&self, from: NaiveDate, n: u32) -> std::result::Result<NaiveDate, NotCovered> {
        self.step(from, n, Duration::days(-1))
    }

    /// `n` working days on from `from`, a day (`by`) at a time.
    fn step(
        &self,
        from: NaiveDate,
        n: u32,
        by: Duration,
    ) -> std::result::Result<NaiveDate, NotCovered> {
        let mut date = from;
        let mut left = n;
        while left > 0 {
            date += by;
            if self.is_working_day(date)? {
                left -= 1;
            }
        }
        self.covers(date)?;
        Ok(date)
    }

    fn covers(&self, date: NaiveDate) -> std::result::Result<(), NotCovered> {
        if self.years.contains(&date.year()) {
            Ok(())
        } else {
            Err(NotCovered {
                date,
                first: *self.years.start(),
                last: *self.years.end(),
            })
        }
    }
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Mondays to Fridays after `from`, up to and including `to` (`to` ≥ `from`).
fn weekdays_after(from: NaiveDate, to: NaiveDate) -> i64 {
    let days = (to - from).num_days();
    let (weeks, rest) = (days / 7, days % 7);
    let rest = (1..=rest)
        .filter(|k| !is_weekend(from + Duration::days(*k)))
        .count() as i64;
    weeks * 5 + rest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn holidays() -> BankHolidays {
        let text = include_str!("../../../reference/bank-holidays.csv");
        BankHolidays::parse(text, Path::new("reference/bank-holidays.csv")).unwrap()
    }

    #[test]
    fn the_shipped_file_covers_2019_to_2027_with_eight_or_more_a_year() {
        let h = holidays();
        assert_eq!(h.years(), 2019..=2027);
        for year in 2019..=2027 {
            let n = h.days.iter().filter(|d| d.year() == year).count();
            // Eight a year; 2022 had the Jubilee and the Queen's funeral,
            // 2023 the coronation, 2020 moved one (VE Day).
            let expected = match year {
                2022 => 10,
                2023 => 9,
                _ => 8,
            };
            assert_eq!(n, expected, "{year}");
        }
        // Christmas on a Saturday: the substitute days are Monday and Tuesday.
        assert!(h.days.contains(&d(2021, 12, 27)) && h.days.contains(&d(2021, 12, 28)));
        assert!(h.days.contains(&d(2027, 3, 26)), "Good Friday 2027");
    }

    #[test]
    fn working_days_skip_weekends_and_bank_holidays() {
        let h = holidays();
        // Friday to Monday: one working day.
        assert_eq!(h.between(d(2024, 6, 7), d(2024, 6, 10)), Ok(1));
        assert_eq!(h.between(d(2024, 6, 7), d(2024, 6, 7)), Ok(0));
        // Thursday before Easter to the Tuesday after: Good Friday and
        // Easter Monday (2024-03-29, 2024-04-01) are not working days.
        assert_eq!(h.between(d(2024, 3, 28), d(2024, 4, 2)), Ok(1));
        // Christmas 2024: Monday 23rd to Friday 3 January: 24th, 27th, 30th,
        // 31st, 2nd and 3rd (25th, 26th and 1st are holidays).
        assert_eq!(h.between(d(2024, 12, 23), d(2025, 1, 3)), Ok(6));
        // Backwards is negative.
        assert_eq!(h.between(d(2025, 1, 3), d(2024, 12, 23)), Ok(-6));
        // 15 working days from a strategy discussion on Thursday 17 April
        // 2025, over Easter (18th and 21st) and the early May holiday (5th):
        assert_eq!(h.add(d(2025, 4, 17), 15), Ok(d(2025, 5, 13)));
        assert_eq!(h.between(d(2025, 4, 17), d(2025, 5, 13)), Ok(15));
        assert_eq!(h.before(d(2025, 5, 13), 15), Ok(d(2025, 4, 17)));
        // Across a year end with the substitute days of 2026.
        assert_eq!(h.add(d(2026, 12, 24), 1), Ok(d(2026, 12, 29)));
    }

    #[test]
    fn counting_agrees_with_stepping_day_by_day() {
        let h = holidays();
        let start = d(2019, 1, 1);
        for offset in (0..3000).step_by(37) {
            let from = start + Duration::days(offset);
            for span in [0, 1, 6, 7, 8, 13, 30, 95, 400] {
                let to = from + Duration::days(span);
                if to.year() > 2027 {
                    continue;
                }
                let stepped = (1..=span)
                    .filter(|k| h.is_working_day(from + Duration::days(*k)).unwrap())
                    .count() as i64;
                assert_eq!(h.between(from, to), Ok(stepped), "{from} to {to}");
            }
        }
    }

    #[test]
    fn a_date_outside_the_file_is_an_error_not_a_guess() {
        let h = holidays();
        let err = h.between(d(2027, 12, 20), d(2028, 1, 5)).unwrap_err();
        assert_eq!(err.first, 2019);
        assert!(err.to_string().contains("2019 to 2027"), "{err}");
        assert!(h.add(d(2027, 12, 30), 5).is_err());
    }

    #[test]
    fn bad_lines_are_named_with_their_number() {
        let text = "# from gov.uk\ndate,title\n2024-12-25,Christmas Day\n2024-12-28,Saturday\n25/12/2024,Christmas\n2024-12-25,again\n2026-01-01,New Year\n";
        let Err(Error::Config(problems)) = BankHolidays::parse(text, Path::new("h.csv")) else {
            panic!("should fail");
        };
        let said: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert!(
            said[0].starts_with("h.csv:4: 2024-12-28 is a Sat"),
            "{said:?}"
        );
        assert!(
            said[1].starts_with("h.csv:5: `25/12/2024` is not a date"),
            "{said:?}"
        );
        assert!(
            said[2].starts_with("h.csv:6: 2024-12-25 is listed twice"),
            "{said:?}"
        );
        assert!(
            said[3].contains("no bank holidays are listed for 2025"),
            "{said:?}"
        );
        assert_eq!(said.len(), 4);
    }
}
