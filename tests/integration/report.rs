//! The report on the sample data: pinned by a golden Markdown file, and the
//! HTML is self-contained with a chart per metric.

use crate::TestProject;

#[test]
fn the_sample_report_matches_the_golden_markdown() {
    let p = TestProject::with_sample_inbox();
    p.ok(&["ingest"]);
    // The cover's date is the run's by default: fixed here, as a board
    // paper's would be.
    p.ok(&["report", "--date", "2025-05-12"]);
    let markdown = std::fs::read_to_string(p.path().join("out/pqa-report-2024-25-H2.md")).unwrap();
    insta::assert_snapshot!("sample_report_2024_25_h2", markdown);
}

#[test]
fn the_html_report_is_self_contained_with_a_chart_and_table_per_metric() {
    let p = TestProject::with_sample_inbox();
    p.ok(&["ingest"]);
    let out = p.ok(&["report", "--period", "2024/25-H2"]);
    assert!(out.contains("pqa-report-2024-25-H2.html"), "{out}");
    let html = std::fs::read_to_string(p.path().join("out/pqa-report-2024-25-H2.html")).unwrap();
    let metrics = std::fs::read_dir(crate::repo().join("metrics"))
        .unwrap()
        .count();
    assert_eq!(
        html.matches("<svg").count(),
        metrics + 1,
        "one chart per metric, and the combinations of vulnerabilities"
    );
    assert_eq!(
        html.matches("<div role=\"img\" aria-label=\"Line chart of")
            .count(),
        metrics
    );
    assert!(
        !html.contains("src=\"http")
            && !html.contains("href=\"http")
            && !html.contains("<script src"),
        "nothing is fetched"
    );
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "one script: the table sorter"
    );
    assert!(
        html.contains("Children with a child protection plan")
            && html.contains("Families living in bed and breakfast")
    );
    // Text is escaped: the agency name's apostrophe is an entity, not raw markup.
    assert!(
        html.contains("Children&#x27;s social care") || html.contains("Children&#39;s social care")
    );
}

#[test]
fn an_earlier_half_year_reports_its_own_quarters() {
    let p = TestProject::with_sample_inbox();
    p.ok(&["ingest"]);
    p.ok(&["report", "--period", "2023/24-H1"]);
    let md = std::fs::read_to_string(p.path().join("out/pqa-report-2023-24-H1.md")).unwrap();
    assert!(
        md.contains("At the end of Q2 2023/24 (Jul–Sep 2023)"),
        "{md}"
    );
    assert!(!md.contains("2024/25"), "nothing after the period is shown");
}

#[test]
fn query_prints_json_and_csv() {
    let p = TestProject::new();
    p.add_sample("housing/bed_and_breakfast_2024-25_Q4.xlsx");
    p.ok(&["ingest"]);
    let json = p.ok(&[
        "query",
        "SELECT indicator, value FROM indicators WHERE indicator = 'families_in_bed_and_breakfast'",
        "--format",
        "json",
    ]);
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        parsed,
        serde_json::json!([{ "indicator": "families_in_bed_and_breakfast", "value": 34.0 }])
    );
    let table = p.ok(&["query", "SELECT count(*) AS n FROM indicators"]);
    assert!(
        table.contains("| n |") && table.contains("| 3 |"),
        "{table}"
    );
}

#[test]
fn as_of_rebuilds_a_past_report_exactly() {
    let p = TestProject::with_sample_inbox();
    p.ok(&["run"]);
    let report = p.path().join("out/pqa-report-2024-25-H2.md");
    let first = std::fs::read_to_string(&report).unwrap();

    // A late return arrives: run 2 changes the figures and the data quality.
    let late = crate::repo().join("sample-data/late");
    p.ok(&["ingest", "--inbox", late.to_str().unwrap()]);
    p.ok(&["report", "--period", "2024/25-H2"]);
    let second = std::fs::read_to_string(&report).unwrap();
    assert_ne!(first, second);

    // The warehouse as run 1 left it gives the first report, byte for byte.
    p.ok(&["report", "--period", "2024/25-H2", "--as-of", "1"]);
    let rebuilt = std::fs::read_to_string(&report).unwrap();
    assert_eq!(rebuilt, first);
}

