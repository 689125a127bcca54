//! "At a glance": a line per measure that reads at a glance: the latest
//! figure with its unit, which way it moved (arrow and words, coloured by
//! whether that is better or worse), Making Data Count's variation and
//! assurance in shape and words, the target with a red or green rating, and
//! the published figures for England, the statistical neighbours and the
//! region where a published equivalent exists.

use pqa_core::MetricSpec;
use pqa_core::config::{BenchmarkKind, Polarity};
use pqa_trends::words::Figures;
use pqa_trends::{Assessment, BenchmarkPosition, Direction, Variation};
use serde::Serialize;

use crate::disclosure::Published;
use crate::timeline::Timeline;

#[derive(Debug, Clone, Serialize)]
pub(crate) struct GlanceRow {
    pub id: String,
    pub area: String,
    pub title: String,
    pub unit: String,
    pub latest_label: String,
    /// The latest figure with its unit ("20.1 weeks"), or the symbol.
    pub latest: String,
    /// The latest figure as a number, for sorting (empty where none).
    pub latest_sort: String,
    /// ▲, ▼ or ▶ (no change); empty where there is nothing to compare.
    pub arrow: &'static str,
    /// "up 0.9 weeks" (on the period before).
    pub movement: String,
    /// `better`, `worse` or `neutral`: the colour of the arrow.
    pub movement_class: &'static str,
    /// A shape and words for the variation: "◆ Unusually high".
    pub variation: String,
    /// `concerning`, `improving`, `changed`, `common` or `too_short`.
    pub variation_class: &'static str,
    /// "✓ Met every quarter", "✗ Missed every quarter", "≈ Met some quarters".
    pub assurance: String,
    /// "18 weeks".
    pub target: String,
    /// `Green` (met) or `Red` (missed), where there is a target.
    pub rag: &'static str,
    pub england: String,
    pub neighbours: String,
    pub region: String,
}

pub(crate) fn row(
    spec: &MetricSpec,
    timeline: &Timeline,
    assessment: &Assessment,
    benchmark: Option<&BenchmarkPosition>,
    f: &Figures,
) -> GlanceRow {
    let latest_period = timeline.latest();
    let at = |p| timeline.at(p).cloned().unwrap_or(Published::NotReceived);
    let (now, before) = (at(latest_period), at(latest_period.previous()));
    let shown = |p: &Published| match p {
        Published::Value(v) => f.with_unit(*v),
        other => other.symbol().unwrap_or_default().to_string(),
    };
    let (arrow, movement, movement_class) = match (now.value(), before.value()) {
        (Some(n), Some(b)) => match f.change(n, b) {
            None => ("▶", "no change".to_string(), "neutral"),
            Some(change) => {
                let up = f.rounded(n) > f.rounded(b);
                let class = match (spec.better, up) {
                    (Polarity::Neither, _) => "neutral",
                    (Polarity::Higher, true) | (Polarity::Lower, false) => "better",
                    _ => "worse",
                };
                let words = change
                    .replace(" higher", "")
                    .replace(" lower", "")
                    .replace(" more", "")
                    .replace(" fewer", "");
                (
                    if up { "▲" } else { "▼" },
                    format!("{} {words}", if up { "up" } else { "down" }),
                    class,
                )
            }
        },
        _ => ("", "nothing to compare".into(), "neutral"),
    };
    let (variation, variation_class) = variation(assessment);
    let (target, rag) = match (&spec.target, now.value()) {
        (Some(t), Some(v)) => {
            let met = match spec.better {
                Polarity::Higher => v >= t.value,
                _ => v <= t.value,
            };
            (f.target(t.value), if met { "Green" } else { "Red" })
        }
        (Some(t), None) => (f.target(t.value), ""),
        _ => (String::new(), ""),
    };
    let assurance = match assessment.assurance {
        Some(pqa_trends::spc::Assurance::ConsistentlyMet) => {
            format!("✓ Met every {}", timeline.kind.noun())
        }
        Some(pqa_trends::spc::Assurance::ConsistentlyMissed) => {
            format!("✗ Missed every {}", timeline.kind.noun())
        }
        Some(pqa_trends::spc::Assurance::HitAndMiss) => {
            format!("≈ Met some {}, missed others", timeline.kind.nouns())
        }
        None => String::new(),
    };
    let (england, neighbours, region) = comparisons(spec, benchmark);
    GlanceRow {
        id: spec.metric.clone(),
        area: spec.area.clone(),
        title: spec.title.clone(),
        unit: spec.unit.clone(),
        latest_label: latest_period.label(),
        latest: shown(&now),
        latest_sort: now
            .value()
            .map(|v| f.rounded(v).to_string())
            .unwrap_or_default(),
        arrow,
        movement,
        movement_class,
        variation,
        variation_class,
        assurance,
        target,
        rag,
        england,
        neighbours,
        region,
    }
}

/// The variation in a shape and words (never colour alone).
fn variation(a: &Assessment) -> (String, &'static str) {
    match a.variation {
        Variation::TooShort => ("… Too few to judge".into(), "too_short"),
        Variation::Common => ("● Usual variation".into(), "common"),
        Variation::Special { direction, side } => {
            let (shape, words) = match side {
                pqa_trends::spc::Side::High => ("▲", "Unusually high"),
                pqa_trends::spc::Side::Low => ("▼", "Unusually low"),
            };
            let class = match direction {
                Direction::Concerning => "concerning",
                Direction::Improving => "improving",
                Direction::Changed => "changed",
            };
            (format!("{shape} {words}"), class)
        }
    }
}

/// England's, the statistical neighbours' and the region's published
/// figures, or why there are none.
fn comparisons(spec: &MetricSpec, b: Option<&BenchmarkPosition>) -> (String, String, String) {
    let none = |why: &str| (why.to_string(), String::new(), String::new());
    match (&spec.benchmark, b) {
        (None, _) => none("no published comparison"),
        (Some(m), _) if m.kind == BenchmarkKind::Count => none("not comparable (a count)"),
        (Some(_), _) if !(spec.unit.starts_with('%') || spec.unit.starts_with("per ")) => {
            none("not comparable (published as a rate)")
        }
        (Some(_), None) => none("no published figure loaded"),
        (Some(_), Some(b)) => {
            let with_year = |v: Option<f64>| {
                v.map(|v| format!("{} ({})", pqa_trends::words::number(v, 1), b.year))
                    .unwrap_or_else(|| "not published".into())
            };
            (
                with_year(b.england),
                with_year(b.neighbours_median()),
                with_year(b.region),
            )
        }
    }
}
