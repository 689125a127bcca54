//! The report's questions: each metric judged by the trend rules over the
//! figures that may be published, and the questions of earlier reports that
//! agencies responded to, with what has happened to the figure since.

use pqa_core::config::Polarity;
use pqa_core::{MetricSpec, Period, Series};
use pqa_trends::spc::{Assurance, Side};
use pqa_trends::{Assessment, BenchmarkPosition, Direction, MetricInput, Variation};
use serde::Serialize;

use crate::ReportInput;
use crate::chart::{Reference, ReferenceKind};
use crate::view::{CHART_QUARTERS, show};

/// An agency's response to a question of an earlier report, as sent.
#[derive(Debug, Clone)]
pub struct Response {
    /// The question's reference, e.g. `fd_re_referrals_pct:shift:2024/25-H1`.
    pub finding_id: String,
    pub agency: String,
    pub response: String,
    /// When the agency responded, e.g. `2024-11-14`.
    pub date: Option<String>,
}

/// A question of an earlier report, its responses and its impact.
#[derive(Debug, Serialize)]
pub(crate) struct EarlierQuestion {
    pub id: String,
    pub title: String,
    /// "H1 2024/25".
    pub asked_in: String,
    /// The question as that report put it, rebuilt from the same figures
    /// (absent if the figures have changed since and it no longer arises).
    pub statement: Option<String>,
    pub question: Option<String>,
    /// (agency, date, response)
    pub responses: Vec<(String, String, String)>,
    /// How the figure has moved since, in words.
    pub impact: String,
}

/// Judges one metric as a report for `report` would.
pub(crate) fn assess_for(
    input: &ReportInput,
    spec: &MetricSpec,
    series: &Series,
    report: Period,
) -> Assessment {
    let last = *report.quarters().last().expect("every period has quarters");
    let points = published_points(input, spec, series, last);
    let pair_points = spec.pair_with.as_ref().and_then(|name| {
        let (pair_spec, pair_series) = input.metrics.iter().find(|(s, _)| &s.metric == name)?;
        Some((
            *pair_spec,
            published_points(input, pair_spec, pair_series, last),
        ))
    });
    let show_value = |spec: &MetricSpec, v: f64| {
        show(
            input.disclosure.publish(Some(v), spec.is_count),
            spec.is_count,
        )
    };
    pqa_trends::assess(&MetricInput {
        spec,
        points: &points,
        report,
        pair: pair_points.as_ref().map(|(s, p)| (*s, p.as_slice())),
        benchmark: input.benchmarks.get(&spec.metric).cloned(),
        show: &show_value,
    })
}

/// The quarters the trend rules see: those charted up to `last`, and only
/// figures that may be published, so nothing they say can reveal a
/// suppressed count.
fn published_points(
    input: &ReportInput,
    spec: &MetricSpec,
    series: &Series,
    last: Period,
) -> Vec<(Period, f64)> {
    let first = last.back(CHART_QUARTERS - 1);
    series
        .points
        .iter()
        .filter(|p| {
            matches!(p.period, Period::Quarter(..)) && p.period >= first && p.period <= last
        })
        .filter_map(|p| {
            let v = input
                .disclosure
                .publish_point(Some(p), spec.is_count)
                .value()?;
            Some((p.period, v))
        })
        .collect()
}

/// The chart's reference lines: mean and process limits when the series is
/// long enough to judge, the statistical neighbours' and England's published
/// figures, and the target where there is one.
pub(crate) fn reference_lines(
    spec: &MetricSpec,
    assessment: &Assessment,
    benchmark: Option<&BenchmarkPosition>,
) -> Vec<Reference> {
    let mut lines = Vec::new();
    if let Some(x) = assessment.xmr {
        let line = |label: &str, value, kind| Reference {
            label: label.into(),
            value,
            kind,
        };
        lines.push(line("Mean", x.mean, ReferenceKind::Mean));
        lines.push(line("Process limits", x.upper, ReferenceKind::Limit));
        lines.push(line("", x.lower, ReferenceKind::Limit));
    }
    // Published rates set against the metric's own line only when it is a
    // rate too (a count cannot be compared with other areas').
    if let Some(b) = benchmark.filter(|_| !spec.is_count) {
        if let Some(median) = b.neighbours_median() {
            lines.push(Reference {
                label: format!("Statistical neighbours, {} (middle)", b.year),
                value: median,
                kind: ReferenceKind::Neighbours,
            });
        }
        if let Some(england) = b.england {
            lines.push(Reference {
                label: format!("England, {}", b.year),
                value: england,
                kind: ReferenceKind::England,
            });
        }
    }
    if let Some(t) = &spec.target {
        lines.push(Reference {
            label: format!(
                "Target ({})",
                pqa_trends::words::with_unit(spec, &t.value.to_string())
            ),
            value: t.value,
            kind: ReferenceKind::Target,
        });
    }
    lines
}

