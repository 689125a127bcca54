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
    measure_on_year_row(&dir.join("bb_wide_measure_on_year_row_2024-25_Q4.xlsx")).map_err(io)?;
    lists_per_sheet(&dir.join("annex_a_2024-25_Q3.xlsx")).map_err(io)?;
    return_to_draft(&dir.join("referrals_2024-25_Q3.xlsx")).map_err(io)?;
    loud_csvs(dir)?;
    // A workbook cut short, as an interrupted download or email leaves it.
    let whole = wide_return_bytes().map_err(io)?;
    std::fs::write(
        dir.join("bb_wide_cut_short_2024-25_Q3.xlsx"),
        &whole[..whole.len() / 2],
    )?;
    Ok(())
}

/// CSVs that once loaded wrong values without a word (issue 30): each must
/// now load exactly or be refused with a reason.
fn loud_csvs(dir: &Path) -> std::io::Result<()> {
    const HEADER: &str =
        "Child ID,Plan Start Date,Plan End Date,Category of Abuse,Unborn,Notes\r\n";
    let csv = |name: &str, rows: &str| std::fs::write(dir.join(name), format!("{HEADER}{rows}"));
    // Years written with two digits under a four-digit format.
    csv(
        "cp_plans_two_digit_years_2024-25_Q3.csv",
        "CS 920001,01/10/2024,,Neglect,N,\r\n\
         CS 920002,05/10/24,,Neglect,N,\r\n\
         CS 920003,06/10/2024,07/11/24,Neglect,N,\r\n",
    )?;
    // Quotes that do not pair up: inside an unquoted field, text after a
    // closing quote, and a quote never closed (it runs to the end).
    csv(
        "cp_plans_broken_quotes_2024-25_Q3.csv",
        "CS 921001,01/10/2024,,Neglect,N,seen\r\n\
         CS 921002,02/10/2024,,Neglect,N,said \"no\" at the door\r\n\
         CS 921003,03/10/2024,,\"Neglect\"N,N,\r\n\
         CS 921004,04/10/2024,,Neglect,N,seen\r\n\
         CS 921005,05/10/2024,,Neglect,N,\"not closed\r\n\
         CS 921006,06/10/2024,,Neglect,N,\r\n",
    )?;
    // Pollock's "extra separator": one row's values shifted a column right,
    // and a row with one empty field more than the header.
    csv(
        "cp_plans_extra_field_2024-25_Q3.csv",
        "CS 922001,01/10/2024,,Neglect,N,\r\n\
         CS 922002,,02/10/2024,,Neglect,N,\r\n\
         CS 922003,03/10/2024,,Neglect,N,,\r\n",
    )?;
    // Two tables in one file: a second header row below the first table.
    csv(
        "cp_plans_two_tables_2024-25_Q3.csv",
        &format!(
            "CS 923001,01/10/2024,,Neglect,N,\r\n\r\n{HEADER}\
             CS 923002,02/10/2024,,Neglect,N,\r\n"
        ),
    )?;
    // Semicolons where the feed expects commas.
    std::fs::write(
        dir.join("cp_plans_semicolons_2024-25_Q3.csv"),
        HEADER.replace(',', ";") + "CS 924001;01/10/2024;;Neglect;N;\r\n",
    )?;
    // Every field in single quotes.
    let single = |line: &str| {
        line.trim_end()
            .split(',')
            .map(|f| format!("'{f}'"))
            .collect::<Vec<_>>()
            .join(",")
            + "\r\n"
    };
    std::fs::write(
        dir.join("cp_plans_single_quotes_2024-25_Q3.csv"),
        single(HEADER)
            + &single("CS 925001,01/10/2024,,Neglect,N,seen")
            + &single("CS 925002,02/10/2024,,Neglect,N,O'Brien family"),
    )?;
    // No "Plan Start Date" column: the suggestion must not be `Plan End Date`,
    // which another column already takes.
    std::fs::write(
        dir.join("cp_plans_no_start_2024-25_Q3.csv"),
        "Child ID,Plan End Date,Category of Abuse,Unborn\r\nCS 926001,,Neglect,N\r\n",
    )?;
    // An empty file, and a file saved as UTF-16 ("Unicode text" in Excel).
    std::fs::write(dir.join("cp_plans_empty_2024-25_Q3.csv"), b"")?;
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            format!("{HEADER}CS 927001,01/10/2024,,Neglect,N,\r\n")
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    std::fs::write(dir.join("cp_plans_utf16_2024-25_Q3.csv"), utf16)?;
    // A national statistics file in DfE's layout: every area's rows, the
    // period in a column, measures across the columns (a count and a rate).
    std::fs::write(
        dir.join("dfe_national_2024-25_Q4.csv"),
        "time_period,time_identifier,geographic_level,new_la_code,la_name,referrals,re_referral_rate\r\n\
         202324,Financial year,National,,England,621000,22.4\r\n\
         202324,Financial year,Local authority,E06000023,Eastgate,2140,19.7\r\n\
         202324,Financial year,Local authority,E09000001,Westbury,310,24.1\r\n\
         202425,Financial year,National,,England,598000,21.9\r\n\
         202425,Financial year,Local authority,E06000023,Eastgate,2018,21.3\r\n\
         202425,Financial year,Local authority,E09000001,Westbury,295,c\r\n",
    )?;
    // A count sharing a column of percentages written as fractions.
    std::fs::write(
        dir.join("early_help_fractions_2024-25_Q2.csv"),
        "Measure,Value\r\n\
         Closed plans where things improved,0.743\r\n\
         Closed plans stepped down to universal services,14\r\n\
         Closed plans with no change,\"1,204\"\r\n",
    )?;
    Ok(())
}

