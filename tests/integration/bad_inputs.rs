//! Each awkward or bad input agencies send, as a real file under tests/files,
//! with what pqa says about it pinned.

use crate::{TestProject, repo};

/// A project with the test feeds and the named fixtures in its inbox.
fn project(fixtures: &[(&str, &str)]) -> TestProject {
    let p = TestProject::new();
    crate::copy_dir(
        &repo().join("tests/files/pipelines"),
        &p.path().join("pipelines"),
    );
    for (fixture, inbox_path) in fixtures {
        p.add_file(
            inbox_path,
            &std::fs::read(repo().join("tests/files").join(fixture)).unwrap(),
        );
    }
    p
}

#[test]
fn a_wide_return_under_merged_year_headings_becomes_one_row_per_quarter() {
    let p = project(&[("bb_wide_2024-25_Q4.xlsx", "housing/bb_wide_2024-25_Q4.xlsx")]);
    let out = p.ok(&["ingest"]);
    assert!(
        out.contains("housing/bb_wide_2024-25_Q4.xlsx")
            && out.contains("     16        16         0  loaded"),
        "{out}"
    );
    assert!(
        out.contains("housing/bb_wide_2024-25_Q4.xlsx row 8: starts with \"Total\" (not data)"),
        "{out}"
    );
    let rows = p.ok(&[
        "query",
        "SELECT period, value, value_status FROM indicators WHERE indicator = 'families_in_bed_and_breakfast_over_6_weeks' ORDER BY period LIMIT 3",
        "--format",
        "csv",
    ]);
    assert_eq!(
        rows,
        "period,value,value_status\n2023/24-Q1,,c\n2023/24-Q2,,c\n2023/24-Q3,6.0,\n"
    );
    assert_eq!(p.count("SELECT CAST(value AS BIGINT) FROM indicators WHERE indicator = 'families_in_bed_and_breakfast' AND period = '2024/25-Q4'", &[]), 34);
}

#[test]
fn one_date_column_written_every_way_loads_and_the_impossible_date_is_refused() {
    let p = project(&[(
        "cp_plans_mixed_dates_2024-25_Q1.xlsx",
        "csc/cp_plans_mixed_dates_2024-25_Q1.xlsx",
    )]);
    let out = p.ok(&["ingest"]);
    assert!(
        out.contains("csc/cp_plans_mixed_dates_2024-25_Q1.xlsx sheet \"Plans\", row 6, column plan_start (type): \"31/02/2024\": not a valid date in the expected format (dd/mm/yyyy, dd-Mon-yyyy, yyyy-mm-dd, Excel date number)"),
        "{out}"
    );
    let dates = p.ok(&[
        "query",
        "SELECT CAST(plan_start AS VARCHAR) AS d, unborn FROM cp_plans ORDER BY d",
        "--format",
        "csv",
    ]);
    assert_eq!(
        dates,
        "d,unborn\n2024-04-02,true\n2024-04-03,false\n2024-04-05,true\n2024-04-06,false\n"
    );
}

#[test]
fn windows_1252_csv_loads_with_its_encoding_declared() {
    let p = project(&[(
        "probation_windows1252_2024-25_Q1.csv",
        "probation/probation_windows1252_2024-25_Q1.csv",
    )]);
    p.ok(&["ingest"]);
    let rows = p.ok(&[
        "query",
        "SELECT indicator, value FROM indicators ORDER BY indicator",
        "--format",
        "csv",
    ]);
    assert_eq!(
        rows,
        "indicator,value\ninterpreter_cost_pounds,1200.0\nprobation_referrals_to_hub,23.0\n"
    );
}

#[test]
fn windows_1252_csv_read_as_utf8_is_refused_with_what_to_do() {
    let p = project(&[(
        "probation_windows1252_2024-25_Q1.csv",
        "probation/probation_windows1252_2024-25_Q1.csv",
    )]);
    let feed = p.path().join("pipelines/probation_referrals.yaml");
    std::fs::write(
        &feed,
        std::fs::read_to_string(&feed)
            .unwrap()
            .replace("  encoding: windows-1252\n", ""),
    )
    .unwrap();
    let out = p.some_refused(&["ingest"]);
    assert!(
        out.contains("REFUSED: line 2 is not UTF-8 text; if the file was saved from Excel as CSV, set `encoding: windows-1252` in the feed"),
        "{out}"
    );
}

