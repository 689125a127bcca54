//! Reading the sample files the plain way: every cell as text, rows as maps
//! from header to value. Deliberately shares no code with pqa's readers.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use calamine::{Data, Reader};
use chrono::NaiveDate;

/// One data row: header → cell text.
pub type Row = HashMap<String, String>;

/// The rows of one file, with the period its name gives.
pub struct Extract {
    pub period: String,
    pub rows: Vec<Row>,
}

/// The files under `inbox/dir` whose names start with `prefix`, one per
/// period: when an agency sent a quarter twice, the later file (by name, as in
/// `…_Q3.csv` then `…_Q3_resubmitted.csv`) is the one that stands. The header
/// is the first line that has a cell called `header_has`.
pub fn extracts(inbox: &Path, dir: &str, prefix: &str, header_has: &str) -> Vec<Extract> {
    let mut names: Vec<String> = std::fs::read_dir(inbox.join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    names.sort();
    let mut latest: BTreeMap<String, String> = BTreeMap::new();
    for name in names {
        let period = period_in(&name).unwrap_or_else(|| panic!("no period in {name}"));
        latest.insert(period, name);
    }
    latest
        .into_iter()
        .map(|(period, name)| Extract {
            rows: rows(&inbox.join(dir).join(&name), header_has),
            period,
        })
        .collect()
}

/// `cp_plans_2024-25_Q3.csv` → `2024/25-Q3`; `attendance_2024-25_autumn.csv`
/// → `2024/25-Autumn` (a term of the school year).
fn period_in(name: &str) -> Option<String> {
    let b = name.as_bytes();
    let quarter = (0..b.len().saturating_sub(9)).find_map(|i| {
        let s = &name[i..i + 10];
        let digits = |r: std::ops::Range<usize>| s[r].bytes().all(|c| c.is_ascii_digit());
        (digits(0..4) && &s[4..5] == "-" && digits(5..7) && &s[7..9] == "_Q" && digits(9..10))
            .then(|| format!("{}/{}-Q{}", &s[0..4], &s[5..7], &s[9..10]))
    });
    quarter.or_else(|| {
        ["autumn", "spring", "summer"].iter().find_map(|term| {
            let at = name.find(&format!("_{term}"))?;
            let year = name.get(at.checked_sub(7)?..at)?;
            let mut title = term.to_string();
            title[..1].make_ascii_uppercase();
            Some(format!("{}/{}-{title}", &year[0..4], &year[5..7]))
        })
    })
}

/// The quarterly extract a term's pupils are linked with: the quarter
/// holding most of the term (autumn: Q3, spring: Q4 of the same year;
/// summer: Q1 of the next financial year).
pub fn term_quarter(term: &str) -> String {
    let year: i32 = term[0..4].parse().unwrap();
    let next = |y: i32| format!("{}/{:02}", y, (y + 1) % 100);
    match &term[8..] {
        "Autumn" => format!("{}-Q3", next(year)),
        "Spring" => format!("{}-Q4", next(year)),
        _ => format!("{}-Q1", next(year + 1)),
    }
}

/// Every row under the header of a CSV (UTF-8, or Windows-1252 when it is not
/// valid UTF-8) or of whichever worksheet of a workbook has the header.
fn rows(path: &Path, header_has: &str) -> Vec<Row> {
    let grid: Vec<Vec<String>> = if path.extension().is_some_and(|e| e == "xlsx") {
        let mut book = calamine::open_workbook_auto(path).expect("workbook opens");
        let sheets = book.sheet_names();
        sheets
            .iter()
            .map(|s| {
                let range = book.worksheet_range(s).expect("sheet reads");
                range
                    .rows()
                    .map(|r| r.iter().map(cell_text).collect())
                    .collect::<Vec<Vec<String>>>()
            })
            .find(|grid| grid.iter().any(|r| r.iter().any(|c| c == header_has)))
            .unwrap_or_else(|| panic!("{}: no sheet with {header_has}", path.display()))
    } else {
        let bytes = std::fs::read(path).unwrap();
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => encoding_rs::WINDOWS_1252
                .decode(e.as_bytes())
                .0
                .into_owned(),
        };
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    };
    let at = grid
        .iter()
        .position(|r| r.iter().any(|c| c.trim() == header_has))
        .unwrap_or_else(|| panic!("{}: no header with {header_has}", path.display()));
    let header: Vec<String> = grid[at].iter().map(|h| h.trim().to_string()).collect();
    grid[at + 1..]
        .iter()
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .map(|r| header.iter().cloned().zip(r.iter().cloned()).collect())
        .collect()
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "Y" } else { "N" }.into(),
        Data::DateTime(d) => d
            .as_datetime()
            .expect("a real date")
            .format("%d/%m/%Y")
            .to_string(),
        other => other.to_string(),
    }
}

/// A cell of `row`, trimmed; empty when the column is absent.
pub fn cell<'a>(row: &'a Row, column: &str) -> &'a str {
    row.get(column).map_or("", |v| v.trim())
}

/// A date written dd/mm/yyyy or yyyy-mm-dd; `Ok(None)` when empty, `Err` when
/// it is not a real date.
pub fn date(text: &str) -> Result<Option<NaiveDate>, ()> {
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d"))
        .map(Some)
        .map_err(|_| ())
}

/// Y/N in any of the spellings agencies use.
pub fn flag(text: &str) -> Result<Option<bool>, ()> {
    match text.to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "y" | "yes" | "true" | "1" => Ok(Some(true)),
        "n" | "no" | "false" | "0" => Ok(Some(false)),
        _ => Err(()),
    }
}

/// A count or figure; `Ok(None)` for a withheld one (`*`, `<5`, `c`, …).
pub fn number(text: &str) -> Result<Option<f64>, ()> {
    match text {
        "" | "*" | "<5" | "c" | "x" | "z" | ".." | "-" | "–" => Ok(None),
        _ => text.replace(',', "").parse().map(Some).map_err(|_| ()),
    }
}

/// The spelling a code is compared in: letters and digits, lower case.
pub fn plain(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// An identifier as one person: `CS 100166` and `cs100166` are the same child.
pub fn person(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

#[test]
fn periods_come_from_file_names() {
    assert_eq!(
        period_in("attendance_2023-24_summer.csv").as_deref(),
        Some("2023/24-Summer")
    );
    assert_eq!(term_quarter("2023/24-Summer"), "2024/25-Q1");
    assert_eq!(term_quarter("2024/25-Autumn"), "2024/25-Q3");
    assert_eq!(
        period_in("cp_plans_2024-25_Q3_resubmitted.csv").as_deref(),
        Some("2024/25-Q3")
    );
    assert_eq!(period_in("regional_benchmarking_2024-25.csv"), None);
}
