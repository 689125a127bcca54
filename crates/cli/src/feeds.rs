//! `pqa feeds …`: the data officer's feed tools (`pqa_pipeline::feeds`),
//! printed. `check` validates the configuration, `try` runs one file
//! through a feed without touching the warehouse, `test` runs every feed's
//! `expect:` blocks, and `new` drafts a feed and schema from a sample file.

use std::path::Path;

use anyhow::{Result, bail};
use pqa_core::{Period, Project};
use pqa_pipeline::feeds::{self, Outcome, draft};

/// Prints what the configuration holds (`Project::load` has already refused
/// anything invalid, with every problem listed), then checks the inbox: a
/// file two feeds claim is an error, a file no feed claims is reported.
pub fn check(project: &Project) -> Result<()> {
    let drafts = feeds::unanswered_todos(&project.root)?;
    if !drafts.is_empty() {
        for line in &drafts {
            println!("{line}");
        }
        bail!(
            "{} TODO(s) left in drafts: answer them before the feed is used",
            drafts.len()
        );
    }
    println!(
        "Configuration is valid: {} feed(s), {} dataset(s), {} metric(s).",
        project.feeds.len(),
        project.schemas.len(),
        project.metrics.len()
    );
    for feed in &project.feeds {
        println!(
            "  feed {:<28} {:<24} → {:<14} files {}",
            feed.feed, feed.agency, feed.dataset, feed.source.files
        );
    }
    let inbox = feeds::check_inbox(project)?;
    let Some(files) = inbox.files else {
        println!("The inbox {} is not there yet.", inbox.inbox.display());
        return Ok(());
    };
    for file in &inbox.unclaimed {
        println!("  inbox file {file} is claimed by no feed");
    }
    for (file, feeds) in &inbox.ambiguous {
        println!(
            "  inbox file {file} is claimed by {}: make their `files:` patterns distinct",
            feeds.join(" and ")
        );
    }
    if !inbox.ambiguous.is_empty() {
        bail!(
            "{} inbox file(s) claimed by more than one feed",
            inbox.ambiguous.len()
        );
    }
    println!(
        "Inbox {}: {files} file(s), none claimed twice.",
        inbox.inbox.display()
    );
    Ok(())
}

/// `pqa feeds try`: the first rows as they would be stored, every reject, and the counts.
pub fn try_file(
    project: &Project,
    feed_name: &str,
    file: &Path,
    period: Option<Period>,
    rows: usize,
    json: bool,
) -> Result<()> {
    let feed = feeds::find_feed(project, feed_name)?;
    let mapped = feeds::try_file(project, feed, file, period)?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&feeds::as_json(&mapped)?)?
        );
        return Ok(());
    }
    let stored = feeds::stored_rows(&mapped)?;
    let shown = stored.slice(0, rows.min(stored.num_rows()));
    println!("First {} row(s) as they would be stored:", shown.num_rows());
    println!("{}", arrow::util::pretty::pretty_format_batches(&[shown])?);
    if !mapped.rejects.is_empty() {
        println!("Rejected rows:");
        for r in &mapped.rejects {
            println!(
                "  row {}, column {} ({}): {}",
                r.row,
                r.column.as_deref().unwrap_or("-"),
                r.rule,
                r.message
            );
        }
    }
    for (row, text) in mapped.skipped.iter().take(10) {
        println!(
            "Skipped row {row}: starts with \"{}\" (not data)",
            pqa_ingest::shortened(text)
        );
    }
    if mapped.skipped.len() > 10 {
        println!("… and {} more skipped rows", mapped.skipped.len() - 10);
    }
    if mapped.rows_left_out > 0 {
        println!(
            "Rows left out by the feed's `keep_rows` (not this feed's): {}",
            mapped.rows_left_out
        );
    }
    if !mapped.unused_headers.is_empty() {
        println!(
            "Headers not loaded (map them, or list them under `drop:`): {}",
            mapped.unused_headers.join(", ")
        );
    }
    println!(
        "{}{}: rows read {} = accepted {} + rejected {}",
        file.display(),
        mapped
            .sheet
            .as_ref()
            .map(|s| format!(" sheet \"{s}\""))
            .unwrap_or_default(),
        mapped.rows_read,
        mapped.rows_accepted(),
        mapped.rows_rejected
    );
    Ok(())
}

/// `pqa feeds test`: every feed's `expect:` blocks. Fails if any differs.
pub fn test(project: &Project) -> Result<()> {
    let (mut checked, mut failures) = (0, 0);
    for feed in feeds::test(project) {
        if feed.expectations.is_empty() {
            println!(
                "feed {:<28} no expect: block (add one so the test suite checks this feed)",
                feed.feed
            );
        }
        for e in &feed.expectations {
            checked += 1;
            failures += usize::from(!e.outcome.passed());
            match &e.outcome {
                Outcome::Passed([read, accepted, rejected]) => println!(
                    "ok   {:<28} {} (read {read}, accepted {accepted}, rejected {rejected})",
                    feed.feed, e.file
                ),
                Outcome::Differs(differs) => {
                    println!("FAIL {:<28} {}: {}", feed.feed, e.file, differs.join("; "))
                }
                Outcome::Failed(why) => println!("FAIL {:<28} {}: {why}", feed.feed, e.file),
            }
        }
    }
    println!("{} passed, {failures} failed", checked - failures);
    if failures > 0 {
        bail!("{failures} feed expectation(s) failed");
    }
    Ok(())
}

/// `pqa feeds new --from FILE`: the draft printed, or with `write_to` (the
/// project's folder) written into its `schemas/` and `pipelines/`.
pub fn new(from: &Path, sheet: Option<&str>, write_to: Option<&Path>) -> Result<()> {
    let d = draft::draft(from, sheet, write_to)?;
    let Some(dir) = write_to else {
        println!(
            "# Draft for schemas/{name}.yaml\n{}\n# Draft for pipelines/{name}.yaml\n{}",
            d.schema,
            d.feed,
            name = d.name
        );
        return Ok(());
    };
    for path in draft::write(&d, dir)? {
        println!("Wrote {}", path.display());
    }
    println!(
        "Next: answer the TODOs, then `pqa feeds try {} {}` shows how the file loads.",
        d.name,
        from.display()
    );
    Ok(())
}
