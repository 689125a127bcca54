//! The trend findings on the sample data: each pattern the generator plants
//! (domain.md) is raised as a question in plain words, and nothing is raised
//! on the metrics it keeps steady.

use crate::TestProject;

/// Runs the report for 2024/25 H2 on the sample inbox with the published
/// statistics the findings need (population, statistical neighbours) and
/// returns the Markdown.
fn sample_report() -> String {
    let p = TestProject::with_sample_inbox();
    p.publish("ees/ons_mid-year_population_estimates_2012_to_2024.csv");
    p.publish("lait/sn_may_2025.xlsx");
    p.ok(&["run"]);
    std::fs::read_to_string(p.path().join("out/pqa-report-2024-25-H2.md")).unwrap()
}

/// The finding ids of the report's questions, in the order raised.
fn finding_ids(markdown: &str) -> Vec<String> {
    crate::question_ids(markdown, "2024/25-H2")
}

/// The first line of `markdown` containing `needle`.
fn line_with<'a>(markdown: &'a str, needle: &str) -> &'a str {
    markdown
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle}"))
}

/// The line of the report raising `metric`'s question.
fn question<'a>(markdown: &'a str, metric: &str) -> &'a str {
    crate::question_line(markdown, metric)
}

#[test]
fn the_planted_patterns_are_raised_and_steady_measures_are_not() {
    let report = sample_report();
    let ids = finding_ids(&report);
    let metrics: Vec<&str> = ids.iter().map(|id| id.split(':').next().unwrap()).collect();

    // CAMHS: caseload falling while the wait rises, after three quarters
    // within the 18-week target. One question covers both; it says the wait
    // is still within its usual range (it was as long in 2022/23), so it
    // is not put among the most urgent.
    let camhs = question(&report, "camhs_weeks_assessment_to_first_appointment");
    assert!(
        camhs.contains("Despite a fall in the number of children open to mental health services")
            && camhs.contains("rose every quarter")
            && camhs.contains("within the target of 18 weeks")
            && camhs.contains("for three quarters")
            && camhs.contains("still within the range")
            && camhs.contains("the target was also missed in every quarter from Q1 2022/23")
            && camhs.contains("CAMHS: what is being done to bring"),
        "{camhs}"
    );
    assert!(
        !metrics.contains(&"camhs_open_caseload"),
        "covered by the wait's question"
    );
    // Families in bed and breakfast: rising every quarter, a three-year high.
    let bb = question(&report, "housing_families_in_bed_and_breakfast");
    assert!(
        bb.contains("It has risen in each of the last seven quarters")
            && bb.contains("the highest of the last three years"),
        "{bb}"
    );
    // Probation referrals almost tripled on the previous two quarters.
    let probation = question(&report, "probation_safeguarding_referrals");
    assert!(
        probation
            .contains("almost tripled compared with the previous two quarters (71 against 26)"),
        "{probation}"
    );
    // Private fostering very low against statistical neighbours.
    let fostering = question(&report, "private_fostering_children");
    assert!(
        fostering.contains("very low for the area") && fostering.contains("statistical neighbours"),
        "{fostering}"
    );
    // Re-referrals at a new, higher level since 2023/24: the limits are
    // worked out again from there, and the latest quarter is usual on it.
    let re = question(&report, "fd_re_referrals_pct");
    assert!(
        re.contains("above its earlier level for eight quarters in a row")
            && re.contains("against 41.6% before")
            && re.contains("Its usual range is now worked out from Q1 2023/24 on"),
        "{re}"
    );
    // The most important come first: bad news that is more than the usual
    // ups and downs (special cause); the CAMHS wait, within its usual
    // range, after them.
    let position = |metric: &str| metrics.iter().position(|m| *m == metric).unwrap();
    for urgent in [
        "fd_re_referrals_pct",
        "housing_children_in_bed_and_breakfast",
        "housing_families_in_bed_and_breakfast",
    ] {
        assert!(
            position(urgent) < position("camhs_weeks_assessment_to_first_appointment"),
            "{ids:?}"
        );
    }
    // Children with a child protection plan were below their average for a
    // while, but are back above it: nothing is said to be going on.
    assert!(!metrics.contains(&"cp_children_with_plan"), "{ids:?}");

    // Measures the generator keeps steady raise nothing.
    for steady in [
        "fd_contacts",
        "fd_referrals",
        "fd_contacts_becoming_referrals_pct",
        "fd_assessments_in_time_pct",
        "cp_plans_started",
        "cp_second_plans_pct",
        "cp_neglect_pct",
        "cp_unborn_with_plan",
        "cp_conf_police_attended_pct",
        "cp_conf_health_attended_pct",
        "cla_children_in_care",
        "cla_rate_per_10k",
        "cla_started",
        "cla_ceased",
        "cla_reviews_in_time_pct",
        "care_leavers_suitable_accommodation_pct",
        "care_leavers_eet_pct",
        "missing_children",
        "camhs_weeks_referral_to_assessment",
        "edu_persistent_absence_pct",
        "edu_severe_absence_pct",
        "edu_persistent_absence_cp_pct",
        "edu_persistent_absence_cla_pct",
        "edu_persistent_absence_cin_pct",
        "edu_children_educated_at_home",
        "edu_suspensions",
        "edu_permanent_exclusions",
        "yj_children_worked_with",
        "yj_first_time_entrants",
        "police_domestic_abuse_children_present",
        "eh_plans_closed_improved_pct",
        "young_carers_identified",
    ] {
        assert!(
            !metrics.contains(&steady),
            "{steady} is steady in the sample but was raised:\n{}",
            question(&report, steady)
        );
    }
}

/// The data quality row of a return (by its title) in the report's Markdown.
fn quality_row<'a>(markdown: &'a str, title: &str) -> &'a str {
    line_with(markdown, &format!("| {title} |"))
}

#[test]
fn a_late_return_is_missing_until_it_arrives_then_shown_as_late() {
    let p = TestProject::with_sample_inbox();
    p.ok(&["run"]);
    let report = p.path().join("out/pqa-report-2024-25-H2.md");
    let before = std::fs::read_to_string(&report).unwrap();
    assert_eq!(
        quality_row(&before, "Youth justice quarterly return"),
        "| Youth justice quarterly return | Youth justice | Q3 2024/25 | none | Q4 2024/25 | 2 | 2 | 0 |"
    );

    // The return arrives after the quarter's run.
    let late = crate::repo().join("sample-data/late");
    p.ok(&["ingest", "--inbox", late.to_str().unwrap()]);
    p.ok(&["report", "--period", "2024/25-H2"]);
    let after = std::fs::read_to_string(&report).unwrap();
    assert_eq!(
        quality_row(&after, "Youth justice quarterly return"),
        "| Youth justice quarterly return | Youth justice | Q3 2024/25, Q4 2024/25 | Q4 2024/25 | none | 4 | 4 | 0 |"
    );
    // Everyone else was on time.
    assert_eq!(
        quality_row(&after, "Child protection plans, from the case system"),
        "| Child protection plans, from the case system | Children's social care | Q3 2024/25, Q4 2024/25 | none | none | 546 | 546 | 0 |"
    );
}
