//! The report as an Excel workbook: the questions, the earlier questions with
//! responses, a sheet per area with each measure's quarters and a native
//! Excel line chart, and data quality. Text from agency files is written as
//! text, never as a formula: a cell that a spreadsheet would read as one
//! (`=`, `+`, `-`, `@`) is marked as text with Excel's quote prefix.

use rust_xlsxwriter::{Chart, Format, Workbook, Worksheet, XlsxError};

use crate::validation::looks_like_formula;
use crate::view::{AreaView, View};

/// The workbook's bytes.
pub(crate) fn workbook(view: &View) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();

    summary_sheet(&mut book, &bold, &wrap, view)?;

    let sheet = book.add_worksheet().set_name("Questions")?;
    heading(
        sheet,
        &bold,
        &[
            "Reference",
            "Area",
            "Measure",
            "Agency",
            "Priority",
            "Direction",
            "What the figures show",
            "Question",
        ],
    )?;
    for (i, q) in view.questions.iter().enumerate() {
        let row = i as u32 + 1;
        let cells = [
            &q.reference,
            &q.area,
            &q.title,
            &q.agency,
            &q.severity_words,
            &q.direction_words,
            &q.statement,
            &q.question,
        ];
        text_row(sheet, row, &cells.map(String::as_str), &wrap)?;
    }
    sheet
        .set_column_width(2, 30)?
        .set_column_width(6, 80)?
        .set_column_width(7, 50)?;

    let sheet = book.add_worksheet().set_name("Action log")?;
    action_log(sheet, &bold, &wrap, view)?;

    let sheet = book
        .add_worksheet()
        .set_name("Audits and recommendations")?;
    assurance_sheet(sheet, &bold, &wrap, view)?;

    if let Some(overlay) = &view.overlay {
        let sheet = book.add_worksheet().set_name("Vulnerabilities")?;
        crate::vulnerabilities::report_sheet(sheet, &bold, &wrap, overlay)?;
    }

    let sheet = book.add_worksheet().set_name("At a glance")?;
    glance_sheet(sheet, &bold, &wrap, view)?;

    for area in &view.areas {
        area_sheet(&mut book, &bold, area, &view.key)?;
    }

    let sheet = book.add_worksheet().set_name("Data quality")?;
    heading(
        sheet,
        &bold,
        &[
            "Return",
            "Agency",
            "Received",
            "Late",
            "Missing",
            "Rows read",
            "Accepted",
            "Rejected",
        ],
    )?;
    for (i, q) in view.quality.iter().enumerate() {
        let row = i as u32 + 1;
        text_cell(sheet, row, 0, &q.title, &wrap)?;
        text_cell(sheet, row, 1, &q.agency, &wrap)?;
        text_cell(sheet, row, 2, &q.received_words, &wrap)?;
        text_cell(sheet, row, 3, &q.late_words, &wrap)?;
        text_cell(sheet, row, 4, &q.missing_words, &wrap)?;
        sheet.write_number(row, 5, q.rows_read as f64)?;
        sheet.write_number(row, 6, q.rows_accepted as f64)?;
        sheet.write_number(row, 7, q.rows_rejected as f64)?;
    }
    sheet.set_column_width(0, 40)?;
    book.save_to_buffer()
}

