//! `pqa feeds …`: tools for the data officer writing feed definitions.
//! `check` validates the configuration, `try` runs one file through a feed
//! without touching the warehouse, `test` runs every feed's `expect:` blocks,
//! and `new` drafts a feed and schema from a sample file.

use std::path::Path;

use anyhow::{Context, Result, bail};
use arrow::array::RecordBatch;
use chrono::Utc;
use pqa_core::config::{FileFormat, SheetRef};
use pqa_core::schema::LINEAGE_COLUMNS;
use pqa_core::{FeedSpec, Period, Project};
use pqa_ingest::coerce::{normalise, to_boolean, to_date, to_integer, to_number};
use pqa_ingest::read::{Cell, RawSheet, read_csv, read_parquet, read_xlsx};
use pqa_ingest::{
    Claim, Claims, Mapped, PseudonymKey, Submission, ingest_bytes, list_inbox, sha256_hex,
};

/// Prints what the configuration holds (`Project::load` has already refused
/// anything invalid, with every problem listed), then checks the inbox: a
/// file two feeds claim is an error, a file no feed claims is reported.
pub fn check(project: &Project) -> Result<()> {
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
    let inbox = project.path(&project.file.inbox);
    let Ok(files) = list_inbox(&inbox) else {
        println!("The inbox {} is not there yet.", inbox.display());
        return Ok(());
    };
    let claims = Claims::new(&project.feeds)?;
    let mut ambiguous = 0;
    for file in &files {
        match claims.claim(&file.name) {
            Claim::Feed(_) | Claim::Sheets(_) => {}
            Claim::Unclaimed => println!("  inbox file {} is claimed by no feed", file.name),
            Claim::Ambiguous(feeds) => {
                ambiguous += 1;
                println!(
                    "  inbox file {} is claimed by {}: make their `files:` patterns distinct",
                    file.name,
                    feeds.join(" and ")
                );
            }
        }
    }
    if ambiguous > 0 {
        bail!("{ambiguous} inbox file(s) claimed by more than one feed");
    }
    println!(
        "Inbox {}: {} file(s), none claimed twice.",
        inbox.display(),
        files.len()
    );
    Ok(())
}

fn feed<'a>(project: &'a Project, name: &str) -> Result<&'a FeedSpec> {
    project
        .feeds
        .iter()
        .find(|f| f.feed == name)
        .with_context(|| {
            let known: Vec<&str> = project.feeds.iter().map(|f| f.feed.as_str()).collect();
            format!(
                "no feed `{name}`{}; feeds: {}",
                pqa_core::config::did_you_mean(name, &known),
                known.join(", ")
            )
        })
}

/// Runs one file through a feed, in memory only.
fn run_file(
    project: &Project,
    feed: &FeedSpec,
    file: &Path,
    period: Option<Period>,
) -> Result<Mapped> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let name = file.to_string_lossy().replace('\\', "/");
    let period = match period {
        Some(p) => p,
        None => feed
            .period
            .period_of(&name, feed.frequency)
            .map_err(|why| anyhow::anyhow!("{name}: {why}; or give one with --period"))?,
    };
    let key = PseudonymKey::from_settings(&project.file.privacy, &project.root)?;
    let schema = project
        .schema(&feed.dataset)
        .expect("feeds are validated against schemas");
    let submission = Submission {
        feed,
        schema,
        file: name,
        sha256: sha256_hex(&bytes),
        period,
        run_id: "try".into(),
        ingested_at: Utc::now(),
        key: key.as_ref(),
    };
    Ok(ingest_bytes(&bytes, &submission)?)
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
    let feed = feed(project, feed_name)?;
    let mapped = run_file(project, feed, file, period)?;
    let data_columns: Vec<usize> = (0..mapped.batch.num_columns())
        .filter(|i| !LINEAGE_COLUMNS.contains(&mapped.batch.schema().field(*i).name().as_str()))
        .collect();
    if json {
        return print_json(&mapped, mapped.batch.project(&data_columns)?);
    }
    let shown: RecordBatch = mapped
        .batch
        .project(&data_columns)?
        .slice(0, rows.min(mapped.batch.num_rows()));
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