#[test]
fn ragged_rows_are_reported_and_numbered_as_a_spreadsheet_shows_them() {
    let p = project(&[(
        "cp_plans_ragged_2024-25_Q2.csv",
        "csc/cp_plans_ragged_2024-25_Q2.csv",
    )]);
    let out = p.ok(&["ingest"]);
    // Row 2 holds a field over two lines; a spreadsheet shows it as one
    // row, so the short row is row 4 (line 5 of the file).
    assert!(
        out.contains("csc/cp_plans_ragged_2024-25_Q2.csv row 4 (shape): the row has 4 fields but the header row has 6: a delimiter or quote is probably missing"),
        "{out}"
    );
    assert!(out.contains("      4         3         1  loaded"), "{out}");
    assert_eq!(
        p.count(
            "SELECT count(*) FROM cp_plans WHERE plan_start = DATE '2024-07-05'",
            &[]
        ),
        1,
        "5/7/2024 is 5 July"
    );
    assert!(
        out.contains("  csc/cp_plans_ragged_2024-25_Q2.csv: Notes\n"),
        "the unmapped Notes column is reported: {out}"
    );
}

#[test]
fn a_sheet_that_is_not_there_is_named_with_the_ones_that_are() {
    let p = project(&[("bb_wide_2024-25_Q4.xlsx", "housing/bb_wide_2024-25_Q4.xlsx")]);
    let feed = p.path().join("pipelines/housing_bb_wide.yaml");
    std::fs::write(
        &feed,
        std::fs::read_to_string(&feed)
            .unwrap()
            .replace("sheet: 2", "sheet: 3"),
    )
    .unwrap();
    let out = p.some_refused(&["ingest"]);
    assert!(
        out.contains("REFUSED: no sheet 3: the workbook has 2 sheet(s): Cover, Quarterly"),
        "{out}"
    );
}

#[test]
fn a_bom_semicolons_and_percentages_are_read_and_a_non_number_is_refused() {
    let p = project(&[(
        "early_help_bom_semicolon_2024-25_Q1.csv",
        "early_help/early_help_bom_semicolon_2024-25_Q1.csv",
    )]);
    let out = p.ok(&["ingest"]);
    assert!(out.contains("early_help/early_help_bom_semicolon_2024-25_Q1.csv row 4, column value (type): \"lots\": not a number"), "{out}");
    let rows = p.ok(&[
        "query",
        "SELECT indicator, value FROM indicators ORDER BY indicator",
        "--format",
        "csv",
    ]);
    assert_eq!(
        rows,
        "indicator,value\nearly_help_closed_improved_pct,74.3\nearly_help_stepped_down_pct,61.0\n"
    );
}

/// Ingests one fixture (into the inbox under `csc/`, or the given folder) and
/// returns what pqa printed.
fn ingest_one(fixture: &str, folder: &str) -> (TestProject, String) {
    let p = project(&[(fixture, &format!("{folder}/{fixture}"))]);
    let out = p.cmd(&["ingest"]).output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (p, text)
}

#[test]
fn a_two_digit_year_under_a_four_digit_format_is_refused_not_read_as_year_24() {
    let (p, out) = ingest_one("cp_plans_two_digit_years_2024-25_Q3.csv", "csc");
    assert!(out.contains("      3         1         2  loaded"), "{out}");
    assert!(
        out.contains("row 3, column plan_start (type): \"05/10/24\": a two-digit year (05/10/24): write the year in full, or add a format with %y"),
        "{out}"
    );
    assert!(
        out.contains("row 4, column plan_end (type): \"07/11/24\": a two-digit year"),
        "{out}"
    );
    assert_eq!(
        p.count("SELECT count(*) FROM cp_plans WHERE plan_start < DATE '2000-01-01' OR plan_end < DATE '2000-01-01'", &[]),
        0
    );
}