/// The first sheet: what the report is, what the Executive is asked to do,
/// the most important questions and the action log's state.
fn summary_sheet(
    book: &mut Workbook,
    bold: &Format,
    wrap: &Format,
    view: &View,
) -> Result<(), XlsxError> {
    let sheet = book.add_worksheet().set_name("Summary")?;
    let title = Format::new().set_bold().set_font_size(14);
    sheet.write_string_with_format(0, 0, &view.partnership, &title)?;
    sheet.write_string(
        1,
        0,
        format!(
            "Performance and Quality Assurance data report: {}",
            view.period_label
        ),
    )?;
    sheet.write_string(
        2,
        0,
        format!("{} · {} · {}", view.status, view.date, view.author),
    )?;
    let mut row = 4;
    sheet.write_string_with_format(row, 0, "The Executive is asked to:", bold)?;
    for ask in &view.asks {
        row += 1;
        text_cell(sheet, row, 0, &format!("{} {}", ask.verb, ask.text), wrap)?;
    }
    row += 2;
    sheet.write_string_with_format(row, 0, "The most important questions:", bold)?;
    for q in view.questions.iter().take(view.top) {
        row += 1;
        text_cell(
            sheet,
            row,
            0,
            &format!("{} ({}, for {})", q.summary, q.reference, q.agency),
            wrap,
        )?;
    }
    row += 2;
    let c = &view.action_counts;
    sheet.write_string_with_format(row, 0, "Actions:", bold)?;
    sheet.write_string(
        row + 1,
        0,
        format!(
            "{} new, {} open, {} overdue, {} answered, {} closed since the last report",
            c.new, c.open, c.overdue, c.answered, c.closed
        ),
    )?;
    sheet.set_column_width(0, 120)?;
    Ok(())
}

/// Each audit's headline, then the recommendations followed to completion.
fn assurance_sheet(
    sheet: &mut Worksheet,
    bold: &Format,
    wrap: &Format,
    view: &View,
) -> Result<(), XlsxError> {
    heading(sheet, bold, &["Audit", "Children drawn for", "Headline"])?;
    let mut row = 0;
    for a in &view.audits {
        row += 1;
        text_row(sheet, row, &[&a.title, &a.drawn_for, &a.headline], wrap)?;
    }
    row += 2;
    let r = &view.recommendations;
    sheet.write_string(
        row,
        0,
        format!(
            "Recommendations: {} open, {} overdue, {} completed since the last report",
            r.open, r.overdue, r.completed
        ),
    )?;
    row += 1;
    let names = [
        "Reference",
        "Recommendation",
        "Source",
        "Agency",
        "Owner",
        "Due",
        "Where it stands",
        "Evidence",
    ];
    crate::audit_pack::header(sheet, row, &names, bold)?;
    for rec in &r.rows {
        row += 1;
        let cells = [
            &rec.id,
            &rec.text,
            &rec.source,
            &rec.agency,
            &rec.owner,
            &rec.due,
            &rec.standing,
            &rec.evidence,
        ];
        text_row(sheet, row, &cells.map(String::as_str), wrap)?;
    }
    sheet
        .set_column_width(0, 30)?
        .set_column_width(1, 50)?
        .set_column_width(2, 50)?
        .set_column_width(7, 50)?;
    Ok(())
}

fn action_log(
    sheet: &mut Worksheet,
    bold: &Format,
    wrap: &Format,
    view: &View,
) -> Result<(), XlsxError> {
    heading(
        sheet,
        bold,
        &[
            "Reference",
            "Measure",
            "Agency",
            "Asked in",
            "Question",
            "Due",
            "Status",
            "Responses",
            "Since",
        ],
    )?;
    let mut row = 1;
    for q in &view.questions {
        let cells = [
            q.reference.as_str(),
            &q.title,
            &q.agency,
            &view.period_label,
            &format!("{} {}", q.statement, q.question),
            &view.next_report,
            "New",
            "",
            "",
        ];
        text_row(sheet, row, &cells, wrap)?;
        row += 1;
    }
    for a in &view.actions {
        let question = match (&a.statement, &a.question) {
            (Some(s), Some(q)) => format!("{s} {q}"),
            _ => String::new(),
        };
        let responses = a
            .responses
            .iter()
            .map(|(agency, date, text)| format!("{agency}, {date}: {text}"))
            .collect::<Vec<_>>()
            .join("\n");
        let cells = [
            a.reference.as_str(),
            &a.title,
            &a.agency,
            &a.asked_in,
            &question,
            &a.due,
            a.status_words,
            &responses,
            &a.movement,
        ];
        text_row(sheet, row, &cells, wrap)?;
        row += 1;
    }
    sheet
        .set_column_width(1, 30)?
        .set_column_width(4, 60)?
        .set_column_width(7, 60)?
        .set_column_width(8, 40)?;
    Ok(())
}

