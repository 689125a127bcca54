//! Reporting periods of every kind partners and publishers use:
//!
//! - the UK financial year (`2024/25`, 1 April to 31 March), its halves
//!   (`2024/25-H2`), quarters (`2024/25-Q3`: Q1 is Apr–Jun … Q4 Jan–Mar) and
//!   months (`2024/25-M01` is April 2024, as NHS returns number them);
//! - the academic year (`2024/25-AY`, 1 September to 31 August) and its
//!   three school terms (`2024/25-Autumn` Sep–Dec 2024, `2024/25-Spring`
//!   Jan–Mar 2025, `2024/25-Summer` Apr–Jul 2025);
//! - the calendar year (`2025`), as ONS publishes mid-year estimates.
//!
//! Everything here is pure so that period arithmetic is easy to test;
//! finding a period in a file name is in [`find`].

mod find;

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

use crate::error::{Error, Result};

pub use find::{Candidate, find_all, most_specific};

/// A reporting period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// A whole financial year; the number is the calendar year it starts in.
    Year(i32),
    /// A half of a financial year (1 = Apr–Sep, 2 = Oct–Mar).
    Half(i32, u8),
    /// A quarter of a financial year (1 = Apr–Jun … 4 = Jan–Mar).
    Quarter(i32, u8),
    /// A month of a financial year (1 = April … 12 = March).
    Month(i32, u8),
    /// A school term of an academic year (1 = autumn, 2 = spring, 3 = summer).
    Term(i32, u8),
    /// An academic year, 1 September to 31 August; the number is the
    /// calendar year it starts in.
    AcademicYear(i32),
    /// A calendar year, January to December.
    CalendarYear(i32),
}

/// The kinds of period: what a metric's series or a feed's files are counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeriodKind {
    Month,
    Quarter,
    Term,
    Half,
    FinancialYear,
    AcademicYear,
    CalendarYear,
}

/// Names of the terms, in order.
const TERMS: [&str; 3] = ["Autumn", "Spring", "Summer"];

impl PeriodKind {
    /// How many periods of this kind make a year.
    pub fn per_year(self) -> usize {
        match self {
            PeriodKind::Month => 12,
            PeriodKind::Quarter => 4,
            PeriodKind::Term => 3,
            PeriodKind::Half => 2,
            PeriodKind::FinancialYear | PeriodKind::AcademicYear | PeriodKind::CalendarYear => 1,
        }
    }

    /// The word for one period of this kind: "quarter", "month", "term", "year".
    pub fn noun(self) -> &'static str {
        match self {
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Term => "term",
            PeriodKind::Half => "half year",
            PeriodKind::FinancialYear | PeriodKind::AcademicYear | PeriodKind::CalendarYear => {
                "year"
            }
        }
    }

    /// The plural of [`PeriodKind::noun`].
    pub fn nouns(self) -> &'static str {
        match self {
            PeriodKind::Month => "months",
            PeriodKind::Quarter => "quarters",
            PeriodKind::Term => "terms",
            PeriodKind::Half => "half years",
            PeriodKind::FinancialYear | PeriodKind::AcademicYear | PeriodKind::CalendarYear => {
                "years"
            }
        }
    }

    /// Whether this kind is a whole year.
    pub fn is_year(self) -> bool {
        self.per_year() == 1
    }

    /// How the kind is written in YAML and messages.
    pub fn name(self) -> &'static str {
        match self {
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Term => "term",
            PeriodKind::Half => "half year",
            PeriodKind::FinancialYear => "financial year",
            PeriodKind::AcademicYear => "academic year",
            PeriodKind::CalendarYear => "calendar year",
        }
    }

    /// An example of a period of this kind, as written in data and SQL.
    pub fn example(self) -> &'static str {
        match self {
            PeriodKind::Month => "2024/25-M01",
            PeriodKind::Quarter => "2024/25-Q3",
            PeriodKind::Term => "2024/25-Autumn",
            PeriodKind::Half => "2024/25-H2",
            PeriodKind::FinancialYear => "2024/25",
            PeriodKind::AcademicYear => "2024/25-AY",
            PeriodKind::CalendarYear => "2025",
        }
    }
}