/// Without the `ballista` feature, asking for a cluster says how to get one.
#[cfg(not(feature = "ballista"))]
#[test]
fn a_cluster_engine_without_the_ballista_build_says_how_to_build_it() {
    let p = crate::TestProject::new();
    let out = p
        .cmd(&[
            "query",
            "SELECT 1",
            "--engine",
            "ballista://127.0.0.1:50050",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--features ballista"), "{stderr}");
}

#[test]
fn an_engine_that_is_not_one_is_refused_with_the_forms_accepted() {
    let p = crate::TestProject::new();
    let out = p
        .cmd(&["query", "SELECT 1", "--engine", "spark://h:1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ballista://host:port"), "{stderr}");
}

/// The first number in `text` (thousands separators allowed), with the
/// number of decimal places it was printed with.
fn first_number(text: &str) -> Option<(f64, usize)> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let digits: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .collect();
    let digits = digits.trim_end_matches(['.', ',']);
    let places = digits.split_once('.').map_or(0, |(_, f)| f.len());
    Some((digits.replace(',', "").parse().ok()?, places))
}

#[test]
fn every_stated_change_is_the_difference_of_the_printed_figures() {
    let p = TestProject::with_sample_inbox();
    p.ok(&["run"]);
    let markdown = std::fs::read_to_string(p.path().join("out/pqa-report-2024-25-H2.md")).unwrap();
    let mut checked = 0;
    let mut problems = Vec::new();
    for line in markdown.lines() {
        assert!(
            !line.contains(" 0.0 higher")
                && !line.contains(" 0.0 lower")
                && !line.contains(" 0 more")
                && !line.contains(" 0 fewer"),
            "no change is a change of nothing: {line}"
        );
        if !(line.starts_with("At the end of") || line.starts_with("During")) {
            continue;
        }
        let Some((head, changes)) = line.split_once(" — ") else {
            continue;
        };
        let after_colon = head.rsplit_once("): ").map_or(head, |(_, a)| a);
        let (now, places) = first_number(after_colon).unwrap();
        let percent = after_colon.contains('%');
        for part in changes.trim_end_matches('.').split(", and ") {
            let (then_text, _) = part.rsplit_once(')').unwrap();
            let (_, then_text) = then_text.rsplit_once('(').unwrap();
            let (then, _) = first_number(then_text).unwrap();
            let tolerance = 0.5 * 10f64.powi(-(places as i32));
            checked += 1;
            if part.starts_with("the same as") {
                if (now - then).abs() > tolerance / 10.0 {
                    problems.push(format!("“the same” but {now} and {then}: {line}"));
                }
                continue;
            }
            let (amount, _) = first_number(part).unwrap();
            let up = part.contains(" more than") || part.contains(" higher than");
            let stated = if up { amount } else { -amount };
            if ((now - then) - stated).abs() > tolerance / 10.0 {
                problems.push(format!("{now} − {then} is not {stated}: {line}"));
            }
            if percent && !part.contains("percentage point") {
                problems.push(format!(
                    "a change of a percentage not in percentage points: {line}"
                ));
            }
        }
    }
    assert!(checked > 60, "only {checked} changes found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_later_report_quotes_an_earlier_question_as_it_was_asked() {
    let p = TestProject::with_sample_inbox();
    // What had arrived by the H1 2024/25 report: nothing of October on.
    let later = p.path().join("later");
    let later_names = [
        "2024-25_Q3",
        "2024-25_Q4",
        "2024-25_autumn",
        "2024-25_spring",
        "responses",
    ];
    for dir in std::fs::read_dir(p.inbox()).unwrap() {
        let dir = dir.unwrap().path();
        for file in std::fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            let name = file.to_string_lossy().to_string();
            if later_names.iter().any(|n| name.contains(n)) {
                let to = later
                    .join(dir.file_name().unwrap())
                    .join(file.file_name().unwrap());
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::rename(&file, to).unwrap();
            }
        }
    }
    p.ok(&["ingest"]);
    p.ok(&["report", "--period", "2024/25-H1"]);
    let h1 = std::fs::read_to_string(p.path().join("out/pqa-report-2024-25-H1.md")).unwrap();
    let asked = crate::question_line(&h1, "camhs_weeks_assessment_to_first_appointment");
    // "Statement *Question* Reference: **…**": the statement.
    let statement = asked.split(" *").next().unwrap();
    assert!(
        p.count(
            "SELECT count(*) FROM findings WHERE report_period = '2024/25-H1'",
            &[]
        ) > 0
    );

    // The rest of the year arrives, with the agencies' responses.
    p.ok(&["ingest", "--inbox", later.to_str().unwrap()]);
    p.ok(&["report", "--period", "2024/25-H2"]);
    let h2 = std::fs::read_to_string(p.path().join("out/pqa-report-2024-25-H2.md")).unwrap();
    let earlier = h2
        .split("## Action log")
        .nth(1)
        .and_then(|s| s.split("## At a glance").next())
        .unwrap();
    assert!(
        earlier.contains(statement),
        "quoted as asked:\n{statement}\n---\n{earlier}"
    );
    let camhs = earlier
        .split("### ")
        .find(|s| s.contains("assessment to first appointment"))
        .unwrap();
    assert!(!camhs.contains("rebuilt"), "{camhs}");
    // With the number it was asked under, and answered.
    assert!(
        camhs.contains("(2024/25-H1 Q") && camhs.contains("**Answered**"),
        "{camhs}"
    );

    // Rebuilt as run 1 left it, the H1 report is the same, byte for byte.
    p.ok(&["report", "--period", "2024/25-H1", "--as-of", "1"]);
    let again = std::fs::read_to_string(p.path().join("out/pqa-report-2024-25-H1.md")).unwrap();
    assert_eq!(again, h1);
}