fn glance_sheet(
    sheet: &mut Worksheet,
    bold: &Format,
    wrap: &Format,
    view: &View,
) -> Result<(), XlsxError> {
    heading(
        sheet,
        bold,
        &[
            "Area",
            "Measure",
            "Latest period",
            "Latest",
            "Change on the period before",
            "Variation",
            "Target",
            "Rating",
            "England",
            "Statistical neighbours",
            "Region",
        ],
    )?;
    for (i, g) in view.glance.iter().enumerate() {
        let row = i as u32 + 1;
        let cells = [
            &g.area,
            &g.title,
            &g.latest_label,
            &g.latest,
            &format!("{} {}", g.arrow, g.movement),
            &format!("{} {}", g.variation, g.assurance),
            &g.target,
            &g.rag.to_string(),
            &g.england,
            &g.neighbours,
            &g.region,
        ];
        text_row(sheet, row, &cells.map(|c| c.trim()), wrap)?;
    }
    sheet
        .set_column_width(1, 40)?
        .set_column_width(4, 30)?
        .set_column_width(5, 30)?;
    Ok(())
}

fn heading(sheet: &mut Worksheet, bold: &Format, names: &[&str]) -> Result<(), XlsxError> {
    for (c, name) in names.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *name, bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// A row of text cells from column 0 (a cell's text is never a formula).
pub(crate) fn text_row(
    sheet: &mut Worksheet,
    row: u32,
    cells: &[&str],
    wrap: &Format,
) -> Result<(), XlsxError> {
    for (c, text) in cells.iter().enumerate() {
        text_cell(sheet, row, c as u16, text, wrap)?;
    }
    Ok(())
}

/// The most characters an Excel cell holds.
const EXCEL_CELL_CHARS: usize = 32_767;

/// Text that fits an Excel cell: longer text is cut, with a note saying so
/// and where to read it whole, rather than the workbook failing.
fn fit_excel(text: &str) -> std::borrow::Cow<'_, str> {
    let chars = text.chars().count();
    if chars <= EXCEL_CELL_CHARS {
        return text.into();
    }
    let note = format!(
        "… [shortened to fit an Excel cell: {chars} characters in all; the HTML and Markdown reports have it whole]"
    );
    let keep = EXCEL_CELL_CHARS - note.chars().count();
    let mut cut: String = text.chars().take(keep).collect();
    cut.push_str(&note);
    cut.into()
}

/// Text as text: a leading `=`, `+`, `-` or `@` gets Excel's quote prefix,
/// so the cell shows what the agency wrote and is never run as a formula.
pub(crate) fn text_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    wrap: &Format,
) -> Result<(), XlsxError> {
    let text = fit_excel(text);
    let text = text.as_ref();
    if looks_like_formula(text) {
        sheet.write_string_with_format(row, col, text, &wrap.clone().set_quote_prefix())?;
    } else {
        sheet.write_string_with_format(row, col, text, wrap)?;
    }
    Ok(())
}

/// Excel sheet names: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(area: &str) -> String {
    area.chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect()
}

