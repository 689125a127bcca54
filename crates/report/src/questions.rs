//! The report's questions: each metric judged by the trend rules over the
//! figures that may be published, and the questions of earlier reports that
//! agencies responded to, with what has happened to the figure since.

use chrono::NaiveDate;
use pqa_core::config::Polarity;
use pqa_core::period::PeriodKind;
use pqa_core::{MetricSpec, Period, Series};
use pqa_trends::spc::{Assurance, Side};
use pqa_trends::words::Figures;
use pqa_trends::{Assessment, BenchmarkPosition, Direction, MetricInput, Variation};

use crate::ReportInput;
use crate::chart::{Reference, ReferenceKind};
use crate::timeline::Timeline;

/// An agency's response to a question of an earlier report, as sent, with
/// the subgroup's decisions on the action.
#[derive(Debug, Clone)]
pub struct Response {
    /// The question's reference: the one printed with it (`2024/25-H1 Q2`)
    /// or the full one (`fd_re_referrals_pct:shift:2024/25-H1`).
    pub finding_id: String,
    pub agency: String,
    pub response: String,
    /// When the agency responded.
    pub date: Option<NaiveDate>,
    /// When the action is due, where the subgroup set a date.
    pub due: Option<NaiveDate>,
    /// Whether the subgroup has closed the action.
    pub closed: bool,
}

/// A question an earlier report asked, in its words, as stored when that
/// report was written.
#[derive(Debug, Clone)]
pub struct StoredQuestion {
    pub id: String,
    /// The report that asked it, e.g. `2024/25-H1`.
    pub report_period: String,
    /// Its number in that report (question 3 is `2024/25-H1 Q3`).
    pub number: i64,
    pub metric: String,
    pub agency: String,
    pub statement: String,
    pub question: String,
    /// Whether it was stored by the final report (`pqa report --final`).
    pub final_report: bool,
}

/// Judges one metric as a report for `report` would, over the figures
/// that may be published in the metric's own periods.
pub(crate) fn assess_for(
    input: &ReportInput,
    spec: &MetricSpec,
    series: &Series,
    report: Period,
) -> Assessment {
    assess_as(input, spec, series, report, false)
}

/// As [`assess_for`]; `then` when rebuilding an earlier report's question,
/// which could not have known figures published after it.
pub(crate) fn assess_as(
    input: &ReportInput,
    spec: &MetricSpec,
    series: &Series,
    report: Period,
    then: bool,
) -> Assessment {
    let points = Timeline::of(spec, series, report, input.disclosure).observations();
    let pair_points = spec.pair_with.as_ref().and_then(|name| {
        let (pair_spec, pair_series) = input.metrics.iter().find(|(s, _)| &s.metric == name)?;
        Some((
            *pair_spec,
            Timeline::of(pair_spec, pair_series, report, input.disclosure).observations(),
        ))
    });
    // An earlier report knew only the published figures out by its end.
    let benchmark = input
        .benchmarks
        .get(&spec.metric)
        .filter(|b| !then || published_by(b, report))
        .cloned();
    pqa_trends::assess(&MetricInput {
        spec,
        points: &points,
        report,
        pair: pair_points.as_ref().map(|(s, p)| (*s, p.as_slice())),
        benchmark,
        suppress_up_to: input.disclosure.suppress_up_to,
    })
}

/// Whether a published figure for `b.year` (the year to 31 March, as the
/// DfE writes it: `2025`) could be known by the end of `report`: such
/// statistics come out in the autumn after the year ends.
fn published_by(b: &BenchmarkPosition, report: Period) -> bool {
    let year: Option<i32> = b.year.get(..4).and_then(|y| y.parse().ok());
    year.and_then(|y| chrono::NaiveDate::from_ymd_opt(y, 10, 31))
        .is_none_or(|published| published <= report.end())
}

