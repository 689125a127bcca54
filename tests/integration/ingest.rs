//! Ingest: what is accepted, what is rejected and why, nothing silently lost.

use crate::TestProject;

#[test]
fn sample_inbox_loads_with_only_the_intended_rejects() {
    let p = TestProject::with_sample_inbox();
    let out = p.ok(&["ingest"]);
    assert!(
        out.contains("350 file(s): 349 loaded, 1 superseded"),
        "{out}"
    );
    assert!(
        out.contains("Rows read 257712 = accepted 257706 + rejected 6"),
        "{out}"
    );
    assert!(out.contains("csc/cp_plans_2023-24_Q2.csv row 9, column plan_start (type): \"31/02/2023\": not a valid date"), "{out}");
    assert!(
        out.contains("row 17, column plan_end (plan_end >= plan_start): fails the check"),
        "{out}"
    );
    assert!(
        out.contains("column category (code): \"Cat: Financial\": not a known code"),
        "{out}"
    );
    assert!(out.contains("Warehouse: run 1 committed"), "{out}");

    // The quarantine holds the same six rows, with file, row, column and rule.
    let rejects = p.ok(&[
        "query",
        "SELECT file, source_row, column_name, rule FROM rejects ORDER BY file, source_row",
        "--format",
        "csv",
    ]);
    assert_eq!(
        rejects,
        "file,source_row,column_name,rule\n\
         camhs/camhs_referrals_2024-25_Q2.csv,27,assessment_date,assessment_date >= referral_date\n\
         csc/contacts_2023-24_Q3.csv,42,contact_date,type\n\
         csc/cp_plans_2023-24_Q2.csv,9,plan_start,type\n\
         csc/cp_plans_2023-24_Q2.csv,17,plan_end,plan_end >= plan_start\n\
         csc/cp_plans_2024-25_Q1.csv,13,category,code\n\
         education/attendance_2023-24_autumn.csv,102,attended,attended <= possible_sessions\n"
    );
    // Every row carries its lineage.
    let lineage = p.count(
        "SELECT count(*) FROM cp_plans WHERE _source_file IS NULL OR length(_source_sha256) <> 64 OR _source_row < 2 OR _run_id IS NULL",
        &[],
    );
    assert_eq!(lineage, 0);
}

#[test]
fn identifiers_are_pseudonymised_and_never_printed() {
    let p = TestProject::new();
    p.add_sample("csc/cp_plans_2024-25_Q4.csv");
    let out = p.cmd(&["ingest", "-vv"]).output().unwrap();
    crate::assert_success(&out, &["ingest", "-vv"]);
    let everything = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !everything.contains("CS1"),
        "a child id was printed:\n{everything}"
    );
    // Delta's kernel logs whole log actions at debug, the min/max values of
    // every column in each file's statistics with them.
    assert!(
        !everything.contains("minValues"),
        "column values from Delta's file statistics were printed:\n{everything}"
    );
    let raw = p.count(
        "SELECT count(*) FROM cp_plans WHERE child_id LIKE 'CS%'",
        &[],
    );
    assert_eq!(raw, 0, "identifiers must not reach the warehouse in clear");
    let distinct = p.count("SELECT count(DISTINCT child_id) FROM cp_plans", &[]);
    assert_eq!(distinct, p.count("SELECT count(*) FROM cp_plans", &[]));
}

#[test]
fn a_pseudonymised_feed_refuses_to_run_without_a_key() {
    let p = TestProject::new();
    let project = std::fs::read_to_string(p.path().join("pqa.yaml"))
        .unwrap()
        .replace("sample_key: true", "sample_key: false");
    std::fs::write(p.path().join("pqa.yaml"), project).unwrap();
    p.add_sample("csc/cp_plans_2024-25_Q4.csv");
    let out = p.some_refused(&["ingest"]);
    assert!(
        out.contains("REFUSED: feed `cp_plans` pseudonymises identifiers but no key is set"),
        "{out}"
    );
    // With a key from the environment it loads.
    let out = p
        .cmd(&["ingest"])
        .env("PQA_PSEUDONYM_KEY", "a-real-partnership-key-0123")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("loaded"));
}

