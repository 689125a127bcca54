//! The pipeline used as another front end would use it (a scheduled
//! service, a web page): no binary, nothing printed, every step's result
//! returned as data.

use std::path::Path;

use pqa_core::Project;
use pqa_pipeline::feeds::{self, Outcome};
use pqa_pipeline::report::Options;
use pqa_pipeline::{Silent, Status};
use pqa_query::Engine;

/// The bundled sample project, writing its reports into `out`.
fn sample_project(out: &Path) -> Project {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut project = Project::load(&root.join("pqa.yaml")).expect("the sample project loads");
    // An absolute path: the project joins it to nothing.
    project.file.out = out.to_string_lossy().into_owned();
    project
}

#[tokio::test(flavor = "multi_thread")]
async fn a_front_end_ingests_the_sample_and_writes_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let project = sample_project(&dir.path().join("out"));
    let at = dir.path().join("warehouse");
    let warehouse = pqa_pipeline::open_warehouse(&project, at.to_str()).unwrap();
    let inbox = pqa_pipeline::location(&project, &project.file.inbox);

    let run = pqa_pipeline::ingest(&project, &warehouse, &inbox, &Silent, |_| {})
        .await
        .unwrap();
    let totals = run.totals();
    assert!(run.record.is_some(), "a first run commits");
    assert!(totals.rows_accepted > 100_000, "{totals:?}");
    assert_eq!(
        totals.rows_read,
        totals.rows_accepted + totals.rows_rejected + totals.rows_in_refused
    );
    assert_eq!(totals.by_status.values().sum::<usize>(), totals.submissions);
    // The sample inbox holds a resubmission, and the file it replaces.
    assert!(run.outcomes.iter().any(|o| matches!(
        &o.status,
        Status::Staged {
            superseded_by: Some(_),
            ..
        }
    )));
    assert!(run.validation.exists());

    let options = Options {
        no_pdf: true,
        ..Options::default()
    };
    let out = dir.path().join("out");
    let written = pqa_pipeline::report::write(
        &project,
        &warehouse,
        &Engine::Local,
        None,
        &out,
        options,
        |_| {},
    )
    .await
    .unwrap();
    // The latest data ends in March 2025: the report is for October to March.
    assert_eq!(written.period.to_string(), "2024/25-H2");
    for file in [&written.html, &written.markdown, &written.xlsx] {
        assert!(std::fs::metadata(file).unwrap().len() > 0, "{file:?}");
    }
    assert!(written.pdf.is_none() && written.pdf_failed.is_none());
    assert!(
        written.not_calculated.is_empty(),
        "{:?}",
        written.not_calculated
    );
    // The questions it asked are kept for the next report to quote.
    let stored = warehouse.findings(None).await.unwrap();
    assert!(!stored.is_empty());
    assert!(stored.iter().all(|f| f.report_period == "2024/25-H2"));
}

#[test]
fn every_feed_expectation_is_returned_and_met() {
    let dir = tempfile::tempdir().unwrap();
    let project = sample_project(dir.path());
    let tests = feeds::test(&project);
    assert_eq!(tests.len(), project.feeds.len());
    let expectations: Vec<_> = tests.iter().flat_map(|t| &t.expectations).collect();
    assert!(!expectations.is_empty());
    for e in expectations {
        assert!(matches!(e.outcome, Outcome::Passed(_)), "{e:?}");
    }
}

#[test]
fn an_unknown_feed_is_named_with_the_nearest() {
    let dir = tempfile::tempdir().unwrap();
    let project = sample_project(dir.path());
    let e = feeds::find_feed(&project, "cp_plan").unwrap_err();
    assert!(e.to_string().contains("did you mean `cp_plans`?"), "{e}");
}
