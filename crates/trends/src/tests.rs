//! The whole analysis of one metric, on series built for each case.

use super::*;
use pqa_core::config::Polarity;

fn spec(extra: &str) -> MetricSpec {
    serde_yaml::from_str(&format!(
        "metric: waits\ntitle: Average wait for a first appointment\narea: Mental health\n\
         agency: CAMHS\nunit: weeks\nis_count: false\nmeasure: flow\nbetter: lower\n\
         definition: d\nsql: SELECT 1\n{extra}"
    ))
    .unwrap()
}

fn count_spec(measure: &str, better: &str) -> MetricSpec {
    serde_yaml::from_str(&format!(
        "metric: families\ntitle: Families living in bed and breakfast\narea: Housing\n\
         agency: Housing\nunit: families\nmeasure: {measure}\nbetter: {better}\n\
         definition: d\nsql: SELECT 1\n"
    ))
    .unwrap()
}

/// Quarters ending with Q4 2024/25, one per value.
fn quarters(values: &[f64]) -> Vec<Obs> {
    series(values.iter().map(|v| Observed::Value(*v)).collect())
}

fn series(values: Vec<Observed>) -> Vec<Obs> {
    let last = Period::Quarter(2024, 4);
    let first = last.back(values.len() - 1);
    Period::range(first, last)
        .into_iter()
        .zip(values)
        .map(|(period, value)| Obs {
            period,
            value,
            base: None,
        })
        .collect()
}

fn run_points(spec: &MetricSpec, points: &[Obs]) -> Assessment {
    assess(&MetricInput {
        spec,
        points,
        report: Period::Half(2024, 2),
        pair: None,
        benchmark: None,
        suppress_up_to: 4,
    })
}

fn run(spec: &MetricSpec, values: &[f64]) -> Assessment {
    run_points(spec, &quarters(values))
}

#[test]
fn a_steady_series_raises_no_question() {
    let s = spec("");
    let a = run(
        &s,
        &[
            10., 11., 10.5, 9.8, 10.2, 10.9, 10.1, 9.9, 10.4, 10.6, 10.0, 10.3,
        ],
    );
    assert_eq!(a.variation, Variation::Common);
    assert!(a.finding.is_none(), "{:?}", a.finding);
}

#[test]
fn a_rise_in_a_wait_is_concerning_and_a_fall_improving() {
    let s = spec("");
    let rising = [
        10., 10.2, 9.9, 10.1, 10.0, 10.2, 10.9, 11.5, 12.2, 12.8, 13.5, 14.1,
    ];
    let a = run(&s, &rising);
    let f = a.finding.expect("a trend");
    assert_eq!(
        (f.rule, f.direction, f.severity),
        ("outside_limits", Direction::Concerning, Severity::High)
    );
    assert!(f.rules.contains(&"trend"), "{:?}", f.rules);
    assert!(
        f.statement
            .contains("has risen in each of the last seven quarters"),
        "{}",
        f.statement
    );
    assert!(
        f.question
            .starts_with("CAMHS: what lies behind the rise in the average wait"),
        "{}",
        f.question
    );
    let falling: Vec<f64> = rising.iter().map(|v| 30.0 - v).collect();
    let f = run(&s, &falling).finding.expect("a fall");
    assert_eq!(f.direction, Direction::Improving);
    assert_eq!(f.severity, Severity::Low);
}

#[test]
fn a_target_missed_within_the_usual_range_says_so_and_matters_less() {
    let s = spec("target: { value: 18, source: national target }");
    // The CAMHS wait: back above 18 weeks, where it was two years ago.
    let waits = [
        19.6, 20.1, 19.4, 19.9, 19.2, 18.9, 17.6, 17.0, 17.2, 18.2, 19.2, 20.1,
    ];
    let a = run(&s, &waits);
    assert_eq!(a.variation, Variation::Common);
    let f = a.finding.expect("a missed target");
    assert_eq!(f.rule, "target_missed");
    assert_eq!(f.id, "waits:target_missed:2024/25-H2");
    assert_eq!(f.severity, Severity::Medium, "common cause: not high");
    assert!(
        f.statement.contains(
            "rose every quarter from 17.2 weeks in Q1 2024/25 to 20.1 weeks in Q4 2024/25"
        ) && f.statement.contains("for three quarters")
            && f.statement.contains("still within the range")
            && f.statement.contains("the target was also missed in every quarter from Q1 2022/23 to Q2 2023/24 (18.9 to 20.1 weeks)")
            && f.statement.contains("the target of 18 weeks"),
        "{}",
        f.statement
    );
    // Still within the target: nothing to ask about the target.
    let within = [
        19.6, 20.1, 19.4, 19.9, 19.2, 18.9, 17.6, 17.0, 17.2, 17.4, 17.1, 17.3,
    ];
    assert_ne!(
        run(&s, &within).finding.map(|f| f.rule),
        Some("target_missed")
    );
}

