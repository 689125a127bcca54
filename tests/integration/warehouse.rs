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
    assert!(out.contains("350 file(s): 350 already loaded"), "{out}");
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

/// Two runs started at once, many times: one writes, the other waits for
/// it and then finds its files already loaded. Every file is loaded once,
/// run numbers are unique, and a resubmission racing a run of files already
/// loaded leaves its quarter as the resubmission has it.
#[test]
fn two_runs_at_once_load_every_file_exactly_once() {
    let single = TestProject::with_plans_and_referrals();
    single.ok(&["ingest"]);
    let tables = ["cp_plans", "camhs_referrals", "rejects", "submissions"];
    let counts =
        |p: &TestProject| tables.map(|t| p.count(&format!("SELECT count(*) FROM {t}"), &[]));
    let expected = counts(&single);
    for round in 0..5 {
        let p = TestProject::with_plans_and_referrals();
        let spawn = || {
            p.cmd(&["ingest"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        for run in [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()] {
            crate::assert_success(&run, &["ingest"]);
        }
        assert_eq!(counts(&p), expected, "round {round}");
        assert_eq!(
            p.count(
                "SELECT count(*) - count(DISTINCT run_number) FROM runs",
                &[]
            ),
            0,
            "round {round}: run numbers are unique"
        );
        assert_eq!(
            p.count(
                "SELECT count(*) FROM (SELECT _source_sha256, _source_row FROM cp_plans \
                 GROUP BY 1, 2 HAVING count(*) > 1) t",
                &[]
            ),
            0,
            "round {round}: no source row twice"
        );
    }
    // A resubmission and the file it replaces sent by two runs at once.
    let p = TestProject::new();
    p.add_sample("csc/cp_plans_2024-25_Q3.csv");
    let resubmission = p.path().join("resubmission");
    let to = resubmission.join("csc/cp_plans_2024-25_Q3_resubmitted.csv");
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(
        crate::sample_inbox().join("csc/cp_plans_2024-25_Q3_resubmitted.csv"),
        &to,
    )
    .unwrap();
    p.ok(&["ingest"]);
    let racing = [
        p.cmd(&["ingest"]).spawn().unwrap(),
        p.cmd(&["ingest", "--inbox", resubmission.to_str().unwrap()])
            .spawn()
            .unwrap(),
    ];
    for mut run in racing {
        assert!(run.wait().unwrap().success());
    }
    assert_eq!(p.count(PLANS_AT_Q3, &[]), RESUBMITTED_Q3);
}

/// pqa's own tables answer on a new warehouse (empty), and read as of the
/// chosen run like every other table.
#[test]
fn pqa_s_own_tables_exist_from_the_start_and_read_as_of_a_run() {
    let p = TestProject::new();
    for table in ["runs", "submissions", "rejects", "findings"] {
        assert_eq!(p.count(&format!("SELECT count(*) FROM {table}"), &[]), 0);
    }
    p.add_sample("csc/cp_plans_2024-25_Q2.csv");
    p.ok(&["ingest"]);
    p.add_sample("csc/cp_plans_2024-25_Q3.csv");
    p.ok(&["ingest"]);
    assert_eq!(p.count("SELECT count(*) FROM runs", &[]), 2);
    assert_eq!(p.count("SELECT count(*) FROM runs", &["--as-of", "1"]), 1);
    assert_eq!(
        p.count("SELECT max(run_number) FROM runs", &["--as-of", "1"]),
        1
    );
}

/// What a killed run left in staging is cleared by the next run.
#[test]
fn the_next_run_clears_what_a_killed_run_left_in_staging() {
    let p = TestProject::new();
    let left = p.path().join("warehouse/_staging/0b5e6f1c-killed-run");
    std::fs::create_dir_all(&left).unwrap();
    std::fs::write(left.join("part-0.parquet"), b"half a file").unwrap();
    p.add_sample("csc/cp_plans_2024-25_Q2.csv");
    p.ok(&["ingest"]);
    assert!(!left.exists(), "the killed run's staging is gone");
}

/// Another reader (Python's `deltalake`, as analysts use it) opening the
/// tables at the versions pqa's manifest names sees the last completed run,
/// never part of one: after a run killed between its table commits the
/// manifest still names the run before, whose figures pqa also reads, while
/// the tables' latest versions hold part of the killed run.
#[test]
fn other_readers_see_only_completed_runs() {
    let python = crate::repo().join("tests/readers/venv/bin/python");
    if !python.is_file() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the readers' venv is needed in CI: .ci/run installs it"
        );
        eprintln!(
            "skipped: python3 -m venv tests/readers/venv && tests/readers/venv/bin/pip install -r tests/readers/requirements.txt"
        );
        return;
    }
    let read = |p: &TestProject| -> serde_json::Value {
        let out = std::process::Command::new(&python)
            .arg(crate::repo().join("tests/readers/read.py"))
            .arg(p.path().join("warehouse"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let p = TestProject::with_plans_and_referrals();
    p.ok(&["ingest"]);
    // A resubmission and new quarters, in a run killed after two table commits.
    p.add_sample("csc/cp_plans_2024-25_Q3_resubmitted.csv");
    p.add_sample("csc/cp_plans_2024-25_Q4.csv");
    p.add_sample("camhs/camhs_referrals_2023-24_Q4.csv");
    let killed = p
        .cmd(&["ingest"])
        .env("PQA_FAULT_AFTER_COMMITS", "2")
        .output()
        .unwrap();
    assert!(!killed.status.success(), "the run was stopped part-way");
    let pqa = |table: &str| p.count(&format!("SELECT count(*) FROM {table}"), &[]);
    let seen = read(&p);
    assert_eq!(seen["run"], 1, "the manifest names the last completed run");
    for table in ["cp_plans", "camhs_referrals", "submissions"] {
        assert_eq!(
            seen["manifest"][table].as_i64().unwrap(),
            pqa(table),
            "{table}: the manifest's version gives what pqa reads"
        );
    }
    let latest_differs = ["cp_plans", "camhs_referrals", "submissions", "rejects"]
        .iter()
        .any(|t| seen["latest"][t] != seen["manifest"][t]);
    assert!(
        latest_differs,
        "the killed run left partial commits: {seen}"
    );
    // The next run completes: the manifest moves on with it.
    p.ok(&["ingest"]);
    let seen = read(&p);
    assert_eq!(seen["run"], 2);
    for table in ["cp_plans", "camhs_referrals", "submissions"] {
        assert_eq!(
            seen["manifest"][table].as_i64().unwrap(),
            pqa(table),
            "{table}"
        );
        assert_eq!(seen["manifest"][table], seen["latest"][table], "{table}");
    }
}

/// Many runs in a row: a quarter's files arriving each time, a resubmission,
/// and every third run killed part-way before it is run again. After every
/// completed run each table holds what an independent count of the files
/// loaded so far says: their data lines, less the rows the sample data's
/// README says are faulty.
#[test]
fn many_runs_with_resubmissions_and_kills_keep_every_table_right() {
    // Rows the sample's README documents as faulty, by file.
    let faulty = |file: &str| match file {
        "csc/cp_plans_2023-24_Q2.csv" => 2,
        "csc/cp_plans_2024-25_Q1.csv" => 1,
        "camhs/camhs_referrals_2024-25_Q2.csv" => 1,
        _ => 0,
    };
    let data_lines = |file: &str| {
        let text = std::fs::read_to_string(crate::sample_inbox().join(file)).unwrap();
        text.lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .count() as i64
    };
    let quarters = [
        "2022-23_Q1",
        "2022-23_Q2",
        "2022-23_Q3",
        "2022-23_Q4",
        "2023-24_Q1",
        "2023-24_Q2",
        "2023-24_Q3",
        "2023-24_Q4",
        "2024-25_Q1",
        "2024-25_Q2",
        "2024-25_Q3",
        "2024-25_Q4",
    ];
    let p = TestProject::new();
    // The file standing for each (feed, quarter), as the warehouse should hold it.
    let mut standing: std::collections::BTreeMap<(String, String), String> = Default::default();
    let mut completed = 0;
    for (step, quarter) in quarters.iter().enumerate() {
        let mut files = vec![
            format!("csc/cp_plans_{quarter}.csv"),
            format!("camhs/camhs_referrals_{quarter}.csv"),
        ];
        if *quarter == "2024-25_Q4" {
            // Q3's corrected return arrives with Q4's.
            files.push("csc/cp_plans_2024-25_Q3_resubmitted.csv".into());
        }
        for f in &files {
            p.add_sample(f);
            let feed = f.split('/').nth(1).unwrap().split("_20").next().unwrap();
            let q = if f.contains("resubmitted") {
                "2024-25_Q3"
            } else {
                quarter
            };
            standing.insert((feed.to_string(), q.to_string()), f.clone());
        }
        if step % 3 == 2 {
            let killed = p
                .cmd(&["ingest"])
                .env("PQA_FAULT_AFTER_COMMITS", (1 + step % 2).to_string())
                .output()
                .unwrap();
            assert!(!killed.status.success(), "step {step}: killed");
        }
        p.ok(&["ingest"]);
        completed += 1;
        let expected = |feed: &str| -> i64 {
            standing
                .iter()
                .filter(|((f, _), _)| f == feed)
                .map(|(_, file)| data_lines(file) - faulty(file))
                .sum()
        };
        assert_eq!(
            p.count("SELECT count(*) FROM cp_plans", &[]),
            expected("cp_plans"),
            "step {step} ({quarter})"
        );
        assert_eq!(
            p.count("SELECT count(*) FROM camhs_referrals", &[]),
            expected("camhs_referrals"),
            "step {step} ({quarter})"
        );
        assert_eq!(
            p.count("SELECT count(*) FROM runs", &[]),
            completed,
            "step {step}"
        );
        assert_eq!(
            p.count(
                "SELECT count(*) FROM (SELECT _source_sha256, _source_row FROM cp_plans GROUP BY 1, 2 HAVING count(*) > 1) t",
                &[]
            ),
            0,
            "step {step}: no row twice"
        );
    }
}
