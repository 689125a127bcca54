//! The validation report of one ingest run: for every file, what became of it
//! and every reason a row was refused. Written as CSV (for spreadsheets) and
//! HTML (to read). Text from agency files is escaped in HTML and neutralised
//! in CSV, so a cell such as `=HYPERLINK(…)` is never run as a formula.

use minijinja::Environment;
use serde::Serialize;

use crate::Result;

/// What became of one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileValidation {
    pub file: String,
    pub sheet: Option<String>,
    pub feed: Option<String>,
    pub period: Option<String>,
    /// e.g. "loaded", "replaced …", "already loaded", "REFUSED: …".
    pub status: String,
    pub rows_read: Option<usize>,
    pub rows_accepted: Option<usize>,
    pub rows_rejected: Option<usize>,
    pub problems: Vec<RowProblem>,
}

/// One reason one row was refused, or a note on a row skipped.
#[derive(Debug, Clone, Serialize)]
pub struct RowProblem {
    pub row: usize,
    pub column: Option<String>,
    pub rule: String,
    pub message: String,
}

/// The report of one run.
#[derive(Debug, Clone, Serialize)]
pub struct Validation {
    pub title: String,
    pub files: Vec<FileValidation>,
}

/// One line per file and one per problem.
pub fn to_csv(v: &Validation) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "file",
        "sheet",
        "feed",
        "period",
        "status",
        "rows_read",
        "rows_accepted",
        "rows_rejected",
        "row",
        "column",
        "rule",
        "message",
    ];
    w.write_record(header).map_err(csv_error)?;
    let n = |x: Option<usize>| x.map(|x| x.to_string()).unwrap_or_default();
    for f in &v.files {
        let file = [
            f.file.clone(),
            f.sheet.clone().unwrap_or_default(),
            f.feed.clone().unwrap_or_default(),
            f.period.clone().unwrap_or_default(),
        ];
        let mut line: Vec<String> = file.to_vec();
        line.extend([
            f.status.clone(),
            n(f.rows_read),
            n(f.rows_accepted),
            n(f.rows_rejected),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
        w.write_record(line.iter().map(|c| neutralise(c)))
            .map_err(csv_error)?;
        for p in &f.problems {
            let mut line: Vec<String> = file.to_vec();
            line.extend([
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                p.row.to_string(),
                p.column.clone().unwrap_or_default(),
                p.rule.clone(),
                p.message.clone(),
            ]);
            w.write_record(line.iter().map(|c| neutralise(c)))
                .map_err(csv_error)?;
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| crate::Error::Csv(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| crate::Error::Csv(e.to_string()))
}

fn csv_error(e: csv::Error) -> crate::Error {
    crate::Error::Csv(e.to_string())
}

/// Whether a spreadsheet would take `text` for a formula (it starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return).
pub fn looks_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A cell a spreadsheet would take for a formula gets a leading apostrophe.
pub fn neutralise(text: &str) -> String {
    if looks_like_formula(text) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// The HTML page (self-contained; everything escaped).
pub fn to_html(v: &Validation) -> Result<String> {
    let mut env = Environment::new();
    env.add_template(
        "validation.html",
        include_str!("../templates/validation.html"),
    )?;
    Ok(env.get_template("validation.html")?.render(v)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Validation {
        Validation {
            title: "t".into(),
            files: vec![FileValidation {
                file: "=evil.csv".into(),
                sheet: None,
                feed: Some("f".into()),
                period: Some("2024/25-Q1".into()),
                status: "loaded".into(),
                rows_read: Some(2),
                rows_accepted: Some(1),
                rows_rejected: Some(1),
                problems: vec![RowProblem {
                    row: 3,
                    column: Some("c".into()),
                    rule: "type".into(),
                    message: "<b>\"x\"</b>: not a number".into(),
                }],
            }],
        }
    }

    #[test]
    fn csv_has_a_line_per_file_and_per_problem_and_no_formulas() {
        let csv = to_csv(&sample()).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(
            lines[1].starts_with("'=evil.csv,,f,2024/25-Q1,loaded,2,1,1"),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].ends_with(",3,c,type,\"<b>\"\"x\"\"</b>: not a number\""),
            "{}",
            lines[2]
        );
    }

    #[test]
    fn html_escapes_agency_text() {
        let html = to_html(&sample()).unwrap();
        assert!(html.contains("&lt;b&gt;"), "markup from files is escaped");
        assert!(!html.contains("<b>\""));
    }

    #[test]
    fn neutralises_only_formula_starts() {
        assert_eq!(neutralise("=1+1"), "'=1+1");
        assert_eq!(neutralise("-5"), "'-5");
        assert_eq!(neutralise("plain"), "plain");
    }
}
