//! The report's view model: every figure as it will be printed, computed once
//! and shared by the HTML and Markdown templates and the workbook.

use pqa_core::config::Measure;
use pqa_core::{MetricSpec, Period};
use pqa_trends::words::Figures;
use pqa_trends::{Direction, Finding};
use serde::Serialize;

use crate::actions::{self, Action, Counts};
use crate::chart::{Unusual, UnusualKind};
use crate::disclosure::{Published, key};
use crate::glance::{self, GlanceRow};
use crate::questions;
use crate::ranked::{self, QuestionView};
use crate::summary::{self, Ask};
use crate::timeline::{Timeline, table_len};
use crate::{Error, ReportInput, Result, chart};

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
    /// What the feed brings, in words (its `title:`, else its name).
    pub title: String,
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
    /// "Draft" or "Final".
    pub(crate) status: String,
    /// The report's date, "4 December 2026".
    pub(crate) date: String,
    pub(crate) author: String,
    /// "H1 2025/26": the report the new actions are due by.
    pub(crate) next_report: String,
    pub(crate) run: Option<RunInfo>,
    /// What the Executive is asked to do.
    pub(crate) asks: Vec<Ask>,
    /// The questions this report raises, most important first.
    pub(crate) questions: Vec<QuestionView>,
    /// How many of them the first page lists.
    pub(crate) top: usize,
    /// Earlier questions carried until the subgroup closes them.
    pub(crate) actions: Vec<Action>,
    pub(crate) action_counts: Counts,
    pub(crate) glance: Vec<GlanceRow>,
    pub(crate) areas: Vec<AreaView>,
    /// Metrics whose figures could not be worked out, and why.
    pub(crate) failed: Vec<(String, String)>,
    pub(crate) quality: Vec<QualityRow>,
    pub(crate) suppress_up_to: u32,
    /// The symbols for missing figures and what each means.
    pub(crate) key: Vec<(&'static str, String)>,
    pub(crate) validation_link: Option<String>,
    /// For print: the page each section starts on, by its id (empty on screen).
    pub(crate) pages: std::collections::BTreeMap<String, usize>,
    /// Audits whose returns came in this period, by their headlines.
    pub(crate) audits: Vec<crate::assurance::AuditView>,
    pub(crate) recommendations: crate::assurance::RecommendationsView,
    /// Children with overlaying vulnerabilities.
    pub(crate) overlay: Option<crate::vulnerabilities::OverlayView>,
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
    pub(crate) is_count: bool,
    /// Decimal places its figures are printed with.
    pub(crate) decimals: u8,
    pub(crate) definition: String,
    /// "quarter", "month", "term", "year".
    pub(crate) period_noun: String,
    pub(crate) headline: String,
    /// The latest period shown, e.g. "Q4 2024/25" or "spring term 2025".
    pub(crate) latest_label: String,
    pub(crate) latest: String,
    pub(crate) previous: String,
    pub(crate) year_ago: String,
    pub(crate) rows: Vec<(String, String)>,
    pub(crate) chart_svg: String,
    pub(crate) chart_alt: String,
    /// Making Data Count's reading of the latest period, in words.
    pub(crate) variation: String,
    /// `common`, `concerning`, `improving`, `changed` or `too_short`.
    pub(crate) variation_kind: String,
    /// How reliably the target is met, where there is one.
    pub(crate) assurance: Option<String>,
    pub(crate) finding: Option<Finding>,
    /// The charted periods with their figures and reference lines (for the workbook).
    pub(crate) chart_rows: Vec<ChartRow>,
    pub(crate) target: Option<f64>,
    /// The reference of this report's question about it, if any.
    pub(crate) reference: Option<String>,
    /// Agencies' responses to earlier questions about it: (agency, date, text).
    pub(crate) commentary: Vec<(String, String, String)>,
}

