//! The report as an Excel workbook: the questions, the earlier questions with
//! responses, a sheet per area with each measure's quarters and a native
//! Excel line chart, and data quality. Text from agency files is written as
//! text, never as a formula: a cell that a spreadsheet would read as one
//! (`=`, `+`, `-`, `@`) is marked as text with Excel's quote prefix.

use rust_xlsxwriter::{Chart, Format, Workbook, Worksheet, XlsxError};

use crate::questions::EarlierQuestion;
use crate::validation::looks_like_formula;
use crate::view::{AreaView, View};

/// The workbook's bytes.
pub(crate) fn workbook(view: &View) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();

    let sheet = book.add_worksheet().set_name("Questions")?;
    heading(
        sheet,
        &bold,
        &[
            "Rank",
            "Area",
            "Measure",
            "Agency",
            "Priority",
            "Direction",
            "What the figures show",
            "Question",
            "Reference",
        ],
    )?;
    for (i, f) in view.findings.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_number(row, 0, (i + 1) as f64)?;
        let cells = [
            &f.area,
            &f.title,
            &f.agency,
            &format!("{:?}", f.severity),
            &format!("{:?}", f.direction),
            &f.statement,
            &f.question,
            &f.id,
        ];
        for (c, text) in cells.into_iter().enumerate() {
            text_cell(sheet, row, c as u16 + 1, text, &wrap)?;
        }
    }
    sheet.set_column_width(6, 80)?.set_column_width(7, 50)?;

    let sheet = book.add_worksheet().set_name("Earlier questions")?;
    earlier(sheet, &bold, &wrap, &view.earlier)?;

    for area in &view.areas {
        area_sheet(&mut book, &bold, area)?;
    }

    let sheet = book.add_worksheet().set_name("Data quality")?;
    heading(
        sheet,
        &bold,
        &[
            "Feed",
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
        text_cell(sheet, row, 0, &q.feed, &wrap)?;
        text_cell(sheet, row, 1, &q.agency, &wrap)?;
        text_cell(sheet, row, 2, &q.received.join(", "), &wrap)?;
        text_cell(sheet, row, 3, &q.late.join(", "), &wrap)?;
        text_cell(sheet, row, 4, &q.missing.join(", "), &wrap)?;
        sheet.write_number(row, 5, q.rows_read as f64)?;
        sheet.write_number(row, 6, q.rows_accepted as f64)?;
        sheet.write_number(row, 7, q.rows_rejected as f64)?;
    }
    book.save_to_buffer()
}

fn heading(sheet: &mut Worksheet, bold: &Format, names: &[&str]) -> Result<(), XlsxError> {
    for (c, name) in names.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *name, bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// Text as text: a leading `=`, `+`, `-` or `@` gets Excel's quote prefix,
/// so the cell shows what the agency wrote and is never run as a formula.
fn text_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    wrap: &Format,
) -> Result<(), XlsxError> {
    if looks_like_formula(text) {
        sheet.write_string_with_format(row, col, text, &wrap.clone().set_quote_prefix())?;
    } else {
        sheet.write_string_with_format(row, col, text, wrap)?;
    }
    Ok(())
}

fn earlier(
    sheet: &mut Worksheet,
    bold: &Format,
    wrap: &Format,
    questions: &[EarlierQuestion],
) -> Result<(), XlsxError> {
    heading(
        sheet,
        bold,
        &[
            "Reference",
            "Measure",
            "Asked in",
            "Question",
            "Response from",
            "Date",
            "Response",
            "Impact",
        ],
    )?;
    let mut row = 1;
    for q in questions {
        for (agency, date, response) in &q.responses {
            let question = match (&q.statement, &q.question) {
                (Some(s), Some(a)) => format!("{s} {a}"),
                _ => String::new(),
            };
            let cells = [
                &q.id,
                &q.title,
                &q.asked_in,
                &question,
                agency,
                date,
                response,
                &q.impact,
            ];
            for (c, text) in cells.into_iter().enumerate() {
                text_cell(sheet, row, c as u16, text, wrap)?;
            }
            row += 1;
        }
    }
    sheet
        .set_column_width(3, 60)?
        .set_column_width(6, 60)?
        .set_column_width(7, 40)?;
    Ok(())
}

/// Excel sheet names: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(area: &str) -> String {
    area.chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect()
}

/// One area: quarters down the first column, a column per measure, and a
/// line chart per measure to the right.
fn area_sheet(book: &mut Workbook, bold: &Format, area: &AreaView) -> Result<(), XlsxError> {
    let name = sheet_name(&area.name);
    let sheet = book.add_worksheet().set_name(&name)?;
    sheet.write_string_with_format(0, 0, "Quarter", bold)?;
    let quarters = area.metrics.first().map_or(0, |m| m.chart_points.len()) as u32;
    for (c, m) in area.metrics.iter().enumerate() {
        let col = c as u16 + 1;
        sheet.write_string_with_format(0, col, format!("{} ({})", m.title, m.unit), bold)?;
        for (r, (label, value)) in m.chart_points.iter().enumerate() {
            let row = r as u32 + 1;
            if c == 0 {
                sheet.write_string(row, 0, label)?;
            }
            if let Some(v) = value {
                sheet.write_number(row, col, *v)?;
            }
        }
        sheet.set_column_width(col, 18)?;
        let mut chart = Chart::new_line();
        chart
            .add_series()
            .set_name(m.title.as_str())
            .set_categories((name.as_str(), 1, 0, quarters, 0))
            .set_values((name.as_str(), 1, col, quarters, col));
        chart.title().set_name(m.title.as_str());
        chart.legend().set_hidden();
        sheet.insert_chart(quarters + 3 + 16 * c as u32, 1, &chart)?;
    }
    sheet.write_string(
        quarters + 1,
        0,
        "Blank: no figure was received, or a count of 1 to 4 not shown so that no child can be identified.",
    )?;
    sheet.set_column_width(0, 12)?;
    sheet.set_freeze_panes(1, 1)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