/// `pqa feeds try --json`: every row as it would be stored (empty values
/// left out), every reject and skipped row, and the counts, for a script or
/// another tool to compare with what the file should hold.
fn print_json(mapped: &Mapped, rows: RecordBatch) -> Result<()> {
    let mut writer = arrow::json::ArrayWriter::new(Vec::new());
    writer.write(&rows)?;
    writer.finish()?;
    let bytes = writer.into_inner();
    let rows: serde_json::Value = if bytes.is_empty() {
        serde_json::Value::Array(vec![])
    } else {
        serde_json::from_slice(&bytes)?
    };
    let rejects: Vec<serde_json::Value> = mapped
        .rejects
        .iter()
        .map(|r| {
            serde_json::json!({
                "row": r.row, "column": r.column, "rule": r.rule, "message": r.message,
            })
        })
        .collect();
    let skipped: Vec<serde_json::Value> = mapped
        .skipped
        .iter()
        .map(|(row, text)| serde_json::json!({"row": row, "starts": pqa_ingest::shortened(text)}))
        .collect();
    let out = serde_json::json!({
        "sheet": mapped.sheet,
        "rows_read": mapped.rows_read,
        "rows_accepted": mapped.rows_accepted(),
        "rows_rejected": mapped.rows_rejected,
        "rows": rows,
        "rejects": rejects,
        "skipped": skipped,
        "unused_headers": mapped.unused_headers,
        "rows_left_out": mapped.rows_left_out,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

/// `pqa feeds test`: every feed's `expect:` blocks. Fails if any differs.
pub fn test(project: &Project) -> Result<()> {
    let mut failures = 0;
    let mut checked = 0;
    for feed in &project.feeds {
        if feed.expect.is_empty() {
            println!(
                "feed {:<28} no expect: block (add one so the test suite checks this feed)",
                feed.feed
            );
        }
        for expect in &feed.expect {
            checked += 1;
            let path = project.path(&expect.file);
            let outcome = run_file(project, feed, &path, expect.period).map(|m| {
                let got = [m.rows_read, m.rows_accepted(), m.rows_rejected];
                let wanted = [expect.rows_read, expect.rows_accepted, expect.rows_rejected];
                let differs: Vec<String> = ["rows_read", "rows_accepted", "rows_rejected"]
                    .iter()
                    .zip(got.iter().zip(wanted))
                    .filter_map(|(name, (g, w))| {
                        w.filter(|w| w != g)
                            .map(|w| format!("{name} {g}, expected {w}"))
                    })
                    .collect();
                (got, differs)
            });
            match outcome {
                Ok((got, differs)) if differs.is_empty() => {
                    println!(
                        "ok   {:<28} {} (read {}, accepted {}, rejected {})",
                        feed.feed, expect.file, got[0], got[1], got[2]
                    )
                }
                Ok((_, differs)) => {
                    failures += 1;
                    println!(
                        "FAIL {:<28} {}: {}",
                        feed.feed,
                        expect.file,
                        differs.join("; ")
                    );
                }
                Err(e) => {
                    failures += 1;
                    println!("FAIL {:<28} {}: {e:#}", feed.feed, expect.file);
                }
            }
        }
    }
    println!("{} passed, {failures} failed", checked - failures);
    if failures > 0 {
        bail!("{failures} feed expectation(s) failed");
    }
    Ok(())
}

/// `pqa feeds new --from FILE`: a draft schema and feed for the officer to finish.
pub fn new(from: &Path, sheet: Option<&str>) -> Result<()> {
    let bytes = std::fs::read(from).with_context(|| format!("reading {}", from.display()))?;
    let is_xlsx = from
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let (raw, format, encoding) = if is_xlsx {
        let sheet = sheet.map(|s| {
            s.parse()
                .map(SheetRef::Position)
                .unwrap_or_else(|_| SheetRef::Name(s.into()))
        });
        (read_xlsx(&bytes, sheet.as_ref())?, FileFormat::Xlsx, None)
    } else if from
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
    {
        (read_parquet(&bytes)?, FileFormat::Parquet, None)
    } else {
        match read_csv(&bytes, pqa_core::config::Encoding::Utf8, ',') {
            Ok(raw) => (raw, FileFormat::Csv, None),
            Err(_) => (
                read_csv(&bytes, pqa_core::config::Encoding::Windows1252, ',')?,
                FileFormat::Csv,
                Some("windows-1252"),
            ),
        }
    };
    let (header_at, headers) =
        guess_header(&raw).context("no header row found in the first 30 rows")?;
    let stem = from
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("new_feed");
    let name = snake(&strip_period(stem));
    let file_name = from.file_name().and_then(|s| s.to_str()).unwrap_or("file");
    println!(
        "# Draft for schemas/{name}.yaml: check every type, mark identifying columns, add codes."
    );
    println!("dataset: {name}\ndescription: TODO say what one row is\ncolumns:");
    let mut feed_columns = String::new();
    let mut drop = Vec::new();
    for (i, header) in headers.iter().enumerate() {
        if header.trim().is_empty() {
            continue;
        }
        let column = snake(header);
        let kind = guess_type(
            raw.rows
                .iter()
                .skip(header_at + 1)
                .take(500)
                .filter_map(|r| r.cells.get(i)),
        );
        let lower = normalise(header);
        let privacy = if lower.contains("name") || lower.contains("address") {
            drop.push(header.clone());
            continue;
        } else if lower.contains("postcode") || lower.ends_with("post") {
            Some("generalise_to_sector")
        } else if lower.contains("dob") || lower.contains("birth") {
            Some("generalise_to_month")
        } else if lower == "child"
            || lower.ends_with("id")
            || lower.contains("nhs")
            || lower.contains("upn")
        {
            Some("pseudonymise")
        } else {
            None
        };
        let identifying = if privacy.is_some() {
            ", identifying: true"
        } else {
            ""
        };
        let kind = if privacy == Some("pseudonymise") || privacy == Some("generalise_to_sector") {
            "string"
        } else {
            kind
        };
        println!("  {column}: {{ type: {kind}{identifying} }}");
        let formats = if kind == "date" {
            ", formats: [\"%d/%m/%Y\", iso, excel_serial]"
        } else {
            ""
        };
        let privacy = privacy
            .map(|p| format!(", privacy: {p}"))
            .unwrap_or_default();
        feed_columns.push_str(&format!(
            "  {column}: {{ from: {header:?}{formats}{privacy} }}\n"
        ));
    }
    println!();
    println!("# Draft for pipelines/{name}.yaml");
    println!("feed: {name}\nagency: TODO the agency that sends it\ndataset: {name}\nsource:");
    println!(
        "  files: \"{}\"",
        file_name.replace(stem, &format!("{}*", strip_period(stem)))
    );
    println!(
        "  format: {}",
        match format {
            FileFormat::Xlsx => "xlsx",
            FileFormat::Csv => "csv",
            FileFormat::Parquet => "parquet",
        }
    );
    if let Some(encoding) = encoding {
        println!("  encoding: {encoding}");
    }
    if let Some(sheet) = &raw.sheet {
        println!("  sheet: {sheet:?}");
    }
    println!("  header_row: {}", raw.rows[header_at].number);
    println!("period: file_name\ncolumns:\n{feed_columns}");
    if !drop.is_empty() {
        println!("drop: {drop:?}");
    }
    Ok(())
}

/// The first of the top rows with the most filled text cells.
fn guess_header(raw: &RawSheet) -> Option<(usize, Vec<String>)> {
    let filled = |cells: &[Cell]| {
        cells
            .iter()
            .filter(|c| matches!(c, Cell::Text(t) if !t.trim().is_empty()))
            .count()
    };
    let best = raw
        .rows
        .iter()
        .take(30)
        .map(|r| filled(&r.cells))
        .max()
        .filter(|n| *n > 0)?;
    let i = raw.rows.iter().position(|r| filled(&r.cells) == best)?;
    Some((i, raw.rows[i].cells.iter().map(Cell::as_text).collect()))
}

/// The narrowest type every filled cell fits.
fn guess_type<'a>(cells: impl Iterator<Item = &'a Cell>) -> &'static str {
    let cells: Vec<&Cell> = cells.filter(|c| !c.is_blank()).collect();
    let all = |f: &dyn Fn(&Cell) -> bool| !cells.is_empty() && cells.iter().all(|c| f(c));
    if all(&|c| {
        to_date(c.view(), &["%d/%m/%Y".into(), "iso".into()]).is_ok()
            || matches!(c, Cell::DateTime(_))
    }) {
        "date"
    } else if all(&|c| to_integer(c.view()).is_ok()) {
        "integer"
    } else if all(&|c| to_number(c.view()).is_ok()) {
        "number"
    } else if all(&|c| to_boolean(c.view()).is_ok()) {
        "boolean"
    } else {
        "string"
    }
}

fn snake(text: &str) -> String {
    let mut out = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_string();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("c_{out}")
    } else {
        out
    }
}

