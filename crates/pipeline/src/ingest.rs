//! Ingest: every file in the inbox is claimed by a feed, read, checked and
//! staged; then the whole run is committed at once, and the outcome of
//! every file (with its rejected rows) comes back for the caller to show.
//!
//! Nothing is written until every file has been read, so a run that fails
//! part-way changes nothing. Files refused whole (no feed, no period, no
//! header, competing with another for the same period) are reported,
//! recorded in `submissions` with the reason (once for the same file and
//! reason) and tried again next run; their rows are not stored.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::Utc;
use pqa_core::config::Privacy;
use pqa_core::{FeedSpec, Period, Project};
use pqa_ingest::{
    Claim, Claims, MapSummary, PseudonymKey, Submission, ingest_file, list_inbox, sha256_file,
};
use pqa_report::validation::{FileValidation, RowProblem, Validation};
use pqa_store::{
    DatasetWrite, RejectRecord, RunPlan, StagedFile, Staging, SubmissionRecord, Warehouse,
};
use tracing::{info, warn};

use crate::error::{Error, Result};

/// What became of one file (one per feed, for a workbook several feeds read).
pub struct FileOutcome {
    /// Its path in the inbox (or the published folder as pqa.yaml names it).
    pub file: String,
    /// The feed that claimed it, if one did.
    pub feed: Option<String>,
    /// The period it is for, if that could be told.
    pub period: Option<Period>,
    pub status: Status,
}

/// Whether a file was loaded, already there, or refused.
pub enum Status {
    /// Rows taken (some may be rejected); `superseded_by` the file of this
    /// run that replaces it by the feed's resubmission rule.
    Staged {
        mapped: MapSummary,
        staged: Box<StagedFile>,
        sha256: String,
        superseded_by: Option<String>,
        replaces_earlier: bool,
    },
    AlreadyLoaded,
    /// Refused whole: nothing of it is stored. `mapped` when its rows were
    /// read (their counts and rejects are reported), `sha256` when the file
    /// was read at all.
    Refused {
        reason: String,
        sha256: Option<String>,
        mapped: Option<Box<MapSummary>>,
    },
}

/// What an ingest did: every file's outcome, in the inbox's order, the run
/// committed (`None` when there was nothing new), and the validation report.
pub struct IngestRun {
    pub outcomes: Vec<FileOutcome>,
    pub record: Option<pqa_store::RunRecord>,
    /// The validation report's HTML (`latest.html` under `out/validation`).
    pub validation: PathBuf,
}

/// An ingest's rows and files, added up: rows read = accepted + rejected
/// + in refused files.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub rows_read: usize,
    pub rows_accepted: usize,
    pub rows_rejected: usize,
    /// Rows read in files refused whole (none of them stored).
    pub rows_in_refused: usize,
    /// Rows feeds' `keep_rows` left out (other areas' rows), not read.
    pub rows_left_out: usize,
    /// Submissions by [`Status::key`].
    pub by_status: BTreeMap<&'static str, usize>,
    /// Files read: fewer than submissions when several feeds read one workbook.
    pub files: usize,
    pub submissions: usize,
}

impl IngestRun {
    /// The rows and files of the run, added up.
    pub fn totals(&self) -> Totals {
        let mut t = Totals {
            submissions: self.outcomes.len(),
            files: self
                .outcomes
                .iter()
                .map(|o| o.file.as_str())
                .collect::<HashSet<_>>()
                .len(),
            ..Totals::default()
        };
        for o in &self.outcomes {
            *t.by_status.entry(o.status.key()).or_default() += 1;
            let Some(mapped) = o.rows() else { continue };
            t.rows_read += mapped.rows_read;
            t.rows_left_out += mapped.rows_left_out;
            if matches!(o.status, Status::Refused { .. }) {
                t.rows_in_refused += mapped.rows_read;
            } else {
                t.rows_accepted += mapped.rows_accepted();
                t.rows_rejected += mapped.rows_rejected;
            }
        }
        t
    }

    /// Files refused whole (for the exit code).
    pub fn refused_files(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| matches!(o.status, Status::Refused { .. }))
            .count()
    }
}

