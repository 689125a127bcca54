//! Each metric's numbers checked against an independent calculation on the
//! same inputs: the sample files read with csv/calamine/encoding_rs and the
//! metric's definition written again in plain Rust (calc.rs), compared with
//! what `pqa query` gives after `pqa ingest`.
//!
//! A metric added to `metrics/` without a calculation here fails the test, so
//! the catalogue cannot grow unchecked.

mod calc;
mod files;

use std::collections::BTreeMap;

use crate::{TestProject, repo, sample_inbox, shared_external};
use calc::{Expected, Refused, Series};

/// The ONS estimates in the shared published folder: the population the rates
/// per 10,000 children divide by.
const ONS: &str = "ees/ons_mid-year_population_estimates_2012_to_2024.csv";
/// The DfE's benchmarks, for the metrics that are published figures.
const LAIT: &str = "lait/bds_long_0.parquet";

#[test]
fn every_metric_matches_an_independent_calculation() {
    let inbox = sample_inbox();
    let ons = shared_external().join(ONS);
    let population = calc::population(&ons);
    let mut expected = Expected::new();
    let mut refused = Refused::default();
    calc::front_door(&inbox, &mut expected, &mut refused);
    let assessments = calc::assessments(&inbox, &mut expected, &mut refused);
    let plans = calc::child_protection(&inbox, &population, &mut expected, &mut refused);
    calc::conferences(&inbox, &mut expected, &mut refused);
    let in_care = calc::children_in_care(&inbox, &population, &mut expected, &mut refused);
    calc::camhs(&inbox, &mut expected, &mut refused);
    calc::attendance(
        &inbox,
        &assessments,
        &plans,
        &in_care,
        &mut expected,
        &mut refused,
    );
    calc::returns(&inbox, &mut expected, &mut refused);
    calc::published_children_in_need(&shared_external().join(LAIT), &mut expected);

    // pqa on the same files: the sample inbox and the population estimates.
    let p = TestProject::with_sample_inbox();
    p.publish(ONS);
    p.publish(LAIT);
    p.ok(&["ingest"]);
    assert_eq!(
        p.count("SELECT count(*) FROM rejects", &[]) as usize,
        refused.0,
        "pqa quarantined a different number of rows than a strict reading refuses"
    );

    let metrics = metric_names();
    let union: Vec<String> = metrics
        .iter()
        .map(|m| {
            format!("SELECT '{m}' AS metric, period, CAST(value AS DOUBLE) AS value FROM \"{m}\"")
        })
        .collect();
    let sql = format!("{} ORDER BY metric, period", union.join(" UNION ALL "));
    let answered = parse(&p.ok(&["query", &sql, "--format", "csv"]));

    let mut problems = Vec::new();
    for metric in &metrics {
        let Some(want) = expected.remove(metric.as_str()) else {
            problems.push(format!(
                "{metric}: no independent calculation in tests/integration/independent/calc.rs"
            ));
            continue;
        };
        let got = answered.get(metric).cloned().unwrap_or_default();
        if !same(&want, &got) {
            problems.push(format!(
                "{metric}:\n  expected {want:?}\n  pqa gave {got:?}"
            ));
        }
    }
    for extra in expected.keys() {
        problems.push(format!("{extra}: calculated here but not in metrics/"));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The names of the metrics in the repository's catalogue.
fn metric_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("metrics"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `metric,period,value` lines → metric → period → value.
fn parse(csv: &str) -> BTreeMap<String, Series> {
    let mut out: BTreeMap<String, Series> = BTreeMap::new();
    for line in csv.lines().skip(1) {
        let mut fields = line.splitn(3, ',');
        let (metric, period, value) = (
            fields.next().unwrap(),
            fields.next().unwrap(),
            fields.next().unwrap_or(""),
        );
        let value = (!value.is_empty()).then(|| value.parse::<f64>().unwrap());
        out.entry(metric.into())
            .or_default()
            .insert(period.into(), value);
    }
    out
}

/// Same periods, and values equal to 1 part in 10^9 (averages are summed in a
/// different order by the query engine).
fn same(want: &Series, got: &Series) -> bool {
    want.len() == got.len()
        && want.iter().zip(got).all(|((pw, w), (pg, g))| {
            pw == pg
                && match (w, g) {
                    (Some(w), Some(g)) => (w - g).abs() <= 1e-9 * w.abs().max(1.0),
                    (None, None) => true,
                    _ => false,
                }
        })
}