/// Housing's rolling return: quarters across the columns under year headings
/// merged across their quarters, on the second sheet, with a title, a blank
/// row inside the table, "<5" markers and a total row.
fn wide_return(path: &Path) -> Result<(), XlsxError> {
    std::fs::write(path, wide_return_bytes()?).map_err(XlsxError::IoError)
}

/// The wide return's bytes, for the whole file and the one cut short.
fn wide_return_bytes() -> Result<Vec<u8>, XlsxError> {
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
    wb.save_to_buffer()
}

/// The wide return again, but with "Measure" on the year row and the
/// quarters on the row below it, nothing under "Measure": the header is two
/// rows.
fn measure_on_year_row(path: &Path) -> Result<(), XlsxError> {
    let mut wb = workbook()?;
    let bold = Format::new().set_bold();
    let merged = Format::new().set_bold().set_align(FormatAlign::Center);
    wb.add_worksheet()
        .set_name("Cover")?
        .write_string(0, 0, "Rolling bed and breakfast return")?;
    let sheet = wb.add_worksheet().set_name("Quarterly")?;
    sheet.write_string_with_format(0, 0, "Bed and breakfast: the last eight quarters", &bold)?;
    sheet.write_string_with_format(2, 0, "Measure", &bold)?;
    sheet.merge_range(2, 1, 2, 4, "2023/24", &merged)?;
    sheet.merge_range(2, 5, 2, 8, "2024/25", &merged)?;
    sheet.write_string_with_format(2, 9, "Notes", &bold)?;
    for (i, q) in ["Q1", "Q2", "Q3", "Q4", "Q1", "Q2", "Q3", "Q4"]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(3, 1 + i as u16, *q, &bold)?;
    }
    let rows: [(&str, [u32; 8]); 2] = [
        ("Families in B&B", [10, 12, 15, 18, 21, 25, 29, 34]),
        (
            "Families in B&B for more than 6 weeks",
            [5, 6, 6, 8, 9, 12, 14, 17],
        ),
    ];
    for (r, (measure, values)) in rows.iter().enumerate() {
        let r = 4 + r as u32;
        sheet.write_string(r, 0, *measure)?;
        for (i, v) in values.iter().enumerate() {
            sheet.write_number(r, 1 + i as u16, f64::from(*v))?;
        }
    }
    wb.save(path)
}

/// One workbook holding a list per sheet, as Ofsted's Annex A does: two
/// feeds read it, each its own sheet.
fn lists_per_sheet(path: &Path) -> Result<(), XlsxError> {
    let mut wb = workbook()?;
    wb.add_worksheet()
        .set_name("Cover")?
        .write_string(0, 0, "Annex A lists, Q3 2024/25")?;
    for (name, measure, count) in [
        ("List 1", "Contacts", 412.0),
        ("List 2", "Early help assessments", 96.0),
        ("List 3", "Referrals", 158.0),
    ] {
        let sheet = wb.add_worksheet().set_name(name)?;
        sheet.write_string(0, 0, "Measure")?;
        sheet.write_string(0, 1, "Count")?;
        sheet.write_string(1, 0, measure)?;
        sheet.write_number(1, 1, count)?;
    }
    wb.save(path)
}

/// A return a data officer drafts a feed from (`pqa feeds new`): a cover
/// sheet first; a title above the header; dates as date cells, text and a
/// serial number; counts with a withheld "<5"; a first data row all text.
fn return_to_draft(path: &Path) -> Result<(), XlsxError> {
    let mut wb = workbook()?;
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let cover = wb.add_worksheet().set_name("Cover")?;
    cover.write_string(0, 0, "Referrals to children's social care")?;
    cover.write_string(
        1,
        0,
        "Quarter 3, 2024/25. Please read the notes before use.",
    )?;
    let sheet = wb.add_worksheet().set_name("Referrals")?;
    sheet.write_string(0, 0, "Referrals received in the quarter")?;
    for (c, h) in ["Child ID", "Referral Date", "Contacts", "Source"]
        .iter()
        .enumerate()
    {
        sheet.write_string(2, c as u16, *h)?;
    }
    let rows: [(&str, &str, &str); 5] = [
        ("CS 940001", "text:01/10/2024", "Police"),
        ("CS 940002", "cell:2024-10-02", "School"),
        ("CS 940003", "serial:45568", "Health"),
        ("CS 940004", "text:4-Oct-2024", "<5"),
        ("CS 940005", "cell:2024-10-07", "Police"),
    ];
    for (r, (id, when, source)) in rows.iter().enumerate() {
        let r = 3 + r as u32;
        sheet.write_string(r, 0, *id)?;
        match when.split_once(':') {
            Some(("text", t)) => sheet.write_string(r, 1, t)?,
            Some(("serial", n)) => sheet.write_number(r, 1, n.parse::<f64>().expect("a number"))?,
            Some((_, iso)) => {
                let (y, rest) = iso.split_at(4);
                let (m, d) = (&rest[1..3], &rest[4..6]);
                let day = ExcelDateTime::from_ymd(
                    y.parse().expect("year"),
                    m.parse().expect("month"),
                    d.parse().expect("day"),
                )?;
                sheet.write_datetime_with_format(r, 1, day, &date)?
            }
            None => unreachable!("every date says how it is written"),
        };
        // Contacts: a count, withheld as "<5" once.
        match *source {
            "<5" => {
                sheet.write_string(r, 2, "<5")?;
                sheet.write_string(r, 3, "Anonymous")?;
            }
            s => {
                sheet.write_number(r, 2, (r + 4) as f64)?;
                sheet.write_string(r, 3, s)?;
            }
        }
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