#[test]
fn quotes_that_do_not_pair_up_reject_their_rows_with_where_it_went_wrong() {
    let (p, out) = ingest_one("cp_plans_broken_quotes_2024-25_Q3.csv", "csc");
    assert!(out.contains("      5         2         3  loaded"), "{out}");
    for expected in [
        "row 3 (shape): field 6 holds a quote but does not start with one",
        "row 4 (shape): field 4 has text after its closing quote",
        "row 6 (shape): field 6 opens a quote that is never closed (the file ends inside it); the record runs over 2 lines of the file",
    ] {
        assert!(out.contains(expected), "{expected}\n{out}");
    }
    assert_eq!(p.count("SELECT count(*) FROM cp_plans", &[]), 2);
}

#[test]
fn a_row_with_a_field_too_many_is_rejected_not_shifted_or_trimmed() {
    let (p, out) = ingest_one("cp_plans_extra_field_2024-25_Q3.csv", "csc");
    assert!(out.contains("      3         1         2  loaded"), "{out}");
    let extra = "(shape): the row has 7 fields but the header row has 6: a delimiter too many";
    assert!(out.contains(&format!("row 3 {extra}")), "{out}");
    assert!(out.contains(&format!("row 4 {extra}")), "{out}");
    assert_eq!(p.count("SELECT count(*) FROM cp_plans", &[]), 1);
}

#[test]
fn files_whose_shape_is_wrong_are_refused_before_any_value_is_read() {
    for (fixture, folder, reason) in [
        (
            "cp_plans_two_tables_2024-25_Q3.csv",
            "csc",
            "REFUSED: row 4 repeats the header row: a second table starts there",
        ),
        (
            "cp_plans_semicolons_2024-25_Q3.csv",
            "csc",
            "the rows look delimited by semicolons: set `delimiter: \";\"` under `source:` in the feed",
        ),
        (
            "cp_plans_single_quotes_2024-25_Q3.csv",
            "csc",
            "REFUSED: the header row (row 1) has 'Child ID' in quotes that are not the feed's: if the file quotes fields with ', set `quote: \"'\"` under `source:`",
        ),
        (
            "cp_plans_empty_2024-25_Q3.csv",
            "csc",
            "REFUSED: the file is empty",
        ),
        (
            "cp_plans_utf16_2024-25_Q3.csv",
            "csc",
            "REFUSED: the file is UTF-16 text (Excel's \"Unicode Text\"), which pqa does not read: save it as \"CSV UTF-8 (Comma delimited)\"",
        ),
        (
            "bb_wide_cut_short_2024-25_Q3.xlsx",
            "housing",
            "REFUSED: the workbook is damaged or cut short",
        ),
    ] {
        let (p, out) = ingest_one(fixture, folder);
        assert!(out.contains(reason), "{fixture}: {reason}\n{out}");
        assert_eq!(
            p.count(
                "SELECT count(*) FROM submissions WHERE status = 'refused'",
                &[]
            ),
            1,
            "{fixture}: the refusal is recorded"
        );
    }
}

#[test]
fn a_missing_column_is_never_offered_a_header_another_column_takes() {
    let (_, out) = ingest_one("cp_plans_no_start_2024-25_Q3.csv", "csc");
    assert!(
        out.contains(
            "REFUSED: column `plan_start`: no header \"Plan Start Date\" or \"CP Start Date\""
        ),
        "{out}"
    );
    assert!(!out.contains("Plan End"), "{out}");
}

#[test]
fn single_quoted_fields_load_once_the_feed_declares_the_quote() {
    let p = project(&[(
        "cp_plans_single_quotes_2024-25_Q3.csv",
        "csc/cp_plans_single_quotes_2024-25_Q3.csv",
    )]);
    let feed = p.path().join("pipelines/cp_plans.yaml");
    let text = std::fs::read_to_string(&feed)
        .unwrap()
        .replace("  format: csv\n", "  format: csv\n  quote: \"'\"\n");
    std::fs::write(&feed, text).unwrap();
    let out = p.ok(&["ingest"]);
    assert!(out.contains("      2         1         1  loaded"), "{out}");
    // O'Brien's apostrophe closes the quote early: the row is rejected, never
    // loaded as a guess.
    assert!(
        out.contains("row 3 (shape): field 6 has text after its closing quote"),
        "{out}"
    );
}

