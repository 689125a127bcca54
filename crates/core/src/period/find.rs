//! Finding the period a file name gives: `cp_plans_2024-25_Q3.csv`,
//! `Q3 2024-25.xlsx`, `ae_2024-25_M01.csv`, `referrals_2024_Jan.csv`,
//! `attendance_2024-25_autumn.csv`, `summer 2025.csv`, `return 202425.xlsx`.
//!
//! A name is cut into words and numbers; patterns are looked for in that
//! sequence. What a bare two-year span such as `2024-25` means (a financial
//! or an academic year) is for the feed to say, so it stays a [`Candidate`]
//! until [`most_specific`] is told which kinds the feed takes.

use super::{Period, PeriodKind};

/// Something a name says about its period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Candidate {
    /// A period written whole: a quarter, month or term with its year.
    Exact(Period),
    /// `2024-25`, `2024_25`, `202425`: a financial or an academic year.
    Span(i32),
    /// A four-digit year on its own: a calendar year, if the feed counts in them.
    LoneYear(i32),
}

/// One piece of a name: a run of letters (lower-cased) or of digits.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Number(String),
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut digits = false;
    let flush = |current: &mut String, digits: bool, out: &mut Vec<Token>| {
        if !current.is_empty() {
            let t = std::mem::take(current);
            out.push(if digits {
                Token::Number(t)
            } else {
                Token::Word(t.to_lowercase())
            });
        }
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !digits {
                flush(&mut current, digits, &mut out);
            }
            digits = true;
            current.push(c);
        } else if c.is_alphabetic() {
            if digits {
                flush(&mut current, digits, &mut out);
            }
            digits = false;
            current.push(c);
        } else {
            flush(&mut current, digits, &mut out);
        }
    }
    flush(&mut current, digits, &mut out);
    out
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// `jan`, `january`, `sept` → 1, 1, 9.
fn month_number(word: &str) -> Option<u32> {
    if word.len() < 3 {
        return None;
    }
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    MONTHS
        .iter()
        .zip(full)
        .position(|(short, long)| long.starts_with(word) && word.starts_with(short))
        .map(|i| i as u32 + 1)
}

/// `autumn`/`aut` → 1, `spring`/`spr` → 2, `summer`/`sum` → 3.
fn term_number(word: &str) -> Option<u8> {
    match word {
        "autumn" | "aut" => Some(1),
        "spring" | "spr" => Some(2),
        "summer" | "sum" => Some(3),
        _ => None,
    }
}

fn year4(t: Option<&Token>) -> Option<i32> {
    match t {
        Some(Token::Number(n)) if n.len() == 4 => {
            let y: i32 = n.parse().ok()?;
            (1990..=2100).contains(&y).then_some(y)
        }
        _ => None,
    }
}

/// A two-year span starting at token `i`: `2024`,`25` or `202425`, with how
/// many tokens it takes.
fn span_at(t: &[Token], i: usize) -> Option<(i32, usize)> {
    if let Some(Token::Number(n)) = t.get(i)
        && n.len() == 6
    {
        let y: i32 = n[..4].parse().ok()?;
        let yy: i32 = n[4..].parse().ok()?;
        return ((1990..=2100).contains(&y) && yy == (y + 1) % 100).then_some((y, 1));
    }
    let y = year4(t.get(i))?;
    match t.get(i + 1) {
        Some(Token::Number(n)) if n.len() == 2 && n.parse::<i32>().ok()? == (y + 1) % 100 => {
            Some((y, 2))
        }
        _ => None,
    }
}

/// `q3`, `m01` as a letter and a number: the number when the word is `letter`.
fn lettered(t: &[Token], i: usize, letter: &str, max: u32) -> Option<u8> {
    match (t.get(i), t.get(i + 1)) {
        (Some(Token::Word(w)), Some(Token::Number(n))) if w == letter && n.len() <= 2 => {
            let v: u32 = n.parse().ok()?;
            (1..=max).contains(&v).then_some(v as u8)
        }
        _ => None,
    }
}

