//! pqa-trends: what a metric's series says, and the question it raises.
//!
//! Pure functions, no I/O. [`spc`] judges variation the way NHS England's
//! "Making Data Count" does; [`rules`] holds the PQA report's other rules
//! (runs, records, one window against the last, targets, benchmarks);
//! [`assess`] puts them together for one metric and a report period and
//! writes at most one [`Finding`] for it: the numbers, a severity, and a
//! question in plain words to the responsible agency. Direction is always
//! judged by the metric's polarity: a rise is "concerning" or "improving",
//! never just "up".

mod finding;
pub mod rules;
pub mod spc;
pub mod words;

use pqa_core::Period;
use pqa_core::config::{MetricSpec, Polarity};
use serde::Serialize;

pub use rules::BenchmarkPosition;
use spc::{Side, Xmr};

/// Everything [`assess`] looks at for one metric.
pub struct MetricInput<'a> {
    pub spec: &'a MetricSpec,
    /// Quarterly values up to the end of the report period, oldest first;
    /// quarters without a figure are left out.
    pub points: &'a [(Period, f64)],
    /// The report period, e.g. the half year `2024/25-H2`.
    pub report: Period,
    /// The metric it is read with ("despite X falling, Y rose"), if any.
    pub pair: Option<(&'a MetricSpec, &'a [(Period, f64)])>,
    pub benchmark: Option<BenchmarkPosition>,
    /// How a value is shown in published text (small counts suppressed).
    pub show: &'a dyn Fn(&MetricSpec, f64) -> String,
}

/// Good news, bad news, or a change the metric's polarity cannot judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Improving,
    Concerning,
    Changed,
}

/// The latest quarter's variation, as the report's icon shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Variation {
    /// Fewer than [`spc::MIN_POINTS`] quarters.
    TooShort,
    /// Only the usual ups and downs.
    Common,
    /// Special cause, judged by polarity, high or low.
    Special { direction: Direction, side: Side },
}

/// How much a finding matters; the report leads with `High`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    High,
    Medium,
    Low,
}

/// A trend worth a question.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// `metric:rule:period`, stable from one run to the next so that an
    /// agency's response can be attached to it.
    pub id: String,
    pub metric: String,
    pub title: String,
    pub area: String,
    pub agency: String,
    /// The rule that raised it: `target_missed`, `window_ratio`,
    /// `outside_limits`, `trend`, `shift`, `two_of_three`, `benchmark_gap`.
    pub rule: &'static str,
    /// The report period, e.g. `2024/25-H2`.
    pub period: String,
    pub severity: Severity,
    pub direction: Direction,
    /// What the numbers show, in plain words.
    pub statement: String,
    /// The question to the agency.
    pub question: String,
    /// The metric read with this one in the statement ("despite …"), whose
    /// own finding, if any, this one covers.
    pub covers: Option<String>,
}

/// What [`assess`] found for one metric.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub xmr: Option<Xmr>,
    pub variation: Variation,
    pub assurance: Option<spc::Assurance>,
    pub finding: Option<Finding>,
}

/// Judges one metric over the report period.
pub fn assess(input: &MetricInput) -> Assessment {
    let values: Vec<f64> = input.points.iter().map(|(_, v)| *v).collect();
    let xmr = Xmr::of(&values);
    let causes = xmr
        .as_ref()
        .map(|x| spc::special_causes(&values, x))
        .unwrap_or_default();
    let polarity = input.spec.better;
    let last = values.len().checked_sub(1);
    let variation = match (&xmr, last) {
        (None, _) | (_, None) => Variation::TooShort,
        (Some(_), Some(last)) => causes
            .iter()
            .find(|c| c.first <= last && c.last == last)
            .map_or(Variation::Common, |c| Variation::Special {
                direction: direction(polarity, c.side),
                side: c.side,
            }),
    };
    let assurance = match (&xmr, &input.spec.target) {
        (Some(x), Some(t)) if polarity != Polarity::Neither => {
            Some(spc::assurance(x, t.value, polarity == Polarity::Higher))
        }
        _ => None,
    };
    Assessment {
        xmr,
        variation,
        assurance,
        finding: finding::find(input, &values, &causes),
    }
}

pub(crate) fn direction(polarity: Polarity, side: Side) -> Direction {
    match (polarity, side) {
        (Polarity::Neither, _) => Direction::Changed,
        (Polarity::Higher, Side::High) | (Polarity::Lower, Side::Low) => Direction::Improving,
        _ => Direction::Concerning,
    }
}