/// What a front end is told as files are read (a progress bar).
pub trait Progress: Sync {
    /// Reading starts: this many files.
    fn start(&self, files: usize);
    /// A file is being read.
    fn reading(&self, file: &str);
    /// A file has been read.
    fn read(&self);
    /// Every file has been read.
    fn finish(&self);
}

/// No progress shown.
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: usize) {}
    fn reading(&self, _: &str) {}
    fn read(&self) {}
    fn finish(&self) {}
}

/// Ingests the inbox (a folder, or an s3://, az:// or gs:// URL): reads
/// every file, commits the run, writes the validation report under `out`,
/// and returns what became of each file. `on_wait` is told when another
/// run holds the warehouse's writer lock.
pub async fn ingest(
    project: &Project,
    warehouse: &Warehouse,
    inbox: &str,
    progress: &dyn Progress,
    on_wait: impl Fn(&pqa_store::Holder),
) -> Result<IngestRun> {
    let started_at = Utc::now();
    let run_id = uuid::Uuid::new_v4().to_string();
    // One writer at a time, from the start: another run's files are read
    // as loaded once it has committed, so the same file is never taken
    // twice, and what a killed run left in staging can be cleared.
    let lock = warehouse
        .lock("pqa ingest", crate::LOCK_PATIENCE, on_wait)
        .await?;
    warehouse.clean_staging(&run_id);
    warehouse.repair_manifest().await?;
    let key = PseudonymKey::from_settings(&project.file.privacy, &project.root)?;
    if key.as_ref().is_some_and(|k| k.is_sample) {
        warn!("using the public sample pseudonymisation key: for synthetic sample data only");
    }
    // Accepted rows go to disk as they are read, not to memory; the folder
    // goes when the run ends, committed or not. An inbox in an object store
    // is first copied there too, so it is read like a local one.
    let staging = Staging::create(warehouse.staging_dir(&run_id))?;
    let local_inbox = if pqa_store::is_url(inbox) {
        let copy = staging.dir().join("inbox");
        let copied = pqa_store::download_inbox(inbox, &copy)
            .await
            .map_err(|e| Error::from(e).while_(format!("copying the inbox {inbox}")))?;
        info!(files = copied, "copied the inbox from its object store");
        copy
    } else {
        PathBuf::from(inbox)
    };
    let claims = Claims::new(&project.feeds)?;
    let files = files_to_read(project, &local_inbox, &claims)?;
    // One read of what earlier runs took (only files taken are recorded): by
    // (feed, SHA-256), so the same file adds nothing, and by (feed, period), so
    // a new file for a period already loaded is a resubmission.
    let earlier = warehouse.submissions().await?;
    let (taken, refused_before): (Vec<SubmissionRecord>, Vec<SubmissionRecord>) =
        earlier.into_iter().partition(|s| s.status != REFUSED);
    let known: HashMap<(String, String), (String, String)> = taken
        .iter()
        .filter_map(|s| {
            Some((
                (s.feed.clone()?, s.sha256.clone()),
                (s.file.clone(), s.period.clone()?),
            ))
        })
        .collect();
    let loaded_before: HashSet<(String, String)> = taken
        .into_iter()
        .filter_map(|s| Some((s.feed?, s.period?)))
        .collect();
    let refused_before: HashSet<(String, String, String)> = refused_before
        .into_iter()
        .map(|s| (s.file, s.sha256, s.message.unwrap_or_default()))
        .collect();

    progress.start(files.len());
    let reading = Reading {
        project,
        claims: &claims,
        known: &known,
        loaded_before: &loaded_before,
        staging: &staging,
        run_id: &run_id,
        started_at,
        key: key.as_ref(),
    };
    let mut outcomes = read_all(&files, progress, |file| reading.read(file))?;
    progress.finish();
    refuse_copies(&mut outcomes);
    settle_competing(project, &mut outcomes);

    let plan = plan(project, &outcomes, run_id, started_at, &refused_before);
    let committed = warehouse.commit_run(plan).await;
    lock.release().await?;
    let record =
        committed.map_err(|e| Error::from(e).while_("committing the run to the warehouse"))?;
    drop(staging);
    let out = project.path(&project.file.out).join("validation");
    let validation = write_validation(&out, &outcomes, record.as_ref(), inbox)?;
    Ok(IngestRun {
        outcomes,
        record,
        validation,
    })
}

