//! The report on the sample data: pinned by a golden Markdown file, and the
//! HTML is self-contained with a chart per metric.

use crate::TestProject;

#[test]
fn the_sample_report_matches_the_golden_markdown() {
    let p = TestProject::with_sample_inbox();
    p.ok(&["run"]);
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
        metrics,
        "one chart per metric"
    );
    assert_eq!(
        html.matches("<figure role=\"img\" aria-label=\"Line chart of")
            .count(),
        metrics
    );
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("<script"),
        "nothing is fetched"
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