/// Findings most important first: severity, then concerning before other
/// news, then the order the metrics were given in (stable). A finding that
/// another already covers ("despite …") is dropped.
pub fn rank(findings: &mut Vec<Finding>) {
    let covered: Vec<String> = findings.iter().filter_map(|f| f.covers.clone()).collect();
    findings.retain(|f| !covered.contains(&f.metric));
    findings.sort_by_key(|f| (f.severity, f.direction != Direction::Concerning));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(extra: &str) -> MetricSpec {
        serde_yaml::from_str(&format!(
            "metric: waits\ntitle: Average wait for a first appointment\narea: Mental health\n\
             agency: CAMHS\nunit: weeks\nis_count: false\nmeasure: flow\nbetter: lower\n\
             definition: d\nsql: SELECT 1\n{extra}"
        ))
        .unwrap()
    }

    fn quarters(values: &[f64]) -> Vec<(Period, f64)> {
        let last = Period::Quarter(2024, 4);
        let first = last.back(values.len() - 1);
        Period::quarter_range(first, last)
            .into_iter()
            .zip(values.iter().copied())
            .collect()
    }

    fn show(_: &MetricSpec, v: f64) -> String {
        format!("{v:.1}")
    }

    fn run(spec: &MetricSpec, values: &[f64]) -> Assessment {
        assess(&MetricInput {
            spec,
            points: &quarters(values),
            report: Period::Half(2024, 2),
            pair: None,
            benchmark: None,
            show: &show,
        })
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
        assert!(
            f.statement
                .contains("has risen in each of the last seven quarters"),
            "{}",
            f.statement
        );
        assert!(f.question.starts_with("CAMHS: is there any analysis"));
        let falling: Vec<f64> = rising.iter().map(|v| 30.0 - v).collect();
        let f = run(&s, &falling).finding.expect("a fall");
        assert_eq!(f.direction, Direction::Improving);
        assert_eq!(f.severity, Severity::Low);
    }

    #[test]
    fn a_target_met_for_three_quarters_then_missed_leads() {
        let s = spec("target: { value: 18, source: national target }");
        let waits = [
            19.6, 20.1, 19.4, 19.9, 19.2, 18.9, 17.6, 17.0, 17.2, 18.2, 19.2, 20.1,
        ];
        let f = run(&s, &waits).finding.expect("a missed target");
        assert_eq!(f.rule, "target_missed");
        assert_eq!(f.id, "waits:target_missed:2024/25-H2");
        assert!(
            f.statement.contains(
                "rose every quarter from 17.2 weeks in Q1 2024/25 to 20.1 weeks in Q4 2024/25"
            ) && f.statement.contains("for three quarters"),
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
        let mut s = spec("");
        s.unit = "referrals".into();
        s.is_count = true;
        s.better = Polarity::Neither;
        let f = run(
            &s,
            &[11., 13., 12., 10., 14., 12., 11., 13., 12., 14., 33., 38.],
        )
        .finding
        .unwrap();
        assert_eq!(f.rule, "window_ratio");
        assert!(
            f.statement.contains(
                "almost tripled compared with the previous two quarters (71.0 against 26.0)"
            ),
            "{}",
            f.statement
        );
        assert_eq!(f.direction, Direction::Changed);
        // A quarter missing from the earlier window: no totals to compare.
        let points: Vec<(Period, f64)> =
            quarters(&[11., 13., 12., 10., 14., 12., 11., 13., 12., 14., 33., 38.])
                .into_iter()
                .filter(|(p, _)| *p != Period::Quarter(2024, 1))
                .collect();
        let gap = assess(&MetricInput {
            spec: &s,
            points: &points,
            report: Period::Half(2024, 2),
            pair: None,
            benchmark: None,
            show: &show,
        });
        assert_ne!(gap.finding.map(|f| f.rule), Some("window_ratio"));
        // 1 and 2 becoming 4 and 5: a handful of cases, not a change to ask about.
        let small = run(&s, &[2., 3., 2., 1., 3., 2., 2., 3., 1., 2., 4., 5.]).finding;
        assert_ne!(small.map(|f| f.rule), Some("window_ratio"));
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
    fn too_few_quarters_are_not_judged() {
        let a = run(&spec(""), &[10., 11., 12., 13.]);
        assert_eq!(a.variation, Variation::TooShort);
        assert!(a.finding.is_none());
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
            period: "2024/25-H2".into(),
            severity,
            direction,
            statement: String::new(),
            question: String::new(),
            covers: covers.map(str::to_string),
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
}