/// What reading a file needs to know of the run.
struct Reading<'a> {
    project: &'a Project,
    claims: &'a Claims<'a>,
    /// (feed, SHA-256) of every file earlier runs took, and its name and
    /// period then.
    known: &'a HashMap<(String, String), (String, String)>,
    /// (feed, period) of every submission earlier runs took.
    loaded_before: &'a HashSet<(String, String)>,
    staging: &'a Staging,
    run_id: &'a str,
    started_at: chrono::DateTime<Utc>,
    key: Option<&'a PseudonymKey>,
}

impl Reading<'_> {
    /// Claims, reads, checks and stages one file: one outcome, or one per
    /// feed when several feeds read their own sheets of a workbook.
    fn read(&self, file: &FileToRead) -> Result<Vec<FileOutcome>> {
        if let Some(why) = &file.refused {
            return Ok(vec![refused(&file.name, why)]);
        }
        let claim = if file.published {
            self.claims.claim_published(&file.matched_as)
        } else {
            self.claims.claim(&file.matched_as)
        };
        let sha256 = sha256_file(&file.path)?;
        let outcomes = match claim {
            Claim::Unclaimed => vec![
                refused(
                    &file.name,
                    "no feed claims this file (check `files:` in pipelines/*.yaml)",
                )
                .read_as(&sha256),
            ],
            Claim::Ambiguous(feeds) => vec![
                refused(
                    &file.name,
                    &format!(
                        "claimed by more than one feed ({}): make their `files:` patterns \
                         distinct (feeds may share a workbook when each names its own `sheet:`)",
                        feeds.join(", ")
                    ),
                )
                .read_as(&sha256),
            ],
            Claim::Feed(feed) => vec![self.read_for(file, feed, &sha256)?],
            Claim::Sheets(feeds) => feeds
                .into_iter()
                .map(|feed| self.read_for(file, feed, &sha256))
                .collect::<Result<_>>()?,
        };
        info!(file = %file.name, "read");
        Ok(outcomes)
    }

    /// Reads `file` for one feed that claims it: its period, whether it was
    /// taken before, then its rows.
    fn read_for(&self, file: &FileToRead, feed: &FeedSpec, sha256: &str) -> Result<FileOutcome> {
        let period = match feed.period.period_of(&file.name, feed.frequency) {
            Err(why) => {
                return Ok(refused(&file.name, &why)
                    .read_as(sha256)
                    .of(&feed.feed, None));
            }
            Ok(period) => period,
        };
        Ok(
            match self.known.get(&(feed.feed.clone(), sha256.to_string())) {
                Some((_, then)) if *then == period.to_string() => FileOutcome {
                    file: file.name.clone(),
                    feed: Some(feed.feed.clone()),
                    period: Some(period),
                    status: Status::AlreadyLoaded,
                },
                // The same bytes as another period's file: that file sent
                // again under a new name, not this period's.
                Some((name, then)) => refused(
                    &file.name,
                    &format!(
                        "the same file (identical bytes) was loaded as {name} for {then}: \
                         this is probably that file sent again under a new name, not \
                         {period}'s"
                    ),
                )
                .read_as(sha256)
                .of(&feed.feed, Some(period)),
                None => self.stage(file, feed, period, sha256.to_string())?,
            },
        )
    }

    /// Maps a claimed file's rows into staging; the outcome says what was
    /// accepted, or why nothing was.
    fn stage(
        &self,
        file: &FileToRead,
        feed: &FeedSpec,
        period: Period,
        sha256: String,
    ) -> Result<FileOutcome> {
        let schema = self
            .project
            .schema(&feed.dataset)
            .expect("feeds are validated against schemas");
        let submission = Submission {
            feed,
            schema,
            file: file.name.clone(),
            sha256: sha256.clone(),
            period,
            run_id: self.run_id.to_string(),
            ingested_at: self.started_at,
            key: self.key,
        };
        // Pseudonyms are (nearly) all different: written without a dictionary.
        // (Months of birth and postcode sectors repeat: they keep theirs.)
        let distinct: Vec<String> = feed
            .columns
            .iter()
            .filter(|(_, spec)| spec.privacy == Some(Privacy::Pseudonymise))
            .map(|(name, _)| name.clone())
            .collect();
        let mut writer = self.staging.writer(schema.arrow_schema(), &distinct)?;
        let mapped = ingest_file(&file.path, &submission, &mut |batch| {
            writer
                .write(&batch)
                .map_err(|e| pqa_ingest::Error::File(format!("cannot stage the rows: {e}")))
        });
        let staged = writer.finish()?;
        let refused = |why: &str| {
            refused(&file.name, why)
                .read_as(&sha256)
                .of(&feed.feed, Some(period))
        };
        Ok(match mapped {
            Ok(mapped) if mapped.rows_accepted() == 0 => refused(&format!(
                "no rows accepted ({} read, {} rejected); the previous figures for this \
                 period are kept",
                mapped.rows_read, mapped.rows_rejected
            ))
            .with_rows(mapped),
            Ok(mapped) => FileOutcome {
                file: file.name.clone(),
                feed: Some(feed.feed.clone()),
                period: Some(period),
                status: Status::Staged {
                    mapped,
                    staged: Box::new(staged),
                    sha256,
                    superseded_by: None,
                    replaces_earlier: self
                        .loaded_before
                        .contains(&(feed.feed.clone(), period.to_string())),
                },
            },
            Err(e) => refused(&e.to_string()),
        })
    }
}