/// "cp_plans_2024-25_Q3" → "cp_plans": the part of a name that stays the same each quarter.
fn strip_period(stem: &str) -> String {
    let cut = stem
        .find(|c: char| c.is_ascii_digit())
        .filter(|i| Period::find_in(&stem[*i..]).is_some());
    match cut {
        Some(i) => stem[..i].trim_end_matches(['_', '-', ' ']).to_string(),
        None => stem.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_snake_case_without_the_period() {
        assert_eq!(snake("Plan Start-Date"), "plan_start_date");
        assert_eq!(snake("2nd plan?"), "c_2nd_plan");
        assert_eq!(strip_period("cp_plans_2024-25_Q3"), "cp_plans");
        assert_eq!(strip_period("episodes"), "episodes");
    }

    #[test]
    fn types_are_the_narrowest_that_fit() {
        let text = |v: &[&str]| {
            v.iter()
                .map(|s| Cell::Text((*s).into()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            guess_type(text(&["01/02/2024", "", "2024-03-01"]).iter()),
            "date"
        );
        assert_eq!(guess_type(text(&["1", "2,000"]).iter()), "integer");
        assert_eq!(guess_type(text(&["1.5", "2"]).iter()), "number");
        assert_eq!(guess_type(text(&["Y", "N"]).iter()), "boolean");
        assert_eq!(guess_type(text(&["C2", "V2"]).iter()), "string");
        assert_eq!(guess_type(text(&[""]).iter()), "string");
    }
}
