//! `pqa feeds …`: the data officer's feed tools (`pqa_pipeline::feeds`),
//! printed. `check` validates the configuration, `try` runs one file
//! through a feed without touching the warehouse, `test` runs every feed's
//! `expect:` blocks, and `new` drafts a feed and schema from a sample file.

use std::path::Path;

use anyhow::{Result, bail};
use pqa_core::{Period, Project};
use pqa_pipeline::feeds::{self, draft};
use pqa_pipeline::text;

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
    print!("{}", text::configuration(project));
    let inbox = feeds::check_inbox(project)?;
    print!("{}", text::inbox_check(&inbox));
    if !inbox.ambiguous.is_empty() {
        bail!(
            "{} inbox file(s) claimed by more than one feed",
            inbox.ambiguous.len()
        );
    }
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
        let json = serde_json::to_string_pretty(&feeds::as_json(&mapped)?)?;
        println!("{json}");
    } else {
        print!("{}", text::tried_file(file, &mapped, rows)?);
    }
    Ok(())
}

/// `pqa feeds test`: every feed's `expect:` blocks. Fails if any differs.
pub fn test(project: &Project) -> Result<()> {
    let (mut checked, mut failures) = (0, 0);
    for feed in feeds::test(project) {
        print!("{}", text::feed_test(&feed));
        checked += feed.expectations.len();
        failures += feed
            .expectations
            .iter()
            .filter(|e| !e.outcome.passed())
            .count();
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
