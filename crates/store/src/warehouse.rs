//! The warehouse: one Delta Lake table per dataset plus pqa's own tables,
//! under one root (a folder or an object-store URL).
//!
//! A run is atomic across tables. Each table commit is atomic on its own
//! (Delta), and the run's last commit — one row appended to `runs`, naming
//! the version of every table — is the run's commit point. Readers use the
//! versions the last completed run names, so a run that fails or is killed
//! part-way is invisible; the next run first restores any table a broken run
//! moved past its recorded version.

use std::collections::BTreeMap;
use std::path::PathBuf;

use arrow::array::RecordBatch;
use chrono::{DateTime, Utc};
use deltalake::datafusion::prelude::{ParquetReadOptions, SessionContext};
use deltalake::operations::write::WriteBuilder;
use deltalake::protocol::SaveMode;
use deltalake::{DeltaTable, DeltaTableBuilder};
use futures::{StreamExt, TryStreamExt};
use tracing::{debug, info, warn};
use url::Url;

use crate::error::{Error, Result};
use crate::records::{RejectRecord, RunRecord, SubmissionRecord};
use crate::stage::StagedFile;

mod dataset;
mod findings;
mod lock;
mod manifest;

pub use findings::FindingRecord;
pub use lock::{Holder, LOCK, WriterLock};
pub use manifest::{CURRENT, Manifest};

/// pqa's table of completed runs: the commit point.
pub const RUNS: &str = "runs";
/// pqa's table of files taken or refused.
pub const SUBMISSIONS: &str = "submissions";
/// pqa's quarantine: every reason a row was refused.
pub const REJECTS: &str = "rejects";
/// The questions each report asked, as it worded them.
pub const FINDINGS: &str = "findings";

/// How many tables are committed (or loaded) at once: enough to overlap one
/// table's file moves and log reads with another's, few enough that the
/// staged files being merged stay a small part of memory.
const TABLES_AT_ONCE: usize = 4;

/// Rows of one dataset written by a run.
#[derive(Debug, Clone)]
pub struct DatasetWrite {
    pub dataset: String,
    /// The accepted rows, staged as Parquet files (see [`crate::stage`]),
    /// one per submission.
    pub files: Vec<StagedFile>,
    /// (feed, period) pairs whose earlier rows these replace.
    pub replaces: Vec<(String, String)>,
}

/// Everything one run writes, committed together by [`Warehouse::commit_run`].
#[derive(Debug, Clone, Default)]
pub struct RunPlan {
    pub run_id: String,
    pub started_at: DateTime<Utc>,
    pub datasets: Vec<DatasetWrite>,
    pub submissions: Vec<SubmissionRecord>,
    pub rejects: Vec<RejectRecord>,
}

/// A warehouse root.
#[derive(Debug, Clone)]
pub struct Warehouse {
    root: Url,
    /// Abort the process after this many table commits: a fault-injection
    /// point for the crash tests, never set in normal use.
    fault_after_commits: Option<usize>,
}

impl Warehouse {
    /// Opens (creating, if it is a local folder) the warehouse at `location`:
    /// a path or a URL.
    pub fn open(location: &str) -> Result<Warehouse> {
        crate::remote::register_object_stores();
        if crate::remote::is_url(location) && !location.starts_with("file://") {
            crate::remote::parse_url(location)?;
        }
        let root = deltalake::ensure_table_uri(location)?;
        let root = if root.path().ends_with('/') {
            root
        } else {
            Url::parse(&format!("{root}/")).map_err(|e| Error::Location(e.to_string()))?
        };
        Ok(Warehouse {
            root,
            fault_after_commits: None,
        })
    }

    /// Makes the process abort after `n` table commits (crash tests only).
    pub fn with_fault_after_commits(mut self, n: Option<usize>) -> Warehouse {
        self.fault_after_commits = n;
        self
    }

    /// The warehouse root as a URL.
    pub fn root(&self) -> &Url {
        &self.root
    }

    fn table_url(&self, name: &str) -> Result<Url> {
        self.root
            .join(&format!("{name}/"))
            .map_err(|e| Error::Location(e.to_string()))
    }

    /// A table at its latest version, or `None` if it does not exist yet.
    async fn latest(&self, name: &str) -> Result<Option<DeltaTable>> {
        let url = self.table_url(name)?;
        // A local folder without a log is no table (yet); asking Delta would log an error.
        if let Ok(path) = url.to_file_path()
            && !path.join("_delta_log").exists()
        {
            return Ok(None);
        }
        let table = DeltaTable::try_from_url(url).await?;
        Ok(table.version().is_some().then_some(table))
    }

