//! Test fixtures under `tests/files/`: small real files with the awkward
//! shapes agencies send, each used by an integration test that pins what pqa
//! says about it. Written by `pqa-sample-gen --fixtures tests/files`.

use std::path::Path;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, XlsxError};

fn io(e: XlsxError) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

/// A workbook whose metadata never changes, so the bytes are reproducible.
fn workbook() -> Result<Workbook, XlsxError> {
    let mut wb = Workbook::new();
    let when = ExcelDateTime::from_ymd(2025, 4, 1)?;
    wb.set_properties(
        &DocProperties::new()
            .set_author("pqa fixtures")
            .set_creation_datetime(&when),
    );
    Ok(wb)
}

/// Writes every fixture under `dir`.
pub fn write(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    wide_return(&dir.join("bb_wide_2024-25_Q4.xlsx")).map_err(io)?;
    mixed_dates(&dir.join("cp_plans_mixed_dates_2024-25_Q1.xlsx")).map_err(io)?;
    // Windows-1252, as Excel saves "CSV" on a UK Windows machine: an en dash,
    // curly quotes and a pound sign, a thousands separator in quotes.
    let cp1252: Vec<u8> = [
        &b"Measure,Number,Comment\r\n"[..],
        b"Safeguarding referrals \x96 to the hub,23,\x93up on last quarter\x94\r\n",
        b"Cost of interpreters (\xa3),\"1,200\",\r\n",
    ]
    .concat();
    std::fs::write(dir.join("probation_windows1252_2024-25_Q1.csv"), cp1252)?;
    // UTF-8 with a byte-order mark, semicolons, percentages with and without "%".
    std::fs::write(
        dir.join("early_help_bom_semicolon_2024-25_Q1.csv"),
        "\u{feff}Measure;Percentage\r\n\
         Closed plans where things improved;74.3%\r\n\
         Closed plans stepped down to universal services;61\r\n\
         Closed plans with no change;lots\r\n",
    )?;
    // CRLF, a quoted field running over two lines, then a ragged row.
    std::fs::write(
        dir.join("cp_plans_ragged_2024-25_Q2.csv"),
        "Child ID,Plan Start Date,Plan End Date,Category of Abuse,Unborn,Notes\r\n\
         CS 900001,01/07/2024,,Neglect,N,\"first line\r\nsecond line\"\r\n\
         CS 900002,02/07/2024,,N,N,\r\n\
         CS 900003,03/07/2024,Neglect,N\r\n\
         CS 900004,5/7/2024,,E,N,\r\n",
    )?;
    Ok(())
}

/// Housing's rolling return: quarters across the columns under year headings
/// merged across their quarters, on the second sheet, with a title, a blank
/// row inside the table, "<5" markers and a total row.
fn wide_return(path: &Path) -> Result<(), XlsxError> {
    let mut wb = workbook()?;
    let bold = Format::new().set_bold();
    let merged = Format::new().set_bold().set_align(FormatAlign::Center);
    wb.add_worksheet()
        .set_name("Cover")?
        .write_string(0, 0, "Rolling bed and breakfast return")?;
    let sheet = wb.add_worksheet().set_name("Quarterly")?;
    sheet.write_string_with_format(0, 0, "Bed and breakfast: the last eight quarters", &bold)?;
    sheet.merge_range(2, 1, 2, 4, "2023/24", &merged)?;
    sheet.merge_range(2, 5, 2, 8, "2024/25", &merged)?;
    sheet.write_string_with_format(3, 0, "Measure", &bold)?;
    for (i, q) in ["Q1", "Q2", "Q3", "Q4", "Q1", "Q2", "Q3", "Q4"]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(3, 1 + i as u16, *q, &bold)?;
    }
    sheet.write_string_with_format(3, 9, "Notes", &bold)?;
    let families = [10, 12, 15, 18, 21, 25, 29, 34];
    sheet.write_string(4, 0, "Families in B&B")?;
    for (i, v) in families.iter().enumerate() {
        sheet.write_number(4, 1 + i as u16, f64::from(*v))?;
    }
    // Row 6 is left blank on purpose.
    sheet.write_string(6, 0, "Families in B&B for more than 6 weeks")?;
    let long_stays: [Option<u32>; 8] = [
        None,
        None,
        Some(6),
        Some(8),
        Some(9),
        Some(12),
        Some(14),
        Some(17),
    ];
    for (i, v) in long_stays.iter().enumerate() {
        match v {
            Some(v) => sheet.write_number(6, 1 + i as u16, f64::from(*v))?,
            None => sheet.write_string(6, 1 + i as u16, "<5")?,
        };
    }
    sheet.write_string(6, 9, "Figures under 5 are not given")?;
    sheet.write_string_with_format(7, 0, "Total", &bold)?;
    for i in 0..8u16 {
        sheet.write_number(7, 1 + i, 99.0)?;
    }
    wb.save(path)
}

/// One date column written every way Excel users manage: a real date cell,
/// a serial number, text in two formats, and an impossible date.
fn mixed_dates(path: &Path) -> Result<(), XlsxError> {
    let mut wb = workbook()?;
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let sheet = wb.add_worksheet().set_name("Plans")?;
    for (c, h) in [
        "Child ID",
        "Plan Start Date",
        "Plan End Date",
        "Category of Abuse",
        "Unborn",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *h)?;
    }
    let ids = [
        "CS 910001",
        "CS 910002",
        "CS 910003",
        "CS 910004",
        "CS 910005",
    ];
    for (r, id) in ids.iter().enumerate() {
        sheet.write_string(1 + r as u32, 0, *id)?;
        sheet.write_string(1 + r as u32, 3, "Neglect")?;
    }
    sheet.write_datetime_with_format(1, 1, ExcelDateTime::from_ymd(2024, 4, 2)?, &date)?;
    sheet.write_number(2, 1, 45385.0)?; // 3 April 2024 as a bare serial number
    sheet.write_string(3, 1, "05/04/2024")?;
    sheet.write_string(4, 1, "6-Apr-2024")?;
    sheet.write_string(5, 1, "31/02/2024")?;
    for (r, v) in ["Yes", "no", "1", "0", "TRUE"].iter().enumerate() {
        sheet.write_string(1 + r as u32, 4, *v)?;
    }
    wb.save(path)
}
