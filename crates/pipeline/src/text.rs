//! The plain-text views of what the pipeline returns, for a terminal or a
//! log: the ingest summary, a file tried through a feed, a feed's
//! expectations, a series' verdict, the run history. The `pqa` binary
//! prints them; a scheduled service can mail or log the same words. Each
//! builds a `String` from data the other modules return, and nothing here
//! reads or writes anything.

use std::fmt::Write;
use std::path::Path;

use pqa_core::Project;
use pqa_ingest::Mapped;
use pqa_store::RunRecord;

use crate::Result;
use crate::feeds::{FeedTest, InboxCheck, Outcome};
use crate::ingest::{IngestRun, Status, describe_reject, status_text};
use crate::trends::Verdict;

/// What became of every file and every rejected row in an ingest of
/// `inbox`: a table of files, then rejected rows (file, sheet, row, column,
/// reason), headers not loaded and rows skipped, then the totals and the run
/// committed.
pub fn ingest_summary(inbox: &str, run: &IngestRun) -> String {
    let mut out = String::new();
    let width = run
        .outcomes
        .iter()
        .map(|o| o.file.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(out, "Ingest of {inbox}\n");
    let _ = writeln!(
        out,
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
        let _ = writeln!(
            out,
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
        let _ = writeln!(out, "\n{heading}");
        for line in lines {
            let _ = writeln!(out, "  {line}");
        }
    }
    out.push('\n');
    let parts: Vec<String> = t
        .by_status
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    // A workbook several feeds read is one file, with a line per feed.
    if t.files == t.submissions {
        let _ = writeln!(out, "{} file(s): {}", t.files, parts.join(", "));
    } else {
        let (files, submissions) = (t.files, t.submissions);
        let _ = writeln!(
            out,
            "{files} file(s), read as {submissions} submissions: {}",
            parts.join(", ")
        );
    }
    let (read, accepted, rejected) = (t.rows_read, t.rows_accepted, t.rows_rejected);
    let _ = match t.rows_in_refused {
        0 => writeln!(
            out,
            "Rows read {read} = accepted {accepted} + rejected {rejected}"
        ),
        n => writeln!(
            out,
            "Rows read {read} = accepted {accepted} + rejected {rejected} + in refused files {n} (not loaded)"
        ),
    };
    if t.rows_left_out > 0 {
        let n = t.rows_left_out;
        let _ = writeln!(
            out,
            "Rows left out by feeds' `keep_rows` (other areas' rows, not read): {n}"
        );
    }
    let _ = match &run.record {
        Some(r) => writeln!(
            out,
            "Warehouse: run {} committed ({})",
            r.run_number,
            versions(r)
        ),
        None => writeln!(out, "Warehouse: nothing new to commit"),
    };
    out
}

/// The feeds, datasets and metrics a valid configuration holds (`pqa feeds
/// check`), a line per feed with its agency, dataset and file pattern.
pub fn configuration(project: &Project) -> String {
    let mut out = format!(
        "Configuration is valid: {} feed(s), {} dataset(s), {} metric(s), {} audit(s), {} vulnerabilities.\n",
        project.feeds.len(),
        project.schemas.len(),
        project.metrics.len(),
        project.audits.len(),
        project.vulnerabilities.len()
    );
    for feed in &project.feeds {
        let _ = writeln!(
            out,
            "  feed {:<28} {:<24} → {:<14} files {}",
            feed.feed, feed.agency, feed.dataset, feed.source.files
        );
    }
    out
}

/// Which inbox files no feed claims, or more than one does.
pub fn inbox_check(check: &InboxCheck) -> String {
    let inbox = check.inbox.display();
    let Some(files) = check.files else {
        return format!("The inbox {inbox} is not there yet.\n");
    };
    let mut out = String::new();
    for file in &check.unclaimed {
        let _ = writeln!(out, "  inbox file {file} is claimed by no feed");
    }
    for (file, feeds) in &check.ambiguous {
        let _ = writeln!(
            out,
            "  inbox file {file} is claimed by {}: make their `files:` patterns distinct",
            feeds.join(" and ")
        );
    }
    if check.ambiguous.is_empty() {
        let _ = writeln!(out, "Inbox {inbox}: {files} file(s), none claimed twice.");
    }
    out
}

/// `file` run through a feed without the warehouse (`pqa feeds try`): its
/// first `rows` rows as they would be stored, every reject, the rows
/// skipped or left out, headers not loaded, and the counts.
pub fn tried_file(file: &Path, mapped: &Mapped, rows: usize) -> Result<String> {
    let mut out = String::new();
    let stored = crate::feeds::stored_rows(mapped)?;
    let shown = stored.slice(0, rows.min(stored.num_rows()));
    let _ = writeln!(
        out,
        "First {} row(s) as they would be stored:",
        shown.num_rows()
    );
    let _ = writeln!(
        out,
        "{}",
        arrow::util::pretty::pretty_format_batches(&[shown])?
    );
    if !mapped.rejects.is_empty() {
        let _ = writeln!(out, "Rejected rows:");
        for r in &mapped.rejects {
            let column = r.column.as_deref().unwrap_or("-");
            let _ = writeln!(
                out,
                "  row {}, column {column} ({}): {}",
                r.row, r.rule, r.message
            );
        }
    }
    for (row, text) in mapped.skipped.iter().take(10) {
        let text = pqa_ingest::shortened(text);
        let _ = writeln!(out, "Skipped row {row}: starts with \"{text}\" (not data)");
    }
    if mapped.skipped.len() > 10 {
        let more = mapped.skipped.len() - 10;
        let _ = writeln!(out, "… and {more} more skipped rows");
    }
    if mapped.rows_left_out > 0 {
        let _ = writeln!(
            out,
            "Rows left out by the feed's `keep_rows` (not this feed's): {}",
            mapped.rows_left_out
        );
    }
    if !mapped.unused_headers.is_empty() {
        let _ = writeln!(
            out,
            "Headers not loaded (map them, or list them under `drop:`): {}",
            mapped.unused_headers.join(", ")
        );
    }
    let sheet = mapped
        .sheet
        .as_ref()
        .map(|s| format!(" sheet \"{s}\""))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{}{sheet}: rows read {} = accepted {} + rejected {}",
        file.display(),
        mapped.rows_read,
        mapped.rows_accepted(),
        mapped.rows_rejected
    );
    Ok(out)
}

/// One line per expectation of a feed (`pqa feeds test`), or a line asking
/// for one when the feed has none.
pub fn feed_test(test: &FeedTest) -> String {
    let feed = &test.feed;
    if test.expectations.is_empty() {
        return format!(
            "feed {feed:<28} no expect: block (add one so the test suite checks this feed)\n"
        );
    }
    let mut out = String::new();
    for e in &test.expectations {
        let _ = match &e.outcome {
            Outcome::Passed([read, accepted, rejected]) => writeln!(
                out,
                "ok   {feed:<28} {} (read {read}, accepted {accepted}, rejected {rejected})",
                e.file
            ),
            Outcome::Differs(differs) => {
                writeln!(out, "FAIL {feed:<28} {}: {}", e.file, differs.join("; "))
            }
            Outcome::Failed(why) => writeln!(out, "FAIL {feed:<28} {}: {why}", e.file),
        };
    }
    out
}

/// What the trend rules make of one series (`pqa trends`): its variation,
/// limits, unusual points, and the question raised, if any.
pub fn verdict(v: &Verdict) -> String {
    let mut out = format!("{}\n", v.name);
    let direction = v.direction.as_deref().map(|d| format!(" ({d})"));
    let _ = writeln!(
        out,
        "  variation: {}{}",
        v.variation.replace('_', " "),
        direction.unwrap_or_default()
    );
    if let (Some(mean), Some(lower), Some(upper)) = (v.mean, v.lower, v.upper) {
        let rebased = v
            .rebased_from
            .as_deref()
            .map(|p| format!(" (worked out again from {p})"));
        let _ = writeln!(
            out,
            "  mean {mean:.2}, limits {lower:.2} to {upper:.2}{}",
            rebased.unwrap_or_default()
        );
    }
    if !v.unusual.is_empty() {
        let list: Vec<String> = v.unusual.iter().map(|(p, s)| format!("{p} {s}")).collect();
        let _ = writeln!(out, "  unusual: {}", list.join(", "));
    }
    match &v.finding {
        None => out.push_str("  no question raised\n"),
        Some(f) => {
            let _ = writeln!(
                out,
                "  {:?} priority, {:?}: {} ({})",
                f.severity,
                f.direction,
                f.rule,
                f.rules.join(", ")
            );
            let _ = writeln!(out, "  {}\n  {}", f.statement, f.question);
        }
    }
    out
}

/// Completed runs, one line each with the table versions it left (`pqa history`).
pub fn history(runs: &[RunRecord]) -> String {
    if runs.is_empty() {
        return "No runs yet: `pqa ingest` loads the inbox.\n".into();
    }
    let mut out = String::new();
    for run in runs {
        let _ = writeln!(
            out,
            "run {:>3}  {}  {}",
            run.run_number,
            run.finished_at.format("%Y-%m-%d %H:%M:%S UTC"),
            versions(run)
        );
    }
    out
}

/// `cp_plans v3, rejects v2, …`
fn versions(run: &RunRecord) -> String {
    let versions: Vec<String> = run
        .tables
        .iter()
        .map(|(t, v)| format!("{t} v{v}"))
        .collect();
    versions.join(", ")
}

/// What `pqa vulnerabilities` wrote: the headline, the counts by number as
/// published, and where the files are.
pub fn overlay_written(w: &crate::overlay::WrittenOverlay) -> String {
    let p = &w.input.published;
    let shown =
        |n: Option<u64>| n.map_or_else(|| pqa_report::SUPPRESSED.to_string(), |n| n.to_string());
    let numbers: Vec<String> = pqa_core::overlay::BUCKETS
        .iter()
        .zip(&p.by_number)
        .map(|(b, n)| format!("{b}: {}", shown(*n)))
        .collect();
    let mut out = format!(
        "{}\nChildren by number of vulnerabilities ({}); {} figures suppressed besides counts of 1 to {}.\nLinked through the crosswalk (children found, linked, not linked):\n",
        pqa_report::vulnerabilities::headline(&w.input),
        numbers.join(", "),
        p.suppressed,
        w.input.suppress_up_to,
    );
    for [label, identifier, found, linked, not_linked, rate] in
        pqa_report::vulnerabilities::link_rows(&w.input)
    {
        let _ = writeln!(
            out,
            "  {label:<30} by {identifier:<11} {found:>9} {linked:>9} {not_linked:>9}  {rate}"
        );
    }
    let _ = write!(
        out,
        "Tables (fit to share): {}\nList of {} children, pseudonymised, for the local authority alone: {}",
        w.workbook.display(),
        w.listed,
        w.list.display()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(number: i64, tables: &[(&str, u64)]) -> RunRecord {
        let at = chrono::DateTime::from_timestamp(1_746_000_000, 0).unwrap();
        RunRecord {
            run_number: number,
            run_id: format!("run-{number}"),
            started_at: at,
            finished_at: at,
            tables: tables.iter().map(|(t, v)| (t.to_string(), *v)).collect(),
        }
    }

    #[test]
    fn history_lists_runs_with_their_versions_or_says_there_are_none() {
        assert_eq!(history(&[]), "No runs yet: `pqa ingest` loads the inbox.\n");
        assert_eq!(
            history(&[
                run(1, &[("cp_plans", 0), ("runs", 0)]),
                run(12, &[("cp_plans", 4)])
            ]),
            "run   1  2025-04-30 08:00:00 UTC  cp_plans v0, runs v0\n\
             run  12  2025-04-30 08:00:00 UTC  cp_plans v4\n"
        );
    }

    #[test]
    fn a_feed_without_expectations_is_asked_for_one() {
        let test = FeedTest {
            feed: "cp_plans".into(),
            expectations: vec![],
        };
        assert!(feed_test(&test).contains("cp_plans"));
        assert!(feed_test(&test).contains("no expect: block"));
    }
}