/// One feed's line in the data quality table, in words.
#[derive(Serialize)]
pub(crate) struct QualityRow {
    /// The feed's name, for the technical appendix.
    pub(crate) feed: String,
    pub(crate) title: String,
    pub(crate) agency: String,
    pub(crate) received_words: String,
    pub(crate) late_words: String,
    pub(crate) missing_words: String,
    pub(crate) rows_read: i64,
    pub(crate) rows_accepted: i64,
    pub(crate) rows_rejected: i64,
}

impl QualityRow {
    fn of(q: &FeedQuality) -> QualityRow {
        let words = |periods: &[String]| {
            let labels: Vec<String> = periods
                .iter()
                .map(|p| {
                    p.parse::<Period>()
                        .map_or_else(|_| p.clone(), |p| p.label())
                })
                .collect();
            if labels.is_empty() {
                "none".to_string()
            } else {
                labels.join(", ")
            }
        };
        QualityRow {
            feed: q.feed.clone(),
            title: q.title.clone(),
            agency: q.agency.clone(),
            received_words: words(&q.received),
            late_words: words(&q.late),
            missing_words: words(&q.missing),
            rows_read: q.rows_read,
            rows_accepted: q.rows_accepted,
            rows_rejected: q.rows_rejected,
        }
    }
}

/// One charted period, as the workbook writes it.
#[derive(Serialize)]
pub(crate) struct ChartRow {
    pub(crate) label: String,
    /// The published figure, rounded as printed.
    pub(crate) value: Option<f64>,
    /// The symbol shown where there is no figure.
    pub(crate) note: Option<&'static str>,
    pub(crate) mean: Option<f64>,
    pub(crate) lower: Option<f64>,
    pub(crate) upper: Option<f64>,
}