/// Everything `text` says about its period, in the order written.
pub fn find_all(text: &str) -> Vec<Candidate> {
    let t = tokens(text);
    let mut out = Vec::new();
    let mut used = vec![false; t.len()];
    let mark = |used: &mut Vec<bool>, from: usize, n: usize| {
        for u in used.iter_mut().skip(from).take(n) {
            *u = true;
        }
    };
    // Spans and what is written next to them.
    let mut i = 0;
    while i < t.len() {
        let Some((y, n)) = span_at(&t, i) else {
            i += 1;
            continue;
        };
        mark(&mut used, i, n);
        let after = i + n;
        let before = i.checked_sub(2);
        let found = if let Some(q) = lettered(&t, after, "q", 4) {
            mark(&mut used, after, 2);
            Candidate::Exact(Period::Quarter(y, q))
        } else if let Some(m) = lettered(&t, after, "m", 12) {
            mark(&mut used, after, 2);
            Candidate::Exact(Period::Month(y, m))
        } else if let Some(term) = t.get(after).and_then(word).and_then(term_number) {
            mark(&mut used, after, 1);
            Candidate::Exact(Period::Term(y, term))
        } else if let Some(q) = before.and_then(|b| lettered(&t, b, "q", 4)) {
            Candidate::Exact(Period::Quarter(y, q))
        } else if let Some(m) = before.and_then(|b| lettered(&t, b, "m", 12)) {
            Candidate::Exact(Period::Month(y, m))
        } else if let Some(term) = term_before(&t, i) {
            Candidate::Exact(Period::Term(y, term))
        } else {
            Candidate::Span(y)
        };
        out.push(found);
        i = after;
    }
    // Calendar months and terms next to a four-digit year, and lone years.
    for (i, _) in used.iter().enumerate().filter(|(_, used)| !**used) {
        let Some(y) = year4(t.get(i)) else { continue };
        let neighbour = |j: Option<usize>| j.and_then(|j| t.get(j)).and_then(word);
        let (prev, next) = (neighbour(i.checked_sub(1)), neighbour(Some(i + 1)));
        let month = next.and_then(month_number).or(prev.and_then(month_number));
        let term = next.and_then(term_number).or(term_before(&t, i));
        if let Some(m) = month {
            out.push(Candidate::Exact(
                Period::containing(
                    PeriodKind::Month,
                    chrono::NaiveDate::from_ymd_opt(y, m, 1).expect("valid month"),
                )
                .expect("every date has a month"),
            ));
        } else if let Some(term) = term {
            // "autumn 2024" is the autumn of 2024/25; "spring 2025" and
            // "summer 2025" are later in the same school year.
            let ay = if term == 1 { y } else { y - 1 };
            out.push(Candidate::Exact(Period::Term(ay, term)));
        } else {
            out.push(Candidate::LoneYear(y));
        }
    }
    out
}

fn word(t: &Token) -> Option<&str> {
    match t {
        Token::Word(w) => Some(w),
        Token::Number(_) => None,
    }
}

/// A term named just before token `i` ("summer 2025", "summer term 2025").
fn term_before(t: &[Token], i: usize) -> Option<u8> {
    let w = |j: usize| t.get(j).and_then(word);
    let prev = w(i.checked_sub(1)?)?;
    if prev == "term" {
        w(i.checked_sub(2)?).and_then(term_number)
    } else {
        term_number(prev)
    }
}

