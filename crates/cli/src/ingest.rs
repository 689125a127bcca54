//! `pqa ingest`: the pipeline's ingest (`pqa_pipeline::ingest`) with a
//! progress bar, then what became of every file and every rejected row,
//! printed.

use std::collections::{BTreeMap, HashSet};

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use pqa_core::Project;
use pqa_pipeline::{FileOutcome, Status, describe_reject, status_text};
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
    print_summary(inbox, &run.outcomes, run.record.as_ref());
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

fn print_summary(inbox: &str, outcomes: &[FileOutcome], record: Option<&pqa_store::RunRecord>) {
    println!("Ingest of {}", inbox);
    println!();
    let width = outcomes
        .iter()
        .map(|o| o.file.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    println!(
        "{:<width$}  {:<28}  {:<10}  {:>6}  {:>8}  {:>8}  STATUS",
        "FILE", "FEED", "PERIOD", "READ", "ACCEPTED", "REJECTED"
    );
    let (mut read, mut accepted, mut rejected, mut in_refused) = (0, 0, 0, 0);
    let left_out: usize = outcomes
        .iter()
        .filter_map(|o| o.rows())
        .map(|m| m.rows_left_out)
        .sum();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rejects = Vec::new();
    let mut skipped = Vec::new();
    let mut unused = Vec::new();
    for o in outcomes {
        let feed = o.feed.as_deref().unwrap_or("-");
        let period = o
            .period
            .map(|p| p.to_string())
            .unwrap_or_else(|| "-".into());
        let figures = match (&o.status, o.rows()) {
            (Status::Refused { .. }, Some(mapped)) => {
                // Read, but nothing of the file is stored.
                read += mapped.rows_read;
                in_refused += mapped.rows_read;
                format!(
                    "{:>6}  {:>8}  {:>8}",
                    mapped.rows_read,
                    mapped.rows_accepted(),
                    mapped.rows_rejected
                )
            }
            (Status::Staged { mapped, .. }, _) => {
                read += mapped.rows_read;
                accepted += mapped.rows_accepted();
                rejected += mapped.rows_rejected;
                if !mapped.unused_headers.is_empty() {
                    unused.push(format!("{}: {}", o.file, mapped.unused_headers.join(", ")));
                }
                for (row, text) in &mapped.skipped {
                    skipped.push(format!(
                        "{} row {row}: starts with \"{}\" (not data)",
                        o.file,
                        pqa_ingest::shortened(text)
                    ));
                }
                for r in &mapped.rejects {
                    let sheet = mapped
                        .sheet
                        .as_ref()
                        .map(|s| format!(" sheet \"{s}\","))
                        .unwrap_or_default();
                    rejects.push(format!("{}{sheet} {}", o.file, describe_reject(r)));
                }
                format!(
                    "{:>6}  {:>8}  {:>8}",
                    mapped.rows_read,
                    mapped.rows_accepted(),
                    mapped.rows_rejected
                )
            }
            _ => format!("{:>6}  {:>8}  {:>8}", "-", "-", "-"),
        };
        let status = status_text(&o.status);
        let key = match &o.status {
            Status::Staged {
                superseded_by: Some(_),
                ..
            } => "superseded",
            Status::Staged {
                replaces_earlier: true,
                ..
            } => "replaced",
            Status::Staged { .. } => "loaded",
            Status::AlreadyLoaded => "already loaded",
            Status::Refused { .. } => "refused",
        };
        *counts.entry(key).or_default() += 1;
        println!(
            "{:<width$}  {:<28}  {:<10}  {figures}  {status}",
            o.file, feed, period
        );
    }
    if !rejects.is_empty() {
        println!();
        println!("Rejected rows ({}): these rows were not loaded", rejected);
        for r in &rejects {
            println!("  {r}");
        }
    }
    if !unused.is_empty() {
        println!();
        println!("Headers not loaded (map them in the feed, or list them under `drop:`)");
        for u in &unused {
            println!("  {u}");
        }
    }
    if !skipped.is_empty() {
        println!();
        println!(
            "Skipped rows ({}): totals and notes, not data",
            skipped.len()
        );
        for s in &skipped {
            println!("  {s}");
        }
    }
    println!();
    let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
    // A workbook several feeds read is one file, with a line per feed.
    let files: HashSet<&str> = outcomes.iter().map(|o| o.file.as_str()).collect();
    if files.len() == outcomes.len() {
        println!("{} file(s): {}", outcomes.len(), parts.join(", "));
    } else {
        println!(
            "{} file(s), read as {} submissions: {}",
            files.len(),
            outcomes.len(),
            parts.join(", ")
        );
    }
    if in_refused > 0 {
        println!(
            "Rows read {read} = accepted {accepted} + rejected {rejected} + in refused files {in_refused} (not loaded)"
        );
    } else {
        println!("Rows read {read} = accepted {accepted} + rejected {rejected}");
    }
    if left_out > 0 {
        println!("Rows left out by feeds' `keep_rows` (other areas' rows, not read): {left_out}");
    }
    match record {
        Some(r) => {
            let versions: Vec<String> = r.tables.iter().map(|(t, v)| format!("{t} v{v}")).collect();
            println!(
                "Warehouse: run {} committed ({})",
                r.run_number,
                versions.join(", ")
            );
        }
        None => println!("Warehouse: nothing new to commit"),
    }
}