/// Every question of an earlier report with a response, oldest first.
pub(crate) fn earlier(input: &ReportInput) -> Vec<EarlierQuestion> {
    let mut out: Vec<EarlierQuestion> = Vec::new();
    for r in &input.responses {
        let response = (
            r.agency.clone(),
            r.date.clone().unwrap_or_default(),
            r.response.clone(),
        );
        if let Some(q) = out.iter_mut().find(|q| q.id == r.finding_id) {
            q.responses.push(response);
            continue;
        }
        let mut parts = r.finding_id.splitn(3, ':');
        let (metric, asked) = (
            parts.next(),
            parts.nth(1).and_then(|p| p.parse::<Period>().ok()),
        );
        let found = input
            .metrics
            .iter()
            .find(|(s, _)| Some(s.metric.as_str()) == metric);
        let (Some((spec, series)), Some(asked)) = (found, asked) else {
            out.push(EarlierQuestion {
                id: r.finding_id.clone(),
                title: "A question this report does not know".into(),
                asked_in: String::new(),
                statement: None,
                question: None,
                responses: vec![response],
                impact: "The reference names no metric and period of this report.".into(),
            });
            continue;
        };
        if asked >= input.period {
            continue;
        }
        let then = assess_for(input, spec, series, asked)
            .finding
            .filter(|f| f.id == r.finding_id);
        out.push(EarlierQuestion {
            id: r.finding_id.clone(),
            title: spec.title.clone(),
            asked_in: pqa_trends::words::period_label(asked),
            statement: then.as_ref().map(|f| f.statement.clone()),
            question: then.map(|f| f.question),
            responses: vec![response],
            impact: impact(input, spec, series, asked),
        });
    }
    out
}

/// "From 18.2 weeks in Q2 2024/25 to 20.1 weeks in Q4 2024/25: worse."
fn impact(input: &ReportInput, spec: &MetricSpec, series: &Series, asked: Period) -> String {
    let quarter_then = *asked.quarters().last().expect("quarters");
    let quarter_now = *input.period.quarters().last().expect("quarters");
    let publish = |p: Period| {
        input
            .disclosure
            .publish_point(series.point_at(p), spec.is_count)
    };
    let (Some(then), Some(now)) = (publish(quarter_then).value(), publish(quarter_now).value())
    else {
        return "There are not the figures to say how it has moved since.".into();
    };
    let shown = |v: f64| {
        pqa_trends::words::with_unit(
            spec,
            &show(
                input.disclosure.publish(Some(v), spec.is_count),
                spec.is_count,
            ),
        )
    };
    let judgement = if (now - then).abs() < 1e-9 {
        "no change"
    } else {
        let side = if now > then { Side::High } else { Side::Low };
        match (spec.better, side) {
            (Polarity::Neither, Side::High) => "up",
            (Polarity::Neither, Side::Low) => "down",
            (Polarity::Higher, Side::High) | (Polarity::Lower, Side::Low) => "better",
            _ => "worse",
        }
    };
    format!(
        "Since the question: from {} in {} to {} in {}: {judgement}.",
        shown(then),
        pqa_trends::words::period_label(quarter_then),
        shown(now),
        pqa_trends::words::period_label(quarter_now),
    )
}

/// The variation icon's words: never colour alone.
pub(crate) fn variation_words(v: Variation) -> String {
    let side = |s: Side| {
        if s == Side::High {
            "unusually high"
        } else {
            "unusually low"
        }
    };
    match v {
        Variation::TooShort => "Too few quarters to judge the variation".into(),
        Variation::Common => "Common cause variation: only the usual ups and downs".into(),
        Variation::Special {
            direction: Direction::Concerning,
            side: s,
        } => {
            format!("Special cause variation, concerning: {}", side(s))
        }
        Variation::Special {
            direction: Direction::Improving,
            side: s,
        } => {
            format!("Special cause variation, improving: {}", side(s))
        }
        Variation::Special {
            direction: Direction::Changed,
            side: s,
        } => {
            format!("Special cause variation: {}", side(s))
        }
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

pub(crate) fn assurance_words(a: Assurance) -> &'static str {
    match a {
        Assurance::ConsistentlyMet => {
            "The target is met every quarter, and will be unless something changes"
        }
        Assurance::ConsistentlyMissed => {
            "The target is missed every quarter, and will be unless something changes"
        }
        Assurance::HitAndMiss => "The target is met in some quarters and missed in others",
    }
}