impl Period {
    /// The kind of period this is.
    pub fn kind(self) -> PeriodKind {
        match self {
            Period::Year(_) => PeriodKind::FinancialYear,
            Period::Half(..) => PeriodKind::Half,
            Period::Quarter(..) => PeriodKind::Quarter,
            Period::Month(..) => PeriodKind::Month,
            Period::Term(..) => PeriodKind::Term,
            Period::AcademicYear(_) => PeriodKind::AcademicYear,
            Period::CalendarYear(_) => PeriodKind::CalendarYear,
        }
    }

    /// The financial year the period ends in (calendar year of its 1 April).
    pub fn financial_year(self) -> i32 {
        match self {
            Period::Year(y) | Period::Half(y, _) | Period::Quarter(y, _) | Period::Month(y, _) => y,
            _ => Period::quarter_of(self.end()).financial_year(),
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

    /// The half year (of the financial year) that contains `date`.
    pub fn half_of(date: NaiveDate) -> Period {
        match Period::quarter_of(date) {
            Period::Quarter(y, q) => Period::Half(y, if q <= 2 { 1 } else { 2 }),
            _ => unreachable!("quarter_of gives a quarter"),
        }
    }

    /// The period of `kind` that contains `date`; `None` for a term when the
    /// date is in the summer holiday (August).
    pub fn containing(kind: PeriodKind, date: NaiveDate) -> Option<Period> {
        let (y, m) = (date.year(), date.month());
        let fy = if m >= 4 { y } else { y - 1 };
        let ay = if m >= 9 { y } else { y - 1 };
        Some(match kind {
            PeriodKind::Month => Period::Month(fy, ((m + 8) % 12 + 1) as u8),
            PeriodKind::Quarter => Period::quarter_of(date),
            PeriodKind::Half => Period::half_of(date),
            PeriodKind::FinancialYear => Period::Year(fy),
            PeriodKind::AcademicYear => Period::AcademicYear(ay),
            PeriodKind::CalendarYear => Period::CalendarYear(y),
            PeriodKind::Term => match m {
                9..=12 => Period::Term(ay, 1),
                1..=3 => Period::Term(ay, 2),
                4..=7 => Period::Term(ay, 3),
                _ => return None,
            },
        })
    }

    /// First day of the period.
    pub fn start(self) -> NaiveDate {
        let ymd = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).expect("valid period start");
        match self {
            Period::Year(y) => ymd(y, 4),
            Period::Half(y, h) => ymd(y, if h == 1 { 4 } else { 10 }),
            Period::Quarter(y, q) => quarter_start(y, q),
            Period::Month(y, m) => {
                let (year, month) = calendar_month(y, m);
                ymd(year, month)
            }
            Period::Term(y, 1) => ymd(y, 9),
            Period::Term(y, 2) => ymd(y + 1, 1),
            Period::Term(y, _) => ymd(y + 1, 4),
            Period::AcademicYear(y) => ymd(y, 9),
            Period::CalendarYear(y) => ymd(y, 1),
        }
    }

    /// Last day of the period (inclusive).
    pub fn end(self) -> NaiveDate {
        let before = |y: i32, m: u32| {
            NaiveDate::from_ymd_opt(y, m, 1)
                .and_then(|d| d.pred_opt())
                .expect("valid period end")
        };
        match self {
            Period::Year(y) => before(y + 1, 4),
            Period::Half(y, 1) => before(y, 10),
            Period::Half(y, _) => before(y + 1, 4),
            Period::Quarter(..) | Period::Month(..) => {
                self.next().start().pred_opt().expect("valid")
            }
            Period::Term(y, 1) => before(y + 1, 1),
            Period::Term(y, 2) => before(y + 1, 4),
            Period::Term(y, _) => before(y + 1, 8),
            Period::AcademicYear(y) => before(y + 1, 9),
            Period::CalendarYear(y) => before(y + 1, 1),
        }
    }

    /// Whether `date` falls within the period.
    pub fn contains(self, date: NaiveDate) -> bool {
        self.start() <= date && date <= self.end()
    }

    /// Whether the whole of `other` lies within this period.
    pub fn covers(self, other: Period) -> bool {
        self.start() <= other.start() && other.end() <= self.end()
    }

    /// The financial quarter holding the middle of the period: a quarter
    /// itself, a month's quarter, Q1 for a summer term (April to July), Q3
    /// for an autumn term, Q4 for a spring term. `None` for periods longer
    /// than a quarter. Term data is linked with quarterly extracts through it.
    pub fn main_quarter(self) -> Option<Period> {
        if self.end() - self.start() > chrono::TimeDelta::days(130) {
            return None;
        }
        let middle = self.start() + (self.end() - self.start()) / 2;
        Some(Period::quarter_of(middle))
    }

    /// The quarters making up this financial period, in order (empty for
    /// terms and academic and calendar years, which do not tile quarters).
    pub fn quarters(self) -> Vec<Period> {
        match self {
            Period::Year(y) => (1..=4).map(|q| Period::Quarter(y, q)).collect(),
            Period::Half(y, 1) => vec![Period::Quarter(y, 1), Period::Quarter(y, 2)],
            Period::Half(y, _) => vec![Period::Quarter(y, 3), Period::Quarter(y, 4)],
            q @ Period::Quarter(..) => vec![q],
            _ => vec![],
        }
    }

    /// The period of the same kind immediately before this one.
    pub fn previous(self) -> Period {
        self.step(-1)
    }

    /// The period of the same kind immediately after this one.
    pub fn next(self) -> Period {
        self.step(1)
    }

    /// The period `n` steps back (`n` = 0 is the period itself).
    pub fn back(self, n: usize) -> Period {
        self.step(-(n as i64))
    }

    /// The same period a year earlier (for a yearly period, the year before).
    pub fn year_earlier(self) -> Period {
        self.back(self.kind().per_year())
    }

    fn step(self, by: i64) -> Period {
        // Each kind as an index counting from year 0, then back.
        let per = self.kind().per_year() as i64;
        let (year, index) = match self {
            Period::Year(y) | Period::AcademicYear(y) | Period::CalendarYear(y) => (y, 1),
            Period::Half(y, i)
            | Period::Quarter(y, i)
            | Period::Month(y, i)
            | Period::Term(y, i) => (y, i),
        };
        let n = i64::from(year) * per + i64::from(index) - 1 + by;
        let (year, index) = (n.div_euclid(per) as i32, (n.rem_euclid(per) + 1) as u8);
        match self {
            Period::Year(_) => Period::Year(year),
            Period::AcademicYear(_) => Period::AcademicYear(year),
            Period::CalendarYear(_) => Period::CalendarYear(year),
            Period::Half(..) => Period::Half(year, index),
            Period::Quarter(..) => Period::Quarter(year, index),
            Period::Month(..) => Period::Month(year, index),
            Period::Term(..) => Period::Term(year, index),
        }
    }

    /// Every period of `first`'s kind from `first` to `last` inclusive (empty
    /// if `first` is after `last`).
    pub fn range(first: Period, last: Period) -> Vec<Period> {
        let mut out = Vec::new();
        let mut p = first;
        while p.end() <= last.end() && out.len() < 10_000 {
            out.push(p);
            p = p.next();
        }
        out
    }

    /// Every quarter from `first` to `last` inclusive (empty if `first > last`).
    pub fn quarter_range(first: Period, last: Period) -> Vec<Period> {
        Period::range(first, last)
    }

    /// The period as people say it: "Q3 2024/25", "April 2024", "autumn
    /// term 2024", "H2 2024/25", "2024/25", "2024/25 school year", "2025".
    pub fn label(self) -> String {
        match self {
            Period::Year(y) => fy_label(y),
            Period::Half(y, h) => format!("H{h} {}", fy_label(y)),
            Period::Quarter(y, q) => format!("Q{q} {}", fy_label(y)),
            Period::Month(..) => self.start().format("%B %Y").to_string(),
            Period::Term(_, t) => format!(
                "{} term {}",
                TERMS[usize::from(t - 1)].to_lowercase(),
                self.start().year()
            ),
            Period::AcademicYear(y) => format!("{} school year", fy_label(y)),
            Period::CalendarYear(y) => y.to_string(),
        }
    }

    /// A label for people with the months it spans: "Q3 2024/25 (Oct–Dec
    /// 2024)", "autumn term 2024 (Sep–Dec 2024)"; a month or calendar year
    /// needs no months.
    pub fn long_label(self) -> String {
        let (s, e) = (self.start(), self.end());
        let months = if s.year() == e.year() {
            format!("{}–{} {}", s.format("%b"), e.format("%b"), e.year())
        } else {
            format!(
                "{} {}–{} {}",
                s.format("%b"),
                s.year(),
                e.format("%b"),
                e.year()
            )
        };
        match self {
            Period::Month(..) | Period::CalendarYear(_) => self.label(),
            Period::Year(_) => format!("{} financial year ({months})", self.label()),
            Period::Half(..) => format!("{} ({})", self.label(), months_short(s, e)),
            _ => format!("{} ({months})", self.label()),
        }
    }

    /// Short enough for a chart axis: "Q3 24/25", "Apr 24", "Aut 24", "24/25", "2025".
    pub fn short_label(self) -> String {
        let yy = |y: i32| format!("{:02}/{:02}", y.rem_euclid(100), (y + 1).rem_euclid(100));
        match self {
            Period::Year(y) | Period::AcademicYear(y) => yy(y),
            Period::Half(y, h) => format!("H{h} {}", yy(y)),
            Period::Quarter(y, q) => format!("Q{q} {}", yy(y)),
            Period::Month(..) => self.start().format("%b %y").to_string(),
            Period::Term(_, t) => format!(
                "{} {}",
                &TERMS[usize::from(t - 1)][..3],
                self.start().format("%y")
            ),
            Period::CalendarYear(y) => y.to_string(),
        }
    }

    /// Finds the period a file name (or column heading) gives, of any kind:
    /// the most specific one when several nest ("2024-25 Q3" is the quarter),
    /// a two-year span such as `2024-25` read as the financial year.
    /// `None` when it names none, or two that do not nest.
    pub fn find_in(text: &str) -> Option<Period> {
        find::most_specific(&find_all(text), &ALL_KINDS)
            .ok()
            .flatten()
    }

    /// Finds a quarter written inside a file name, e.g. `cp_plans_2024-25_Q3.csv`,
    /// `B&B 2024_25 Q3.xlsx` or `housing-202425-q3.xlsx`.
    pub fn find_quarter_in(text: &str) -> Option<Period> {
        find::most_specific(&find_all(text), &[PeriodKind::Quarter])
            .ok()
            .flatten()
    }
}

/// Every kind, finest first.
pub const ALL_KINDS: [PeriodKind; 7] = [
    PeriodKind::Month,
    PeriodKind::Quarter,
    PeriodKind::Term,
    PeriodKind::Half,
    PeriodKind::FinancialYear,
    PeriodKind::AcademicYear,
    PeriodKind::CalendarYear,
];

/// Periods in time order: by first day, then last day (a quarter before the
/// year that starts with it), then kind.
impl Ord for Period {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.start(), self.end(), self.kind()).cmp(&(other.start(), other.end(), other.kind()))
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Reads a period written like `2024/25-Q3` in YAML.
impl<'de> serde::Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// `2024` → `2024/25`.
fn fy_label(start_year: i32) -> String {
    format!("{}/{:02}", start_year, (start_year + 1).rem_euclid(100))
}

/// "Oct–Mar 2025": a half's months, the year of its end.
fn months_short(s: NaiveDate, e: NaiveDate) -> String {
    format!("{}–{} {}", s.format("%b"), e.format("%b"), e.year())
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

/// The calendar (year, month) of month `m` (1 = April) of financial year `fy`.
fn calendar_month(fy: i32, m: u8) -> (i32, u32) {
    let month = (u32::from(m) + 2) % 12 + 1;
    (if month >= 4 { fy } else { fy + 1 }, month)
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(y) => write!(f, "{}", fy_label(*y)),
            Period::Half(y, h) => write!(f, "{}-H{h}", fy_label(*y)),
            Period::Quarter(y, q) => write!(f, "{}-Q{q}", fy_label(*y)),
            Period::Month(y, m) => write!(f, "{}-M{m:02}", fy_label(*y)),
            Period::Term(y, t) => write!(f, "{}-{}", fy_label(*y), TERMS[usize::from(t - 1)]),
            Period::AcademicYear(y) => write!(f, "{}-AY", fy_label(*y)),
            Period::CalendarYear(y) => write!(f, "{y}"),
        }
    }
}