#[test]
fn files_nobody_claims_or_nobody_can_read_are_reported_not_skipped() {
    let p = TestProject::new();
    p.add_file("notes/meeting.txt", b"not data");
    p.add_file(
        "csc/cp_plans_undated.csv",
        b"Child ID,Plan Start Date,Plan End Date,Category of Abuse,Unborn\r\n",
    );
    p.add_file(
        "csc/cp_plans_2024-25_Q2.csv",
        b"Child ID,Start,Category of Abuse\r\nC1,01/07/2024,N\r\n",
    );
    p.add_file(
        "housing/bed_and_breakfast_2024-25_Q2.xlsx",
        b"this is not a workbook",
    );
    let out = p.some_refused(&["ingest"]);
    assert!(
        out.contains("notes/meeting.txt") && out.contains("REFUSED: no feed claims this file"),
        "{out}"
    );
    assert!(out.contains("REFUSED: no period in the file name"), "{out}");
    assert!(
        out.contains(
            "REFUSED: column `plan_start`: no header \"Plan Start Date\" or \"CP Start Date\""
        ),
        "{out}"
    );
    assert!(
        out.contains("REFUSED: the file is text, not a workbook"),
        "{out}"
    );
    // Refusals are recorded in `submissions`, so the warehouse has a run
    // to commit even though no row was loaded.
    assert_eq!(
        p.count(
            "SELECT count(*) FROM submissions WHERE status = 'refused'",
            &[]
        ),
        4
    );
    // A second run over the same inbox refuses the same files for the same
    // reasons and records nothing new.
    let again = p.some_refused(&["ingest"]);
    assert!(
        again.contains("Warehouse: nothing new to commit"),
        "{again}"
    );
}

#[test]
fn windows_1252_and_suppression_markers_in_an_xlsx_are_handled() {
    // The housing return writes "<5" for small numbers: null plus a status, never 0.
    let p = TestProject::new();
    p.add_sample("housing/bed_and_breakfast_2022-23_Q1.xlsx");
    p.ok(&["ingest"]);
    let out = p.ok(&[
        "query",
        "SELECT indicator, value, value_status FROM indicators ORDER BY indicator",
        "--format",
        "csv",
    ]);
    assert_eq!(
        out,
        "indicator,value,value_status\n\
         children_in_bed_and_breakfast,25.0,\n\
         families_in_bed_and_breakfast,14.0,\n\
         families_in_bed_and_breakfast_over_6_weeks,,c\n"
    );
}

#[test]
fn each_run_writes_a_validation_report_with_every_file_and_reason() {
    let p = TestProject::new();
    p.add_sample("csc/cp_plans_2023-24_Q2.csv");
    p.add_file("notes.txt", b"x");
    let out = p.some_refused(&["ingest"]);
    assert!(
        out.contains("Validation report: out/validation/latest.html"),
        "{out}"
    );
    let csv = std::fs::read_to_string(p.path().join("out/validation/latest.csv")).unwrap();
    assert_eq!(
        csv,
        std::fs::read_to_string(p.path().join("out/validation/run-1.csv")).unwrap()
    );
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "file,sheet,feed,period,status,rows_read,rows_accepted,rows_rejected,row,column,rule,message"
    );
    assert_eq!(
        lines[1],
        "csc/cp_plans_2023-24_Q2.csv,,cp_plans,2023/24-Q2,loaded,268,266,2,,,,"
    );
    assert_eq!(
        lines[2],
        "csc/cp_plans_2023-24_Q2.csv,,cp_plans,2023/24-Q2,,,,,9,plan_start,type,\"\"\"31/02/2023\"\": not a valid date in the expected format (dd/mm/yyyy, yyyy-mm-dd)\""
    );
    assert!(
        lines[4].starts_with("notes.txt,,,,REFUSED: no feed claims this file"),
        "{}",
        lines[4]
    );
    let html = std::fs::read_to_string(p.path().join("out/validation/latest.html")).unwrap();
    assert!(
        html.contains("<td class=\"num\">9</td><td>plan_start</td>"),
        "rejects are listed per file"
    );

    // The report names it, as a path beside the report (a link in the
    // HTML, text in print).
    p.ok(&["report", "--period", "2023/24-H1"]);
    let md = std::fs::read_to_string(p.path().join("out/pqa-report-2023-24-H1.md")).unwrap();
    assert!(
        md.contains("is in the validation report: validation/latest.html, beside this report"),
        "{md}"
    );
}

/// A file larger than one batch is streamed through staging into the
/// warehouse: every row arrives once, rejects keep their true line numbers,
/// and the staging folder is gone after the run.
#[test]
fn a_file_of_many_batches_streams_into_the_warehouse_whole() {
    let p = TestProject::new();
    let rows = 140_000; // more than two of pqa's 65,536-row batches
    let mut csv = String::from(
        "UPN,Term,Possible Sessions,Sessions Attended,Authorised Absence,Unauthorised Absence\r\n",
    );
    for i in 0..rows {
        // Row 100,002 of the file (the 100,001st pupil) attended more than possible.
        let attended = if i == 100_000 { 150 } else { 130 };
        csv.push_str(&format!("N{i:012},Autumn,140,{attended},5,5\r\n"));
    }
    p.add_file("education/attendance_2024-25_autumn.csv", csv.as_bytes());
    let out = p.ok(&["ingest"]);
    assert!(
        out.contains(&format!(
            "Rows read {rows} = accepted {} + rejected 1",
            rows - 1
        )),
        "{out}"
    );
    assert!(out.contains("row 100002, column attended"), "{out}");
    assert_eq!(p.count("SELECT count(*) FROM attendance", &[]), rows - 1);
    assert_eq!(
        p.count("SELECT count(DISTINCT _source_row) FROM attendance", &[]),
        rows - 1
    );
    assert_eq!(
        p.count("SELECT max(_source_row) FROM attendance", &[]),
        rows + 1
    );
    let staging = p.path().join("warehouse/_staging");
    let left: Vec<_> = std::fs::read_dir(&staging)
        .map(|d| d.collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "staged files left behind: {left:?}");
}