#[test]
fn a_count_in_a_column_of_fractions_is_refused_not_multiplied() {
    let (p, out) = ingest_one(
        "early_help_fractions_2024-25_Q2.csv",
        "early_help_fractions",
    );
    assert!(out.contains("      3         1         2  loaded"), "{out}");
    assert!(
        out.contains("row 3, column value (type): \"14\": 14 is not a fraction (0 to 1)"),
        "{out}"
    );
    assert!(
        out.contains("row 4, column value (type): \"1,204\": 1204 is not a fraction"),
        "{out}"
    );
    let rows = p.ok(&[
        "query",
        "SELECT indicator, value FROM indicators",
        "--format",
        "csv",
    ]);
    assert_eq!(
        rows,
        "indicator,value\nearly_help_closed_improved_pct,74.3\n"
    );
}

#[test]
fn a_wide_return_with_measure_on_the_year_row_loads_every_quarter() {
    // Read as a one-row header, Q1's values were loaded labelled as the
    // year and Q2–Q4 dropped without a word.
    let (p, out) = ingest_one("bb_wide_measure_on_year_row_2024-25_Q4.xlsx", "housing");
    assert!(out.contains("     16        16         0  loaded"), "{out}");
    let rows = p.ok(&[
        "query",
        "SELECT period, value FROM indicators WHERE indicator = 'families_in_bed_and_breakfast' ORDER BY period",
        "--format",
        "csv",
    ]);
    assert_eq!(
        rows,
        "period,value\n2023/24-Q1,10.0\n2023/24-Q2,12.0\n2023/24-Q3,15.0\n2023/24-Q4,18.0\n\
         2024/25-Q1,21.0\n2024/25-Q2,25.0\n2024/25-Q3,29.0\n2024/25-Q4,34.0\n"
    );
}

#[test]
fn feeds_reading_their_own_sheets_share_one_workbook() {
    let (p, out) = ingest_one("annex_a_2024-25_Q3.xlsx", "csc");
    assert!(
        out.contains("csc/annex_a_2024-25_Q3.xlsx  annex_a_contacts              2024/25-Q3       1         1         0  loaded")
            && out.contains("csc/annex_a_2024-25_Q3.xlsx  annex_a_referrals             2024/25-Q3       1         1         0  loaded"),
        "{out}"
    );
    assert!(
        out.contains("1 file(s), read as 2 submissions: 2 loaded"),
        "{out}"
    );
    let rows = p.ok(&[
        "query",
        "SELECT indicator, value FROM indicators ORDER BY indicator",
        "--format",
        "csv",
    ]);
    assert_eq!(
        rows,
        "indicator,value\nannex_a_contacts,412.0\nannex_a_referrals,158.0\n"
    );
    // Two feeds on the same sheet cannot both read it.
    let feed = p.path().join("pipelines/annex_a_referrals.yaml");
    let text = std::fs::read_to_string(&feed)
        .unwrap()
        .replace("List 3", "List 1");
    std::fs::write(&feed, text).unwrap();
    std::fs::write(p.inbox().join("csc/annex_a_2024-25_Q4.xlsx"), b"x").unwrap();
    let out = p.some_refused(&["ingest"]);
    assert!(
        out.contains("claimed by more than one feed (annex_a_contacts, annex_a_referrals)"),
        "{out}"
    );
}

#[test]
fn a_national_file_loads_only_our_areas_rows_with_periods_and_measures_from_its_columns() {
    let (p, out) = ingest_one("dfe_national_2024-25_Q4.csv", "dfe");
    assert!(out.contains("      4         4         0  loaded"), "{out}");
    assert!(
        out.contains("Rows left out by feeds' `keep_rows` (other areas' rows, not read): 4"),
        "{out}"
    );
    assert!(!out.contains("Headers not loaded"), "{out}");
    let rows = p.ok(&[
        "query",
        "SELECT period, indicator, value FROM indicators ORDER BY period, indicator",
        "--format",
        "csv",
    ]);
    assert_eq!(
        rows,
        "period,indicator,value\n2023/24,dfe_re_referral_pct,19.7\n2023/24,dfe_referrals,2140.0\n\
         2024/25,dfe_re_referral_pct,21.3\n2024/25,dfe_referrals,2018.0\n"
    );
}
