//! The warehouse: idempotent re-ingest, replace on resubmission with history,
//! and runs that fail part-way leaving every table as it was.

use crate::TestProject;

const PLANS_AT_Q3: &str = "SELECT count(*) FROM cp_plans WHERE _period = '2024/25-Q3'";
/// Rows in the sample's first Q3 2024/25 file (one team's cases missing) and
/// in its resubmission.
const FIRST_Q3: i64 = 248;
const RESUBMITTED_Q3: i64 = 279;

#[test]
fn the_same_files_twice_add_nothing() {
    let p = TestProject::with_sample_inbox();
    p.ok(&["ingest"]);
    let counts = |p: &TestProject| {
        ["cp_plans", "indicators", "rejects", "submissions"]
            .map(|t| p.count(&format!("SELECT count(*) FROM {t}"), &[]))
    };
    let before = counts(&p);
    let out = p.ok(&["ingest"]);
    assert!(out.contains("179 file(s): 179 already loaded"), "{out}");
    assert!(out.contains("Warehouse: nothing new to commit"), "{out}");
    assert_eq!(counts(&p), before);
    let history = p.ok(&["history"]);
    assert_eq!(
        history.lines().count(),
        1,
        "a second ingest of the same files makes no run:\n{history}"
    );
}

#[test]
fn a_resubmission_replaces_its_quarter_and_the_old_figures_stay_in_history() {
    let p = TestProject::new();
    p.add_sample("csc/cp_plans_2024-25_Q2.csv");
    p.add_sample("csc/cp_plans_2024-25_Q3.csv");
    p.ok(&["ingest"]);
    let q2 = p.count(
        "SELECT count(*) FROM cp_plans WHERE _period = '2024/25-Q2'",
        &[],
    );
    assert_eq!(p.count(PLANS_AT_Q3, &[]), FIRST_Q3);

    p.add_sample("csc/cp_plans_2024-25_Q3_resubmitted.csv");
    let out = p.ok(&["ingest"]);
    assert!(
        out.contains("cp_plans_2024-25_Q3_resubmitted.csv")
            && out.contains("replaced the earlier submission"),
        "{out}"
    );
    assert_eq!(
        p.count(PLANS_AT_Q3, &[]),
        RESUBMITTED_Q3,
        "the resubmission replaces the quarter"
    );
    assert_eq!(
        p.count(
            "SELECT count(*) FROM cp_plans WHERE _period = '2024/25-Q2'",
            &[]
        ),
        q2,
        "other quarters are untouched"
    );
    assert_eq!(
        p.count(
            "SELECT count(DISTINCT _source_file) FROM cp_plans WHERE _period = '2024/25-Q3'",
            &[]
        ),
        1
    );

    // The previous version is still readable.
    assert_eq!(p.count(PLANS_AT_Q3, &["--as-of", "1"]), FIRST_Q3);
    let history = p.ok(&["history"]);
    assert!(
        history.contains("run   1") && history.contains("run   2"),
        "{history}"
    );
    assert_eq!(p.count("SELECT max(run_number) FROM runs", &[]), 2);
}

#[test]
fn a_run_killed_part_way_leaves_every_table_as_it_was() {
    let p = TestProject::new();
    p.add_sample("csc/cp_plans_2024-25_Q1.csv");
    p.add_sample("housing/bed_and_breakfast_2024-25_Q1.xlsx");
    p.ok(&["ingest"]);
    let plans = p.count("SELECT count(*) FROM cp_plans", &[]);
    let indicators = p.count("SELECT count(*) FROM indicators", &[]);

    // The next run dies right after its first table commit.
    p.add_sample("csc/cp_plans_2024-25_Q2.csv");
    p.add_sample("housing/bed_and_breakfast_2024-25_Q2.xlsx");
    let out = p
        .cmd(&["ingest"])
        .env("PQA_FAULT_AFTER_COMMITS", "1")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the fault must kill the run");
    let log_files = std::fs::read_dir(p.path().join("warehouse/cp_plans/_delta_log"))
        .unwrap()
        .count();
    assert!(
        log_files >= 2,
        "the killed run did commit to cp_plans before dying"
    );

    // Readers still see exactly the first run's tables.
    assert_eq!(p.count("SELECT count(*) FROM cp_plans", &[]), plans);
    assert_eq!(p.count("SELECT count(*) FROM indicators", &[]), indicators);
    assert_eq!(p.ok(&["history"]).lines().count(), 1);

    // The next run undoes the broken commit and completes.
    let out = p.ok(&["ingest"]);
    assert!(out.contains("Warehouse: run 2 committed"), "{out}");
    let q2 = p.count(
        "SELECT count(*) FROM cp_plans WHERE _period = '2024/25-Q2'",
        &[],
    );
    assert_eq!(p.count("SELECT count(*) FROM cp_plans", &[]), plans + q2);
    assert_eq!(
        p.count("SELECT count(*) FROM indicators", &[]),
        indicators * 2
    );
}

#[test]
fn a_run_killed_at_every_commit_point_is_invisible() {
    // Four commits per run here: cp_plans, rejects, submissions, then runs.
    for fault_after in 1..=3 {
        let p = TestProject::new();
        p.add_sample("csc/cp_plans_2024-25_Q1.csv");
        let out = p
            .cmd(&["ingest"])
            .env("PQA_FAULT_AFTER_COMMITS", fault_after.to_string())
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "fault after {fault_after} commits must kill the run"
        );
        assert_eq!(
            p.count("SELECT count(*) FROM cp_plans", &[]),
            0,
            "fault after {fault_after}"
        );
        assert!(p.ok(&["history"]).contains("No runs yet"));
        let out = p.ok(&["ingest"]);
        assert!(out.contains("Warehouse: run 1 committed"), "{out}");
        assert_eq!(
            p.count("SELECT count(*) FROM rejects", &[]),
            1,
            "fault after {fault_after}"
        );
    }
}