    /// A table at its latest version, or an uninitialised one ready for its first write.
    async fn latest_or_new(&self, name: &str) -> Result<DeltaTable> {
        if let Some(table) = self.latest(name).await? {
            return Ok(table);
        }
        let url = self.table_url(name)?;
        if let Ok(path) = url.to_file_path() {
            std::fs::create_dir_all(&path)
                .map_err(|e| Error::Location(format!("cannot create {}: {e}", path.display())))?;
        }
        Ok(DeltaTableBuilder::from_url(url)?.build()?)
    }

    /// Where a run stages its accepted rows before committing them: inside a
    /// local warehouse (the same disk the tables are on), else in the
    /// system's temporary folder.
    pub fn staging_dir(&self, run_id: &str) -> PathBuf {
        match self.root.to_file_path() {
            Ok(root) => root.join("_staging").join(run_id),
            Err(()) => std::env::temp_dir().join(format!("pqa-staging-{run_id}")),
        }
    }

    /// Removes what runs that were killed left in a local warehouse's
    /// staging folder (a half-written Parquet file), keeping `keep`, this
    /// run's own. Called with the writer lock held, so no other run is
    /// staging; a query's scratch folder (`query-…`) is left alone.
    pub fn clean_staging(&self, keep: &str) {
        let Ok(root) = self.root.to_file_path() else {
            return;
        };
        let Ok(entries) = std::fs::read_dir(root.join("_staging")) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name != keep && !name.starts_with("query-") {
                warn!(folder = %name, "removing what a stopped run left in staging");
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }

    /// A table at a given version.
    pub async fn table_at(&self, name: &str, version: u64) -> Result<DeltaTable> {
        Ok(DeltaTableBuilder::from_url(self.table_url(name)?)?
            .with_version(version)
            .load()
            .await?)
    }

    /// The `runs` table at its latest version (it is its own commit point, so
    /// never pinned), or `None` before the first run.
    pub async fn runs_table(&self) -> Result<Option<DeltaTable>> {
        self.latest(RUNS).await
    }

    /// Every completed run, oldest first.
    pub async fn runs(&self) -> Result<Vec<RunRecord>> {
        let Some(table) = self.latest(RUNS).await? else {
            return Ok(vec![]);
        };
        let mut runs = Vec::new();
        for batch in read_all(&table).await? {
            runs.extend(RunRecord::from_batch(&batch)?);
        }
        runs.sort_by_key(|r| r.run_number);
        Ok(runs)
    }

    /// The last completed run, if any.
    pub async fn last_run(&self) -> Result<Option<RunRecord>> {
        Ok(self.runs().await?.pop())
    }

    /// A run by number, or the last run when `number` is `None`.
    pub async fn run(&self, number: Option<i64>) -> Result<Option<RunRecord>> {
        let runs = self.runs().await?;
        match number {
            None => Ok(runs.last().cloned()),
            Some(n) => runs
                .into_iter()
                .find(|r| r.run_number == n)
                .map(Some)
                .ok_or(Error::NoSuchRun(n)),
        }
    }

    /// Every table named by a run, opened at the version the run recorded.
    pub async fn snapshot(&self, run: &RunRecord) -> Result<Vec<(String, DeltaTable)>> {
        futures::stream::iter(&run.tables)
            .map(|(name, version)| async move {
                Ok::<_, Error>((name.clone(), self.table_at(name, *version).await?))
            })
            .buffered(TABLES_AT_ONCE)
            .try_collect()
            .await
    }

    /// Submissions recorded by completed runs.
    pub async fn submissions(&self) -> Result<Vec<SubmissionRecord>> {
        let Some(run) = self.last_run().await? else {
            return Ok(vec![]);
        };
        let Some(version) = run.tables.get(SUBMISSIONS) else {
            return Ok(vec![]);
        };
        let mut out = Vec::new();
        for batch in read_all(&self.table_at(SUBMISSIONS, *version).await?).await? {
            out.extend(SubmissionRecord::from_batch(&batch)?);
        }
        Ok(out)
    }

    /// Commits a run: each dataset's rows (replacing the feed/period pairs
    /// they supersede), the rejects, the submissions, and finally the run
    /// record. Returns the record, or `None` when the plan writes nothing.
    pub async fn commit_run(&self, plan: RunPlan) -> Result<Option<RunRecord>> {
        if plan.submissions.is_empty() {
            return Ok(None);
        }
        let last = self.last_run().await?;
        let mut versions: BTreeMap<String, u64> =
            last.as_ref().map(|r| r.tables.clone()).unwrap_or_default();
        let mut commits = 0;
        let mut replaced_keys: Vec<(String, String)> = Vec::new();

        // Each dataset is its own Delta table, so their commits are
        // independent: a few at a time overlap one table's file moves with
        // another's log write. The run record, written last, is what makes
        // them part of the warehouse's state.
        let recorded_before = versions.clone();
        let mut written = futures::stream::iter(&plan.datasets)
            .map(|write| {
                let recorded = recorded_before.get(&write.dataset).copied();
                async move {
                    let started = std::time::Instant::now();
                    let version = self.write_dataset(write, recorded).await?;
                    debug!(
                        table = %write.dataset,
                        version,
                        ms = started.elapsed().as_millis() as u64,
                        "committed"
                    );
                    Ok::<_, Error>((write, version))
                }
            })
            .buffer_unordered(TABLES_AT_ONCE);
        while let Some((write, version)) = written.try_next().await? {
            versions.insert(write.dataset.clone(), version);
            replaced_keys.extend(write.replaces.iter().cloned());
            self.after_commit(&mut commits);
        }
        if !replaced_keys.is_empty() {
            let batch = RejectRecord::to_batch(&plan.rejects)?;
            let predicate = replace_predicate("feed", "period", &replaced_keys);
            let version = self
                .write(
                    REJECTS,
                    Rows::Batches(vec![batch]),
                    versions.get(REJECTS).copied(),
                    Some(predicate),
                )
                .await?;
            versions.insert(REJECTS.into(), version);
            self.after_commit(&mut commits);
        }
        let batch = SubmissionRecord::to_batch(&plan.submissions)?;
        let version = self
            .write(
                SUBMISSIONS,
                Rows::Batches(vec![batch]),
                versions.get(SUBMISSIONS).copied(),
                None,
            )
            .await?;
        versions.insert(SUBMISSIONS.into(), version);
        self.after_commit(&mut commits);

        let record = RunRecord {
            run_number: last.map_or(1, |r| r.run_number + 1),
            run_id: plan.run_id,
            started_at: plan.started_at,
            finished_at: Utc::now(),
            tables: versions,
        };
        let runs_version = self.latest(RUNS).await?.and_then(|t| t.version());
        self.write(
            RUNS,
            Rows::Batches(vec![record.to_batch()?]),
            runs_version,
            None,
        )
        .await?;
        info!(run = record.run_number, "run committed");
        // For other readers: the versions to open. The run is complete for
        // pqa already; a failure here leaves the run before in the manifest.
        if let Err(e) = self.publish(&record).await {
            warn!(error = %e, "the manifest for other readers was not written; the next run writes it");
        }
        Ok(Some(record))
    }

    fn after_commit(&self, commits: &mut usize) {
        *commits += 1;
        if self.fault_after_commits == Some(*commits) {
            warn!("fault injection: aborting after {commits} table commit(s)");
            std::process::abort();
        }
    }

    /// Writes rows to one table. `recorded` is the version the last completed
    /// run named: a table that has moved past it (a broken run) is restored
    /// first, and a table it does not name is overwritten whole.
    /// `replace` = `Some(predicate)` replaces matching rows; `None` appends.
    async fn write(
        &self,
        name: &str,
        rows: Rows,
        recorded: Option<u64>,
        replace: Option<String>,
    ) -> Result<u64> {
        let mut table = self.latest_or_new(name).await?;
        match (table.version(), recorded) {
            (Some(latest), Some(recorded)) if latest > recorded => {
                warn!(
                    table = name,
                    latest, recorded, "undoing an incomplete run's commit"
                );
                table = table.restore().with_version_to_restore(recorded).await?.0;
            }
            (Some(latest), None) => {
                warn!(
                    table = name,
                    latest, "overwriting a table no completed run recorded"
                );
                let table = write_builder(table, rows)
                    .await?
                    .with_save_mode(SaveMode::Overwrite)
                    .await?;
                return version_of(&table);
            }
            _ => {}
        }
        let exists = table.version().is_some();
        let builder = write_builder(table, rows).await?;
        let table = match replace {
            Some(predicate) if exists => {
                debug!(table = name, %predicate, "replacing rows");
                builder
                    .with_save_mode(SaveMode::Overwrite)
                    .with_replace_where(predicate)
                    .await?
            }
            _ => builder.with_save_mode(SaveMode::Append).await?,
        };
        version_of(&table)
    }
}

/// What a table write takes: batches in memory (pqa's own small tables) or
/// staged Parquet files, which are streamed into the table.
enum Rows {
    Batches(Vec<RecordBatch>),
    Staged(Vec<PathBuf>),
}

async fn write_builder(table: DeltaTable, rows: Rows) -> Result<WriteBuilder> {
    match rows {
        Rows::Batches(batches) => Ok(table.write(batches)),
        Rows::Staged(files) => {
            let ctx = SessionContext::new();
            let paths: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
            let staged = ctx
                .read_parquet(paths, ParquetReadOptions::default())
                .await?;
            // Delta plans and runs the write in its own session (which knows
            // its write nodes); the scan of local files needs nothing more.
            Ok(table
                .write(Vec::<RecordBatch>::new())
                .with_input_plan(staged.logical_plan().clone()))
        }
    }
}

fn version_of(table: &DeltaTable) -> Result<u64> {
    table
        .version()
        .ok_or_else(|| Error::Corrupt("a table has no version after a commit".into()))
}

/// `(feed = 'a' AND period IN ('p1','p2')) OR (…)`: the rows a run replaces.
fn replace_predicate(feed_col: &str, period_col: &str, keys: &[(String, String)]) -> String {
    let mut by_feed: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (feed, period) in keys {
        by_feed.entry(feed).or_default().push(period);
    }
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    by_feed
        .iter()
        .map(|(feed, periods)| {
            let periods: Vec<String> = periods.iter().map(|p| quote(p)).collect();
            format!(
                "({feed_col} = {} AND {period_col} IN ({}))",
                quote(feed),
                periods.join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// Every row of a (small) table: pqa's own tables are read this way.
async fn read_all(table: &DeltaTable) -> Result<Vec<RecordBatch>> {
    let ctx = SessionContext::new();
    table.update_datafusion_session(&ctx.state())?;
    ctx.register_table("t", table.table_provider().await?)?;
    Ok(ctx.sql("SELECT * FROM t").await?.collect().await?)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{AsArray, Int64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Int64Type, Schema, SchemaRef};

    use super::*;
    use crate::stage::Staging;

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("_feed", DataType::Utf8, false),
            Field::new("_period", DataType::Utf8, false),
            Field::new("n", DataType::Int64, true),
        ]))
    }

    /// One submission's rows, staged.
    fn staged(staging: &Staging, feed: &str, period: &str, n: &[i64]) -> StagedFile {
        let batch = RecordBatch::try_new(
            schema(),
            vec![
                Arc::new(StringArray::from(vec![feed; n.len()])),
                Arc::new(StringArray::from(vec![period; n.len()])),
                Arc::new(Int64Array::from(n.to_vec())),
            ],
        )
        .unwrap();
        let mut writer = staging.writer(schema(), &[]).unwrap();
        writer.write(&batch).unwrap();
        writer.finish().unwrap()
    }

    /// A run loading `submissions` ((feed, period, values)) into table `d`.
    async fn commit(warehouse: &Warehouse, submissions: &[(&str, &str, &[i64])]) -> RunRecord {
        let run_id = uuid::Uuid::new_v4().to_string();
        let staging = Staging::create(warehouse.staging_dir(&run_id)).unwrap();
        let files = submissions
            .iter()
            .map(|(feed, period, n)| staged(&staging, feed, period, n))
            .collect();
        let plan = RunPlan {
            run_id: run_id.clone(),
            started_at: Utc::now(),
            datasets: vec![DatasetWrite {
                dataset: "d".into(),
                files,
                replaces: submissions
                    .iter()
                    .map(|(f, p, _)| (f.to_string(), p.to_string()))
                    .collect(),
            }],
            submissions: submissions
                .iter()
                .map(|(feed, period, n)| SubmissionRecord {
                    run_id: run_id.clone(),
                    file: format!("{feed}_{period}.csv"),
                    sha256: format!("{feed}{period}{n:?}"),
                    feed: Some(feed.to_string()),
                    dataset: Some("d".into()),
                    period: Some(period.to_string()),
                    status: "loaded".into(),
                    rows_read: n.len() as i64,
                    rows_accepted: n.len() as i64,
                    rows_rejected: 0,
                    message: None,
                })
                .collect(),
            rejects: vec![],
        };
        warehouse.commit_run(plan).await.unwrap().unwrap()
    }

    /// Table `d` as `run` left it: (feed, period, n), sorted.
    async fn rows(warehouse: &Warehouse, run: &RunRecord) -> Vec<(String, String, i64)> {
        let table = warehouse.table_at("d", run.tables["d"]).await.unwrap();
        let mut out = Vec::new();
        for batch in read_all(&table).await.unwrap() {
            let text = |i: usize| {
                let c = arrow::compute::cast(batch.column(i), &DataType::Utf8).unwrap();
                (0..c.len())
                    .map(|r| c.as_string::<i32>().value(r).to_string())
                    .collect::<Vec<_>>()
            };
            let (feeds, periods) = (text(0), text(1));
            let n = batch.column(2).as_primitive::<Int64Type>();
            for r in 0..batch.num_rows() {
                out.push((feeds[r].clone(), periods[r].clone(), n.value(r)));
            }
        }
        out.sort();
        out
    }

    /// How many `add` and `remove` actions table `d`'s commit `version` holds.
    fn actions(root: &std::path::Path, version: u64) -> (usize, usize) {
        let log =
            std::fs::read_to_string(root.join(format!("d/_delta_log/{version:020}.json"))).unwrap();
        let count = |action: &str| {
            log.lines()
                .filter(|l| l.starts_with(&format!("{{\"{action}\"")))
                .count()
        };
        (count("add"), count("remove"))
    }

    fn row(feed: &str, period: &str, n: i64) -> (String, String, i64) {
        (feed.into(), period.into(), n)
    }

    #[tokio::test]
    async fn resubmissions_remove_whole_files_and_rewrite_only_shared_ones() {
        let dir = tempfile::tempdir().unwrap();
        let warehouse = Warehouse::open(dir.path().to_str().unwrap()).unwrap();

        // One submission: one data file, moved in whole.
        let first = commit(&warehouse, &[("a", "Q1", &[1, 2])]).await;
        assert_eq!(
            rows(&warehouse, &first).await,
            [row("a", "Q1", 1), row("a", "Q1", 2)]
        );
        assert_eq!(actions(dir.path(), 0), (1, 0));

        // Q1 again, with Q2: Q1's file is removed (nothing rewritten) and the
        // two small submissions share one new file.
        let second = commit(&warehouse, &[("a", "Q1", &[3]), ("a", "Q2", &[4])]).await;
        assert_eq!(
            rows(&warehouse, &second).await,
            [row("a", "Q1", 3), row("a", "Q2", 4)]
        );
        assert_eq!(actions(dir.path(), 1), (1, 1));

        // Q2 again: it shares a file with Q1, so that file is rewritten
        // keeping Q1's rows.
        let third = commit(&warehouse, &[("a", "Q2", &[5])]).await;
        assert_eq!(
            rows(&warehouse, &third).await,
            [row("a", "Q1", 3), row("a", "Q2", 5)]
        );

        // A new quarter is outside every file's range: added, nothing removed.
        let fourth = commit(&warehouse, &[("a", "Q3", &[6])]).await;
        assert_eq!(
            rows(&warehouse, &fourth).await,
            [row("a", "Q1", 3), row("a", "Q2", 5), row("a", "Q3", 6)]
        );
        assert_eq!(actions(dir.path(), fourth.tables["d"]), (1, 0));
        // Earlier runs still read as they were.
        assert_eq!(
            rows(&warehouse, &second).await,
            [row("a", "Q1", 3), row("a", "Q2", 4)]
        );
        // Nothing is left in staging.
        let staged = std::fs::read_dir(dir.path().join("_staging")).unwrap();
        assert_eq!(staged.count(), 0);
    }

    #[test]
    fn predicate_groups_periods_by_feed_and_quotes() {
        let keys = vec![
            ("b".to_string(), "2024/25-Q1".to_string()),
            ("a".to_string(), "2024/25-Q2".to_string()),
            ("b".to_string(), "2024/25-Q2".to_string()),
            ("o'k".to_string(), "x".to_string()),
        ];
        assert_eq!(
            replace_predicate("_feed", "_period", &keys),
            "(_feed = 'a' AND _period IN ('2024/25-Q2')) OR (_feed = 'b' AND _period IN ('2024/25-Q1', '2024/25-Q2')) OR (_feed = 'o''k' AND _period IN ('x'))"
        );
    }
}
