//! One hostile string through every field of agency data that reaches an
//! output: a response's reference, agency and text, a rejected cell's value
//! and a file's name. Each output holds it as inert text: escaped in HTML,
//! escaped or in a closed code span in Markdown, never a formula in the
//! workbook or the validation CSV.

use crate::TestProject;

/// Markup, a Markdown code span and table cell breakout, a link, and a
/// spreadsheet formula.
const HOSTILE: &str =
    "=HYPERLINK(\"x\")`|<img src=x onerror=alert(1)>** [y](javascript:alert(2)) `";

#[test]
fn a_hostile_string_is_inert_in_every_output() {
    let p = TestProject::new();
    p.add_sample("csc/cp_plans_2024-25_Q1.csv");
    p.add_sample("csc/cp_plans_2024-25_Q2.csv");
    let quoted = HOSTILE.replace('"', "\"\"");
    p.add_file(
        "responses/pqa_responses_2024-25_Q3.csv",
        format!(
            "Question reference,Agency,Date of response,Response\n\
             \"{quoted}\",\"{quoted}\",01/12/2024,\"{quoted}\"\n"
        )
        .as_bytes(),
    );
    // A rejected cell (a date that is not one) holding it.
    p.add_file(
        "csc/cp_plans_2024-25_Q3.csv",
        format!(
            "Child ID,Plan Start Date,Plan End Date,Category of Abuse,Unborn,UPN,Second or Subsequent Plan\n\
             CS 1,\"{quoted}\",,Neglect,N,,No\n"
        )
        .as_bytes(),
    );
    p.some_refused(&["ingest"]);
    p.ok(&["report", "--period", "2024/25-H2"]);
    let out = p.path().join("out");
    let html = std::fs::read_to_string(out.join("pqa-report-2024-25-H2.html")).unwrap();
    assert!(
        html.contains("onerror=alert(1)"),
        "the response is in the report"
    );
    assert!(
        !html.contains("<img") && !html.contains("href=\"javascript"),
        "HTML escapes it"
    );
    let md = std::fs::read_to_string(out.join("pqa-report-2024-25-H2.md")).unwrap();
    let lines: Vec<&str> = md.lines().filter(|l| l.contains("onerror")).collect();
    assert!(
        lines.len() >= 2,
        "the response and its reference are in the report"
    );
    for line in lines {
        let live = outside_code_spans(line);
        for markup in ["<img", "](javascript", "** [y"] {
            assert!(
                !unescaped(&live, markup),
                "Markdown leaves {markup} live: {line}"
            );
        }
    }
    // The workbook: text, never a formula.
    let xlsx = out.join("pqa-report-2024-25-H2.xlsx");
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    use calamine::Reader;
    for sheet in book.sheet_names() {
        let formulas = book.worksheet_formula(&sheet).unwrap();
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "a formula in sheet {sheet}"
        );
    }
    // The validation CSV neutralises a leading "=".
    let csv = std::fs::read_to_string(out.join("validation/latest.csv")).unwrap();
    for line in csv.lines().filter(|l| l.contains("HYPERLINK")) {
        assert!(!line.split(',').any(|f| f.starts_with('=')), "{line}");
    }
    let validation = std::fs::read_to_string(out.join("validation/latest.html")).unwrap();
    assert!(!validation.contains("<img"), "validation HTML escapes it");
}

/// The parts of a Markdown line outside code spans (CommonMark: a span opens
/// with a run of backticks and closes with a run of the same length).
fn outside_code_spans(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' && i + 1 < chars.len() {
            out.push(chars[i]);
            out.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if chars[i] == '`' {
            let run = chars[i..].iter().take_while(|c| **c == '`').count();
            let fence: String = "`".repeat(run);
            let rest: String = chars[i + run..].iter().collect();
            // The closing run: the same length, not part of a longer run.
            let close = (0..rest.len()).find(|&j| {
                rest.is_char_boundary(j)
                    && rest[j..].starts_with(&fence)
                    && !rest[j + run..].starts_with('`')
                    && (j == 0 || !rest[..j].ends_with('`'))
            });
            match close {
                Some(j) => {
                    i += run + rest[..j + run].chars().count();
                    out.push(' ');
                }
                None => {
                    out.push_str(&fence);
                    i += run;
                }
            }
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Whether `text` holds `markup` not escaped by a backslash.
fn unescaped(text: &str, markup: &str) -> bool {
    text.match_indices(markup)
        .any(|(i, _)| !text[..i].ends_with('\\'))
}

/// A 5 MB value in a rejected cell is quoted by its start and length: the
/// summary, `rejects` and the validation report stay small.
#[test]
fn a_huge_rejected_value_is_quoted_by_its_start_and_length() {
    let p = TestProject::new();
    let huge = "9".repeat(5 << 20);
    p.add_file(
        "csc/cp_plans_2024-25_Q3.csv",
        format!(
            "Child ID,Plan Start Date,Plan End Date,Category of Abuse,Unborn,UPN,Second or Subsequent Plan\n\
             CS 1,{huge},,Neglect,N,,No\n\
             CS 2,01/10/2024,,Neglect,N,,No\n"
        )
        .as_bytes(),
    );
    let out = p.ok(&["ingest"]);
    assert!(out.len() < 20_000, "the summary is {} bytes", out.len());
    assert!(
        out.contains(&format!("({} characters in all)", 5 << 20)),
        "{out}"
    );
    let longest = p.count("SELECT max(length(message)) FROM rejects", &[]);
    assert!(longest < 400, "a reject's message is {longest} characters");
    let csv = std::fs::metadata(p.path().join("out/validation/latest.csv")).unwrap();
    assert!(csv.len() < 20_000, "{} bytes", csv.len());
}
