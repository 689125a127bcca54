//! The report's view model: every figure as it will be printed, computed once
//! and shared by the HTML and Markdown templates.

use pqa_core::config::Measure;
use pqa_core::{MetricSpec, Period};
use pqa_trends::Finding;
use serde::Serialize;

use crate::disclosure::{Published, SUPPRESSED};
use crate::questions::{self, EarlierQuestion};
use crate::{Error, ReportInput, Result, chart};

/// Quarters shown in each metric's table.
const TABLE_QUARTERS: usize = 8;
/// Quarters shown in each metric's chart (and judged by the trend rules).
pub(crate) const CHART_QUARTERS: usize = 12;

/// The warehouse state a report was built from.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    pub number: i64,
    /// (table, version), sorted by table.
    pub tables: Vec<(String, u64)>,
}

/// One feed's submissions for the report's period.
#[derive(Debug, Clone, Serialize)]
pub struct FeedQuality {
    pub feed: String,
    pub agency: String,
    /// Submissions due in the period that arrived (quarters, or the year).
    pub received: Vec<String>,
    /// Submissions due in the period that did not.
    pub missing: Vec<String>,
    /// Submissions that arrived, but after the run that first loaded other
    /// agencies' returns for the same quarter (the quarter's run).
    pub late: Vec<String>,
    pub rows_read: i64,
    pub rows_accepted: i64,
    pub rows_rejected: i64,
}

#[derive(Serialize)]
pub(crate) struct View {
    pub(crate) partnership: String,
    pub(crate) period: String,
    pub(crate) period_label: String,
    pub(crate) run: Option<RunInfo>,
    /// The questions this report raises, most important first.
    pub(crate) findings: Vec<Finding>,
    /// Questions of earlier reports that agencies have responded to.
    pub(crate) earlier: Vec<EarlierQuestion>,
    pub(crate) areas: Vec<AreaView>,
    pub(crate) quality: Vec<FeedQuality>,
    pub(crate) suppress_up_to: u32,
    pub(crate) any_suppressed: bool,
    pub(crate) validation_link: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct AreaView {
    pub(crate) name: String,
    pub(crate) metrics: Vec<MetricView>,
}

#[derive(Serialize)]
pub(crate) struct MetricView {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) agency: String,
    pub(crate) unit: String,
    pub(crate) definition: String,
    pub(crate) headline: String,
    pub(crate) latest: String,
    pub(crate) previous: String,
    pub(crate) year_ago: String,
    pub(crate) rows: Vec<(String, String)>,
    pub(crate) chart_svg: String,
    pub(crate) chart_alt: String,
    /// Making Data Count's reading of the latest quarter, in words.
    pub(crate) variation: String,
    /// `common`, `concerning`, `improving`, `changed` or `too_short`.
    pub(crate) variation_kind: String,
    /// How reliably the target is met, where there is one.
    pub(crate) assurance: Option<String>,
    pub(crate) finding: Option<Finding>,
    /// The charted quarters and their published figures (for the workbook).
    pub(crate) chart_points: Vec<(String, Option<f64>)>,
}