/// The chart's reference lines: mean and process limits when the series is
/// long enough to judge (from the start of a new level after a shift), the
/// statistical neighbours' and England's published figures, and the target
/// where there is one.
pub(crate) fn reference_lines(
    spec: &MetricSpec,
    assessment: &Assessment,
    benchmark: Option<&BenchmarkPosition>,
) -> Vec<Reference> {
    let mut lines = Vec::new();
    let from = assessment.rebased_from.map_or(0, |(i, _)| i);
    if let Some(x) = assessment.xmr {
        let line = |label: &str, value, kind| Reference {
            label: label.into(),
            value,
            kind,
            from,
        };
        lines.push(line("Mean", x.mean, ReferenceKind::Mean));
        lines.push(line("Upper limit", x.upper, ReferenceKind::Limit));
        lines.push(line("Lower limit", x.lower, ReferenceKind::Limit));
    }
    // Published rates set against the metric's own line only when it is a
    // rate too (a count cannot be compared with other areas').
    if let Some(b) = benchmark.filter(|_| !spec.is_count) {
        if let Some(median) = b.neighbours_median() {
            lines.push(Reference {
                label: format!("Neighbours {}", b.year),
                value: median,
                kind: ReferenceKind::Neighbours,
                from: 0,
            });
        }
        if let Some(england) = b.england {
            lines.push(Reference {
                label: format!("England {}", b.year),
                value: england,
                kind: ReferenceKind::England,
                from: 0,
            });
        }
    }
    if let Some(t) = &spec.target {
        let figures = Figures {
            spec,
            suppress_up_to: 0,
        };
        lines.push(Reference {
            label: format!("Target {}", figures.target(t.value)),
            value: t.value,
            kind: ReferenceKind::Target,
            from: 0,
        });
    }
    lines
}

/// "From 18.2 weeks in Q2 2024/25 to 20.1 weeks in Q4 2024/25: worse",
/// judged by the metric's polarity, as the question was.
pub(crate) fn impact(
    input: &ReportInput,
    spec: &MetricSpec,
    series: &Series,
    asked: Period,
) -> String {
    let then_t = Timeline::of(spec, series, asked, input.disclosure);
    let now_t = Timeline::of(spec, series, input.period, input.disclosure);
    let (when_then, when_now) = (then_t.latest(), now_t.latest());
    let (Some(then), Some(now)) = (
        then_t.at(when_then).and_then(|p| p.value()),
        now_t.at(when_now).and_then(|p| p.value()),
    ) else {
        return "There are not the published figures to say how it has moved since.".into();
    };
    let f = Figures {
        spec,
        suppress_up_to: input.disclosure.suppress_up_to,
    };
    let judgement = match f.change(now, then) {
        None => "no change".to_string(),
        Some(change) => {
            let side = if f.rounded(now) > f.rounded(then) {
                Side::High
            } else {
                Side::Low
            };
            let verdict = match (spec.better, side) {
                (Polarity::Neither, _) => "",
                (Polarity::Higher, Side::High) | (Polarity::Lower, Side::Low) => ": better",
                _ => ": worse",
            };
            format!("{change}{verdict}")
        }
    };
    format!(
        "Since the question: from {} in {} to {} in {}, {judgement}.",
        f.with_unit(then),
        when_then.label(),
        f.with_unit(now),
        when_now.label(),
    )
}

/// The variation icon's words: never colour alone.
pub(crate) fn variation_words(a: &Assessment, kind: PeriodKind) -> String {
    let side = |s: Side| {
        if s == Side::High {
            "unusually high"
        } else {
            "unusually low"
        }
    };
    let level = a
        .rebased_from
        .map(|(_, p)| format!(" (at a new level since {})", p.label()))
        .unwrap_or_default();
    match a.variation {
        Variation::TooShort => format!("Too few {} to judge the variation", kind.nouns()),
        Variation::Common => format!("Common cause variation{level}: only the usual ups and downs"),
        Variation::Special {
            direction: Direction::Concerning,
            side: s,
        } => format!("Special cause variation, concerning{level}: {}", side(s)),
        Variation::Special {
            direction: Direction::Improving,
            side: s,
        } => format!("Special cause variation, improving{level}: {}", side(s)),
        Variation::Special {
            direction: Direction::Changed,
            side: s,
        } => format!("Special cause variation{level}: {}", side(s)),
    }
}

pub(crate) fn variation_kind(v: Variation) -> &'static str {
    match v {
        Variation::TooShort => "too_short",
        Variation::Common => "common",
        Variation::Special {
            direction: Direction::Concerning,
            ..
        } => "concerning",
        Variation::Special {
            direction: Direction::Improving,
            ..
        } => "improving",
        Variation::Special {
            direction: Direction::Changed,
            ..
        } => "changed",
    }
}

pub(crate) fn assurance_words(a: Assurance, kind: PeriodKind) -> String {
    match a {
        Assurance::ConsistentlyMet => format!(
            "The target is met every {}, and will be unless something changes",
            kind.noun()
        ),
        Assurance::ConsistentlyMissed => format!(
            "The target is missed every {}, and will be unless something changes",
            kind.noun()
        ),
        Assurance::HitAndMiss => format!(
            "The target is met in some {} and missed in others",
            kind.nouns()
        ),
    }
}