/// One area: a block per measure (its periods down the side, with the
/// figure, the chart's mean and limits, the target and a note where there is
/// no figure), each with a native line chart beside it drawing all of them.
/// Figures are stored rounded as printed, counts whole and the rest to one
/// decimal place.
fn area_sheet(
    book: &mut Workbook,
    bold: &Format,
    area: &AreaView,
    key: &[(&str, String)],
) -> Result<(), XlsxError> {
    let name = sheet_name(&area.name);
    let sheet = book.add_worksheet().set_name(&name)?;
    let whole = Format::new().set_num_format("#,##0");
    let decimal = Format::new().set_num_format("#,##0.0");
    let mut top = 0u32;
    for m in &area.metrics {
        let format = if m.decimals == 0 { &whole } else { &decimal };
        sheet.write_string_with_format(top, 0, format!("{} ({})", m.title, m.unit), bold)?;
        let head = top + 1;
        let columns = [
            "Period",
            "Figure",
            "Mean",
            "Lower limit",
            "Upper limit",
            "Target",
            "Note",
        ];
        for (c, h) in columns.iter().enumerate() {
            sheet.write_string_with_format(head, c as u16, *h, bold)?;
        }
        for (r, row) in m.chart_rows.iter().enumerate() {
            let at = head + 1 + r as u32;
            sheet.write_string(at, 0, &row.label)?;
            let numbers = [row.value, row.mean, row.lower, row.upper, m.target];
            for (c, v) in numbers.iter().enumerate() {
                if let Some(v) = v {
                    sheet.write_number_with_format(at, c as u16 + 1, *v, format)?;
                }
            }
            if let Some(note) = row.note {
                sheet.write_string(at, 6, note)?;
            }
        }
        let (first, last) = (head + 1, head + m.chart_rows.len() as u32);
        let mut chart = Chart::new_line();
        let mut series_count = 0;
        for (c, label) in [
            (1u16, "Figure"),
            (2, "Mean"),
            (3, "Lower limit"),
            (4, "Upper limit"),
            (5, "Target"),
        ] {
            let has_any = m.chart_rows.iter().any(|r| match c {
                1 => r.value.is_some(),
                2 => r.mean.is_some(),
                3 => r.lower.is_some(),
                4 => r.upper.is_some(),
                _ => m.target.is_some(),
            });
            if !has_any {
                continue;
            }
            series_count += 1;
            let series = chart
                .add_series()
                .set_name(label)
                .set_categories((name.as_str(), first, 0, last, 0))
                .set_values((name.as_str(), first, c, last, c));
            match c {
                1 => {
                    series.set_marker(rust_xlsxwriter::ChartMarker::new().set_automatic());
                }
                2..=4 => {
                    series.set_format(
                        rust_xlsxwriter::ChartFormat::new().set_line(
                            rust_xlsxwriter::ChartLine::new()
                                .set_color("#505A5F")
                                .set_dash_type(if c == 2 {
                                    rust_xlsxwriter::ChartLineDashType::LongDash
                                } else {
                                    rust_xlsxwriter::ChartLineDashType::RoundDot
                                }),
                        ),
                    );
                }
                _ => {
                    series.set_format(
                        rust_xlsxwriter::ChartFormat::new()
                            .set_line(rust_xlsxwriter::ChartLine::new().set_color("#B10E1E")),
                    );
                }
            }
        }
        chart.title().set_name(m.title.as_str());
        chart
            .legend()
            .set_position(rust_xlsxwriter::ChartLegendPosition::Bottom);
        if series_count > 0 {
            sheet.insert_chart(top, 8, &chart)?;
        }
        top = (last + 3).max(top + 18);
    }
    let mut row = top;
    sheet.write_string_with_format(row, 0, "Where there is no figure, the note says why:", bold)?;
    for (symbol, meaning) in key {
        row += 1;
        sheet.write_string(row, 0, *symbol)?;
        sheet.write_string(row, 1, meaning)?;
    }
    sheet.set_column_width(0, 14)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_too_long_for_a_cell_is_cut_with_a_note() {
        let long = "a".repeat(40_000);
        let fitted = fit_excel(&long);
        assert_eq!(fitted.chars().count(), EXCEL_CELL_CHARS);
        assert!(fitted.ends_with("have it whole]"));
        assert_eq!(fit_excel("short"), "short");
        // A workbook with such a cell is written, not refused.
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        text_cell(sheet, 0, 0, &long, &Format::new()).unwrap();
        assert!(book.save_to_buffer().is_ok());
    }

    #[test]
    fn sheet_names_are_ones_excel_accepts() {
        assert_eq!(
            sheet_name("Early help and young carers"),
            "Early help and young carers"
        );
        assert_eq!(
            sheet_name("Children we care for: a very long area name"),
            "Children we care for a very lon"
        );
    }
}
