//! What other readers open. pqa itself reads each table at the version the
//! last completed run recorded in `runs`, so a run killed between its table
//! commits is invisible to it. DuckDB, Python's `deltalake`, Power BI or
//! Fabric opening a table at its latest version could see such a partial
//! run; so after each run commits, pqa writes `_pqa_current.json` at the
//! warehouse's root (one object, replaced whole) naming the run and the
//! version of every table it left, and keeps a copy per run in
//! `_pqa_runs/run-N.json`. A reader opens each table at the version the
//! manifest names, and sees a completed run, never part of one:
//!
//! ```python
//! import json, deltalake
//! current = json.load(open("warehouse/_pqa_current.json"))
//! plans = deltalake.DeltaTable("warehouse/cp_plans", version=current["tables"]["cp_plans"])
//! ```
//!
//! If a run is killed after recording itself in `runs` but before writing
//! the manifest, the manifest still names the run before (complete too);
//! the next run writes it again first.

use object_store::{ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};

use super::Warehouse;
use crate::error::Result;
use crate::records::RunRecord;

/// The manifest's name at the warehouse's root.
pub const CURRENT: &str = "_pqa_current.json";

/// A completed run, as other readers read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub run: i64,
    pub finished_at: String,
    /// Table → the Delta version to open.
    pub tables: std::collections::BTreeMap<String, u64>,
    pub how_to_read: String,
}

impl Manifest {
    fn of(run: &RunRecord) -> Manifest {
        Manifest {
            run: run.run_number,
            finished_at: run.finished_at.to_rfc3339(),
            tables: run.tables.clone(),
            how_to_read: "Open each table at the version named here (Python: \
                          deltalake.DeltaTable(path, version=v)); a table's latest version \
                          may hold part of a run that did not complete."
                .into(),
        }
    }
}

impl Warehouse {
    /// Writes the manifest of `run` (and its copy under `_pqa_runs/`).
    pub(crate) async fn publish(&self, run: &RunRecord) -> Result<()> {
        let body = serde_json::to_vec_pretty(&Manifest::of(run)).expect("a manifest serialises");
        let (store, per_run) = self.at_root(&format!("_pqa_runs/run-{}.json", run.run_number))?;
        store.put(&per_run, PutPayload::from(body.clone())).await?;
        let (store, current) = self.at_root(CURRENT)?;
        store.put(&current, PutPayload::from(body)).await?;
        Ok(())
    }

    /// The manifest other readers read, if one has been written.
    pub async fn manifest(&self) -> Result<Option<Manifest>> {
        let (store, current) = self.at_root(CURRENT)?;
        match store.get(&current).await {
            Ok(got) => Ok(serde_json::from_slice(&got.bytes().await?).ok()),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes the manifest again when the last run completed without one
    /// (killed after recording itself): called at the start of a run.
    pub async fn repair_manifest(&self) -> Result<()> {
        let Some(last) = self.last_run().await? else {
            return Ok(());
        };
        if self
            .manifest()
            .await?
            .is_none_or(|m| m.run != last.run_number)
        {
            self.publish(&last).await?;
        }
        Ok(())
    }
}
