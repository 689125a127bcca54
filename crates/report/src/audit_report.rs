//! An audit's findings, for the subgroup that ran it: the headline, the
//! compliance of the whole cohort (from the warehouse), the grades by
//! agency and by theme, and the learning in the auditors' words, escaped,
//! with any note that seems to name a child withheld. Written as an HTML
//! page (to read) and an Excel workbook (to work in).

use pqa_core::Period;
use pqa_core::audit::AuditSpec;
use pqa_core::audit_findings::{AuditFindings, GradeRow, headline};
use rust_xlsxwriter::{Format, Workbook};
use serde::Serialize;

use crate::Result;
use crate::audit_pack::{facts_sheet, header, pct};
use crate::xlsx::text_cell;

/// Everything the findings say.
#[derive(Debug, Clone, Copy)]
pub struct AuditReportInput<'a> {
    pub partnership: &'a str,
    pub spec: &'a AuditSpec,
    /// The period the children were drawn for.
    pub period: Period,
    /// The warehouse run read (`None`: an empty warehouse).
    pub run: Option<i64>,
    /// Children in the cohort.
    pub cohort: usize,
    /// Each profile column's values across the cohort, with their counts.
    pub compliance: &'a [(String, std::collections::BTreeMap<String, usize>)],
    pub findings: &'a AuditFindings,
    /// The periods the returns were sent in, as pqa writes them.
    pub sent_in: &'a [String],
}

#[derive(Serialize)]
struct View {
    title: String,
    partnership: String,
    purpose: String,
    period: String,
    run: String,
    returns_words: String,
    headline: String,
    cohort: usize,
    compliance: Vec<ComplianceTable>,
    scales: Vec<ScaleView>,
    learning: Vec<ThemeLearning>,
}

#[derive(Serialize)]
struct ComplianceTable {
    column: String,
    /// (value, children, share of the cohort)
    rows: Vec<(String, usize, String)>,
}

#[derive(Serialize)]
struct ScaleView {
    title: String,
    grades: Vec<&'static str>,
    good_words: &'static str,
    groups: Vec<GroupView>,
    all: RowView,
}

#[derive(Serialize)]
struct GroupView {
    by: &'static str,
    rows: Vec<RowView>,
}

#[derive(Serialize)]
struct RowView {
    label: String,
    counts: Vec<usize>,
    /// "n of N (p%)".
    good: String,
}

#[derive(Serialize)]
struct ThemeLearning {
    theme: String,
    notes: Vec<NoteView>,
}

#[derive(Serialize)]
struct NoteView {
    agency: String,
    child_ref: String,
    text: Option<String>,
}

fn row(r: &GradeRow) -> RowView {
    RowView {
        label: r.label.clone(),
        counts: r.counts.clone(),
        // The subgroup's own page: nothing suppressed.
        good: pqa_core::audit_findings::share_words(r.good, r.total, "", 0),
    }
}

fn view(input: &AuditReportInput) -> View {
    let f = input.findings;
    let pct = |n: usize| pct(n, input.cohort);
    let compliance = input
        .compliance
        .iter()
        .map(|(column, counts)| ComplianceTable {
            column: column.clone(),
            rows: counts
                .iter()
                .map(|(value, n)| (value.clone(), *n, pct(*n)))
                .collect(),
        })
        .collect();
    let scales = f
        .tables
        .iter()
        .map(|t| ScaleView {
            title: match t.scale {
                pqa_core::audit_findings::Scale::Quality => "Quality of practice".into(),
                pqa_core::audit_findings::Scale::Standard => "Standards met".into(),
            },
            grades: t.scale.grades().iter().map(|(_, words)| *words).collect(),
            good_words: t.scale.good_words(),
            groups: vec![
                GroupView {
                    by: "agency",
                    rows: t.by_agency.iter().map(row).collect(),
                },
                GroupView {
                    by: "theme",
                    rows: t.by_theme.iter().map(row).collect(),
                },
            ],
            all: row(&t.all),
        })
        .collect();
    let mut learning: Vec<ThemeLearning> = Vec::new();
    for l in &f.learning {
        let note = NoteView {
            agency: l.agency.clone(),
            child_ref: l.child_ref.clone(),
            text: l.text.clone(),
        };
        match learning.iter_mut().find(|t| t.theme == l.theme) {
            Some(t) => t.notes.push(note),
            None => learning.push(ThemeLearning {
                theme: l.theme.clone(),
                notes: vec![note],
            }),
        }
    }
    let returns_words = pqa_core::audit_findings::returns_words(f, input.sent_in);
    View {
        title: input.spec.title.clone(),
        partnership: input.partnership.to_string(),
        purpose: input.spec.purpose.trim().to_string(),
        period: input.period.long_label(),
        run: input
            .run
            .map_or("none (an empty warehouse)".into(), |r| format!("run {r}")),
        returns_words,
        headline: if f.answers == 0 {
            "No returns yet: the findings follow when the auditors' returns are loaded.".into()
        } else {
            headline(f, 0)
        },
        cohort: input.cohort,
        compliance,
        scales,
        learning,
    }
}