/// Files are read a few at a time: most are small, and one thread per file
/// leaves the other core idle (a large file also spreads its own rows over
/// the cores). The largest files are taken first, so the run does not end
/// waiting on one large file begun last. Outcomes come back in the files'
/// order; the first error stops the reading.
fn read_all(
    files: &[FileToRead],
    progress: &dyn Progress,
    read: impl Fn(&FileToRead) -> Result<Vec<FileOutcome>> + Sync,
) -> Result<Vec<FileOutcome>> {
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_cached_key(|&i| {
        std::cmp::Reverse(std::fs::metadata(&files[i].path).map_or(0, |m| m.len()))
    });
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failed = std::sync::atomic::AtomicBool::new(false);
    let slots: Vec<std::sync::Mutex<Option<Result<Vec<FileOutcome>>>>> =
        files.iter().map(|_| std::sync::Mutex::new(None)).collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                use std::sync::atomic::Ordering::Relaxed;
                while !failed.load(Relaxed) {
                    let Some(&i) = order.get(next.fetch_add(1, Relaxed)) else {
                        break;
                    };
                    let file = &files[i];
                    progress.reading(&file.name);
                    let outcome = read(file);
                    failed.fetch_or(outcome.is_err(), Relaxed);
                    *slots[i].lock().expect("no reader panicked") = Some(outcome);
                    progress.read();
                }
            });
        }
    });
    // Files are taken in `order` and each taken is finished, so every file
    // taken before the first failure has its outcome: that failure is
    // reported.
    let mut outcomes: Vec<Option<Vec<FileOutcome>>> = files.iter().map(|_| None).collect();
    for &i in &order {
        match slots[i].lock().expect("no reader panicked").take() {
            Some(outcome) => outcomes[i] = Some(outcome?),
            None => unreachable!("{} was taken, so it was read", files[i].name),
        }
    }
    Ok(outcomes
        .into_iter()
        .flat_map(|outcome| outcome.expect("every file was read"))
        .collect())
}

/// A file to read: from the inbox, or from the published-statistics folder.
struct FileToRead {
    path: std::path::PathBuf,
    /// How summaries and lineage name it: its path in the inbox, or the
    /// published folder as pqa.yaml names it joined with its path there.
    name: String,
    /// The path feeds' `files:` globs are matched against.
    matched_as: String,
    published: bool,
    /// Why it is not read (a link leading out of the inbox).
    refused: Option<String>,
}

