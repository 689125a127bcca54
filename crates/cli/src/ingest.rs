//! `pqa ingest`: the pipeline's ingest (`pqa_pipeline::ingest`) with a
//! progress bar, then its summary (`pqa_pipeline::text::ingest_summary`):
//! what became of every file and every rejected row.

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use pqa_core::Project;
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
    print!("{}", pqa_pipeline::text::ingest_summary(inbox, &run));
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