#[test]
fn counts_that_almost_triple_are_raised_unless_they_are_small() {
    let mut s = count_spec("flow", "neither");
    s.title = "Safeguarding referrals from probation".into();
    s.unit = "referrals".into();
    let f = run(
        &s,
        &[11., 13., 12., 10., 14., 12., 11., 13., 12., 14., 33., 38.],
    )
    .finding
    .unwrap();
    assert!(f.rules.contains(&"window_change"), "{:?}", f.rules);
    assert!(
        f.statement
            .contains("almost tripled compared with the previous two quarters (71 against 26)"),
        "{}",
        f.statement
    );
    assert_eq!(f.direction, Direction::Changed);
    // A quarter missing from the earlier window: no totals to compare.
    let mut points = quarters(&[11., 13., 12., 10., 14., 12., 11., 13., 12., 14., 33., 38.]);
    points[8].value = Observed::NotReceived;
    let gap = run_points(&s, &points);
    assert!(
        gap.finding
            .as_ref()
            .is_none_or(|f| !f.rules.contains(&"window_change")),
        "{:?}",
        gap.finding
    );
    // 1 and 2 becoming 4 and 5: a handful of cases, not a change to ask about.
    let small = run(&s, &[2., 3., 2., 1., 3., 2., 2., 3., 1., 2., 4., 5.]).finding;
    assert!(small.is_none_or(|f| !f.rules.contains(&"window_change")));
}

#[test]
fn a_stock_is_compared_as_a_level_never_summed() {
    let s = count_spec("stock", "lower");
    let f = run(
        &s,
        &[9., 10., 9., 10., 11., 9., 10., 11., 16., 18., 24., 30.],
    )
    .finding
    .unwrap();
    assert!(
        f.statement
            .contains("30 at the end of Q4 2024/25, against 18 at the end of Q2 2024/25"),
        "{}",
        f.statement
    );
    assert!(
        !f.statement.contains("54"),
        "24 + 30 is not a number of families: {}",
        f.statement
    );
}

#[test]
fn a_sustained_shift_rebases_the_limits_and_the_badge_agrees() {
    let s = spec("");
    // Up to a new level eight quarters ago, steady there since.
    let v = [
        41., 42., 41.5, 41.8, 46., 45.5, 46.2, 45.8, 46.4, 45.9, 46.1, 46.3,
    ];
    let a = run(&s, &v);
    assert_eq!(a.rebased_from.map(|r| r.0), Some(4));
    assert_eq!(
        a.variation,
        Variation::Common,
        "the latest is usual on the new level"
    );
    let f = a.finding.expect("a shift");
    assert_eq!(f.rule, "shift");
    assert!(
        f.statement
            .contains("above its earlier level for eight quarters in a row")
            && f.statement
                .contains("Its usual range is now worked out from Q1 2023/24 on")
            && f.statement.contains("is within it"),
        "{}",
        f.statement
    );
    let x = a.xmr.unwrap();
    assert!(x.mean > 45.0, "limits from the new level: {x:?}");
}

#[test]
fn a_shift_that_has_ended_is_not_described_as_going_on() {
    let s = count_spec("stock", "neither");
    // Below the mean for seven quarters, then back up: the latest is above it.
    let v = [
        220., 225., 223., 221., 198., 196., 195., 194., 193., 197., 205., 208.,
    ];
    let a = run(&s, &v);
    if let Some(f) = &a.finding {
        assert!(!f.statement.contains("has been below"), "{}", f.statement);
    }
    assert!(a.rebased_from.is_none());
}

#[test]
fn runs_and_records_never_step_across_a_withheld_quarter() {
    let s = count_spec("stock", "lower");
    let mut values: Vec<Observed> = [9., 10., 9., 10., 11., 12., 13., 14., 15., 16., 17., 18.]
        .into_iter()
        .map(Observed::Value)
        .collect();
    values[8] = Observed::Withheld("*".into());
    let a = run_points(&s, &series(values));
    let f = a.finding.expect("a rise");
    assert!(
        !f.statement.contains("each of the last seven"),
        "the run stops at the withheld quarter: {}",
        f.statement
    );
    assert!(
        !f.statement.contains("three years") && !f.statement.contains("two years"),
        "{}",
        f.statement
    );
}

#[test]
fn a_count_suppressed_as_1_to_4_cannot_beat_a_high_record() {
    let s = count_spec("stock", "lower");
    let mut values: Vec<Observed> = [6., 5., 6., 7., 5., 6., 8., 9., 11., 13., 15., 18.]
        .into_iter()
        .map(Observed::Value)
        .collect();
    values[1] = Observed::Suppressed;
    let f = run_points(&s, &series(values.clone()))
        .finding
        .expect("a rise");
    assert!(
        f.statement.contains("the highest of the last three years"),
        "18 is higher than any count from 1 to 4: {}",
        f.statement
    );
    // A figure not received might have been higher: the record stops there.
    values[4] = Observed::NotReceived;
    let f = run_points(&s, &series(values)).finding.expect("a rise");
    assert!(
        f.statement.contains("the highest it has been for a year"),
        "{}",
        f.statement
    );
}

