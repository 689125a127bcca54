//! UK financial-year periods: years (`2024/25`), quarters (`2024/25-Q3`) and
//! halves (`2024/25-H2`). The financial year starts on 1 April: Q1 is Apr–Jun,
//! Q2 Jul–Sep, Q3 Oct–Dec, Q4 Jan–Mar; H1 is Apr–Sep and H2 Oct–Mar.
//!
//! Everything here is pure so that period arithmetic is easy to test.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

use crate::error::{Error, Result};

/// A reporting period within the UK financial year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    /// A whole financial year; the number is the calendar year it starts in.
    Year(i32),
    /// A half of a financial year (1 = Apr–Sep, 2 = Oct–Mar).
    Half(i32, u8),
    /// A quarter of a financial year (1 = Apr–Jun … 4 = Jan–Mar).
    Quarter(i32, u8),
}

impl Period {
    /// The financial year this period belongs to (calendar year of its 1 April).
    pub fn financial_year(self) -> i32 {
        match self {
            Period::Year(y) | Period::Half(y, _) | Period::Quarter(y, _) => y,
        }
    }

    /// The quarter that contains `date`.
    pub fn quarter_of(date: NaiveDate) -> Period {
        let (fy, q) = match date.month() {
            4..=6 => (date.year(), 1),
            7..=9 => (date.year(), 2),
            10..=12 => (date.year(), 3),
            _ => (date.year() - 1, 4),
        };
        Period::Quarter(fy, q)
    }

    /// First day of the period.
    pub fn start(self) -> NaiveDate {
        let (fy, first_quarter) = match self {
            Period::Year(y) => (y, 1),
            Period::Half(y, h) => (y, if h == 1 { 1 } else { 3 }),
            Period::Quarter(y, q) => (y, q),
        };
        quarter_start(fy, first_quarter)
    }

    /// Last day of the period (inclusive).
    pub fn end(self) -> NaiveDate {
        let (fy, last_quarter) = match self {
            Period::Year(y) => (y, 4),
            Period::Half(y, h) => (y, if h == 1 { 2 } else { 4 }),
            Period::Quarter(y, q) => (y, q),
        };
        let (next_fy, next_q) = if last_quarter == 4 {
            (fy + 1, 1)
        } else {
            (fy, last_quarter + 1)
        };
        quarter_start(next_fy, next_q)
            .pred_opt()
            .expect("date in range")
    }

    /// Whether `date` falls within the period.
    pub fn contains(self, date: NaiveDate) -> bool {
        self.start() <= date && date <= self.end()
    }

    /// The quarters making up this period, in order.
    pub fn quarters(self) -> Vec<Period> {
        match self {
            Period::Year(y) => (1..=4).map(|q| Period::Quarter(y, q)).collect(),
            Period::Half(y, 1) => vec![Period::Quarter(y, 1), Period::Quarter(y, 2)],
            Period::Half(y, _) => vec![Period::Quarter(y, 3), Period::Quarter(y, 4)],
            q @ Period::Quarter(..) => vec![q],
        }
    }

    /// The period of the same kind immediately before this one.
    pub fn previous(self) -> Period {
        match self {
            Period::Year(y) => Period::Year(y - 1),
            Period::Half(y, 1) => Period::Half(y - 1, 2),
            Period::Half(y, _) => Period::Half(y, 1),
            Period::Quarter(y, 1) => Period::Quarter(y - 1, 4),
            Period::Quarter(y, q) => Period::Quarter(y, q - 1),
        }
    }

    /// The period `n` steps back (`n` = 0 is the period itself).
    pub fn back(self, n: usize) -> Period {
        (0..n).fold(self, |p, _| p.previous())
    }

    /// Every quarter from `first` to `last` inclusive (empty if `first > last`).
    pub fn quarter_range(first: Period, last: Period) -> Vec<Period> {
        let mut out = Vec::new();
        let mut p = last;
        while p >= first {
            out.push(p);
            p = p.previous();
        }
        out.reverse();
        out
    }

    /// A label for people: "Q3 2024/25 (Oct–Dec 2024)".
    pub fn long_label(self) -> String {
        let months = |s: NaiveDate, e: NaiveDate| {
            format!("{}–{} {}", s.format("%b"), e.format("%b"), e.year())
        };
        match self {
            Period::Year(_) => format!("{self} financial year"),
            Period::Half(y, h) => format!(
                "H{h} {} ({})",
                fy_label(y),
                months(self.start(), self.end())
            ),
            Period::Quarter(y, q) => {
                format!(
                    "Q{q} {} ({})",
                    fy_label(y),
                    months(self.start(), self.end())
                )
            }
        }
    }