/// The period a name gives among the kinds a feed takes (`accepts`): the
/// most specific when several nest (a quarter within its year). `Ok(None)`
/// when the name gives none of those kinds; an error naming both when it
/// gives two that do not nest.
pub fn most_specific(
    candidates: &[Candidate],
    accepts: &[PeriodKind],
) -> Result<Option<Period>, String> {
    let takes = |k: PeriodKind| accepts.contains(&k);
    let mut periods: Vec<Period> = Vec::new();
    for c in candidates {
        match *c {
            Candidate::Exact(p) if takes(p.kind()) => periods.push(p),
            Candidate::Span(y) if takes(PeriodKind::FinancialYear) => periods.push(Period::Year(y)),
            Candidate::Span(y) if takes(PeriodKind::AcademicYear) => {
                periods.push(Period::AcademicYear(y))
            }
            Candidate::LoneYear(y) if takes(PeriodKind::CalendarYear) => {
                periods.push(Period::CalendarYear(y))
            }
            _ => {}
        }
    }
    periods.sort_by_key(|p| (p.end() - p.start(), *p));
    periods.dedup();
    let Some(finest) = periods.first().copied() else {
        return Ok(None);
    };
    match periods.iter().find(|p| !p.covers(finest)) {
        Some(other) => Err(format!(
            "the name gives two periods, {} and {}",
            finest.label(),
            other.label()
        )),
        None => Ok(Some(finest)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(text: &str, accepts: &[PeriodKind]) -> Option<Period> {
        most_specific(&find_all(text), accepts).unwrap()
    }

    const QUARTERLY: [PeriodKind; 2] = [PeriodKind::Quarter, PeriodKind::FinancialYear];

    #[test]
    fn quarters_however_they_are_written() {
        let q3 = Some(Period::Quarter(2024, 3));
        for name in [
            "cp_plans_2024-25_Q3.csv",
            "B&B 2024_25 Q3.xlsx",
            "housing-202425-q3.xlsx",
            "Q3 2024-25 return.xlsx",
            "returns/2024-25/q3.csv",
        ] {
            assert_eq!(find(name, &QUARTERLY), q3, "{name}");
        }
        assert_eq!(find("plans 2024-26 Q3.csv", &QUARTERLY), None);
        assert_eq!(
            find("plans 2024-25 Q31.csv", &QUARTERLY),
            Some(Period::Year(2024))
        );
        assert_eq!(find("plans.csv", &QUARTERLY), None);
    }

    #[test]
    fn months_by_number_in_the_financial_year_or_by_name() {
        let monthly = [PeriodKind::Month];
        assert_eq!(
            find("ae_2024-25_M01.csv", &monthly),
            Some(Period::Month(2024, 1))
        );
        assert_eq!(
            find("ae_2024-25_M12.csv", &monthly),
            Some(Period::Month(2024, 12))
        );
        assert_eq!(
            find("referrals_2024_Jan.csv", &monthly),
            Some(Period::Month(2023, 10))
        );
        assert_eq!(
            find("referrals January 2025.xlsx", &monthly),
            Some(Period::Month(2024, 10))
        );
        assert_eq!(
            find("referrals_sept_2024.csv", &monthly),
            Some(Period::Month(2024, 6))
        );
        // A month is not a quarter: a quarterly feed finds nothing it takes.
        assert_eq!(find("ae_2024-25_M02.csv", &[PeriodKind::Quarter]), None);
    }

    #[test]
    fn terms_in_the_school_year_or_the_calendar_year() {
        let termly = [PeriodKind::Term];
        assert_eq!(
            find("attendance_2024-25_autumn.csv", &termly),
            Some(Period::Term(2024, 1))
        );
        assert_eq!(
            find("attendance_2024_autumn.csv", &termly),
            Some(Period::Term(2024, 1))
        );
        assert_eq!(
            find("attendance summer 2025.csv", &termly),
            Some(Period::Term(2024, 3))
        );
        assert_eq!(
            find("Spring term 2025.xlsx", &termly),
            Some(Period::Term(2024, 2))
        );
        assert_eq!(
            find("attendance_2023-24_Summer.csv", &termly),
            Some(Period::Term(2023, 3))
        );
    }

    #[test]
    fn a_bare_span_is_the_kind_of_year_the_feed_counts_in() {
        assert_eq!(
            find("return 202425.xlsx", &QUARTERLY),
            Some(Period::Year(2024))
        );
        assert_eq!(
            find("census 2024-25.csv", &[PeriodKind::AcademicYear]),
            Some(Period::AcademicYear(2024))
        );
        assert_eq!(
            find("mid-year 2024.csv", &[PeriodKind::CalendarYear]),
            Some(Period::CalendarYear(2024))
        );
        assert_eq!(find("mid-year 2024.csv", &QUARTERLY), None);
        assert_eq!(
            find("ssda903/2017-18/episodes.csv", &QUARTERLY),
            Some(Period::Year(2017))
        );
    }

    #[test]
    fn two_periods_that_do_not_nest_are_an_error() {
        let err =
            most_specific(&find_all("plans_2024-25_Q3_2023-24_Q1.csv"), &QUARTERLY).unwrap_err();
        assert!(
            err.contains("Q3 2024/25") && err.contains("Q1 2023/24"),
            "{err}"
        );
        // A quarter within the year it names is not a conflict.
        assert_eq!(
            find("2024-25/plans_2024-25_Q3.csv", &QUARTERLY),
            Some(Period::Quarter(2024, 3))
        );
    }
}
