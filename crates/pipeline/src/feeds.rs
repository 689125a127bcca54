//! The data officer's feed tools as data: drafts left unanswered and files
//! claimed twice (`pqa feeds check`), one file run through a feed without
//! the warehouse (`try`), every feed's `expect:` blocks (`test`), and a
//! draft feed and schema from a sample file (`new`, in [`draft`]).

pub mod draft;

use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use chrono::Utc;
use pqa_core::schema::LINEAGE_COLUMNS;
use pqa_core::{FeedSpec, Period, Project};
use pqa_ingest::{Claim, Claims, Mapped, PseudonymKey, Submission, ingest_bytes, list_inbox};

use crate::{Error, Result};

/// Every value still `TODO` (as `pqa feeds new` drafts them) in the
/// project's feeds and schemas, as `file:line:column: …`.
pub fn unanswered_todos(root: &Path) -> Result<Vec<String>> {
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
            let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
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

/// Which feed claims each file in the project's inbox.
#[derive(Debug)]
pub struct InboxCheck {
    pub inbox: PathBuf,
    /// How many files it holds; `None` when the folder is not there yet.
    pub files: Option<usize>,
    /// Files no feed claims.
    pub unclaimed: Vec<String>,
    /// Files more than one feed claims, with those feeds.
    pub ambiguous: Vec<(String, Vec<String>)>,
}

/// Checks the project's inbox: a file two feeds claim is an error (listed
/// in `ambiguous`), a file no feed claims is reported.
pub fn check_inbox(project: &Project) -> Result<InboxCheck> {
    let inbox = project.path(&project.file.inbox);
    let mut check = InboxCheck {
        inbox,
        files: None,
        unclaimed: Vec::new(),
        ambiguous: Vec::new(),
    };
    let Ok(files) = list_inbox(&check.inbox) else {
        return Ok(check);
    };
    check.files = Some(files.len());
    let claims = Claims::new(&project.feeds)?;
    for file in &files {
        match claims.claim(&file.name) {
            Claim::Feed(_) | Claim::Sheets(_) => {}
            Claim::Unclaimed => check.unclaimed.push(file.name.clone()),
            Claim::Ambiguous(feeds) => check.ambiguous.push((
                file.name.clone(),
                feeds.iter().map(|f| f.to_string()).collect(),
            )),
        }
    }
    Ok(check)
}

/// The feed named `name`, or an error listing the feeds there are.
pub fn find_feed<'a>(project: &'a Project, name: &str) -> Result<&'a FeedSpec> {
    project
        .feeds
        .iter()
        .find(|f| f.feed == name)
        .ok_or_else(|| {
            let known: Vec<&str> = project.feeds.iter().map(|f| f.feed.as_str()).collect();
            Error::Invalid(pqa_core::config::no_such(
                "feed",
                name,
                &known,
                "pipelines/",
            ))
        })
}

/// Runs one file through a feed, in memory only, as the period its name
/// says (or `period`).
pub fn try_file(
    project: &Project,
    feed: &FeedSpec,
    file: &Path,
    period: Option<Period>,
) -> Result<Mapped> {
    let bytes = std::fs::read(file).map_err(|source| Error::Io {
        path: file.to_path_buf(),
        source,
    })?;
    let name = file.to_string_lossy().replace('\\', "/");
    let period = match period {
        Some(p) => p,
        None => feed
            .period
            .period_of(&name, feed.frequency)
            .map_err(|why| Error::Invalid(format!("{name}: {why}; or give one with --period")))?,
    };
    let key = PseudonymKey::from_settings(&project.file.privacy, &project.root)?;
    let schema = project
        .schema(&feed.dataset)
        .expect("feeds are validated against schemas");
    let submission = Submission {
        feed,
        schema,
        file: name,
        sha256: pqa_ingest::sha256_hex(&bytes),
        period,
        run_id: "try".into(),
        ingested_at: Utc::now(),
        key: key.as_ref(),
    };
    Ok(ingest_bytes(&bytes, &submission)?)
}

/// The rows as they would be stored, without pqa's lineage columns.
pub fn stored_rows(mapped: &Mapped) -> Result<RecordBatch> {
    let data_columns: Vec<usize> = (0..mapped.batch.num_columns())
        .filter(|i| !LINEAGE_COLUMNS.contains(&mapped.batch.schema().field(*i).name().as_str()))
        .collect();
    Ok(mapped.batch.project(&data_columns)?)
}

/// Every row as it would be stored (empty values left out), every reject
/// and skipped row, and the counts, for a script or another tool to compare
/// with what the file should hold.
pub fn as_json(mapped: &Mapped) -> Result<serde_json::Value> {
    let mut writer = arrow::json::ArrayWriter::new(Vec::new());
    writer.write(&stored_rows(mapped)?)?;
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
    Ok(serde_json::json!({
        "sheet": mapped.sheet,
        "rows_read": mapped.rows_read,
        "rows_accepted": mapped.rows_accepted(),
        "rows_rejected": mapped.rows_rejected,
        "rows": rows,
        "rejects": rejects,
        "skipped": skipped,
        "unused_headers": mapped.unused_headers,
        "rows_left_out": mapped.rows_left_out,
    }))
}

/// One feed's `expect:` blocks, run.
#[derive(Debug)]
pub struct FeedTest {
    pub feed: String,
    /// Empty when the feed has no `expect:` block.
    pub expectations: Vec<Expectation>,
}

/// One known file, and how its counts compared with the expected ones.
#[derive(Debug)]
pub struct Expectation {
    pub file: String,
    pub outcome: Outcome,
}

/// How an expected file loaded.
#[derive(Debug)]
pub enum Outcome {
    /// Every count given was met: rows read, accepted, rejected.
    Passed([usize; 3]),
    /// Counts that differ, each as "rows_read 12, expected 10".
    Differs(Vec<String>),
    /// The file could not be run through the feed.
    Failed(String),
}

impl Outcome {
    pub fn passed(&self) -> bool {
        matches!(self, Outcome::Passed(_))
    }
}

/// Runs every feed's `expect:` blocks: known files and the counts they must give.
pub fn test(project: &Project) -> Vec<FeedTest> {
    project
        .feeds
        .iter()
        .map(|feed| FeedTest {
            feed: feed.feed.clone(),
            expectations: feed
                .expect
                .iter()
                .map(|expect| {
                    let path = project.path(&expect.file);
                    let outcome = match try_file(project, feed, &path, expect.period) {
                        Err(e) => Outcome::Failed(e.to_string()),
                        Ok(m) => {
                            let got = [m.rows_read, m.rows_accepted(), m.rows_rejected];
                            let wanted =
                                [expect.rows_read, expect.rows_accepted, expect.rows_rejected];
                            let differs: Vec<String> =
                                ["rows_read", "rows_accepted", "rows_rejected"]
                                    .iter()
                                    .zip(got.iter().zip(wanted))
                                    .filter_map(|(name, (g, w))| {
                                        w.filter(|w| w != g)
                                            .map(|w| format!("{name} {g}, expected {w}"))
                                    })
                                    .collect();
                            if differs.is_empty() {
                                Outcome::Passed(got)
                            } else {
                                Outcome::Differs(differs)
                            }
                        }
                    };
                    Expectation {
                        file: expect.file.clone(),
                        outcome,
                    }
                })
                .collect(),
        })
        .collect()
}