    /// Finds the period a file name gives: a quarter if there is one, else a
    /// financial year written `2024-25`, `2024_25` or `202425`.
    pub fn find_in(text: &str) -> Option<Period> {
        Period::find_quarter_in(text).or_else(|| {
            let chars: Vec<char> = text.chars().collect();
            (0..chars.len())
                .find_map(|start| year_at(&chars[start..]))
                .map(Period::Year)
        })
    }

    /// Finds a quarter written inside a file name, e.g. `cp_plans_2024-25_Q3.csv`,
    /// `B&B 2024_25 Q3.xlsx` or `housing-202425-q3.xlsx`.
    pub fn find_quarter_in(text: &str) -> Option<Period> {
        let chars: Vec<char> = text.chars().collect();
        for start in 0..chars.len() {
            if let Some(p) = quarter_at(&chars[start..]) {
                return Some(p);
            }
        }
        None
    }
}

/// Reads a period written like `2024/25-Q3` in YAML.
impl<'de> serde::Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// `2024` → `2024/25`.
fn fy_label(start_year: i32) -> String {
    format!("{}/{:02}", start_year, (start_year + 1) % 100)
}

fn quarter_start(fy: i32, q: u8) -> NaiveDate {
    let (year, month) = match q {
        1 => (fy, 4),
        2 => (fy, 7),
        3 => (fy, 10),
        _ => (fy + 1, 1),
    };
    NaiveDate::from_ymd_opt(year, month, 1).expect("valid quarter start")
}

/// Matches `YYYY[sep]YY` at the start of `s`, not followed by another digit.
fn year_at(s: &[char]) -> Option<i32> {
    let all_digits = |r: &[char]| r.iter().all(|c| c.is_ascii_digit());
    if s.len() < 6 || !all_digits(&s[..4]) {
        return None;
    }
    let year: i32 = s[..4].iter().collect::<String>().parse().ok()?;
    let i = if matches!(s[4], '-' | '_' | '/' | ' ') {
        5
    } else {
        4
    };
    if s.len() < i + 2
        || !all_digits(&s[i..i + 2])
        || s.get(i + 2).is_some_and(|c| c.is_ascii_digit())
    {
        return None;
    }
    let yy: i32 = s[i..i + 2].iter().collect::<String>().parse().ok()?;
    ((1990..=2100).contains(&year) && yy == (year + 1) % 100).then_some(year)
}

/// Matches `YYYY[sep]YY[sep]Q[1-4]` at the start of `s` (separators: `-`, `_`, `/`, space, none).
fn quarter_at(s: &[char]) -> Option<Period> {
    let digits = |s: &[char], n: usize| -> Option<i32> {
        if s.len() < n || !s[..n].iter().all(|c| c.is_ascii_digit()) {
            return None;
        }
        s[..n].iter().collect::<String>().parse().ok()
    };
    let skip_sep = |s: &[char], i: usize| -> usize {
        if i < s.len() && matches!(s[i], '-' | '_' | '/' | ' ') {
            i + 1
        } else {
            i
        }
    };
    let year = digits(s, 4)?;
    if !(1990..=2100).contains(&year) {
        return None;
    }
    let mut i = skip_sep(s, 4);
    let yy = digits(&s[i..], 2)?;
    if yy != (year + 1) % 100 {
        return None;
    }
    i = skip_sep(s, i + 2);
    if i + 1 < s.len() && matches!(s[i], 'Q' | 'q') {
        let q = s[i + 1].to_digit(10)?;
        let after_is_digit = s.get(i + 2).is_some_and(|c| c.is_ascii_digit());
        if (1..=4).contains(&q) && !after_is_digit {
            return Some(Period::Quarter(year, q as u8));
        }
    }
    None
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(y) => write!(f, "{}", fy_label(*y)),
            Period::Half(y, h) => write!(f, "{}-H{h}", fy_label(*y)),
            Period::Quarter(y, q) => write!(f, "{}-Q{q}", fy_label(*y)),
        }
    }
}

impl FromStr for Period {
    type Err = Error;