/// Every file in the inbox, then the files in the published folder (if
/// pqa.yaml names one) that a `when_published` feed claims. Other files in
/// the published folder are not ours to read and are left alone.
fn files_to_read(project: &Project, inbox: &Path, claims: &Claims) -> Result<Vec<FileToRead>> {
    let mut files: Vec<FileToRead> = list_inbox(inbox)
        .map_err(|e| Error::from(e).while_(format!("reading the inbox {}", inbox.display())))?
        .into_iter()
        .map(|f| FileToRead {
            path: f.path,
            name: f.name.clone(),
            matched_as: f.name,
            published: false,
            refused: f.refused,
        })
        .collect();
    if let Some(folder) = &project.file.published {
        let root = project.path(folder);
        if !root.is_dir() {
            warn!(folder = %root.display(), "the published statistics folder named in pqa.yaml is not there: benchmarks are not loaded");
            return Ok(files);
        }
        for f in list_inbox(&root)? {
            if matches!(claims.claim_published(&f.name), Claim::Unclaimed) {
                continue;
            }
            files.push(FileToRead {
                path: f.path,
                name: format!("{}/{}", folder.trim_end_matches('/'), f.name),
                matched_as: f.name,
                published: true,
                refused: f.refused,
            });
        }
    }
    Ok(files)
}

/// Writes the run's validation report as `latest.csv` and `latest.html`, and
/// keeps a copy per committed run (`run-3.csv`, `run-3.html`).
fn write_validation(
    dir: &Path,
    outcomes: &[FileOutcome],
    record: Option<&pqa_store::RunRecord>,
    inbox: &str,
) -> Result<std::path::PathBuf> {
    let files = outcomes
        .iter()
        .map(|o| {
            let (counts, mut problems, sheet) = match o.rows() {
                Some(mapped) => (
                    [
                        Some(mapped.rows_read),
                        Some(mapped.rows_accepted()),
                        Some(mapped.rows_rejected),
                    ],
                    mapped
                        .rejects
                        .iter()
                        .map(|r| RowProblem {
                            row: r.row,
                            column: r.column.clone(),
                            rule: r.rule.clone(),
                            message: r.message.clone(),
                        })
                        .collect::<Vec<_>>(),
                    mapped.sheet.clone(),
                ),
                None => ([None; 3], vec![], None),
            };
            if let Some(mapped) = o.rows() {
                problems.extend(mapped.skipped.iter().map(|(row, text)| RowProblem {
                    row: *row,
                    column: None,
                    rule: "skipped".into(),
                    message: format!("starts with \"{}\": not data", pqa_ingest::shortened(text)),
                }));
            }
            FileValidation {
                file: o.file.clone(),
                sheet,
                feed: o.feed.clone(),
                period: o.period.map(|p| p.to_string()),
                status: status_text(&o.status),
                rows_read: counts[0],
                rows_accepted: counts[1],
                rows_rejected: counts[2],
                problems,
            }
        })
        .collect();
    let title = match record {
        Some(r) => format!(
            "Validation report: ingest run {} of {}",
            r.run_number, inbox
        ),
        None => format!(
            "Validation report: ingest of {} (nothing new committed)",
            inbox
        ),
    };
    let validation = Validation { title, files };
    let (csv, html) = (
        pqa_report::validation::to_csv(&validation)?,
        pqa_report::validation::to_html(&validation)?,
    );
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut names = vec!["latest".to_string()];
    names.extend(record.map(|r| format!("run-{}", r.run_number)));
    for name in names {
        std::fs::write(dir.join(format!("{name}.csv")), &csv).map_err(io)?;
        std::fs::write(dir.join(format!("{name}.html")), &html).map_err(io)?;
    }
    Ok(dir.join("latest.html"))
}

/// A rejected row, in words: "row 9, column plan_start (type): …".
pub fn describe_reject(r: &pqa_ingest::Reject) -> String {
    match &r.column {
        Some(c) => format!("row {}, column {} ({}): {}", r.row, c, r.rule, r.message),
        None => format!("row {} ({}): {}", r.row, r.rule, r.message),
    }
}

/// What became of a file, in words.
pub fn status_text(status: &Status) -> String {
    match status {
        Status::Staged {
            superseded_by: Some(by),
            ..
        } => format!("superseded by {by} (the feed's resubmission rule)"),
        Status::Staged {
            replaces_earlier: true,
            ..
        } => "replaced the earlier submission for this period".into(),
        Status::Staged { .. } => "loaded".into(),
        Status::AlreadyLoaded => "already loaded: nothing to add".into(),
        Status::Refused { reason, .. } => format!("REFUSED: {reason}"),
    }
}

