//! A draft feed and schema from a sample file, as an agency sends it, for a
//! data officer to finish (`pqa feeds new`): the sheet that is a table, its
//! header row, each column's type, privacy rules guessed from the headers.

use std::path::{Path, PathBuf};

use pqa_core::Period;
use pqa_core::config::{FileFormat, SheetRef};
use pqa_ingest::coerce::{
    normalise, suppression_status, to_boolean, to_date, to_integer, to_number,
};
use pqa_ingest::read::{Cell, RawSheet, read_csv, read_parquet, read_xlsx};

use crate::{Error, Result};

/// A draft, named so no feed or dataset of the project has its name.
#[derive(Debug)]
pub struct Draft {
    /// The feed's and the dataset's name.
    pub name: String,
    /// `schemas/<name>.yaml`.
    pub schema: String,
    /// `pipelines/<name>.yaml`.
    pub feed: String,
}

/// A draft schema and feed from the sample file `from` (its `sheet`, or
/// the one that looks most like a table), named so it takes no name the
/// project in `project_dir` already has. The draft loads the file it came
/// from (`pqa feeds try`); its `TODO`s fail `pqa feeds check` until someone
/// answers them.
pub fn draft(from: &Path, sheet: Option<&str>, project_dir: Option<&Path>) -> Result<Draft> {
    let bytes = std::fs::read(from).map_err(|source| Error::Io {
        path: from.to_path_buf(),
        source,
    })?;
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
    let (header_at, headers) = guess_header(&raw)
        .ok_or_else(|| Error::Invalid("no header row found in the first 30 rows".into()))?;
    let stem = from
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("new_feed");
    // Never the name of a feed or dataset the project already has.
    let base = snake(&strip_period(stem));
    let taken = |n: &str| {
        project_dir.is_some_and(|dir| {
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

    Ok(Draft { name, schema, feed })
}

/// Writes the draft into the project in `dir` as `schemas/<name>.yaml` and
/// `pipelines/<name>.yaml`, and returns those paths.
pub fn write(draft: &Draft, dir: &Path) -> Result<[PathBuf; 2]> {
    let paths = [
        dir.join(format!("schemas/{}.yaml", draft.name)),
        dir.join(format!("pipelines/{}.yaml", draft.name)),
    ];
    for (path, text) in paths.iter().zip([&draft.schema, &draft.feed]) {
        let io = |source| Error::Io {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(path, text).map_err(io)?;
    }
    Ok(paths)
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
