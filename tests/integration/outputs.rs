//! The published outputs opened by the programs people will open them with:
//! the HTML report in headless Chromium (renders, every chart present, no
//! console errors, no sideways scrolling on a phone, chart text large enough,
//! nothing axe-core finds; the screenshot is kept for CI as
//! `target/ci-artifacts/report-2024-25-H2.png`), the PDF read by poppler's
//! pdftotext (its first page is the summary, the questions end by page four,
//! the contents give pages) and the Excel workbook in LibreOffice (opens,
//! every sheet converts, agency text stays text, figures as printed).
//!
//! Chromium, pdftotext, LibreOffice and axe-core (`npm ci --prefix
//! tests/browser`) are installed by `.ci/run`. On a machine without them
//! the tests say so and pass, except in CI (`CI` set), where they must run.

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

/// Chromium, headless, on a page, with a fresh profile under `dir`.
fn chromium_on(chromium: &Path, dir: &Path, url: &str, extra: &[&str]) -> Command {
    let mut c = Command::new(chromium);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ])
    .arg(format!(
        "--user-data-dir={}",
        dir.join(format!("profile-{}", extra.len())).display()
    ))
    .args(["--enable-logging=stderr", "--v=0"])
    .args(extra)
    .arg(url);
    c
}

/// The report with `script` run in it after it loads: the page as the
/// browser left it (the script writes what it measured into the page).
fn measured(chromium: &Path, p: &TestProject, name: &str, script: &str, window: &str) -> String {
    let html = std::fs::read_to_string(p.path().join("out/pqa-report-2024-25-H2.html")).unwrap();
    let page = p.path().join(format!("out/{name}.html"));
    std::fs::write(
        &page,
        html.replace("</body>", &format!("<script>{script}</script></body>")),
    )
    .unwrap();
    let out = run(&mut chromium_on(
        chromium,
        p.path(),
        &format!("file://{}", page.display()),
        &[
            &format!("--window-size={window}"),
            "--virtual-time-budget=30000",
            "--dump-dom",
        ],
    ));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The text of the element with `id` in a dumped page (entities undone).
fn element_text(dom: &str, id: &str) -> String {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let from = dom[start..].find('>').unwrap() + start + 1;
    let to = dom[from..].find('<').unwrap() + from;
    dom[from..to]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn the_html_report_reads_on_a_phone_and_passes_axe() {
    let Some(chromium) = required(&["chromium", "chromium-browser", "google-chrome"]) else {
        return;
    };
    let p = sample_report();
    let report =
        |script: &str| format!("window.addEventListener('load', function () {{ {script} }});");
    // No sideways scrolling at 390 pixels wide.
    let dom = measured(
        &chromium,
        &p,
        "phone",
        &report(
            "var p = document.createElement('p'); p.id = 'measured-width'; \
             p.textContent = document.documentElement.scrollWidth + ' ' + window.innerWidth; \
             document.body.appendChild(p);",
        ),
        "390,900",
    );
    let widths = element_text(&dom, "measured-width");
    let (page, window) = widths.split_once(' ').unwrap();
    assert!(
        page.parse::<f64>().unwrap() <= window.parse::<f64>().unwrap(),
        "the page is {page} px wide in a {window} px window"
    );
    // Chart text at least 12 px on a 1280-pixel screen.
    let dom = measured(
        &chromium,
        &p,
        "screen",
        &report(
            "var least = 1000; document.querySelectorAll('figure svg').forEach(function (svg) { \
               var scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width; \
               svg.querySelectorAll('text').forEach(function (t) { \
                 least = Math.min(least, parseFloat(getComputedStyle(t).fontSize) * scale); }); }); \
             var p = document.createElement('p'); p.id = 'measured-font'; p.textContent = least; \
             document.body.appendChild(p);",
        ),
        "1280,900",
    );
    let least: f64 = element_text(&dom, "measured-font").parse().unwrap();
    assert!(least >= 12.0, "chart text {least} px at 1280 px");
    // axe-core finds nothing.
    let axe = crate::repo().join("tests/browser/node_modules/axe-core/axe.min.js");
    if !axe.is_file() {
        assert!(
            std::env::var_os("CI").is_none(),
            "axe-core is needed in CI: .ci/run installs it"
        );
        eprintln!("skipped axe: run `npm ci --prefix tests/browser`");
        return;
    }
    let axe = std::fs::read_to_string(axe).unwrap();
    let dom = measured(
        &chromium,
        &p,
        "axe",
        &format!(
            "{axe}\n{}",
            report(
                "axe.run(document).then(function (r) { var p = document.createElement('pre'); \
                   p.id = 'axe-result'; p.textContent = JSON.stringify(r.violations.map(function (v) { \
                   return { id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(function (n) { \
                   return n.target.join(' '); }) }; })); document.body.appendChild(p); });"
            )
        ),
        "1280,900",
    );
    let violations = element_text(&dom, "axe-result");
    assert_eq!(violations, "[]", "axe-core found problems");
}

#[test]
fn the_pdf_is_a_board_paper() {
    let Some(chromium) = required(&["chromium", "chromium-browser", "google-chrome"]) else {
        return;
    };
    let Some(pdftotext) = required(&["pdftotext"]) else {
        return;
    };
    let p = TestProject::with_sample_inbox();
    p.ok(&["ingest"]);
    let project = p.path().join("pqa.yaml");
    let text = std::fs::read_to_string(&project).unwrap();
    std::fs::write(
        &project,
        text.replace(
            "  pdf: false",
            &format!("  pdf: true\n  chromium: {}", chromium.display()),
        ),
    )
    .unwrap();
    let out = p.ok(&["report", "--final", "--date", "2025-05-12"]);
    let pdf = p.path().join("out/pqa-report-2024-25-H2.pdf");
    assert!(out.contains("pqa-report-2024-25-H2.pdf"), "{out}");
    let text = run(Command::new(&pdftotext)
        .args(["-layout"])
        .arg(&pdf)
        .arg("-"));
    let text = String::from_utf8_lossy(&text.stdout);
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert!((20..=70).contains(&pages.len()), "{} pages", pages.len());
    // Page 1: the summary, with the running header and a page number.
    assert!(
        pages[0].contains("The Executive is asked to")
            && pages[0].contains("The most important questions")
            && pages[0].contains("Final")
            && pages[0].contains("12 May 2025")
            && pages[0].contains(&format!("Page 1 of {}", pages.len())),
        "{}",
        pages[0]
    );
    // The contents give each section's page.
    let contents = pages[1];
    assert!(contents.contains("Contents"), "{contents}");
    let listed = contents
        .lines()
        .find(|l| l.trim_start().starts_with("Action log"))
        .unwrap_or_else(|| panic!("{contents}"));
    let action_page: usize = listed.split_whitespace().last().unwrap().parse().unwrap();
    assert!(
        pages[action_page - 1].contains("Action log"),
        "the contents say page {action_page}"
    );
    // The questions end within the first four pages.
    let questions_end = pages
        .iter()
        .position(|p| p.contains("Action log") && !p.contains("Contents"))
        .unwrap();
    assert!(
        questions_end <= 4,
        "the action log, after the questions, starts on page {}",
        questions_end + 1
    );
    // Links are printed as text, not left as dead links to files.
    assert!(
        text.contains("validation/latest.html"),
        "the validation report's path"
    );
    // No heading alone at the foot of a page: the last line above the page
    // number is never a question's or measure's heading.
    for (i, page) in pages.iter().enumerate() {
        let lines: Vec<&str> = page
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("Page "))
            .collect();
        if let Some(last) = lines.last() {
            assert!(
                !["Action log", "At a glance", "Data quality", "Glossary"].contains(last),
                "page {} ends with a heading: {last}",
                i + 1
            );
        }
    }
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
    let chromium = |extra: &[&str]| chromium_on(&chromium, p.path(), &url, extra);

    // The page as the browser built it.
    let dom = run(&mut chromium(&["--dump-dom"]));
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    let metrics = std::fs::read_dir(repo().join("metrics")).unwrap().count();
    // A chart per metric, and the combinations of vulnerabilities.
    assert_eq!(
        dom_text.matches("<svg").count(),
        metrics + 1,
        "a chart per metric and the UpSet chart"
    );
    assert!(dom_text.contains("Questions for this report"));
    assert!(dom_text.contains("Action log") && dom_text.contains("The Executive is asked to"));
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
    let summary = sheet("Summary");
    assert!(
        summary.contains("The Executive is asked to") && summary.contains("2024/25-H2 Q1"),
        "{summary}"
    );
    let questions = sheet("Questions");
    assert!(questions.contains("2024/25-H2 Q1"), "{questions}");
    let actions = sheet("Action log");
    assert!(
        actions.contains("- Two senior clinicians left in the summer"),
        "a response starting with - is shown as written, not run as a formula:\n{actions}"
    );
    assert!(
        !actions.contains("Err:") && !actions.contains("#NAME"),
        "{actions}"
    );
    let housing = sheet("Housing");
    assert!(
        housing.contains("Families living in bed and breakfast"),
        "{housing}"
    );
    // Each measure's block: the figure, the chart's mean and limits.
    assert!(
        housing.lines().any(|l| l.starts_with("Q4 24/25,62,")),
        "{housing}"
    );
    assert!(
        housing.lines().any(|l| l.starts_with("Q4 24/25,34,")),
        "{housing}"
    );
    // Figures are stored rounded as printed: nothing past one decimal place.
    let mental = sheet("Mental health");
    for line in mental.lines() {
        for cell in line.split(',') {
            if let Some((_, decimals)) = cell.split_once('.') {
                assert!(
                    decimals.len() <= 1 || !decimals.chars().all(|c| c.is_ascii_digit()),
                    "{cell} in {line}"
                );
            }
        }
    }
}