pub(crate) fn build(input: &ReportInput) -> Result<View> {
    let last_quarter = *input
        .period
        .quarters()
        .last()
        .expect("every period has quarters");
    let mut areas: Vec<AreaView> = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut any_suppressed = false;
    for (spec, series) in &input.metrics {
        let assessment = questions::assess_for(input, spec, series, input.period);
        findings.extend(assessment.finding.clone());
        let publish = |p: Period| {
            input
                .disclosure
                .publish_point(series.point_at(p), spec.is_count)
        };
        let table: Vec<(String, Published)> =
            Period::quarter_range(last_quarter.back(TABLE_QUARTERS - 1), last_quarter)
                .into_iter()
                .map(|p| (p.long_label(), publish(p)))
                .collect();
        any_suppressed |= table.iter().any(|(_, v)| *v == Published::Suppressed);
        let chart_quarters =
            Period::quarter_range(last_quarter.back(CHART_QUARTERS - 1), last_quarter);
        let labels: Vec<String> = chart_quarters.iter().map(|p| short_label(*p)).collect();
        let values: Vec<Option<f64>> = chart_quarters.iter().map(|p| publish(*p).value()).collect();
        let chart_svg = chart::line_chart(
            &labels,
            &values,
            &spec.unit,
            &questions::reference_lines(spec, &assessment, input.benchmarks.get(&spec.metric)),
        )
        .map_err(|message| Error::Chart {
            metric: spec.metric.clone(),
            message,
        })?;
        let (latest, previous, year_ago) = (
            publish(last_quarter),
            publish(last_quarter.previous()),
            publish(last_quarter.back(4)),
        );
        let view = MetricView {
            id: spec.metric.clone(),
            title: spec.title.clone(),
            agency: spec.agency.clone(),
            unit: spec.unit.clone(),
            definition: spec.definition.trim().to_string(),
            headline: headline(
                spec,
                last_quarter,
                [latest, previous, year_ago],
                input.disclosure.suppress_up_to,
            ),
            latest: show(latest, spec.is_count),
            previous: show(previous, spec.is_count),
            year_ago: show(year_ago, spec.is_count),
            rows: table
                .iter()
                .map(|(label, v)| (label.clone(), show(*v, spec.is_count)))
                .collect(),
            chart_alt: chart_alt(spec, &chart_quarters, &values),
            chart_svg,
            variation: questions::variation_words(assessment.variation),
            variation_kind: questions::variation_kind(assessment.variation).into(),
            assurance: assessment
                .assurance
                .map(|a| questions::assurance_words(a).to_string()),
            finding: assessment.finding,
            chart_points: labels.iter().cloned().zip(values.iter().copied()).collect(),
        };
        match areas.iter_mut().find(|a| a.name == spec.area) {
            Some(area) => area.metrics.push(view),
            None => areas.push(AreaView {
                name: spec.area.clone(),
                metrics: vec![view],
            }),
        }
    }
    Ok(View {
        partnership: input.partnership.to_string(),
        period: input.period.to_string(),
        period_label: input.period.long_label(),
        run: input.run.clone(),
        findings: {
            pqa_trends::rank(&mut findings);
            findings
        },
        earlier: questions::earlier(input),
        areas,
        quality: input.quality.clone(),
        suppress_up_to: input.disclosure.suppress_up_to,
        any_suppressed,
        validation_link: input.validation_link.clone(),
    })
}

/// "Q3 24/25": short enough for a chart axis.
fn short_label(p: Period) -> String {
    match p {
        Period::Quarter(y, q) => format!("Q{q} {:02}/{:02}", y % 100, (y + 1) % 100),
        other => other.to_string(),
    }
}

/// A figure as printed: thousands separators for counts, one decimal otherwise.
pub(crate) fn show(p: Published, is_count: bool) -> String {
    match p {
        Published::Missing => "–".into(),
        Published::Suppressed => SUPPRESSED.into(),
        Published::Value(v) if is_count || v.fract() == 0.0 => thousands(v.round() as i64),
        Published::Value(v) => format!("{v:.1}"),
    }
}

fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// One plain sentence: the latest figure and how it compares.
fn headline(
    spec: &MetricSpec,
    q: Period,
    [latest, previous, year_ago]: [Published; 3],
    suppress_up_to: u32,
) -> String {
    let when = match spec.measure {
        Measure::Stock => format!("At the end of {}", q.long_label()),
        Measure::Flow => format!("During {}", q.long_label()),
    };
    let Some(now) = latest.value() else {
        return match latest {
            Published::Suppressed => format!(
                "{when}: between 1 and {suppress_up_to} {} (not shown, to protect privacy).",
                spec.unit
            ),
            _ => format!("{when}: no figure was received."),
        };
    };
    let mut text = format!("{when}: {} {}", show(latest, spec.is_count), spec.unit);
    let compare = |then: Published, against: &str| -> Option<String> {
        let then_v = then.value()?;
        let diff = now - then_v;
        let amount = show(Published::Value(diff.abs()), spec.is_count);
        let was = show(then, spec.is_count);
        Some(if diff.abs() < 1e-9 {
            format!("the same as {against} ({was})")
        } else if spec.is_count {
            format!(
                "{amount} {} than {against} ({was})",
                if diff > 0.0 { "more" } else { "fewer" }
            )
        } else {
            format!(
                "{amount} {} than {against} ({was})",
                if diff > 0.0 { "higher" } else { "lower" }
            )
        })
    };
    let parts: Vec<String> = [
        compare(previous, "the previous quarter"),
        compare(year_ago, "a year earlier"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !parts.is_empty() {
        text.push_str(" — ");
        text.push_str(&parts.join(", and "));
    }
    text.push('.');
    text
}

/// A text alternative for the chart.
fn chart_alt(spec: &MetricSpec, quarters: &[Period], values: &[Option<f64>]) -> String {
    let known: Vec<(Period, f64)> = quarters
        .iter()
        .zip(values)
        .filter_map(|(p, v)| v.map(|v| (*p, v)))
        .collect();
    match (known.first(), known.last()) {
        (Some(first), Some(last)) => {
            let (lo, hi) = known.iter().fold((f64::MAX, f64::MIN), |(lo, hi), (_, v)| {
                (lo.min(*v), hi.max(*v))
            });
            format!(
                "Line chart of {} by quarter, from {} in {} to {} in {}; lowest {}, highest {}.",
                spec.title.to_lowercase(),
                show(Published::Value(first.1), spec.is_count),
                short_label(first.0),
                show(Published::Value(last.1), spec.is_count),
                short_label(last.0),
                show(Published::Value(lo), spec.is_count),
                show(Published::Value(hi), spec.is_count),
            )
        }
        _ => format!(
            "Line chart of {}: no figures to show.",
            spec.title.to_lowercase()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_print_with_separators_and_symbols() {
        assert_eq!(show(Published::Value(16309.0), true), "16,309");
        assert_eq!(show(Published::Value(-1234.0), true), "-1,234");
        assert_eq!(show(Published::Value(41.63), false), "41.6");
        assert_eq!(show(Published::Suppressed, true), "c");
        assert_eq!(show(Published::Missing, true), "–");
    }

    fn spec(measure: &str) -> MetricSpec {
        serde_yaml::from_str(&format!(
            "metric: m\ntitle: Families in bed and breakfast\narea: Housing\nagency: Housing\nunit: families\nmeasure: {measure}\nbetter: lower\ndefinition: d\nsql: SELECT 1\n"
        ))
        .unwrap()
    }

    #[test]
    fn headline_compares_with_last_quarter_and_last_year() {
        let q = Period::Quarter(2024, 4);
        let h = headline(
            &spec("stock"),
            q,
            [
                Published::Value(30.0),
                Published::Value(25.0),
                Published::Value(30.0),
            ],
            4,
        );
        assert_eq!(
            h,
            "At the end of Q4 2024/25 (Jan–Mar 2025): 30 families — 5 more than the previous quarter (25), and the same as a year earlier (30)."
        );
        let h = headline(
            &spec("flow"),
            q,
            [
                Published::Value(20.0),
                Published::Suppressed,
                Published::Missing,
            ],
            4,
        );
        assert_eq!(h, "During Q4 2024/25 (Jan–Mar 2025): 20 families.");
    }

    #[test]
    fn a_suppressed_latest_figure_is_not_compared() {
        let h = headline(
            &spec("stock"),
            Period::Quarter(2024, 4),
            [
                Published::Suppressed,
                Published::Value(9.0),
                Published::Value(8.0),
            ],
            4,
        );
        assert!(h.contains("not shown, to protect privacy"), "{h}");
        assert!(!h.contains('9'), "{h}");
    }
}
