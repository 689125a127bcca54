//! Committing a dataset's staged files: each becomes one data file of the
//! table, moved in (not copied) and recorded with its add action, in one
//! Delta commit that also removes the files holding the submissions it
//! replaces. The rows are never read back or encoded a second time; only a
//! file shared with other submissions goes through Delta's own writer.

use std::io::Read;

use chrono::Utc;
use deltalake::DeltaTable;
use deltalake::kernel::engine::arrow_conversion::TryIntoKernel;
use deltalake::kernel::transaction::CommitBuilder;
use deltalake::kernel::{Action, Add, StructType};
use deltalake::protocol::{DeltaOperation, SaveMode};
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use tracing::{debug, warn};

use super::{DatasetWrite, Rows, Warehouse, replace_predicate, version_of};
use crate::error::{Error, Result};
use crate::stage::StagedFile;

impl Warehouse {
    /// Commits a dataset's staged files. Each holds one submission (feed,
    /// period) and becomes one data file of the table: moved in, not copied,
    /// and recorded in the Delta log in one commit that also removes the files
    /// holding the submissions it replaces. A run's small submissions of the
    /// dataset are first written as one file (see
    /// [`crate::stage::SMALL_FILE_ROWS`]). Replacing a
    /// submission that shares a file with others is left to Delta's
    /// replace-where, which rewrites that file.
    pub(super) async fn write_dataset(
        &self,
        write: &DatasetWrite,
        recorded: Option<u64>,
    ) -> Result<u64> {
        let name = &write.dataset;
        let files = crate::stage::data_files(&write.files)?;
        let paths = || Rows::Staged(files.iter().map(|f| f.path.clone()).collect());
        let predicate = replace_predicate("_feed", "_period", &write.replaces);
        let table = match self.at_recorded(name, recorded).await? {
            Recorded::Table(table) => table,
            Recorded::Unrecorded => {
                return self.write(name, paths(), None, Some(predicate)).await;
            }
        };
        let removed = match table.version() {
            None => vec![],
            Some(version) => match files_holding(&table, &write.replaces)? {
                Some(files) => files,
                None => {
                    debug!(table = %name, "a data file mixes submissions: replacing through Delta");
                    return self
                        .write(name, paths(), Some(version), Some(predicate))
                        .await;
                }
            },
        };
        let store = table.log_store().object_store(None);
        let mut moved = Vec::new();
        let committed = match self
            .move_all_into(name, &files, store.as_ref(), &mut moved)
            .await
        {
            Ok(added) => commit(&table, &files, added, removed, predicate).await,
            Err(e) => Err(e),
        };
        if committed.is_err() {
            forget(store.as_ref(), &moved).await;
        }
        committed
    }

    /// Moves staged files into a table, naming each in `moved` as it goes
    /// (so that a failure can take them out again), and returns their `add`
    /// actions.
    async fn move_all_into(
        &self,
        table: &str,
        files: &[StagedFile],
        store: &dyn ObjectStore,
        moved: &mut Vec<String>,
    ) -> Result<Vec<Add>> {
        let mut added = Vec::new();
        for staged in files {
            let file = format!("part-00000-{}-c000.snappy.parquet", uuid::Uuid::new_v4());
            let size = std::fs::metadata(&staged.path)
                .map_err(|e| Error::Location(format!("{}: {e}", staged.path.display())))?
                .len();
            moved.push(file.clone());
            self.move_into(table, &staged.path, &file, store).await?;
            added.push(Add {
                path: file,
                size: size as i64,
                partition_values: Default::default(),
                modification_time: Utc::now().timestamp_millis(),
                data_change: true,
                stats: Some(staged.stats.clone()),
                tags: None,
                deletion_vector: None,
                base_row_id: None,
                default_row_commit_version: None,
                clustering_provider: None,
            });
        }
        Ok(added)
    }