#[test]
fn short_series_still_get_the_rules_that_need_few_points() {
    let s = spec("");
    // Five quarters: no limits, but six rises in a row need seven points.
    let a = run(&s, &[10., 11., 12., 13., 14., 15., 16.]);
    assert_eq!(a.variation, Variation::TooShort);
    let f = a.finding.expect("a trend without limits");
    assert_eq!(f.rule, "trend");
    assert!(
        f.statement
            .contains("too few to work out a reliable usual range"),
        "{}",
        f.statement
    );
    let t = spec("target: { value: 18, source: national target }");
    let f = run(&t, &[16., 17., 17.5, 17.8, 19.0])
        .finding
        .expect("a miss");
    assert_eq!(f.rule, "target_missed");
    assert!(run(&s, &[10., 11., 12., 13.]).finding.is_none());
}

#[test]
fn a_percentage_on_a_small_base_says_so_and_matters_less() {
    let mut s = spec("");
    s.unit = "% of care leavers".into();
    s.better = Polarity::Higher;
    let values = [60., 61., 59., 60., 62., 61., 60., 59., 61., 60., 61., 30.];
    let mut points = quarters(&values);
    points[11].base = Some(12.0);
    let f = run_points(&s, &points).finding.expect("a fall");
    assert_eq!(f.direction, Direction::Concerning);
    assert_eq!(
        f.severity,
        Severity::Medium,
        "high, lowered for the small base"
    );
    assert!(
        f.statement.contains("built on only 12 care leavers")
            && f.statement.contains("about 8 percentage points"),
        "{}",
        f.statement
    );
}

#[test]
fn a_rate_of_a_count_leaves_the_trend_questions_to_the_count() {
    let mut s = spec("");
    s.rate_of = Some("children".into());
    let rising = [
        10., 10.2, 9.9, 10.1, 10.0, 10.2, 10.9, 11.5, 12.2, 12.8, 13.5, 14.1,
    ];
    assert!(run(&s, &rising).finding.is_none());
}

#[test]
fn monthly_and_yearly_series_are_read_in_their_own_periods() {
    let mut s = count_spec("flow", "lower");
    s.frequency = pqa_core::config::MetricFrequency::Monthly;
    let last = Period::Month(2024, 12);
    let values: Vec<f64> = (0..36)
        .map(|i| {
            if i < 30 {
                40.0 + f64::from(i % 3)
            } else {
                45.0 + f64::from(i)
            }
        })
        .collect();
    let points: Vec<Obs> = Period::range(last.back(35), last)
        .into_iter()
        .zip(values)
        .map(|(period, v)| Obs {
            period,
            value: Observed::Value(v),
            base: None,
        })
        .collect();
    let f = run_points(&s, &points).finding.expect("a rise");
    assert!(f.statement.contains("March 2025"), "{}", f.statement);
    assert!(f.statement.contains("month"), "{}", f.statement);
    assert!(!f.statement.contains("quarter"), "{}", f.statement);

    s.frequency = pqa_core::config::MetricFrequency::Annual;
    let points: Vec<Obs> = Period::range(Period::Year(2015), Period::Year(2024))
        .into_iter()
        .zip([32.9, 30.3, 30.7, 34.1, 35.4, 35.6, 39.0, 41.6, 45.4, 46.7])
        .map(|(period, v)| Obs {
            period,
            value: Observed::Value(v),
            base: None,
        })
        .collect();
    let a = run_points(&s, &points);
    let f = a.finding.expect("re-referrals rising");
    assert!(f.statement.contains("2024/25"), "{}", f.statement);
    assert!(f.statement.contains("years"), "{}", f.statement);
}

#[test]
fn findings_are_ranked_and_a_covered_one_dropped() {
    let f = |metric: &str, severity, direction, covers: Option<&str>| Finding {
        id: metric.into(),
        metric: metric.into(),
        title: String::new(),
        area: String::new(),
        agency: String::new(),
        rule: "trend",
        rules: vec!["trend"],
        period: "2024/25-H2".into(),
        severity,
        direction,
        statement: String::new(),
        question: String::new(),
        covers: covers.map(str::to_string),
        figures: vec![],
        summary: String::new(),
    };
    let mut all = vec![
        f("good", Severity::Low, Direction::Improving, None),
        f("caseload", Severity::Medium, Direction::Changed, None),
        f(
            "wait",
            Severity::High,
            Direction::Concerning,
            Some("caseload"),
        ),
        f("shift", Severity::Medium, Direction::Concerning, None),
    ];
    rank(&mut all);
    let order: Vec<&str> = all.iter().map(|f| f.metric.as_str()).collect();
    assert_eq!(order, ["wait", "shift", "good"]);
}