impl Status {
    /// What became of the file, in a word or two: loaded, replaced,
    /// superseded, already loaded or refused.
    pub fn key(&self) -> &'static str {
        match self {
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
        }
    }
}

/// The status `submissions` records for a file refused whole.
const REFUSED: &str = "refused";

impl FileOutcome {
    /// The file's rows as read, if they were: staged, or read and then
    /// refused.
    pub fn rows(&self) -> Option<&MapSummary> {
        match &self.status {
            Status::Staged { mapped, .. } => Some(mapped),
            Status::Refused {
                mapped: Some(mapped),
                ..
            } => Some(mapped),
            _ => None,
        }
    }

    /// A refused file, once read: its SHA-256.
    fn read_as(mut self, sha: &str) -> FileOutcome {
        if let Status::Refused { sha256, .. } = &mut self.status {
            *sha256 = Some(sha.to_string());
        }
        self
    }

    /// A refused file, claimed by `feed` (for `period`, if known).
    fn of(self, feed: &str, period: Option<Period>) -> FileOutcome {
        FileOutcome {
            feed: Some(feed.to_string()),
            period,
            ..self
        }
    }

    /// A refused file whose rows were read: its counts are reported, and
    /// the first rejects say why none was accepted.
    fn with_rows(mut self, rows: MapSummary) -> FileOutcome {
        if let Status::Refused { reason, mapped, .. } = &mut self.status {
            if rows.rows_accepted() == 0 && !rows.rejects.is_empty() {
                let detail: Vec<String> =
                    rows.rejects.iter().take(5).map(describe_reject).collect();
                reason.push_str(&format!("\n      {}", detail.join("\n      ")));
            }
            *mapped = Some(Box::new(rows));
        }
        self
    }

    /// Refuses a file that was staged, keeping what was read of it.
    fn refuse(&mut self, why: String) {
        let status = std::mem::replace(&mut self.status, Status::AlreadyLoaded);
        self.status = match status {
            Status::Staged { mapped, sha256, .. } => Status::Refused {
                reason: why,
                sha256: Some(sha256),
                mapped: Some(Box::new(mapped)),
            },
            other => other,
        };
    }
}

fn refused(file: &str, reason: &str) -> FileOutcome {
    FileOutcome {
        file: file.into(),
        feed: None,
        period: None,
        status: Status::Refused {
            reason: reason.into(),
            sha256: None,
            mapped: None,
        },
    }
}

/// The files staged in this run, grouped by `key`: only groups of two or
/// more, each in the files' order.
fn staged_groups<K: Ord>(
    outcomes: &[FileOutcome],
    key: impl Fn(&FileOutcome, &str) -> Option<K>,
) -> Vec<Vec<usize>> {
    let mut groups: BTreeMap<K, Vec<usize>> = BTreeMap::new();
    for (i, o) in outcomes.iter().enumerate() {
        if let Status::Staged { sha256, .. } = &o.status
            && let Some(k) = key(o, sha256)
        {
            groups.entry(k).or_default().push(i);
        }
    }
    groups.into_values().filter(|g| g.len() > 1).collect()
}

