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
fn ragged_rows_are_reported_and_quoted_newlines_keep_row_numbers_true() {
    let p = project(&[(
        "cp_plans_ragged_2024-25_Q2.csv",
        "csc/cp_plans_ragged_2024-25_Q2.csv",
    )]);
    let out = p.ok(&["ingest"]);
    // Line 2 holds a field over two lines, so the short row is on line 5.
    assert!(
        out.contains("csc/cp_plans_ragged_2024-25_Q2.csv row 5 (shape): the row has 4 fields but the header row has 6: a delimiter or quote is probably missing"),
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
