//! Every frequency end to end: monthly returns load as their months (never
//! as a year, never "superseding" each other), a monthly metric is judged in
//! months, a file a feed cannot place is refused with the reason, and a
//! metric returning periods of the wrong kind is an error on that metric,
//! shown in the report, which is still written.

use crate::TestProject;

/// A monthly feed of A&E attendances by children after self-harm, into the
/// `indicators` dataset, and its metric.
fn monthly_project() -> TestProject {
    let p = TestProject::new();
    std::fs::write(
        p.path().join("pipelines/ae_self_harm.yaml"),
        "feed: ae_self_harm\n\
         agency: Hospital trust\n\
         dataset: indicators\n\
         source:\n  files: \"health/ae_self_harm_*.csv\"\n  format: csv\n\
         period: file_name\n\
         frequency: monthly\n\
         columns:\n\
         \x20 period: { fill: period }\n\
         \x20 agency: { fill: agency }\n\
         \x20 indicator: { from: Measure, codes: { ae_self_harm: [\"A&E attendances after self-harm\"] } }\n\
         \x20 value: { from: Count }\n",
    )
    .unwrap();
    std::fs::write(
        p.path().join("metrics/ae_self_harm.yaml"),
        "metric: ae_self_harm\n\
         title: Children attending A&E after self-harm\n\
         area: Mental health\n\
         agency: Hospital trust\n\
         unit: children\n\
         measure: flow\n\
         frequency: monthly\n\
         better: lower\n\
         definition: Children attending A&E after self-harm during the month.\n\
         sql: |\n\
         \x20 SELECT period, sum(value) AS value FROM indicators\n\
         \x20 WHERE indicator = 'ae_self_harm' GROUP BY period\n",
    )
    .unwrap();
    // Three years of months, steady, then a sharp rise in the last month.
    let mut month = pqa_core::Period::Month(2022, 1);
    for i in 0..36 {
        let count = if i == 35 { 70 } else { 40 + (i * 7 % 5) };
        let pqa_core::Period::Month(fy, m) = month else {
            unreachable!("months follow months")
        };
        p.add_file(
            &format!("health/ae_self_harm_{fy}-{:02}_M{m:02}.csv", (fy + 1) % 100),
            // A title naming the month, as real returns have: months with
            // the same count are still different files.
            format!(
                "A&E attendances, month {m} of {fy}\nMeasure,Count\nA&E attendances after self-harm,{count}\n"
            )
            .as_bytes(),
        );
        month = month.next();
    }
    p
}

#[test]
fn monthly_returns_load_as_months_and_are_judged_in_months() {
    let p = monthly_project();
    let out = p.ok(&["run"]);
    assert!(
        !out.contains("superseded"),
        "one month never supersedes another:\n{out}"
    );
    assert_eq!(
        p.count(
            "SELECT count(DISTINCT period) FROM indicators WHERE indicator = 'ae_self_harm'",
            &[]
        ),
        36
    );
    let md = std::fs::read_to_string(p.path().join("out/pqa-report-2024-25-H2.md")).unwrap();
    let line = md
        .lines()
        .find(|l| l.contains("The number of children attending A&E after self-harm was"))
        .unwrap_or_else(|| panic!("the rise is raised:\n{md}"));
    assert!(
        line.contains("70 in March 2025") && line.contains("last 36 months"),
        "{line}"
    );
    assert!(!line.contains("quarter"), "{line}");
    assert!(
        md.contains("During March 2025: 70 children — 27 more than the previous month (43)"),
        "{md}"
    );
    assert!(md.contains("| Month | Children |"), "a table of months");
}

#[test]
fn a_month_sent_to_a_quarterly_feed_is_refused_with_the_reason() {
    let p = TestProject::new();
    p.add_file(
        "probation/probation_return_2024-25_M02.csv",
        "Title\nMeasure,Count\nSafeguarding referrals to the children's hub,12\n".as_bytes(),
    );
    let out = p.cmd(&["ingest"]).output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("the file name gives May 2024 (month), but the feed is quarterly"),
        "{text}"
    );
    assert!(!text.contains("superseded"), "{text}");
}

#[test]
fn a_metric_with_periods_of_the_wrong_kind_is_an_error_on_it_not_the_report() {
    let p = monthly_project();
    // The same SQL, but the metric says it is quarterly.
    let metric = p.path().join("metrics/ae_self_harm.yaml");
    let text = std::fs::read_to_string(&metric)
        .unwrap()
        .replace("frequency: monthly\n", "");
    std::fs::write(&metric, text).unwrap();
    let out = p.cmd(&["run"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ae_self_harm")
            && stderr.contains("(month), but the metric is counted in quarters"),
        "{stderr}"
    );
    let md = std::fs::read_to_string(p.path().join("out/pqa-report-2024-25-H2.md")).unwrap();
    assert!(
        md.contains("### Measures that could not be calculated")
            && md.contains("**Children attending A&E after self-harm**"),
        "{md}"
    );
}