/// The names of the files `group` holds other than `i`.
fn others(outcomes: &[FileOutcome], group: &[usize], i: usize) -> String {
    group
        .iter()
        .filter(|&&j| j != i)
        .map(|&j| outcomes[j].file.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The same bytes twice for one feed in one run (under other names, for
/// other periods) are refused together: which of them is right cannot be
/// told, and loading each would count the same rows more than once.
fn refuse_copies(outcomes: &mut [FileOutcome]) {
    let groups = staged_groups(outcomes, |o, sha| Some((o.feed.clone()?, sha.to_string())));
    for group in groups {
        for &i in &group {
            let why = format!(
                "the same file (identical bytes) is also in the inbox as {}: \
                 each is refused, as the same rows would be loaded more than once; \
                 keep the one whose name is right",
                others(outcomes, &group, i)
            );
            outcomes[i].refuse(why);
        }
    }
}

/// Several files for one feed and period in one run: the feed's
/// resubmission rule (`source.resubmission`) may name one the newest,
/// which replaces the others; otherwise they are refused together, never
/// chosen between by name order or time.
fn settle_competing(project: &Project, outcomes: &mut [FileOutcome]) {
    let groups = staged_groups(outcomes, |o, _| Some((o.feed.clone()?, o.period?)));
    for group in groups {
        let feed = project
            .feeds
            .iter()
            .find(|f| Some(&f.feed) == outcomes[group[0]].feed.as_ref())
            .expect("claimed by a known feed");
        let versions: Vec<u64> = group
            .iter()
            .map(|&i| feed.source.version_of(&outcomes[i].file))
            .collect();
        let newest = versions.iter().copied().max().unwrap_or(0);
        let at_newest: Vec<usize> = group
            .iter()
            .zip(&versions)
            .filter(|(_, v)| **v == newest)
            .map(|(&i, _)| i)
            .collect();
        if let [winner] = at_newest[..] {
            let name = outcomes[winner].file.clone();
            for &i in group.iter().filter(|&&i| i != winner) {
                if let Status::Staged { superseded_by, .. } = &mut outcomes[i].status {
                    *superseded_by = Some(name.clone());
                }
            }
            continue;
        }
        let period = outcomes[group[0]].period.expect("grouped by period");
        let how = match &feed.source.resubmission {
            Some(rule) => format!("name the newer by the feed's resubmission rule (`{rule}`)"),
            None => "give the feed a `resubmission:` rule (e.g. \"_resubmitted\") under `source:`"
                .to_string(),
        };
        for &i in &group {
            let why = format!(
                "another file in this run is also for {period}: {}; pqa does not choose \
                 between them by name or date: remove the one that is wrong, or {how}",
                others(outcomes, &group, i)
            );
            outcomes[i].refuse(why);
        }
    }
}

/// The run's writes: each dataset's surviving rows and what they replace,
/// their rejects, and a submission record for every file taken and every
/// file refused (a refusal once: the same file refused again for the same
/// reason adds nothing, so a run with nothing new commits nothing).
fn plan(
    project: &Project,
    outcomes: &[FileOutcome],
    run_id: String,
    started_at: chrono::DateTime<Utc>,
    refused_before: &HashSet<(String, String, String)>,
) -> RunPlan {
    let mut plan = RunPlan {
        run_id: run_id.clone(),
        started_at,
        ..RunPlan::default()
    };
    let mut datasets: BTreeMap<String, DatasetWrite> = BTreeMap::new();
    for o in outcomes {
        if let Status::Refused {
            reason,
            sha256,
            mapped,
        } = &o.status
        {
            let sha256 = sha256.clone().unwrap_or_default();
            if refused_before.contains(&(o.file.clone(), sha256.clone(), reason.clone())) {
                continue;
            }
            let dataset = o.feed.as_ref().and_then(|name| {
                project
                    .feeds
                    .iter()
                    .find(|f| &f.feed == name)
                    .map(|f| f.dataset.clone())
            });
            let count = |n: Option<usize>| n.unwrap_or(0) as i64;
            plan.submissions.push(SubmissionRecord {
                run_id: run_id.clone(),
                file: o.file.clone(),
                sha256,
                feed: o.feed.clone(),
                dataset,
                period: o.period.map(|p| p.to_string()),
                status: REFUSED.into(),
                rows_read: count(mapped.as_ref().map(|m| m.rows_read)),
                rows_accepted: count(mapped.as_ref().map(|m| m.rows_accepted())),
                rows_rejected: count(mapped.as_ref().map(|m| m.rows_rejected)),
                message: Some(reason.clone()),
            });
            continue;
        }
        let (
            Status::Staged {
                mapped,
                staged,
                sha256,
                superseded_by,
                replaces_earlier,
            },
            Some(feed_name),
            Some(period),
        ) = (&o.status, &o.feed, o.period)
        else {
            continue;
        };
        let superseded = superseded_by.is_some();
        let feed = project
            .feeds
            .iter()
            .find(|f| &f.feed == feed_name)
            .expect("claimed by a known feed");
        let status = match (superseded, *replaces_earlier) {
            (true, _) => "superseded",
            (false, true) => "replaced",
            (false, false) => "loaded",
        };
        plan.submissions.push(SubmissionRecord {
            run_id: run_id.clone(),
            file: o.file.clone(),
            sha256: sha256.clone(),
            feed: Some(feed.feed.clone()),
            dataset: Some(feed.dataset.clone()),
            period: Some(period.to_string()),
            status: status.into(),
            rows_read: mapped.rows_read as i64,
            rows_accepted: mapped.rows_accepted() as i64,
            rows_rejected: mapped.rows_rejected as i64,
            message: (!mapped.unused_headers.is_empty())
                .then(|| format!("headers not loaded: {}", mapped.unused_headers.join(", "))),
        });
        if superseded {
            continue;
        }
        let write = datasets
            .entry(feed.dataset.clone())
            .or_insert_with(|| DatasetWrite {
                dataset: feed.dataset.clone(),
                files: vec![],
                replaces: vec![],
            });
        write.files.push(StagedFile::clone(staged));
        write.replaces.push((feed.feed.clone(), period.to_string()));
        plan.rejects
            .extend(mapped.rejects.iter().map(|r| RejectRecord {
                run_id: run_id.clone(),
                feed: feed.feed.clone(),
                period: period.to_string(),
                file: o.file.clone(),
                sha256: sha256.clone(),
                sheet: mapped.sheet.clone(),
                source_row: r.row as i64,
                column_name: r.column.clone(),
                rule: r.rule.clone(),
                message: r.message.clone(),
            }));
    }
    plan.datasets = datasets.into_values().collect();
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(n: usize) -> Vec<FileToRead> {
        (0..n)
            .map(|i| FileToRead {
                path: PathBuf::from(format!("f{i}.csv")),
                name: format!("f{i}.csv"),
                matched_as: format!("f{i}.csv"),
                published: false,
                refused: None,
            })
            .collect()
    }

    #[test]
    fn outcomes_come_back_in_the_files_order() {
        let files = files(200);
        let outcomes = read_all(&files, &Silent, |f| {
            // Uneven work, so threads finish out of order.
            std::thread::sleep(std::time::Duration::from_micros(
                (f.name.len() % 3) as u64 * 50,
            ));
            Ok(vec![refused(&f.name, "test")])
        })
        .unwrap();
        let names: Vec<_> = outcomes.iter().map(|o| o.file.as_str()).collect();
        let expected: Vec<_> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, expected);
    }

    #[test]
    fn the_first_failure_in_the_files_order_is_reported() {
        let files = files(100);
        let error = read_all(&files, &Silent, |f| match f.name.as_str() {
            "f40.csv" | "f41.csv" => Err(Error::Ingest(pqa_ingest::Error::File(format!(
                "cannot read {}",
                f.name
            )))),
            _ => Ok(vec![refused(&f.name, "test")]),
        })
        .err()
        .expect("a failure");
        assert_eq!(error.to_string(), "cannot read f40.csv");
    }

    #[test]
    fn the_largest_files_are_read_first() {
        let dir = tempfile::tempdir().unwrap();
        // f0.csv is 1 byte, f19.csv 20 bytes.
        let files: Vec<FileToRead> = files(20)
            .into_iter()
            .enumerate()
            .map(|(i, f)| {
                let path = dir.path().join(&f.name);
                std::fs::write(&path, "x".repeat(i + 1)).unwrap();
                FileToRead { path, ..f }
            })
            .collect();
        let started = std::sync::Mutex::new(Vec::new());
        let outcomes = read_all(&files, &Silent, |f| {
            started.lock().unwrap().push(f.name.clone());
            if f.name == "f3.csv" || f.name == "f12.csv" {
                return Err(Error::Ingest(pqa_ingest::Error::File(format!(
                    "cannot read {}",
                    f.name
                ))));
            }
            Ok(vec![refused(&f.name, "test")])
        });
        // The failure reported is the first in the order the files are
        // taken (largest first), not in the files' order.
        assert_eq!(outcomes.err().unwrap().to_string(), "cannot read f12.csv");
        let started = started.into_inner().unwrap();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let largest: Vec<String> = (20 - threads.min(20)..20)
            .map(|i| format!("f{i}.csv"))
            .collect();
        assert!(largest.contains(&started[0]), "{started:?}");
    }
}