    /// Parses `2024/25`, `2024/25-H2` or `2024/25-Q3` (`-` may be a space).
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::Period {
            text: s.to_string(),
            reason: "expected a financial year like 2024/25, a half like 2024/25-H2 or a quarter like 2024/25-Q3".into(),
        }
        };
        let s_trim = s.trim();
        let (year_part, rest) = match s_trim.find(['-', ' ']) {
            Some(i) => (&s_trim[..i], Some(s_trim[i + 1..].trim())),
            None => (s_trim, None),
        };
        let (y, yy) = year_part.split_once('/').ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let yy: i32 = yy.parse().map_err(|_| bad())?;
        if y.len() != 4 || yy != (year + 1) % 100 {
            return Err(Error::Period {
                text: s.to_string(),
                reason: format!(
                    "a financial year starting in {year} is written {}",
                    fy_label(year)
                ),
            });
        }
        let Some(rest) = rest else {
            return Ok(Period::Year(year));
        };
        let mut chars = rest.chars();
        let kind = chars.next().map(|c| c.to_ascii_uppercase());
        let n: u8 = chars.as_str().parse().map_err(|_| bad())?;
        match (kind, n) {
            (Some('H'), 1..=2) => Ok(Period::Half(year, n)),
            (Some('Q'), 1..=4) => Ok(Period::Quarter(year, n)),
            _ => Err(bad()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn parses_and_prints_every_kind() {
        for text in [
            "2024/25",
            "2024/25-H1",
            "2024/25-H2",
            "2024/25-Q1",
            "2024/25-Q4",
            "1999/00",
        ] {
            assert_eq!(text.parse::<Period>().unwrap().to_string(), text);
        }
        assert_eq!(
            "2024/25 q3".parse::<Period>().unwrap(),
            Period::Quarter(2024, 3)
        );
    }

    #[test]
    fn rejects_malformed_periods() {
        for text in [
            "2024/26",
            "2024",
            "2024/25-Q5",
            "2024/25-H3",
            "24/25-Q1",
            "2024/25-X1",
            "",
        ] {
            assert!(text.parse::<Period>().is_err(), "{text} should not parse");
        }
    }

    #[test]
    fn quarter_bounds_follow_the_financial_year() {
        let q4 = Period::Quarter(2024, 4);
        assert_eq!((q4.start(), q4.end()), (d(2025, 1, 1), d(2025, 3, 31)));
        let h2 = Period::Half(2024, 2);
        assert_eq!((h2.start(), h2.end()), (d(2024, 10, 1), d(2025, 3, 31)));
        let y = Period::Year(2023);
        assert_eq!((y.start(), y.end()), (d(2023, 4, 1), d(2024, 3, 31)));
        assert!(Period::Quarter(2023, 4).contains(d(2024, 2, 29)));
    }

    #[test]
    fn quarter_of_maps_january_to_the_previous_financial_year() {
        assert_eq!(Period::quarter_of(d(2025, 1, 15)), Period::Quarter(2024, 4));
        assert_eq!(Period::quarter_of(d(2024, 4, 1)), Period::Quarter(2024, 1));
        assert_eq!(Period::quarter_of(d(2024, 3, 31)), Period::Quarter(2023, 4));
    }

    #[test]
    fn previous_and_ranges_cross_year_boundaries() {
        assert_eq!(
            Period::Quarter(2024, 1).previous(),
            Period::Quarter(2023, 4)
        );
        assert_eq!(Period::Half(2024, 1).previous(), Period::Half(2023, 2));
        assert_eq!(Period::Quarter(2024, 4).back(7), Period::Quarter(2023, 1));
        let r = Period::quarter_range(Period::Quarter(2023, 3), Period::Quarter(2024, 2));
        assert_eq!(r.len(), 4);
        assert_eq!(r[0].to_string(), "2023/24-Q3");
        assert_eq!(
            Period::Half(2024, 2).quarters(),
            vec![Period::Quarter(2024, 3), Period::Quarter(2024, 4)]
        );
    }

    #[test]
    fn finds_quarters_in_file_names() {
        let q3 = Some(Period::Quarter(2024, 3));
        assert_eq!(Period::find_quarter_in("cp_plans_2024-25_Q3.csv"), q3);
        assert_eq!(Period::find_quarter_in("B&B 2024_25 Q3.xlsx"), q3);
        assert_eq!(Period::find_quarter_in("housing-202425-q3.xlsx"), q3);
        assert_eq!(Period::find_quarter_in("plans 2024-26 Q3.csv"), None);
        assert_eq!(Period::find_quarter_in("plans 2024-25 Q31.csv"), None);
        assert_eq!(Period::find_quarter_in("plans.csv"), None);
    }

    #[test]
    fn finds_years_when_there_is_no_quarter() {
        assert_eq!(
            Period::find_in("ssda903/2017-18/episodes.csv"),
            Some(Period::Year(2017))
        );
        assert_eq!(
            Period::find_in("plans_2024-25_Q2.csv"),
            Some(Period::Quarter(2024, 2))
        );
        assert_eq!(
            Period::find_in("return 202425.xlsx"),
            Some(Period::Year(2024))
        );
        assert_eq!(Period::find_in("episodes 2017-19.csv"), None);
        assert_eq!(Period::find_in("id 1234567.csv"), None);
    }

    #[test]
    fn long_labels_read_naturally() {
        assert_eq!(
            Period::Quarter(2024, 3).long_label(),
            "Q3 2024/25 (Oct–Dec 2024)"
        );
        assert_eq!(
            Period::Half(2024, 2).long_label(),
            "H2 2024/25 (Oct–Mar 2025)"
        );
    }
}