pub(crate) fn build(input: &ReportInput) -> Result<View> {
    let mut areas: Vec<AreaView> = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut glance = Vec::new();
    let actions = actions::log(input);
    for (spec, series) in &input.metrics {
        let timeline = Timeline::of(spec, series, input.period, input.disclosure);
        let assessment = questions::assess_for(input, spec, series, input.period);
        findings.extend(assessment.finding.clone());
        let figures = Figures {
            spec,
            suppress_up_to: input.disclosure.suppress_up_to,
        };
        let show = |p: &Published| show(p, &figures);
        let n = timeline.periods.len();
        let table: Vec<(String, String)> = timeline.periods[n - table_len(timeline.kind).min(n)..]
            .iter()
            .zip(&timeline.published[n - table_len(timeline.kind).min(n)..])
            .map(|(p, v)| (p.long_label(), show(v)))
            .collect();
        let labels: Vec<String> = timeline.periods.iter().map(|p| p.short_label()).collect();
        let values: Vec<Option<f64>> = timeline
            .published
            .iter()
            .map(|p| p.value().map(|v| figures.rounded(v)))
            .collect();
        let unusual: Vec<Unusual> = assessment
            .unusual
            .iter()
            .map(|(i, _, d)| Unusual {
                index: *i,
                kind: match d {
                    Direction::Concerning => UnusualKind::Concerning,
                    Direction::Improving => UnusualKind::Improving,
                    Direction::Changed => UnusualKind::Changed,
                },
            })
            .collect();
        let chart_svg = chart::line_chart(
            &labels,
            &values,
            &spec.unit,
            &questions::reference_lines(spec, &assessment, input.benchmarks.get(&spec.metric)),
            &unusual,
        )
        .map_err(|message| Error::Chart {
            metric: spec.metric.clone(),
            message,
        })?;
        let latest = timeline.latest();
        let at = |p: Period| timeline.at(p).cloned().unwrap_or(Published::NotReceived);
        let previous_period = latest.previous();
        let year_ago_period = latest.year_earlier();
        let (now, previous, year_ago) = (at(latest), at(previous_period), at(year_ago_period));
        let from = assessment.rebased_from.map_or(0, |(i, _)| i);
        let chart_rows = timeline
            .periods
            .iter()
            .zip(&timeline.published)
            .enumerate()
            .map(|(i, (p, v))| {
                let line = |f: fn(&pqa_trends::spc::Xmr) -> f64| {
                    assessment
                        .xmr
                        .as_ref()
                        .filter(|_| i >= from)
                        .map(|x| figures.rounded(f(x)))
                };
                ChartRow {
                    label: p.short_label(),
                    value: v.value().map(|v| figures.rounded(v)),
                    note: v.symbol(),
                    mean: line(|x| x.mean),
                    lower: line(|x| x.lower.max(0.0)),
                    upper: line(|x| x.upper),
                }
            })
            .collect();
        let view = MetricView {
            id: spec.metric.clone(),
            title: spec.title.clone(),
            agency: spec.agency.clone(),
            unit: spec.unit.clone(),
            is_count: spec.is_count,
            decimals: spec.decimals(),
            definition: spec.definition.trim().to_string(),
            period_noun: timeline.kind.noun().to_string(),
            headline: headline(
                &figures,
                latest,
                [&now, &previous, &year_ago],
                input.disclosure.suppress_up_to,
            ),
            latest_label: latest.label(),
            latest: show(&now),
            previous: show(&previous),
            year_ago: if timeline.kind.is_year() {
                show(&at(latest.back(2)))
            } else {
                show(&year_ago)
            },
            rows: table,
            chart_alt: chart_alt(spec, &timeline, &values, &assessment, &figures),
            chart_svg,
            variation: questions::variation_words(&assessment, spec.kind()),
            variation_kind: questions::variation_kind(assessment.variation).into(),
            assurance: assessment
                .assurance
                .map(|a| questions::assurance_words(a, spec.kind())),
            chart_rows,
            target: spec.target.as_ref().map(|t| t.value),
            reference: None,
            commentary: actions
                .iter()
                .filter(|a| a.metric == spec.metric)
                .flat_map(|a| a.responses.iter().cloned())
                .collect(),
            finding: assessment.finding.clone(),
        };
        glance.push(glance::row(
            spec,
            &timeline,
            &assessment,
            input.benchmarks.get(&spec.metric),
            &figures,
        ));
        match areas.iter_mut().find(|a| a.name == spec.area) {
            Some(area) => area.metrics.push(view),
            None => areas.push(AreaView {
                name: spec.area.clone(),
                metrics: vec![view],
            }),
        }
    }
    let overdue: Vec<String> = actions
        .iter()
        .filter(|a| a.status == actions::Status::Overdue)
        .map(|a| a.metric.clone())
        .collect();
    let period = input.period.to_string();
    let questions = ranked::questions(&period, findings, &overdue);
    for area in &mut areas {
        for m in &mut area.metrics {
            m.reference = questions
                .iter()
                .find(|q| q.metrics.contains(&m.id))
                .map(|q| q.reference.clone());
        }
    }
    let action_counts = actions::counts(&actions, questions.len());
    let next_report = input.period.next().label();
    Ok(View {
        partnership: input.partnership.to_string(),
        period,
        period_label: input.period.long_label(),
        status: if input.final_report { "Final" } else { "Draft" }.into(),
        date: actions::day(input.date),
        author: input.author.to_string(),
        asks: summary::asks(
            &input.period.label(),
            &questions,
            &action_counts,
            &next_report,
        ),
        top: summary::top_count(&questions),
        questions,
        actions,
        action_counts,
        next_report,
        glance,
        run: input.run.clone(),
        areas,
        failed: input.failed.clone(),
        quality: input.quality.iter().map(QualityRow::of).collect(),
        suppress_up_to: input.disclosure.suppress_up_to,
        key: key(input.disclosure.suppress_up_to),
        validation_link: input.validation_link.clone(),
        pages: Default::default(),
        audits: crate::assurance::audits(&input.audits, input.disclosure.suppress_up_to),
        recommendations: crate::assurance::recommendations(&input.recommendations, input.period),
        overlay: input
            .overlay
            .as_ref()
            .map(crate::vulnerabilities::view)
            .transpose()
            .map_err(|message| Error::Chart {
                metric: "overlaying vulnerabilities".into(),
                message,
            })?,
    })
}

