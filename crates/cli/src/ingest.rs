//! `pqa ingest`: the pipeline's ingest (`pqa_pipeline::ingest`) with a
//! progress bar, then what became of every file and every rejected row,
//! printed.

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use pqa_core::Project;
use pqa_pipeline::{IngestRun, Status, describe_reject, status_text};
use pqa_store::Warehouse;

/// What an ingest refused, for the exit code.
pub struct Ingested {
    pub refused_files: usize,
}

/// Ingests the inbox (a folder, or an s3://, az:// or gs:// URL) and prints the summary.
pub async fn run(project: &Project, warehouse: &Warehouse, inbox: &str) -> Result<Ingested> {
    let bar = Bar(ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} files {msg}").expect("valid template"),
    ));
    let run = pqa_pipeline::ingest(project, warehouse, inbox, &bar, crate::say_waiting).await?;
    print_summary(inbox, &run);
    println!("Validation report: {}", run.validation.display());
    Ok(Ingested {
        refused_files: run.refused_files(),
    })
}

/// The progress bar over the files read.
struct Bar(ProgressBar);

impl pqa_pipeline::Progress for Bar {
    fn start(&self, files: usize) {
        self.0.set_length(files as u64);
    }
    fn reading(&self, file: &str) {
        self.0.set_message(file.to_string());
    }
    fn read(&self) {
        self.0.inc(1);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

fn print_summary(inbox: &str, run: &IngestRun) {
    println!("Ingest of {}", inbox);
    println!();
    let width = run
        .outcomes
        .iter()
        .map(|o| o.file.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    println!(
        "{:<width$}  {:<28}  {:<10}  {:>6}  {:>8}  {:>8}  STATUS",
        "FILE", "FEED", "PERIOD", "READ", "ACCEPTED", "REJECTED"
    );
    let (mut rejects, mut skipped, mut unused) = (Vec::new(), Vec::new(), Vec::new());
    for o in &run.outcomes {
        let period = o.period.map(|p| p.to_string());
        let figures = match o.rows() {
            Some(m) => format!(
                "{:>6}  {:>8}  {:>8}",
                m.rows_read,
                m.rows_accepted(),
                m.rows_rejected
            ),
            None => format!("{:>6}  {:>8}  {:>8}", "-", "-", "-"),
        };
        // Rows of a file refused whole are counted, not listed: nothing of it is stored.
        if let Status::Staged { mapped: m, .. } = &o.status {
            if !m.unused_headers.is_empty() {
                unused.push(format!("{}: {}", o.file, m.unused_headers.join(", ")));
            }
            for (row, text) in &m.skipped {
                let text = pqa_ingest::shortened(text);
                skipped.push(format!(
                    "{} row {row}: starts with \"{text}\" (not data)",
                    o.file
                ));
            }
            let sheet = m.sheet.as_ref().map(|s| format!(" sheet \"{s}\","));
            for r in &m.rejects {
                let sheet = sheet.as_deref().unwrap_or_default();
                rejects.push(format!("{}{sheet} {}", o.file, describe_reject(r)));
            }
        }
        println!(
            "{:<width$}  {:<28}  {:<10}  {figures}  {}",
            o.file,
            o.feed.as_deref().unwrap_or("-"),
            period.as_deref().unwrap_or("-"),
            status_text(&o.status)
        );
    }
    let t = run.totals();
    let lists = [
        (
            format!(
                "Rejected rows ({}): these rows were not loaded",
                t.rows_rejected
            ),
            rejects,
        ),
        (
            "Headers not loaded (map them in the feed, or list them under `drop:`)".into(),
            unused,
        ),
        (
            format!(
                "Skipped rows ({}): totals and notes, not data",
                skipped.len()
            ),
            skipped,
        ),
    ];
    for (heading, lines) in lists.iter().filter(|(_, lines)| !lines.is_empty()) {
        println!();
        println!("{heading}");
        for line in lines {
            println!("  {line}");
        }
    }
    println!();
    let parts: Vec<String> = t
        .by_status
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    // A workbook several feeds read is one file, with a line per feed.
    if t.files == t.submissions {
        println!("{} file(s): {}", t.files, parts.join(", "));
    } else {
        let (files, submissions) = (t.files, t.submissions);
        println!(
            "{files} file(s), read as {submissions} submissions: {}",
            parts.join(", ")
        );
    }
    let (read, accepted, rejected) = (t.rows_read, t.rows_accepted, t.rows_rejected);
    match t.rows_in_refused {
        0 => println!("Rows read {read} = accepted {accepted} + rejected {rejected}"),
        n => println!(
            "Rows read {read} = accepted {accepted} + rejected {rejected} + in refused files {n} (not loaded)"
        ),
    }
    if t.rows_left_out > 0 {
        let n = t.rows_left_out;
        println!("Rows left out by feeds' `keep_rows` (other areas' rows, not read): {n}");
    }
    match &run.record {
        Some(r) => {
            let versions: Vec<String> = r.tables.iter().map(|(t, v)| format!("{t} v{v}")).collect();
            let (n, versions) = (r.run_number, versions.join(", "));
            println!("Warehouse: run {n} committed ({versions})");
        }
        None => println!("Warehouse: nothing new to commit"),
    }
}