impl FromStr for Period {
    type Err = Error;

    /// Parses every form [`Period`]'s `Display` writes: `2024/25`,
    /// `2024/25-H2`, `2024/25-Q3`, `2024/25-M01`, `2024/25-Autumn`,
    /// `2024/25-AY` and `2025` (`-` may be a space; case does not matter).
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::Period {
            text: s.to_string(),
            reason: "expected a financial year like 2024/25, a half like 2024/25-H2, a quarter \
                     like 2024/25-Q3, a month like 2024/25-M01, a term like 2024/25-Autumn, an \
                     academic year like 2024/25-AY or a calendar year like 2025"
                .into(),
        };
        let s_trim = s.trim();
        if s_trim.len() == 4 && s_trim.bytes().all(|b| b.is_ascii_digit()) {
            let year: i32 = s_trim.parse().map_err(|_| bad())?;
            return Ok(Period::CalendarYear(year));
        }
        let (year_part, rest) = match s_trim.find(['-', ' ']) {
            Some(i) => (&s_trim[..i], Some(s_trim[i + 1..].trim())),
            None => (s_trim, None),
        };
        let (y, yy) = year_part.split_once('/').ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let yy: i32 = yy.parse().map_err(|_| bad())?;
        if y.len() != 4 || yy != (year + 1).rem_euclid(100) {
            return Err(Error::Period {
                text: s.to_string(),
                reason: format!("a year starting in {year} is written {}", fy_label(year)),
            });
        }
        let Some(rest) = rest else {
            return Ok(Period::Year(year));
        };
        let lower = rest.to_ascii_lowercase();
        if lower == "ay" {
            return Ok(Period::AcademicYear(year));
        }
        if let Some(t) = TERMS.iter().position(|t| t.eq_ignore_ascii_case(rest)) {
            return Ok(Period::Term(year, t as u8 + 1));
        }
        let mut chars = rest.chars();
        let kind = chars.next().map(|c| c.to_ascii_uppercase());
        let n: u8 = chars.as_str().parse().map_err(|_| bad())?;
        match (kind, n) {
            (Some('H'), 1..=2) => Ok(Period::Half(year, n)),
            (Some('Q'), 1..=4) => Ok(Period::Quarter(year, n)),
            (Some('M'), 1..=12) => Ok(Period::Month(year, n)),
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
            "2024/25-M01",
            "2024/25-M12",
            "2024/25-Autumn",
            "2024/25-Summer",
            "2024/25-AY",
            "2025",
        ] {
            assert_eq!(text.parse::<Period>().unwrap().to_string(), text);
        }
        assert_eq!(
            "2024/25 q3".parse::<Period>().unwrap(),
            Period::Quarter(2024, 3)
        );
        assert_eq!(
            "2024/25-spring".parse::<Period>().unwrap(),
            Period::Term(2024, 2)
        );
    }

    #[test]
    fn rejects_malformed_periods() {
        for text in [
            "2024/26",
            "24",
            "2024/25-Q5",
            "2024/25-H3",
            "2024/25-M13",
            "2024/25-M0",
            "24/25-Q1",
            "2024/25-X1",
            "2024/25-Winter",
            "",
        ] {
            assert!(text.parse::<Period>().is_err(), "{text} should not parse");
        }
    }

    #[test]
    fn bounds_follow_each_kind_of_year() {
        let q4 = Period::Quarter(2024, 4);
        assert_eq!((q4.start(), q4.end()), (d(2025, 1, 1), d(2025, 3, 31)));
        let h2 = Period::Half(2024, 2);
        assert_eq!((h2.start(), h2.end()), (d(2024, 10, 1), d(2025, 3, 31)));
        let y = Period::Year(2023);
        assert_eq!((y.start(), y.end()), (d(2023, 4, 1), d(2024, 3, 31)));
        assert!(Period::Quarter(2023, 4).contains(d(2024, 2, 29)));
        let m = Period::Month(2024, 10);
        assert_eq!((m.start(), m.end()), (d(2025, 1, 1), d(2025, 1, 31)));
        let m = Period::Month(2023, 11);
        assert_eq!(m.end(), d(2024, 2, 29), "a leap February");
        let autumn = Period::Term(2024, 1);
        assert_eq!(
            (autumn.start(), autumn.end()),
            (d(2024, 9, 1), d(2024, 12, 31))
        );
        let summer = Period::Term(2024, 3);
        assert_eq!(
            (summer.start(), summer.end()),
            (d(2025, 4, 1), d(2025, 7, 31))
        );
        let ay = Period::AcademicYear(2024);
        assert_eq!((ay.start(), ay.end()), (d(2024, 9, 1), d(2025, 8, 31)));
        let cy = Period::CalendarYear(2025);
        assert_eq!((cy.start(), cy.end()), (d(2025, 1, 1), d(2025, 12, 31)));
    }

    #[test]
    fn the_period_containing_a_date() {
        let jan = d(2025, 1, 15);
        assert_eq!(Period::quarter_of(jan), Period::Quarter(2024, 4));
        assert_eq!(Period::quarter_of(d(2024, 4, 1)), Period::Quarter(2024, 1));
        assert_eq!(Period::quarter_of(d(2024, 3, 31)), Period::Quarter(2023, 4));
        assert_eq!(
            Period::containing(PeriodKind::Month, jan),
            Some(Period::Month(2024, 10))
        );
        assert_eq!(
            Period::containing(PeriodKind::Term, jan),
            Some(Period::Term(2024, 2))
        );
        assert_eq!(Period::containing(PeriodKind::Term, d(2024, 8, 10)), None);
        assert_eq!(
            Period::containing(PeriodKind::AcademicYear, jan),
            Some(Period::AcademicYear(2024))
        );
        assert_eq!(
            Period::containing(PeriodKind::CalendarYear, jan),
            Some(Period::CalendarYear(2025))
        );
        assert_eq!(Period::half_of(jan), Period::Half(2024, 2));
        for kind in ALL_KINDS {
            for day in [d(2024, 4, 1), d(2024, 12, 31), jan, d(2025, 7, 31)] {
                if let Some(p) = Period::containing(kind, day) {
                    assert!(p.contains(day), "{p} contains {day}");
                    assert_eq!(p.kind(), kind);
                }
            }
        }
    }

    #[test]
    fn previous_next_and_ranges_cross_year_boundaries() {
        assert_eq!(
            Period::Quarter(2024, 1).previous(),
            Period::Quarter(2023, 4)
        );
        assert_eq!(Period::Half(2024, 1).previous(), Period::Half(2023, 2));
        assert_eq!(Period::Quarter(2024, 4).back(7), Period::Quarter(2023, 1));
        assert_eq!(Period::Month(2024, 1).previous(), Period::Month(2023, 12));
        assert_eq!(Period::Term(2024, 3).next(), Period::Term(2025, 1));
        assert_eq!(
            Period::CalendarYear(2025).previous(),
            Period::CalendarYear(2024)
        );
        assert_eq!(
            Period::Month(2024, 5).year_earlier(),
            Period::Month(2023, 5)
        );
        assert_eq!(Period::Term(2024, 2).year_earlier(), Period::Term(2023, 2));
        assert_eq!(Period::Year(2024).year_earlier(), Period::Year(2023));
        let r = Period::quarter_range(Period::Quarter(2023, 3), Period::Quarter(2024, 2));
        assert_eq!(r.len(), 4);
        assert_eq!(r[0].to_string(), "2023/24-Q3");
        assert_eq!(
            Period::Half(2024, 2).quarters(),
            vec![Period::Quarter(2024, 3), Period::Quarter(2024, 4)]
        );
        assert_eq!(
            Period::range(Period::Term(2023, 2), Period::Term(2024, 1)).len(),
            3
        );
        assert!(Period::range(Period::Month(2024, 3), Period::Month(2024, 2)).is_empty());
        // Consecutive periods of every kind tile time: each starts the day
        // after the one before ends (terms leave August out).
        for start in [
            Period::Month(2023, 1),
            Period::Quarter(2023, 1),
            Period::Half(2023, 1),
            Period::Year(2023),
            Period::AcademicYear(2023),
            Period::CalendarYear(2023),
        ] {
            let mut p = start;
            for _ in 0..30 {
                assert_eq!(p.end().succ_opt().unwrap(), p.next().start(), "{p}");
                assert_eq!(p.next().previous(), p);
                p = p.next();
            }
        }
    }

    #[test]
    fn periods_sort_in_time_order_whatever_their_kind() {
        let mut v = vec![
            Period::Year(2024),
            Period::Quarter(2024, 2),
            Period::Month(2024, 1),
            Period::Term(2023, 3),
            Period::CalendarYear(2024),
        ];
        v.sort();
        assert_eq!(
            v,
            [
                Period::CalendarYear(2024),
                Period::Month(2024, 1),
                Period::Term(2023, 3),
                Period::Year(2024),
                Period::Quarter(2024, 2),
            ]
        );
        assert!(Period::Quarter(2024, 4) > Period::Quarter(2024, 3));
    }

    #[test]
    fn labels_read_naturally() {
        assert_eq!(
            Period::Quarter(2024, 3).long_label(),
            "Q3 2024/25 (Oct–Dec 2024)"
        );
        assert_eq!(
            Period::Half(2024, 2).long_label(),
            "H2 2024/25 (Oct–Mar 2025)"
        );
        assert_eq!(Period::Month(2024, 10).label(), "January 2025");
        assert_eq!(Period::Term(2024, 1).label(), "autumn term 2024");
        assert_eq!(Period::Term(2024, 3).label(), "summer term 2025");
        assert_eq!(
            Period::Term(2024, 2).long_label(),
            "spring term 2025 (Jan–Mar 2025)"
        );
        assert_eq!(Period::AcademicYear(2024).label(), "2024/25 school year");
        assert_eq!(
            Period::Year(2024).long_label(),
            "2024/25 financial year (Apr 2024–Mar 2025)"
        );
        assert_eq!(Period::Quarter(2024, 3).short_label(), "Q3 24/25");
        assert_eq!(Period::Month(2024, 1).short_label(), "Apr 24");
        assert_eq!(Period::Term(2024, 2).short_label(), "Spr 25");
        assert_eq!(Period::CalendarYear(2025).short_label(), "2025");
    }

    #[test]
    fn a_term_is_linked_to_the_quarter_holding_most_of_it() {
        assert_eq!(
            Period::Term(2023, 3).main_quarter(),
            Some(Period::Quarter(2024, 1))
        );
        assert_eq!(
            Period::Term(2024, 1).main_quarter(),
            Some(Period::Quarter(2024, 3))
        );
        assert_eq!(
            Period::Term(2024, 2).main_quarter(),
            Some(Period::Quarter(2024, 4))
        );
        assert_eq!(
            Period::Month(2024, 10).main_quarter(),
            Some(Period::Quarter(2024, 4))
        );
        assert_eq!(Period::Year(2024).main_quarter(), None);
    }

    #[test]
    fn covers_and_quarters() {
        assert!(Period::Half(2024, 2).covers(Period::Quarter(2024, 4)));
        assert!(Period::Half(2024, 2).covers(Period::Term(2024, 2)));
        assert!(
            !Period::Half(2024, 2).covers(Period::Term(2024, 1)),
            "autumn starts in September"
        );
        assert!(Period::Term(2024, 3).quarters().is_empty());
    }
}