#[test]
fn a_run_that_refuses_a_file_still_reports_and_exits_2() {
    // A scheduled job tells "look at the validation report" (2) from "the
    // run failed" (1); the report is still written from what loaded.
    let p = TestProject::new();
    p.add_sample("csc/cp_plans_2024-25_Q3.csv");
    p.add_file("notes/meeting.txt", b"not data");
    let out = p.some_refused(&["run", "--no-pdf"]);
    assert!(out.contains("REFUSED: no feed claims this file"), "{out}");
    assert!(p.path().join("out/pqa-report-2024-25-H2.html").exists());
    // Nothing new the second time, but the file is still refused.
    p.some_refused(&["ingest"]);
    std::fs::remove_file(p.inbox().join("notes/meeting.txt")).unwrap();
    p.ok(&["ingest"]);
}

/// The rows of a sample file with one plan's category changed, so the bytes
/// differ: a corrected copy of the same quarter.
fn corrected(sample: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(crate::sample_inbox().join(sample)).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let changed = lines[1].replacen(",N,", ",E,", 1);
    lines[1] = &changed;
    (lines.join("\r\n") + "\r\n").into_bytes()
}

#[test]
fn two_files_for_one_quarter_are_refused_together_never_chosen_by_name() {
    let p = TestProject::new();
    let original =
        std::fs::read(crate::sample_inbox().join("csc/cp_plans_2024-25_Q2.csv")).unwrap();
    p.add_file("csc/cp_plans_2024-25_Q2_original.csv", &original);
    p.add_file(
        "csc/cp_plans_2024-25_Q2_corrected.csv",
        &corrected("csc/cp_plans_2024-25_Q2.csv"),
    );
    let out = p.some_refused(&["ingest"]);
    assert!(
        out.contains("REFUSED: another file in this run is also for 2024/25-Q2: csc/cp_plans_2024-25_Q2_original.csv; pqa does not choose between them by name or date: remove the one that is wrong, or name the newer by the feed's resubmission rule (`_resubmitted`)"),
        "{out}"
    );
    assert!(
        out.contains("also for 2024/25-Q2: csc/cp_plans_2024-25_Q2_corrected.csv;"),
        "{out}"
    );
    assert_eq!(
        p.count(
            "SELECT count(*) FROM submissions WHERE status = 'refused'",
            &[]
        ),
        2
    );
    assert_eq!(p.count("SELECT count(*) FROM cp_plans", &[]), 0);

    // Named by the feed's rule, the resubmission replaces the first.
    std::fs::rename(
        p.inbox().join("csc/cp_plans_2024-25_Q2_corrected.csv"),
        p.inbox().join("csc/cp_plans_2024-25_Q2_resubmitted.csv"),
    )
    .unwrap();
    let out = p.ok(&["ingest"]);
    assert!(
        out.contains(
            "superseded by csc/cp_plans_2024-25_Q2_resubmitted.csv (the feed's resubmission rule)"
        ),
        "{out}"
    );
    assert_eq!(
        p.count("SELECT count(*) FROM submissions WHERE status = 'loaded' AND file LIKE '%resubmitted%'", &[]),
        1
    );
}

#[test]
fn the_same_bytes_under_several_names_are_refused_together() {
    let p = TestProject::new();
    let bytes = std::fs::read(crate::sample_inbox().join("csc/cp_plans_2024-25_Q2.csv")).unwrap();
    for q in ["Q2", "Q3", "Q4"] {
        p.add_file(&format!("csc/cp_plans_2024-25_{q}.csv"), &bytes);
    }
    let out = p.some_refused(&["ingest"]);
    assert!(
        out.contains("REFUSED: the same file (identical bytes) is also in the inbox as csc/cp_plans_2024-25_Q3.csv, csc/cp_plans_2024-25_Q4.csv: each is refused"),
        "{out}"
    );
    assert_eq!(p.count("SELECT count(*) FROM cp_plans", &[]), 0);
    // Rows in refused files are counted as read, not lost from the total.
    assert!(out.contains("(not loaded)"), "{out}");
}