/// A figure as printed: thousands separators for counts, one decimal
/// otherwise; a missing figure as the symbol for its kind.
pub(crate) fn show(p: &Published, figures: &Figures) -> String {
    match p {
        Published::Value(v) => figures.number(*v),
        other => other.symbol().unwrap_or_default().to_string(),
    }
}

/// One plain sentence: the latest figure and how it compares, every change
/// the difference of the figures as printed.
fn headline(
    f: &Figures,
    latest: Period,
    [now, previous, year_ago]: [&Published; 3],
    suppress_up_to: u32,
) -> String {
    let spec = f.spec;
    let kind = latest.kind();
    let when = match spec.measure {
        Measure::Stock => format!("At the end of {}", latest.long_label()),
        Measure::Flow => format!("During {}", latest.long_label()),
    };
    let Some(value) = now.value() else {
        return match now {
            Published::Suppressed if spec.is_count => format!(
                "{when}: between 1 and {suppress_up_to} {} (not shown, to protect privacy).",
                spec.unit
            ),
            Published::Suppressed => format!(
                "{when}: not shown, to protect privacy: it is built on between 1 and {suppress_up_to} {}.",
                pqa_trends::words::base_noun(spec)
            ),
            Published::Withheld(symbol) => {
                format!("{when}: the agency withheld the figure (it sent “{symbol}”).")
            }
            Published::NotDue => format!("{when}: the figure is not yet due."),
            _ => format!("{when}: no figure was received."),
        };
    };
    let shown = if spec.unit.starts_with('%') {
        format!("{}{}", f.number(value), spec.unit)
    } else {
        format!("{} {}", f.number(value), spec.unit)
    };
    let mut text = format!("{when}: {shown}");
    let compare = |then: &Published, against: String| -> Option<String> {
        let then_v = then.value()?;
        let was = f.number(then_v);
        Some(match f.change(value, then_v) {
            None => format!("the same as {against} ({was})"),
            Some(change) => format!("{change} than {against} ({was})"),
        })
    };
    let previous_words = format!("the previous {}", kind.noun());
    let parts: Vec<String> = if kind.is_year() {
        vec![compare(previous, previous_words)]
    } else {
        vec![
            compare(previous, previous_words),
            compare(year_ago, "a year earlier".into()),
        ]
    }
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

/// A text alternative for the chart: the range of figures, the usual range,
/// the target and the unusual points.
fn chart_alt(
    spec: &MetricSpec,
    timeline: &Timeline,
    values: &[Option<f64>],
    assessment: &pqa_trends::Assessment,
    f: &Figures,
) -> String {
    let known: Vec<(Period, f64)> = timeline
        .periods
        .iter()
        .zip(values)
        .filter_map(|(p, v)| v.map(|v| (*p, v)))
        .collect();
    let (Some(first), Some(last)) = (known.first(), known.last()) else {
        return format!(
            "Line chart of {}: no figures to show.",
            spec.title.to_lowercase()
        );
    };
    let (lo, hi) = known.iter().fold((f64::MAX, f64::MIN), |(lo, hi), (_, v)| {
        (lo.min(*v), hi.max(*v))
    });
    let mut text = format!(
        "Line chart of {} by {}, from {} in {} to {} in {}; lowest {}, highest {}.",
        pqa_trends::words::mid_sentence(&spec.title),
        timeline.kind.noun(),
        f.with_unit(first.1),
        first.0.label(),
        f.with_unit(last.1),
        last.0.label(),
        f.with_unit(lo),
        f.with_unit(hi),
    );
    if let Some(x) = &assessment.xmr {
        text.push_str(&format!(
            " The usual range{} is {}.",
            assessment
                .rebased_from
                .map(|(_, p)| format!(" since {}", p.label()))
                .unwrap_or_default(),
            f.range(x.lower, x.upper)
        ));
    }
    if let Some(t) = &spec.target {
        text.push_str(&format!(" The target is {}.", f.target(t.value)));
    }
    let unusual: Vec<String> = assessment
        .unusual
        .iter()
        .map(|(i, ..)| timeline.periods[*i].label())
        .collect();
    if !unusual.is_empty() {
        text.push_str(&format!(" Unusual: {}.", unusual.join(", ")));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(measure: &str, unit: &str, is_count: bool) -> MetricSpec {
        serde_yaml::from_str(&format!(
            "metric: m\ntitle: Families in bed and breakfast\narea: Housing\nagency: Housing\nunit: \"{unit}\"\nis_count: {is_count}\nmeasure: {measure}\nbetter: lower\ndefinition: d\nsql: SELECT 1\n"
        ))
        .unwrap()
    }

    fn fig(spec: &MetricSpec) -> Figures<'_> {
        Figures {
            spec,
            suppress_up_to: 4,
        }
    }

    #[test]
    fn figures_print_with_separators_and_symbols() {
        let s = spec("stock", "families", true);
        let f = fig(&s);
        assert_eq!(show(&Published::Value(16309.0), &f), "16,309");
        assert_eq!(show(&Published::Suppressed, &f), "c");
        assert_eq!(show(&Published::Withheld("<5".into()), &f), "w");
        assert_eq!(show(&Published::NotReceived, &f), "x");
        assert_eq!(show(&Published::NotDue, &f), "z");
        let p = spec("flow", "% of pupils", false);
        assert_eq!(show(&Published::Value(41.63), &fig(&p)), "41.6");
    }

    #[test]
    fn headline_compares_with_last_quarter_and_last_year() {
        let s = spec("stock", "families", true);
        let q = Period::Quarter(2024, 4);
        let h = headline(
            &fig(&s),
            q,
            [
                &Published::Value(30.0),
                &Published::Value(25.0),
                &Published::Value(30.0),
            ],
            4,
        );
        assert_eq!(
            h,
            "At the end of Q4 2024/25 (Jan–Mar 2025): 30 families — 5 more than the previous quarter (25), and the same as a year earlier (30)."
        );
        let h = headline(
            &fig(&spec("flow", "families", true)),
            q,
            [
                &Published::Value(20.0),
                &Published::Suppressed,
                &Published::NotReceived,
            ],
            4,
        );
        assert_eq!(h, "During Q4 2024/25 (Jan–Mar 2025): 20 families.");
    }

    #[test]
    fn a_change_in_a_percentage_is_in_percentage_points_from_the_printed_figures() {
        let s = spec("stock", "% of care leavers", false);
        let h = headline(
            &fig(&s),
            Period::Quarter(2024, 4),
            [
                &Published::Value(56.84),
                &Published::Value(58.56),
                &Published::Value(56.14),
            ],
            4,
        );
        assert_eq!(
            h,
            "At the end of Q4 2024/25 (Jan–Mar 2025): 56.8% of care leavers — 1.8 percentage points lower than the previous quarter (58.6), and 0.7 percentage points higher than a year earlier (56.1)."
        );
        let w = spec("flow", "weeks", false);
        let h = headline(
            &fig(&w),
            Period::Quarter(2024, 4),
            [
                &Published::Value(20.14),
                &Published::Value(19.16),
                &Published::Value(6.04),
            ],
            4,
        );
        assert!(
            h.contains("20.1 weeks — 0.9 weeks higher than the previous quarter (19.2)"),
            "{h}"
        );
    }

    #[test]
    fn a_missing_latest_figure_says_which_kind_of_missing_it_is() {
        let s = spec("stock", "families", true);
        let q = Period::Quarter(2024, 4);
        let nine = Published::Value(9.0);
        let h = |now: Published| headline(&fig(&s), q, [&now, &nine, &nine], 4);
        let suppressed = h(Published::Suppressed);
        assert!(
            suppressed.contains("not shown, to protect privacy"),
            "{suppressed}"
        );
        assert!(!suppressed.contains('9'), "{suppressed}");
        assert!(h(Published::Withheld("<5".into())).contains("withheld the figure (it sent “<5”)"));
        assert!(h(Published::NotReceived).contains("no figure was received"));
        assert!(h(Published::NotDue).contains("not yet due"));
    }
}
