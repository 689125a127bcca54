//! pqa-trends: what a metric's series says, and the question it raises.
//!
//! Pure functions, no I/O. [`spc`] judges variation the way NHS England's
//! "Making Data Count" does; [`rules`] holds the PQA report's other rules
//! (runs, records, one window against the last, targets, benchmarks);
//! [`assess`] reads one metric in its own periods (months, quarters, terms
//! or years) and returns one analysis: the chart's limits, the latest
//! period's variation and at most one [`Finding`], which keeps every rule
//! that fired and leads with the strongest, so the badge and the question
//! never disagree. Direction is always judged by the metric's polarity: a
//! rise is "concerning" or "improving", never just "up".

mod analysis;
mod finding;
pub mod rules;
pub mod spc;
pub mod words;

use pqa_core::Period;
use pqa_core::config::{MetricSpec, Polarity};
use serde::Serialize;

pub use rules::BenchmarkPosition;
use spc::{Side, Xmr};

/// A period's figure as the trend rules may use it. Only published figures
/// are values; every other kind of missing figure is a gap the rules never
/// step across, and the reader is told which kind it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Observed {
    Value(f64),
    /// Withheld by the agency or publisher, which wrote this symbol (`<5`, `*`, `c`).
    Withheld(String),
    /// A count from 1 to the disclosure threshold (or a rate built on one),
    /// not published by pqa so that no child can be identified.
    Suppressed,
    /// Due, but no return has arrived.
    NotReceived,
    /// Not expected yet (a yearly figure not yet published).
    NotDue,
}

impl Observed {
    /// The figure, when it may be used.
    pub fn value(&self) -> Option<f64> {
        match self {
            Observed::Value(v) => Some(*v),
            _ => None,
        }
    }

    /// Why there is no figure, in words: "withheld by the agency".
    pub fn gap_words(&self) -> &'static str {
        match self {
            Observed::Value(_) => "published",
            Observed::Withheld(_) => "withheld by the agency",
            Observed::Suppressed => "not shown, to protect privacy",
            Observed::NotReceived => "not received",
            Observed::NotDue => "not yet due",
        }
    }
}

/// One period of a metric's series.
#[derive(Debug, Clone, PartialEq)]
pub struct Obs {
    pub period: Period,
    pub value: Observed,
    /// What a share or average is built on (children, referrals), if known.
    pub base: Option<f64>,
}

/// Everything [`assess`] looks at for one metric.
pub struct MetricInput<'a> {
    pub spec: &'a MetricSpec,
    /// Every period of the metric's kind in the window (up to three years,
    /// or ten for yearly series), oldest first, one after another, ending
    /// with the latest period shown; gaps included.
    pub points: &'a [Obs],
    /// The report period, e.g. the half year `2024/25-H2`.
    pub report: Period,
    /// The metric it is read with ("despite X falling, Y rose"), if any.
    pub pair: Option<(&'a MetricSpec, &'a [Obs])>,
    pub benchmark: Option<BenchmarkPosition>,
    /// Counts from 1 to this are not published.
    pub suppress_up_to: u32,
}

/// Good news, bad news, or a change the metric's polarity cannot judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Improving,
    Concerning,
    Changed,
}

/// The latest period's variation, as the report's icon shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Variation {
    /// Fewer than [`spc::MIN_POINTS`] known periods: no reliable limits.
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
    /// The rule the statement leads with: `outside_limits`, `trend`,
    /// `shift`, `target_missed`, `window_change`, `two_of_three`,
    /// `benchmark_gap`.
    pub rule: &'static str,
    /// Every rule that fired, strongest first.
    pub rules: Vec<&'static str>,
    /// The report period, e.g. `2024/25-H2`.
    pub period: String,
    pub severity: Severity,
    pub direction: Direction,
    /// What the numbers show, in plain words.
    pub statement: String,
    /// The finding in one short sentence, for the report's first page:
    /// "Families living in bed and breakfast: 34 at the end of Q4 2024/25,
    /// above its usual range."
    pub summary: String,
    /// The question to the agency.
    pub question: String,
    /// The metric read with this one in the statement ("despite …"), whose
    /// own finding, if any, this one covers.
    pub covers: Option<String>,
    /// The figures behind it: the latest periods and their printed values.
    pub figures: Vec<(String, String)>,
}

/// What [`assess`] found for one metric: one analysis behind the chart, the
/// badge and the question.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    /// The chart's mean and limits: from the whole window, or from the
    /// start of a sustained shift when the limits were worked out again.
    pub xmr: Option<Xmr>,
    /// When the limits were worked out again after a sustained shift: the
    /// first period of the new level (an index into the points, and the period).
    pub rebased_from: Option<(usize, Period)>,
    pub variation: Variation,
    pub assurance: Option<spc::Assurance>,
    /// Points showing special-cause variation, for marking on the chart:
    /// (index into the points, side, direction).
    pub unusual: Vec<(usize, Side, Direction)>,
    pub finding: Option<Finding>,
}

/// Periods the trend rules read and a chart shows: three years, or ten
/// for yearly figures (three points would say nothing).
pub fn window_len(kind: pqa_core::period::PeriodKind) -> usize {
    if kind.is_year() {
        10
    } else {
        3 * kind.per_year()
    }
}

/// Judges one metric over the report period.
pub fn assess(input: &MetricInput) -> Assessment {
    let analysis = analysis::Analysis::of(input);
    let finding = finding::find(input, &analysis);
    Assessment {
        xmr: analysis.xmr(),
        rebased_from: analysis
            .rebase
            .as_ref()
            .map(|r| (r.from, input.points[r.from].period)),
        variation: analysis.variation,
        assurance: analysis.assurance,
        unusual: analysis.unusual(),
        finding,
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
mod tests;
