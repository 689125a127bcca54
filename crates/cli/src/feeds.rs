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
use pqa_ingest::coerce::{
    normalise, suppression_status, to_boolean, to_date, to_integer, to_number,
};
use pqa_ingest::read::{Cell, RawSheet, read_csv, read_parquet, read_xlsx};
use pqa_ingest::{
    Claim, Claims, Mapped, PseudonymKey, Submission, ingest_bytes, list_inbox, sha256_hex,
};

/// Prints what the configuration holds (`Project::load` has already refused
/// anything invalid, with every problem listed), then checks the inbox: a
/// file two feeds claim is an error, a file no feed claims is reported.
pub fn check(project: &Project) -> Result<()> {
    let drafts = unanswered_todos(&project.root)?;
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

/// Every value still `TODO` (as `pqa feeds new` drafts them) in the
/// project's feeds and schemas, as `file:line:column: …`.
fn unanswered_todos(root: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for folder in ["pipelines", "schemas"] {
        let Ok(entries) = std::fs::read_dir(root.join(folder)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        {
            let text = std::fs::read_to_string(path)?;
            for (n, line) in text.lines().enumerate() {
                if line.trim_start().starts_with('#') {
                    continue;
                }
                if let Some(col) = line.find(": TODO") {
                    out.push(format!(
                        "{folder}/{}:{}:{}: still a draft: {}",
                        path.file_name().unwrap_or_default().to_string_lossy(),
                        n + 1,
                        col + 3,
                        line[col + 2..].trim()
                    ));
                }
            }
        }
    }
    Ok(out)
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

/// `pqa feeds new --from FILE`: a draft schema and feed for the officer to
/// finish, printed, or with `write_to` (a project folder) written there as
/// `schemas/<name>.yaml` and `pipelines/<name>.yaml`. The draft loads the
/// file it came from (`pqa feeds try`); its `TODO`s fail `pqa feeds check`
/// until someone answers them.
pub fn new(from: &Path, sheet: Option<&str>, write_to: Option<&Path>) -> Result<()> {
    let bytes = std::fs::read(from).with_context(|| format!("reading {}", from.display()))?;
    let extension = |e: &str| from.extension().is_some_and(|x| x.eq_ignore_ascii_case(e));
    let (raw, format, encoding) = if extension("xlsx") {
        (pick_sheet(&bytes, sheet)?, FileFormat::Xlsx, None)
    } else if extension("parquet") {
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
    // Never the name of a feed or dataset the project already has.
    let base = snake(&strip_period(stem));
    let taken = |n: &str| {
        write_to.is_some_and(|dir| {
            dir.join(format!("pipelines/{n}.yaml")).exists()
                || dir.join(format!("schemas/{n}.yaml")).exists()
        })
    };
    let name = std::iter::once(base.clone())
        .chain((2..).map(|i| format!("{base}_{i}")))
        .find(|n| !taken(n))
        .expect("some name is free");
    let file_name = from.file_name().and_then(|s| s.to_str()).unwrap_or("file");

    let mut schema = format!(
        "# Drafted by `pqa feeds new` from {file_name}: check every type, mark\n\
         # identifying columns, add codes.\n\
         dataset: {name}\ndescription: TODO say what one row is\ncolumns:\n"
    );
    let mut feed_columns = String::new();
    let mut drop = Vec::new();
    for (i, header) in headers.iter().enumerate() {
        if header.trim().is_empty() {
            continue;
        }
        let column = snake(header);
        let cells: Vec<&Cell> = raw
            .rows
            .iter()
            .skip(header_at + 1)
            .take(500)
            .filter_map(|r| r.cells.get(i))
            .collect();
        let kind = guess_type(cells.iter().copied());
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
        schema.push_str(&format!("  {column}: {{ type: {kind}{identifying} }}\n"));
        // Numbers the agency withheld ("<5", "*") keep their symbol here.
        let withheld = cells
            .iter()
            .any(|c| matches!(c, Cell::Text(t) if suppression_status(t).is_some()));
        if matches!(kind, "integer" | "number") && withheld {
            schema.push_str(&format!("  {column}_status: {{ type: string }}\n"));
        }
        let formats = if kind == "date" {
            format!(
                ", formats: [{}]",
                DRAFT_DATE_FORMATS
                    .iter()
                    .map(|f| if f.contains('%') {
                        format!("\"{f}\"")
                    } else {
                        f.to_string()
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            String::new()
        };
        let privacy = privacy
            .map(|p| format!(", privacy: {p}"))
            .unwrap_or_default();
        feed_columns.push_str(&format!(
            "  {column}: {{ from: {header:?}{formats}{privacy} }}\n"
        ));
    }

    let mut feed = format!(
        "# Drafted by `pqa feeds new` from {file_name}.\n\
         feed: {name}\nagency: TODO the agency that sends it\ndataset: {name}\nsource:\n  files: \"{}\"\n  format: {}\n",
        file_name.replace(stem, &format!("{}*", strip_period(stem))),
        match format {
            FileFormat::Xlsx => "xlsx",
            FileFormat::Csv => "csv",
            FileFormat::Parquet => "parquet",
        }
    );
    if let Some(encoding) = encoding {
        feed.push_str(&format!("  encoding: {encoding}\n"));
    }
    if let Some(sheet) = &raw.sheet {
        feed.push_str(&format!("  sheet: {sheet:?}\n"));
    }
    feed.push_str(&format!("  header_row: {}\n", raw.rows[header_at].number));
    feed.push_str(&format!("period: file_name\ncolumns:\n{feed_columns}"));
    if !drop.is_empty() {
        feed.push_str(&format!("drop: {drop:?}\n"));
    }

    let Some(dir) = write_to else {
        println!(
            "# Draft for schemas/{name}.yaml\n{schema}\n# Draft for pipelines/{name}.yaml\n{feed}"
        );
        return Ok(());
    };
    for (path, text) in [
        (dir.join(format!("schemas/{name}.yaml")), &schema),
        (dir.join(format!("pipelines/{name}.yaml")), &feed),
    ] {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        println!("Wrote {}", path.display());
    }
    println!(
        "Next: answer the TODOs, then `pqa feeds try {name} {}` shows how the file loads.",
        from.display()
    );
    Ok(())
}

/// The date formats a draft reads, and a date cell must fit one of.
const DRAFT_DATE_FORMATS: [&str; 4] = ["%d/%m/%Y", "%d-%b-%Y", "iso", "excel_serial"];

/// The sheet asked for, or else the sheet that looks most like a table: a
/// cover or notes sheet has a line or two of text, a data sheet a header
/// row over rows.
fn pick_sheet(bytes: &[u8], sheet: Option<&str>) -> Result<RawSheet> {
    if let Some(s) = sheet {
        let wanted = s
            .parse()
            .map(SheetRef::Position)
            .unwrap_or_else(|_| SheetRef::Name(s.into()));
        return Ok(read_xlsx(bytes, Some(&wanted))?);
    }
    let mut best: Option<(usize, RawSheet)> = None;
    // Positions count from 1; reading past the last sheet is an error.
    for position in 1.. {
        let Ok(raw) = read_xlsx(bytes, Some(&SheetRef::Position(position))) else {
            break;
        };
        let size = guess_header(&raw).map_or(0, |(at, headers)| {
            let filled = headers.iter().filter(|h| !h.trim().is_empty()).count();
            filled * raw.rows.len().saturating_sub(at + 1)
        });
        if best.as_ref().is_none_or(|(b, _)| size > *b) {
            best = Some((size, raw));
        }
    }
    match best {
        Some((_, raw)) => Ok(raw),
        None => Ok(read_xlsx(bytes, None)?),
    }
}

/// The header row: among the top rows, the first whose filled cells are all
/// text, all different, and nearly as many as the widest row has (a title
/// has one or two; a data row holds numbers or dates, or repeats a value).
fn guess_header(raw: &RawSheet) -> Option<(usize, Vec<String>)> {
    let top: Vec<_> = raw.rows.iter().take(30).collect();
    let filled = |cells: &[Cell]| cells.iter().filter(|c| !c.is_blank()).count();
    let widest = top
        .iter()
        .map(|r| filled(&r.cells))
        .max()
        .filter(|n| *n > 0)?;
    let looks_like_header = |cells: &[Cell]| {
        let texts: Vec<String> = cells
            .iter()
            .filter(|c| !c.is_blank())
            .map(|c| match c {
                Cell::Text(t) => Some(normalise(t)),
                _ => None,
            })
            .collect::<Option<_>>()
            .unwrap_or_default();
        let distinct: std::collections::HashSet<&String> = texts.iter().collect();
        let plain = texts.iter().all(|t| {
            // A date or number written as text is a value, not a name.
            to_number(pqa_ingest::read::CellRef::Text(t)).is_err()
        });
        !texts.is_empty()
            && plain
            && distinct.len() == texts.len()
            && texts.len() * 10 >= widest * 7
    };
    let i = top
        .iter()
        .position(|r| looks_like_header(&r.cells))
        .or_else(|| top.iter().position(|r| filled(&r.cells) == widest))?;
    Some((i, raw.rows[i].cells.iter().map(Cell::as_text).collect()))
}

/// The narrowest type every filled cell fits; symbols for withheld numbers
/// ("<5", "*") are left out of the reckoning (they are kept as symbols).
fn guess_type<'a>(cells: impl Iterator<Item = &'a Cell>) -> &'static str {
    let cells: Vec<&Cell> = cells.filter(|c| !c.is_blank()).collect();
    let values: Vec<&Cell> = cells
        .iter()
        .copied()
        .filter(|c| !matches!(c, Cell::Text(t) if suppression_status(t).is_some()))
        .collect();
    let all = |cells: &[&Cell], f: &dyn Fn(&Cell) -> bool| {
        !cells.is_empty() && cells.iter().all(|c| f(c))
    };
    // Not `excel_serial` here: any whole number would pass for a date.
    let formats: Vec<String> = DRAFT_DATE_FORMATS[..3]
        .iter()
        .map(|f| f.to_string())
        .collect();
    let is_date = |c: &Cell| {
        matches!(c, Cell::DateTime(_))
            || matches!(c, Cell::Text(_)) && to_date(c.view(), &formats).is_ok()
    };
    // A date column may hold an impossible date (rejected when loaded, not
    // a reason to read the column as text) and, in a workbook, serial numbers
    // beside date cells.
    let has_date_cells = cells.iter().any(|c| matches!(c, Cell::DateTime(_)));
    let dates = cells
        .iter()
        .filter(|c| is_date(c) || has_date_cells && matches!(c, Cell::Number(_)))
        .count();
    if !cells.is_empty() && dates * 10 >= cells.len() * 8 {
        "date"
    } else if all(&values, &|c| to_integer(c.view()).is_ok()) {
        "integer"
    } else if all(&values, &|c| to_number(c.view()).is_ok()) {
        "number"
    } else if all(&cells, &|c| to_boolean(c.view()).is_ok()) {
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
