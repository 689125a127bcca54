//! The trend rules on a labelled corpus (`tests/trends/corpus.yaml`): each
//! series run through the real binary (`pqa trends --json`), its finding
//! held to what a careful analyst would and would not raise, and its XmR
//! chart held to a reference written here, apart from `crates/trends`.

use std::collections::BTreeMap;

use serde_json::Value as Json;
use serde_yaml::Value as Yaml;

use crate::TestProject;

/// The corpus as written.
fn corpus() -> Vec<Yaml> {
    let text = std::fs::read_to_string(crate::repo().join("tests/trends/corpus.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

/// A project holding the published statistics the real series come from.
fn published() -> TestProject {
    let p = TestProject::new();
    p.publish("lait/bds_long_0.parquet");
    p.publish("ees/cla_number_and_rate_per_10k_children.csv");
    p.ok(&["ingest"]);
    p
}

/// `(period, figure)` rows of a query returning them as text.
fn rows(p: &TestProject, sql: &str) -> Vec<(String, String)> {
    let out = p.ok(&["query", sql, "--format", "csv"]);
    out.lines()
        .skip(1)
        .map(|l| {
            let (a, b) = l.split_once(',').unwrap();
            (a.to_string(), b.to_string())
        })
        .collect()
}

/// A published year to 31 March (`2025`) as a financial year (`2024/25`).
fn year_to_march(year: &str) -> String {
    let y: i32 = year.trim().parse().unwrap();
    format!("{}/{:02}", y - 1, y % 100)
}

/// The corpus entry as `pqa trends` reads it: `points` from `values` and
/// `last`, or from the published statistics; the labels left out.
fn series_of(entry: &Yaml, p: &TestProject) -> Yaml {
    let mut map = entry.as_mapping().unwrap().clone();
    map.remove("expect");
    let mut points = serde_yaml::Mapping::new();
    if let Some(real) = map.remove("real") {
        let found = if let Some(measure) = real.get("lait") {
            let la = real.get("la").unwrap().as_i64().unwrap();
            rows(
                p,
                &format!(
                    "SELECT year, value FROM benchmarks WHERE measure = '{}' AND area_code = {la} ORDER BY year",
                    measure.as_str().unwrap()
                ),
            )
        } else {
            let area = real.get("ees_cla").unwrap().as_str().unwrap();
            rows(
                p,
                &format!(
                    "SELECT year, rate_per_10000 FROM children_looked_after_rates \
                     WHERE area = '{area}' AND geographic_level = 'Local authority' \
                     AND population_type = 'Children looked after on 31 March each year' ORDER BY year"
                ),
            )
        };
        assert!(found.len() >= 5, "{entry:?}: {found:?}");
        for (year, value) in found {
            let v: Yaml = if value.is_empty() {
                Yaml::String("x".into())
            } else {
                Yaml::Number(value.parse::<f64>().unwrap().into())
            };
            points.insert(Yaml::String(year_to_march(&year)), v);
        }
    } else {
        let last: pqa_core::Period = map
            .remove("last")
            .unwrap()
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let values = map.remove("values").unwrap();
        let values = values.as_sequence().unwrap();
        for (i, v) in values.iter().enumerate() {
            let period = last.back(values.len() - 1 - i);
            points.insert(Yaml::String(period.to_string()), v.clone());
        }
    }
    map.insert("points".into(), Yaml::Mapping(points));
    Yaml::Mapping(map)
}

/// Each series' verdict from the binary, by name, with the series it was given.
fn verdicts() -> (Vec<Yaml>, Vec<Yaml>, BTreeMap<String, Json>) {
    let p = published();
    let corpus = corpus();
    let series: Vec<Yaml> = corpus.iter().map(|e| series_of(e, &p)).collect();
    let file = p.path().join("series.yaml");
    std::fs::write(&file, serde_yaml::to_string(&series).unwrap()).unwrap();
    let out = p.ok(&["trends", file.to_str().unwrap(), "--json"]);
    let verdicts: Vec<Json> = serde_json::from_str(&out).unwrap();
    let by_name = verdicts
        .into_iter()
        .map(|v| (v["name"].as_str().unwrap().to_string(), v))
        .collect();
    (corpus, series, by_name)
}

fn strings(v: Option<&Yaml>) -> Vec<String> {
    v.and_then(Yaml::as_sequence)
        .map(|s| s.iter().map(|x| x.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// Where a verdict disagrees with its labels, in words.
fn disagreements(expect: &Yaml, v: &Json) -> Vec<String> {
    let mut out = Vec::new();
    let finding = &v["finding"];
    let rules: Vec<&str> = finding["rules"]
        .as_array()
        .map(|r| r.iter().map(|x| x.as_str().unwrap()).collect())
        .unwrap_or_default();
    let statement = finding["statement"].as_str().unwrap_or_default();
    match expect.get("question").and_then(Yaml::as_bool) {
        Some(true) if finding.is_null() => out.push("no question was raised".to_string()),
        Some(false) if !finding.is_null() => {
            out.push(format!("a question was raised: {statement}"))
        }
        _ => {}
    }
    for rule in strings(expect.get("raises")) {
        if !rules.contains(&rule.as_str()) {
            out.push(format!("{rule} was not raised (rules: {rules:?})"));
        }
    }
    for rule in strings(expect.get("never")) {
        if rules.contains(&rule.as_str()) {
            out.push(format!("{rule} was raised: {statement}"));
        }
    }
    for (key, got) in [
        ("lead", finding["rule"].as_str()),
        ("direction", finding["direction"].as_str()),
        ("severity", finding["severity"].as_str()),
        ("badge", v["variation"].as_str()),
    ] {
        if let Some(want) = expect.get(key).and_then(Yaml::as_str)
            && got != Some(want)
        {
            out.push(format!("{key}: wanted {want}, got {got:?}"));
        }
    }
    for phrase in strings(expect.get("says")) {
        if !statement.contains(&phrase) {
            out.push(format!("does not say “{phrase}”: {statement}"));
        }
    }
    for phrase in strings(expect.get("never_says")) {
        if statement.contains(&phrase) {
            out.push(format!("says “{phrase}”: {statement}"));
        }
    }
    out
}

#[test]
fn the_rules_raise_what_a_careful_analyst_would_and_nothing_else() {
    let (corpus, series, verdicts) = verdicts();
    assert!(corpus.len() >= 40, "a corpus of at least 40 series");
    let kinds = |prefix: &str| {
        corpus
            .iter()
            .filter(|e| e["name"].as_str().unwrap().starts_with(prefix))
            .count()
    };
    assert!(kinds("m_") > 0 && kinds("q_") > 0 && kinds("t_") > 0 && kinds("a_") > 0);
    assert!(
        kinds("lait_") + kinds("ees_") >= 10,
        "real published series"
    );
    let mut failures = Vec::new();
    for (entry, s) in corpus.iter().zip(&series) {
        let name = entry["name"].as_str().unwrap();
        let v = &verdicts[name];
        for d in disagreements(&entry["expect"], v) {
            failures.push(format!("{name}: {d}"));
        }
        for d in reference_disagreements(s, v) {
            failures.push(format!("{name} (XmR reference): {d}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreement(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------
// An XmR reference written from Making Data Count's description, sharing no
// code with crates/trends: mean of the known figures; average moving range
// of neighbouring known figures; limits at 2.66 of it either side; special
// causes are a point beyond a limit, six points in a row each higher (or
// lower) than the one before, seven in a row on one side of the mean, and
// two of three in a row beyond two thirds of the way to a limit on one side.
// Nothing runs across a missing figure. After a shift of seven or more that
// reaches the latest figure, the chart is drawn again from its first point,
// unless the figures are still rising or falling (a trend reaching it too).

struct Chart {
    mean: f64,
    lower: f64,
    upper: f64,
}

fn chart(values: &[Option<f64>]) -> Option<Chart> {
    let known: Vec<f64> = values.iter().flatten().copied().collect();
    let mut ranges = Vec::new();
    for i in 1..values.len() {
        if let (Some(a), Some(b)) = (values[i - 1], values[i]) {
            ranges.push((b - a).abs());
        }
    }
    if ranges.is_empty() {
        return None;
    }
    let mean = known.iter().sum::<f64>() / known.len() as f64;
    let mr = ranges.iter().sum::<f64>() / ranges.len() as f64;
    Some(Chart {
        mean,
        lower: mean - 2.66 * mr,
        upper: mean + 2.66 * mr,
    })
}

/// The indices each rule marks, and where a shift of seven that reaches the
/// end starts, when no trend reaches the end too.
fn marked(values: &[Option<f64>], c: &Chart) -> (Vec<(usize, &'static str)>, Option<usize>) {
    let mut trend_to_end = false;
    let n = values.len();
    let mut out: Vec<(usize, &'static str)> = Vec::new();
    let mut mark = |i: usize, side: &'static str| {
        if !out.iter().any(|(j, _)| *j == i) {
            out.push((i, side));
        }
    };
    for (i, v) in values.iter().enumerate() {
        if let Some(v) = v {
            if *v > c.upper {
                mark(i, "high");
            } else if *v < c.lower {
                mark(i, "low");
            }
        }
    }
    // Six points each higher (lower) than the one before: five changes.
    let mut i = 1;
    while i < n {
        let step = |k: usize| match (values[k - 1], values[k]) {
            (Some(a), Some(b)) if b > a => Some("high"),
            (Some(a), Some(b)) if b < a => Some("low"),
            _ => None,
        };
        let Some(side) = step(i) else {
            i += 1;
            continue;
        };
        let mut j = i;
        while j + 1 < n && step(j + 1) == Some(side) {
            j += 1;
        }
        if j - i + 1 >= 5 {
            for k in i - 1..=j {
                mark(k, side);
            }
            trend_to_end |= j == n - 1;
        }
        i = j + 1;
    }
    // Seven on one side of the mean.
    let side_of = |k: usize| match values[k] {
        Some(v) if v > c.mean => Some("high"),
        Some(v) if v < c.mean => Some("low"),
        _ => None,
    };
    let mut shift_to_end = None;
    let mut i = 0;
    while i < n {
        let Some(side) = side_of(i) else {
            i += 1;
            continue;
        };
        let mut j = i;
        while j + 1 < n && side_of(j + 1) == Some(side) {
            j += 1;
        }
        if j - i + 1 >= 7 {
            for k in i..=j {
                mark(k, side);
            }
            if j == n - 1 && i > 0 {
                shift_to_end = Some(i);
            }
        }
        i = j + 1;
    }
    // Two of three beyond two sigma, the third of them too.
    let two_sigma = 2.0 / 3.0 * (c.upper - c.mean);
    for last in 2..n {
        for side in ["high", "low"] {
            let near = |k: usize| {
                values[k].is_some_and(|v| {
                    if side == "high" {
                        v > c.mean + two_sigma
                    } else {
                        v < c.mean - two_sigma
                    }
                })
            };
            let all_known = (last - 2..=last).all(|k| values[k].is_some());
            if all_known && near(last) && (last - 2..=last).filter(|k| near(*k)).count() >= 2 {
                for k in last - 2..=last {
                    mark(k, side);
                }
            }
        }
    }
    out.sort();
    (out, shift_to_end.filter(|_| !trend_to_end))
}

/// The series' figures as the rules see them: counts from 1 to 4 and every
/// symbol are missing.
fn figures(series: &Yaml) -> (Vec<String>, Vec<Option<f64>>) {
    let is_count = series
        .get("is_count")
        .and_then(Yaml::as_bool)
        .unwrap_or(true);
    let points = series["points"].as_mapping().unwrap();
    let mut periods: Vec<pqa_core::Period> = points
        .keys()
        .map(|k| k.as_str().unwrap().parse().unwrap())
        .collect();
    periods.sort();
    let (first, last) = (periods[0], *periods.last().unwrap());
    let window = if last.kind().is_year() {
        10
    } else {
        3 * last.kind().per_year()
    };
    let first = first.max(last.back(window - 1));
    let all = pqa_core::Period::range(first, last);
    let values = all
        .iter()
        .map(|p| {
            let v = points.get(p.to_string())?.as_f64()?;
            (!(is_count && v > 0.0 && v <= 4.0)).then_some(v)
        })
        .collect();
    (all.iter().map(|p| p.to_string()).collect(), values)
}

fn reference_disagreements(series: &Yaml, v: &Json) -> Vec<String> {
    let (periods, values) = figures(series);
    let mut out = Vec::new();
    let known = values.iter().flatten().count();
    let Some(whole) = chart(&values).filter(|_| known >= 9) else {
        if !v["mean"].is_null() {
            out.push(format!("limits drawn for {known} known figures"));
        }
        return out;
    };
    let (first_marks, shift) = marked(&values, &whole);
    // Drawn again from a shift that reaches the end, when seven or more
    // figures are on the new level.
    let rebase = shift.filter(|from| values[*from..].iter().flatten().count() >= 7);
    let rebased_from = rebase.map(|i| periods[i].clone());
    if v["rebased_from"].as_str().map(str::to_string) != rebased_from {
        out.push(format!(
            "limits worked out again from {:?}, the reference says {rebased_from:?}",
            v["rebased_from"]
        ));
        return out;
    }
    let (c, marks) = match rebase {
        Some(from) => {
            let tail = &values[from..];
            let c = chart(tail).unwrap();
            let (tail_marks, _) = marked(tail, &c);
            let mut marks: Vec<(usize, &str)> =
                first_marks.into_iter().filter(|(i, _)| *i < from).collect();
            marks.extend(tail_marks.into_iter().map(|(i, s)| (i + from, s)));
            (c, marks)
        }
        None => (whole, first_marks),
    };
    for (name, want) in [("mean", c.mean), ("lower", c.lower), ("upper", c.upper)] {
        let got = v[name].as_f64().unwrap_or(f64::NAN);
        if (got - want).abs() > 1e-9 {
            out.push(format!("{name} {got}, the reference {want}"));
        }
    }
    let want: Vec<(String, String)> = marks
        .iter()
        .map(|(i, s)| (periods[*i].clone(), s.to_string()))
        .collect();
    let got: Vec<(String, String)> = v["unusual"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u[0].as_str().unwrap().to_string(),
                u[1].as_str().unwrap().to_string(),
            )
        })
        .collect();
    if got != want {
        out.push(format!("unusual points {got:?}, the reference {want:?}"));
    }
    out
}
