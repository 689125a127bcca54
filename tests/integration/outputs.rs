//! The published outputs opened by the programs people will open them with:
//! the HTML report in headless Chromium (renders, every chart present, no
//! console errors; the screenshot is kept for CI as
//! `target/ci-artifacts/report-2024-25-H2.png`) and the Excel workbook in
//! LibreOffice (opens, every sheet converts, agency text stays text).
//!
//! Both programs are installed by `.ci/run`. On a machine without them the
//! tests say so and pass, except in CI (`CI` set), where they must run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{TestProject, repo};

/// The first of `names` found on the PATH.
fn program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// `None` (after saying why) when the program is missing outside CI.
fn required(names: &[&str]) -> Option<PathBuf> {
    let found = program(names);
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is needed in CI: .ci/run installs it",
            names[0]
        );
        eprintln!("skipped: none of {names:?} is installed");
    }
    found
}

/// A project with the sample report written to `out/`.
fn sample_report() -> TestProject {
    let p = TestProject::with_sample_inbox();
    p.ok(&["run"]);
    p
}

fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().expect("the program starts");
    assert!(
        out.status.success(),
        "{cmd:?} failed\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn the_html_report_renders_in_a_browser_with_every_chart_and_no_console_errors() {
    let Some(chromium) = required(&["chromium", "chromium-browser", "google-chrome"]) else {
        return;
    };
    let p = sample_report();
    let html = p.path().join("out/pqa-report-2024-25-H2.html");
    let url = format!("file://{}", html.display());
    let profile = p.path().join("chromium-profile");
    let chromium = |extra: &[&str]| {
        let mut c = Command::new(&chromium);
        c.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--enable-logging=stderr", "--v=0"])
        .args(extra)
        .arg(&url);
        c
    };

    // The page as the browser built it.
    let dom = run(&mut chromium(&["--dump-dom"]));
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    let metrics = std::fs::read_dir(repo().join("metrics")).unwrap().count();
    assert_eq!(
        dom_text.matches("<svg").count(),
        metrics,
        "a chart per metric"
    );
    assert!(dom_text.contains("Questions for this report"));
    assert!(dom_text.contains("Earlier questions, responses and impact"));
    // Agency text is escaped, not taken for markup.
    assert!(
        dom_text.contains("back &lt;18 weeks"),
        "the response's < is text"
    );
    let console = String::from_utf8_lossy(&dom.stderr);
    let errors: Vec<&str> = console
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Failed to load"))
        .collect();
    assert!(errors.is_empty(), "console errors:\n{}", errors.join("\n"));

    // A screenshot, kept for CI.
    let artifacts = repo().join("target/ci-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("report-2024-25-H2.png");
    let _ = std::fs::remove_file(&shot);
    run(&mut chromium(&[
        &format!("--screenshot={}", shot.display()),
        "--window-size=1280,2400",
        "--hide-scrollbars",
    ]));
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{} bytes",
        png.len()
    );
}

#[test]
fn the_excel_workbook_opens_in_libreoffice_and_agency_text_stays_text() {
    let Some(soffice) = required(&["soffice", "libreoffice"]) else {
        return;
    };
    let p = sample_report();
    let xlsx = p.path().join("out/pqa-report-2024-25-H2.xlsx");
    let converted = p.path().join("converted");
    // Every sheet to its own CSV (LibreOffice's sheet option -1).
    run(Command::new(&soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            p.path().join("lo-profile").display()
        ))
        .args(["--headless", "--convert-to"])
        .arg("csv:Text - txt - csv (StarCalc):44,34,UTF8,1,,0,false,true,false,false,false,-1")
        .arg("--outdir")
        .arg(&converted)
        .arg(&xlsx));
    let sheet = |name: &str| -> String {
        let file: &Path = &converted.join(format!("pqa-report-2024-25-H2-{name}.csv"));
        std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
    };
    let questions = sheet("Questions");
    assert!(
        questions.contains("camhs_weeks_assessment_to_first_appointment:target_missed:2024/25-H2"),
        "{questions}"
    );
    let earlier = sheet("Earlier questions");
    assert!(
        earlier.contains("- Two senior clinicians left in the summer"),
        "a response starting with - is shown as written, not run as a formula:\n{earlier}"
    );
    assert!(
        !earlier.contains("Err:") && !earlier.contains("#NAME"),
        "{earlier}"
    );
    let housing = sheet("Housing");
    assert!(
        housing.contains("Families living in bed and breakfast"),
        "{housing}"
    );
    assert!(housing.lines().any(|l| l == "Q4 24/25,62,34"), "{housing}");
}
