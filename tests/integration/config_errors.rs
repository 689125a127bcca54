//! Configuration mistakes: every one reported with file:line:column.

use crate::TestProject;

#[test]
fn every_config_error_is_reported_at_once_with_its_location() {
    let p = TestProject::new();
    let feed = std::fs::read_to_string(p.path().join("pipelines/cp_plans.yaml")).unwrap();
    std::fs::write(
        p.path().join("pipelines/cp_plans.yaml"),
        feed.replace("source:", "sorce:"),
    )
    .unwrap();
    let metric =
        std::fs::read_to_string(p.path().join("pipelines/housing_bed_and_breakfast.yaml")).unwrap();
    std::fs::write(
        p.path().join("pipelines/housing_bed_and_breakfast.yaml"),
        metric.replace("  indicator:\n", "  indicater:\n"),
    )
    .unwrap();
    let wait = "metrics/camhs_weeks_assessment_to_first_appointment.yaml";
    let metric = std::fs::read_to_string(p.path().join(wait)).unwrap();
    std::fs::write(
        p.path().join(wait),
        metric.replace(
            "pair_with: camhs_open_caseload",
            "pair_with: camhs_open_caseloads",
        ),
    )
    .unwrap();
    let out = p.cmd(&["ingest"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: reading the project pqa.yaml"),
        "{err}"
    );
    assert!(err.contains("4 configuration problem(s)"), "{err}");
    assert!(
        err.contains("camhs_weeks_assessment_to_first_appointment.yaml:15:1: pair_with names `camhs_open_caseloads`, which is not another metric (did you mean `camhs_open_caseload`?)"),
        "{err}"
    );
    assert!(
        err.contains("pipelines/cp_plans.yaml:7:1: unknown field `sorce`")
            && err.contains("(did you mean `source`?)"),
        "{err}"
    );
    assert!(
        err.contains("pipelines/housing_bed_and_breakfast.yaml:15:3: column `indicater` is not in dataset `indicators` (did you mean `indicator`?)"),
        "{err}"
    );
    assert!(
        err.contains("pipelines/housing_bed_and_breakfast.yaml:12:1: dataset `indicators` requires column `indicator`, which this feed does not map"),
        "{err}"
    );
}

#[test]
fn a_missing_project_file_says_so_in_one_line() {
    let p = TestProject::new();
    let out = p
        .cmd(&["--project", "nowhere.yaml", "history"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.lines()
            .next()
            .unwrap()
            .starts_with("error: reading the project nowhere.yaml"),
        "{err}"
    );
}

#[test]
fn bad_sql_fails_with_the_reason() {
    let p = TestProject::new();
    let out = p
        .cmd(&["query", "SELECT * FROM no_such_table"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no_such_table"));
}

#[test]
fn a_vulnerability_definition_is_checked_like_any_other() {
    let p = TestProject::new();
    let file = p.path().join("vulnerabilities/reduced_timetable.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("identifier: upn", "identifer: upn")).unwrap();
    std::fs::write(
        p.path().join("vulnerabilities/camhs_too.yaml"),
        std::fs::read_to_string(p.path().join("vulnerabilities/camhs.yaml")).unwrap(),
    )
    .unwrap();
    let out = p.cmd(&["feeds", "check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("vulnerabilities/reduced_timetable.yaml:")
            && err.contains("unknown field `identifer`")
            && err.contains("(did you mean `identifier`?)"),
        "{err}"
    );
    // Two files defining one vulnerability: both named.
    assert!(
        err.contains("vulnerabilities/camhs_too.yaml:3:16: vulnerability `camhs` is also defined in vulnerabilities/camhs.yaml"),
        "{err}"
    );
}

#[test]
fn a_definition_that_never_looks_at_the_day_is_refused_where_it_says_so() {
    let p = TestProject::new();
    let file = p.path().join("vulnerabilities/parent_in_prison.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("{end}", "DATE '2025-03-31'")).unwrap();
    let out = p.cmd(&["feeds", "check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("vulnerabilities/parent_in_prison.yaml:")
            && err.contains("the SQL must use {end}"),
        "{err}"
    );
}
