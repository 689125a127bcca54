//! Any series through the report's trend rules, without a warehouse
//! (`pqa trends FILE`). An analyst tries a series (or a metric's figures
//! pasted from elsewhere) and sees what the report would say of it; the
//! test suite runs its labelled corpus of series through it.

use std::collections::BTreeMap;
use std::path::Path;

use pqa_core::config::{Measure, MetricFrequency, Polarity, Target};
use pqa_core::{MetricSpec, Period};
use pqa_trends::{Assessment, MetricInput, Obs, Observed, Variation};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// One series in the file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeriesEntry {
    name: String,
    title: String,
    #[serde(default = "unnamed_agency")]
    agency: String,
    unit: String,
    #[serde(default = "yes")]
    is_count: bool,
    measure: Measure,
    better: Polarity,
    #[serde(default)]
    frequency: MetricFrequency,
    #[serde(default)]
    target: Option<f64>,
    /// The report period (default: the half year in which the last period ends).
    #[serde(default)]
    report: Option<Period>,
    /// Period → figure, or the symbol for a missing one: `c` (suppressed,
    /// 1 to 4), `w` or the agency's own symbol such as `<5` (withheld), `x`
    /// (not received), `z` (not yet due). Periods left out are not received.
    points: BTreeMap<Period, Figure>,
    /// What each figure is built on, where it is a share or average.
    #[serde(default)]
    bases: BTreeMap<Period, f64>,
}

fn unnamed_agency() -> String {
    "The agency".into()
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Figure {
    Value(f64),
    Symbol(String),
}

/// What the rules made of one series, as `pqa trends --json` prints it.
#[derive(Debug, Serialize)]
pub struct Verdict {
    pub name: String,
    /// `too_short`, `common`, or `special_high` / `special_low`.
    pub variation: String,
    /// `concerning`, `improving` or `changed` for special cause.
    pub direction: Option<String>,
    /// The chart's limits (from `rebased_from` on, when worked out again).
    pub mean: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub rebased_from: Option<String>,
    /// Periods showing special-cause variation, with their side.
    pub unusual: Vec<(String, String)>,
    pub finding: Option<pqa_trends::Finding>,
}

/// Reads the series in `file` (a YAML list) and judges each as the report
/// would, counts from 1 to `suppress_up_to` being unpublishable.
pub fn judge_file(file: &Path, suppress_up_to: u32) -> Result<Vec<Verdict>> {
    let text = std::fs::read_to_string(file).map_err(|source| Error::Io {
        path: file.to_path_buf(),
        source,
    })?;
    let entries: Vec<SeriesEntry> = serde_yaml::from_str(&text)
        .map_err(|e| Error::Invalid(format!("{}: not a list of series: {e}", file.display())))?;
    entries
        .iter()
        .map(|entry| {
            judge(entry, suppress_up_to)
                .map_err(|why| Error::Invalid(format!("series `{}`: {why}", entry.name)))
        })
        .collect()
}

/// What the rules make of one series, or why they cannot judge it.
fn judge(entry: &SeriesEntry, suppress_up_to: u32) -> Result<Verdict, String> {
    let spec = spec_of(entry);
    let kind = spec.kind();
    if let Some(p) = entry.points.keys().find(|p| p.kind() != kind) {
        return Err(format!(
            "{p} is a {}, but the series is counted in {} (its `frequency:`)",
            p.kind().name(),
            kind.nouns()
        ));
    }
    let last = *entry
        .points
        .keys()
        .next_back()
        .ok_or("the series has no points")?;
    let first = entry
        .points
        .keys()
        .next()
        .copied()
        .unwrap_or(last)
        .max(last.back(pqa_trends::window_len(kind) - 1));
    let points: Vec<Obs> = Period::range(first, last)
        .into_iter()
        .map(|period| Obs {
            period,
            value: match entry.points.get(&period) {
                // As the report does: a count from 1 to the threshold is
                // not published, so the rules never see it.
                Some(Figure::Value(v))
                    if spec.is_count && *v > 0.0 && *v <= f64::from(suppress_up_to) =>
                {
                    Observed::Suppressed
                }
                Some(Figure::Value(v)) => Observed::Value(*v),
                Some(Figure::Symbol(s)) => match s.trim() {
                    "c" => Observed::Suppressed,
                    "x" => Observed::NotReceived,
                    "z" => Observed::NotDue,
                    "w" => Observed::Withheld("w".into()),
                    other => Observed::Withheld(other.into()),
                },
                None => Observed::NotReceived,
            },
            base: entry.bases.get(&period).copied(),
        })
        .collect();
    let report = entry.report.unwrap_or_else(|| Period::half_of(last.end()));
    let a = pqa_trends::assess(&MetricInput {
        spec: &spec,
        points: &points,
        report,
        pair: None,
        benchmark: None,
        suppress_up_to,
    });
    Ok(verdict(&entry.name, &points, a))
}

fn spec_of(entry: &SeriesEntry) -> MetricSpec {
    MetricSpec {
        metric: entry.name.clone(),
        title: entry.title.clone(),
        area: String::new(),
        agency: entry.agency.clone(),
        unit: entry.unit.clone(),
        is_count: entry.is_count,
        measure: entry.measure,
        decimals: None,
        better: entry.better,
        definition: String::new(),
        target: entry.target.map(|value| Target {
            value,
            source: String::new(),
        }),
        benchmark: None,
        pair_with: None,
        rate_of: None,
        frequency: entry.frequency,
        published_after_months: 0,
        sql: String::new(),
    }
}

fn verdict(name: &str, points: &[Obs], a: Assessment) -> Verdict {
    let side = |s: pqa_trends::spc::Side| format!("{s:?}").to_lowercase();
    let (variation, direction) = match a.variation {
        Variation::TooShort => ("too_short".to_string(), None),
        Variation::Common => ("common".to_string(), None),
        Variation::Special { direction, side: s } => (
            format!("special_{}", side(s)),
            Some(format!("{direction:?}").to_lowercase()),
        ),
    };
    Verdict {
        name: name.to_string(),
        variation,
        direction,
        mean: a.xmr.map(|x| x.mean),
        lower: a.xmr.map(|x| x.lower),
        upper: a.xmr.map(|x| x.upper),
        rebased_from: a.rebased_from.map(|(_, p)| p.to_string()),
        unusual: a
            .unusual
            .iter()
            .map(|(i, s, _)| (points[*i].period.to_string(), side(*s)))
            .collect(),
        finding: a.finding,
    }
}
