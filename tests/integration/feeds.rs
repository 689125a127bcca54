//! The data officer's tools: `pqa feeds check | try | test | new`.

use crate::{TestProject, repo};

/// `pqa` run in the repository itself (its pqa.yaml), for commands that never
/// touch the warehouse.
fn in_repo(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_pqa"))
        .current_dir(repo())
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn every_feeds_expect_block_passes() {
    // This is how a new feed is tested without writing Rust: its expect: block.
    let out = in_repo(&["feeds", "test"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    crate::assert_success(&out, &["feeds", "test"]);
    assert!(
        !stdout.contains("no expect: block"),
        "every feed needs an expect: block:\n{stdout}"
    );
    assert!(
        stdout.contains("ok   ssda903_episodes")
            && stdout.contains("(read 5050, accepted 5050, rejected 0)"),
        "{stdout}"
    );
}

#[test]
fn a_wrong_expectation_fails_with_the_difference() {
    let p = TestProject::new();
    let feed = std::fs::read_to_string(p.path().join("pipelines/cp_plans.yaml")).unwrap();
    std::fs::write(
        p.path().join("pipelines/cp_plans.yaml"),
        feed.replace(
            "sample-data/",
            &format!("{}/sample-data/", repo().display()),
        )
        .replace("rows_rejected: 2", "rows_rejected: 0"),
    )
    .unwrap();
    for f in [
        "ssda903_episodes",
        "ssda903_header",
        "ssda903_reviews",
        "housing_bed_and_breakfast",
        "lait_benchmarks",
    ] {
        std::fs::remove_file(p.path().join(format!("pipelines/{f}.yaml"))).unwrap();
    }
    let out = p.cmd(&["feeds", "test"]).output().unwrap();
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("FAIL cp_plans") && stdout.contains("rows_rejected 2, expected 0"),
        "{stdout}"
    );
}

#[test]
fn check_lists_the_feeds() {
    let out = in_repo(&["feeds", "check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with(
            "Configuration is valid: 38 feed(s), 32 dataset(s), 44 metric(s), 3 audit(s), 15 vulnerabilities."
        ),
        "{stdout}"
    );
}

#[test]
fn check_finds_inbox_files_two_feeds_claim() {
    let p = TestProject::new();
    let second = std::fs::read_to_string(p.path().join("pipelines/cp_plans.yaml"))
        .unwrap()
        .replace("feed: cp_plans", "feed: cp_plans_copy");
    std::fs::write(p.path().join("pipelines/cp_plans_copy.yaml"), second).unwrap();
    p.add_sample("csc/cp_plans_2024-25_Q4.csv");
    p.add_file("stray.txt", b"x");
    let out = p.cmd(&["feeds", "check"]).output().unwrap();
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "inbox file csc/cp_plans_2024-25_Q4.csv is claimed by cp_plans and cp_plans_copy"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("inbox file stray.txt is claimed by no feed"),
        "{stdout}"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("1 inbox file(s) claimed by more than one feed")
    );
}

#[test]
fn try_shows_rows_rejects_and_counts_without_a_warehouse() {
    let p = TestProject::new();
    let file = repo().join("sample-data/inbox/csc/cp_plans_2023-24_Q2.csv");
    let out = p.ok(&[
        "feeds",
        "try",
        "cp_plans",
        file.to_str().unwrap(),
        "--rows",
        "2",
    ]);
    assert!(
        out.contains("First 2 row(s) as they would be stored"),
        "{out}"
    );
    assert!(
        out.contains("row 9, column plan_start (type): \"31/02/2023\": not a valid date"),
        "{out}"
    );
    assert!(
        out.ends_with("rows read 268 = accepted 266 + rejected 2\n"),
        "{out}"
    );
    assert!(!out.contains("CS1"), "identifiers are shown pseudonymised");
    assert!(
        !p.path().join("warehouse").exists(),
        "try never touches the warehouse"
    );
}

#[test]
fn try_names_the_closest_feed_when_misspelt() {
    let p = TestProject::new();
    let out = p
        .cmd(&["feeds", "try", "cp_plan", "x.csv"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("no feed `cp_plan` (did you mean `cp_plans`?)")
    );
}

#[test]
fn new_drafts_a_feed_and_schema_from_a_sample_file() {
    let out = in_repo(&[
        "feeds",
        "new",
        "--from",
        "../shared/external/ssda903/header.csv",
    ]);
    crate::assert_success(&out, &["feeds", "new"]);
    let draft = String::from_utf8_lossy(&out.stdout);
    assert!(draft.contains("dataset: header"), "{draft}");
    assert!(
        draft.contains("  child: { type: string, identifying: true }"),
        "{draft}"
    );
    assert!(
        draft.contains("  dob: { type: date, identifying: true }"),
        "{draft}"
    );
    assert!(draft.contains("  dob: { from: \"DOB\", formats: [\"%d/%m/%Y\", \"%d-%b-%Y\", iso, excel_serial], privacy: generalise_to_month }"), "{draft}");
    assert!(
        draft.contains("  upn: { from: \"UPN\", privacy: pseudonymise }"),
        "{draft}"
    );
    assert!(draft.contains("  sex: { type: integer }"), "{draft}");
}

#[test]
fn a_written_draft_loads_the_file_it_came_from_and_check_holds_its_todos() {
    let p = TestProject::new();
    let sample = crate::repo().join("tests/files/referrals_2024-25_Q3.xlsx");
    let sample = sample.to_str().unwrap();
    p.ok(&["feeds", "new", "--from", sample, "--write"]);
    let schema = std::fs::read_to_string(p.path().join("schemas/referrals.yaml")).unwrap();
    let feed = std::fs::read_to_string(p.path().join("pipelines/referrals.yaml")).unwrap();
    // Not the cover sheet; the header below the title, not the first data
    // row; dates written three ways are dates; "<5" keeps a number a number.
    for expected in [
        "  referral_date: { type: date }",
        "  contacts: { type: integer }",
        "  contacts_status: { type: string }",
    ] {
        assert!(schema.contains(expected), "{expected}\n{schema}");
    }
    assert!(
        feed.contains("  sheet: \"Referrals\"\n  header_row: 3\n"),
        "{feed}"
    );
    let tried = p.ok(&["feeds", "try", "referrals", sample]);
    assert!(
        tried.contains("rows read 5 = accepted 5 + rejected 0"),
        "{tried}"
    );
    // The TODOs fail the check, with where they are.
    let out = p.cmd(&["feeds", "check"]).output().unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("pipelines/referrals.yaml:3:9: still a draft: TODO the agency that sends it")
            && text.contains("schemas/referrals.yaml:4:14: still a draft"),
        "{text}"
    );
    // A second draft from the same file never overwrites the first.
    let again = p.ok(&["feeds", "new", "--from", sample, "--write"]);
    assert!(again.contains("pipelines/referrals_2.yaml"), "{again}");
}
