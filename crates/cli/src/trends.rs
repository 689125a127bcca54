//! `pqa trends FILE`: any series through the report's trend rules, without
//! a warehouse. An analyst tries a series (or a metric's figures pasted
//! from elsewhere) and sees what the report would say of it; the test
//! suite runs its labelled corpus of series through it.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use pqa_core::config::{Measure, MetricFrequency, Polarity, Target};
use pqa_core::{MetricSpec, Period};
use pqa_trends::{Assessment, MetricInput, Obs, Observed, Variation};
use serde::{Deserialize, Serialize};

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

/// What the rules made of one series, as `--json` prints it.
#[derive(Debug, Serialize)]
struct Verdict {
    name: String,
    /// `too_short`, `common`, or `special_high` / `special_low`.
    variation: String,
    /// `concerning`, `improving` or `changed` for special cause.
    direction: Option<String>,
    /// The chart's limits (from `rebased_from` on, when worked out again).
    mean: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
    rebased_from: Option<String>,
    /// Periods showing special-cause variation, with their side.
    unusual: Vec<(String, String)>,
    finding: Option<pqa_trends::Finding>,
}

/// Reads the series in `file` and prints what the rules make of each.
pub fn run(file: &Path, json: bool, suppress_up_to: u32) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let entries: Vec<SeriesEntry> = serde_yaml::from_str(&text)
        .with_context(|| format!("{}: not a list of series", file.display()))?;
    let mut verdicts = Vec::new();
    for entry in entries {
        verdicts.push(
            judge(&entry, suppress_up_to).with_context(|| format!("series `{}`", entry.name))?,
        );
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&verdicts)?);
    } else {
        for v in &verdicts {
            print_verdict(v);
        }
    }
    Ok(())
}

fn judge(entry: &SeriesEntry, suppress_up_to: u32) -> Result<Verdict> {
    let spec = spec_of(entry);
    let kind = spec.kind();
    if let Some(p) = entry.points.keys().find(|p| p.kind() != kind) {
        anyhow::bail!(
            "{p} is a {}, but the series is counted in {} (its `frequency:`)",
            p.kind().name(),
            kind.nouns()
        );
    }
    let last = *entry
        .points
        .keys()
        .next_back()
        .context("the series has no points")?;
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

fn print_verdict(v: &Verdict) {
    println!("{}", v.name);
    println!(
        "  variation: {}{}",
        v.variation.replace('_', " "),
        v.direction
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default()
    );
    if let (Some(mean), Some(lower), Some(upper)) = (v.mean, v.lower, v.upper) {
        println!(
            "  mean {mean:.2}, limits {lower:.2} to {upper:.2}{}",
            v.rebased_from
                .as_deref()
                .map(|p| format!(" (worked out again from {p})"))
                .unwrap_or_default()
        );
    }
    if !v.unusual.is_empty() {
        let list: Vec<String> = v.unusual.iter().map(|(p, s)| format!("{p} {s}")).collect();
        println!("  unusual: {}", list.join(", "));
    }
    match &v.finding {
        None => println!("  no question raised"),
        Some(f) => {
            println!(
                "  {:?} priority, {:?}: {} ({})",
                f.severity,
                f.direction,
                f.rule,
                f.rules.join(", ")
            );
            println!("  {}", f.statement);
            println!("  {}", f.question);
        }
    }
    println!();
}