    /// Moves a staged file into a table as `file`: renamed within a local
    /// warehouse (staging is on the same disk), uploaded to an object store.
    async fn move_into(
        &self,
        table: &str,
        staged: &std::path::Path,
        file: &str,
        store: &dyn ObjectStore,
    ) -> Result<()> {
        let failed = |e: std::io::Error| Error::Location(format!("{}: {e}", staged.display()));
        if let Ok(dir) = self.table_url(table)?.to_file_path() {
            let to = dir.join(file);
            if std::fs::rename(staged, &to).is_err() {
                std::fs::copy(staged, &to).map_err(failed)?;
            }
            return Ok(());
        }
        let upload = store
            .put_multipart(&object_store::path::Path::from(file))
            .await?;
        let mut writer = WriteMultipart::new(upload);
        let mut from = std::fs::File::open(staged).map_err(failed)?;
        let mut chunk = vec![0; 8 << 20];
        loop {
            let n = from.read(&mut chunk).map_err(failed)?;
            if n == 0 {
                break;
            }
            writer.wait_for_capacity(4).await?;
            writer.write(&chunk[..n]);
        }
        writer.finish().await?;
        Ok(())
    }

    /// A table as the last completed run left it: one that has moved past
    /// the recorded version (a broken run) is restored to it first.
    async fn at_recorded(&self, name: &str, recorded: Option<u64>) -> Result<Recorded> {
        let table = self.latest_or_new(name).await?;
        match (table.version(), recorded) {
            (Some(latest), Some(recorded)) if latest > recorded => {
                warn!(
                    table = name,
                    latest, recorded, "undoing an incomplete run's commit"
                );
                Ok(Recorded::Table(
                    table.restore().with_version_to_restore(recorded).await?.0,
                ))
            }
            (Some(_), None) => Ok(Recorded::Unrecorded),
            _ => Ok(Recorded::Table(table)),
        }
    }
}

/// One commit adding files to a table (creating it, the first time) and
/// removing the files they replace; returns the table's new version.
async fn commit(
    table: &DeltaTable,
    files: &[StagedFile],
    added: Vec<Add>,
    removed: Vec<deltalake::kernel::Remove>,
    predicate: String,
) -> Result<u64> {
    let added = added.into_iter().map(Action::Add);
    if table.version().is_none() {
        let schema: StructType = files
            .first()
            .ok_or_else(|| Error::Corrupt("a table written with no files".into()))?
            .schema
            .as_ref()
            .try_into_kernel()
            .map_err(deltalake::DeltaTableError::from)?;
        let created = table
            .create()
            .with_columns(schema.fields().cloned())
            .with_actions(added)
            .await?;
        return version_of(&created);
    }
    let operation = DeltaOperation::Write {
        mode: if removed.is_empty() {
            SaveMode::Append
        } else {
            SaveMode::Overwrite
        },
        partition_by: None,
        predicate: Some(predicate),
    };
    let actions = added
        .chain(removed.into_iter().map(Action::Remove))
        .collect();
    let committed = CommitBuilder::default()
        .with_actions(actions)
        .build(Some(table.snapshot()?), table.log_store(), operation)
        .await?;
    Ok(committed.version())
}

/// A table as [`Warehouse::at_recorded`] finds it.
enum Recorded {
    /// At the version the last completed run recorded (or new).
    Table(DeltaTable),
    /// There, but no completed run recorded it: it is overwritten whole.
    Unrecorded,
}

/// The `remove` actions for the table's files that hold the replaced
/// (feed, period) pairs, or `None` if a file holding several submissions
/// might hold one of them among others (or has no statistics to say), so
/// that only rewriting it would do.
fn files_holding(
    table: &DeltaTable,
    replaces: &[(String, String)],
) -> Result<Option<Vec<deltalake::kernel::Remove>>> {
    let mut removed = Vec::new();
    for file in table.snapshot()?.log_data().iter() {
        let ranges = file.stats().and_then(|stats| {
            Some((
                crate::stats::text_range(&stats, "_feed")?,
                crate::stats::text_range(&stats, "_period")?,
            ))
        });
        let Some((feeds, periods)) = ranges else {
            return Ok(None);
        };
        let within = |(low, high): &(String, String), value: &String| low <= value && value <= high;
        let touched = replaces
            .iter()
            .any(|(feed, period)| within(&feeds, feed) && within(&periods, period));
        if !touched {
            continue;
        }
        if feeds.0 != feeds.1 || periods.0 != periods.1 {
            return Ok(None);
        }
        removed.push(file.remove_action(true));
    }
    Ok(Some(removed))
}

/// Deletes files moved into a table for a commit that did not happen (they
/// are not in its log, so no reader sees them; this only tidies).
async fn forget(store: &dyn ObjectStore, files: &[String]) {
    for file in files {
        let _ = store
            .delete(&object_store::path::Path::from(file.as_str()))
            .await;
    }
}