/// The findings as an HTML page (self-contained; every value escaped).
pub fn to_html(input: &AuditReportInput) -> Result<String> {
    crate::render_page(
        "audit_report.html",
        include_str!("../templates/audit_report.html"),
        view(input),
    )
}

/// The findings as an Excel workbook: Summary, Compliance, Grades, Learning.
pub fn to_xlsx(input: &AuditReportInput) -> Result<Vec<u8>> {
    let v = view(input);
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();

    let summary = book.add_worksheet().set_name("Summary")?;
    summary.set_column_width(0, 24)?;
    summary.set_column_width(1, 100)?;
    let facts = [
        ("Audit", &v.title),
        ("Partnership", &v.partnership),
        ("Children drawn for", &v.period),
        ("Returns", &v.returns_words),
        ("Headline", &v.headline),
        ("From the warehouse as at", &v.run),
    ];
    facts_sheet(summary, facts.map(|(k, v)| (k, v.as_str())), &bold, &wrap)?;

    let compliance = book.add_worksheet().set_name("Compliance")?;
    header(
        compliance,
        0,
        &["Characteristic", "Value", "Children", "% of the cohort"],
        &bold,
    )?;
    compliance.set_column_width(0, 26)?;
    compliance.set_column_width(1, 36)?;
    let mut row = 0;
    for t in &v.compliance {
        for (value, n, pct) in &t.rows {
            row += 1;
            compliance.write_string(row, 0, &t.column)?;
            text_cell(compliance, row, 1, value, &wrap)?;
            compliance.write_number(row, 2, *n as f64)?;
            compliance.write_string(row, 3, pct)?;
        }
    }

    let grades = book.add_worksheet().set_name("Grades")?;
    grades.set_column_width(1, 34)?;
    let mut row = 0;
    for s in &v.scales {
        for g in &s.groups {
            grades.write_string_with_format(row, 0, format!("{}, by {}", s.title, g.by), &bold)?;
            row += 1;
            let mut names = vec!["", "Name"];
            names.extend(s.grades.iter().copied());
            names.push(s.good_words);
            header(grades, row, &names, &bold)?;
            for r in g.rows.iter().chain(std::iter::once(&s.all)) {
                row += 1;
                grades.write_string(row, 0, g.by)?;
                text_cell(grades, row, 1, &r.label, &wrap)?;
                for (k, n) in r.counts.iter().enumerate() {
                    grades.write_number(row, 2 + k as u16, *n as f64)?;
                }
                grades.write_string(row, 2 + r.counts.len() as u16, &r.good)?;
            }
            row += 2;
        }
    }

    let learning = book.add_worksheet().set_name("Learning")?;
    header(
        learning,
        0,
        &["Theme", "Agency", "Child", "Learning"],
        &bold,
    )?;
    learning.set_column_width(0, 24)?;
    learning.set_column_width(1, 24)?;
    learning.set_column_width(3, 100)?;
    let mut row = 0;
    for t in &v.learning {
        for n in &t.notes {
            row += 1;
            text_cell(learning, row, 0, &t.theme, &wrap)?;
            text_cell(learning, row, 1, &n.agency, &wrap)?;
            learning.write_string(row, 2, &n.child_ref)?;
            let text = n
                .text
                .as_deref()
                .unwrap_or("(withheld: it appears to name a child; read it in the return itself)");
            text_cell(learning, row, 3, text, &wrap)?;
        }
    }
    Ok(book.save_to_buffer()?)
}
