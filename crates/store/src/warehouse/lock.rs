//! One writer at a time. A run that writes the warehouse (an ingest, or a
//! report storing its questions) first creates `_pqa_writer.lock` at the
//! warehouse's root with a conditional put that fails if the object exists
//! (a local file created only if absent; S3's `If-None-Match`; Azure's and
//! Google's equivalents), so two processes on any machines cannot both hold
//! it. A second run waits for the first to finish, saying so, and then reads
//! what the first committed; it gives up with a clear message after a while.
//!
//! A lock left by a run on this machine whose process has gone (killed, or
//! the machine restarted) is taken over; one left by another machine is
//! named in the message with how to remove it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions};
use serde::{Deserialize, Serialize};
use tracing::warn;

use super::Warehouse;
use crate::error::{Error, Result};

/// The lock's name at the warehouse's root.
pub const LOCK: &str = "_pqa_writer.lock";

/// How often a waiting run looks again.
const POLL: Duration = Duration::from_millis(250);

/// Who holds the lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub host: String,
    pub pid: u32,
    /// When it took the lock, e.g. `2026-12-06 03:10 UTC`.
    pub since: String,
    /// What the holder is doing, e.g. `pqa ingest`.
    pub doing: String,
}

impl Holder {
    fn me(doing: &str) -> Holder {
        Holder {
            host: host_name(),
            pid: std::process::id(),
            since: Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
            doing: doing.to_string(),
        }
    }

    /// A holder on this machine whose process is no longer running.
    fn is_gone(&self) -> bool {
        self.host == host_name() && !process_alive(self.pid)
    }
}

/// The warehouse's writer lock, held until released (or the process ends:
/// then the next run on this machine takes it over).
pub struct WriterLock {
    store: Arc<dyn ObjectStore>,
    path: StorePath,
    released: bool,
}

impl WriterLock {
    /// Lets the next writer in.
    pub async fn release(mut self) -> Result<()> {
        self.released = true;
        self.store.delete(&self.path).await?;
        Ok(())
    }
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        if !self.released {
            // An error path: the lock is left, and the next run on this
            // machine sees its process gone and takes it over.
            warn!("the warehouse's writer lock was not released");
        }
    }
}

impl Warehouse {
    /// The object store holding the warehouse's root, and the path of
    /// `name` at the root in it.
    pub(crate) fn at_root(&self, name: &str) -> Result<(Arc<dyn ObjectStore>, StorePath)> {
        match self.root().to_file_path() {
            Ok(dir) => {
                std::fs::create_dir_all(&dir).map_err(|e| {
                    Error::Location(format!("cannot create {}: {e}", dir.display()))
                })?;
                let store = LocalFileSystem::new_with_prefix(&dir)?;
                Ok((Arc::new(store), StorePath::from(name)))
            }
            Err(()) => {
                let (store, prefix) = crate::remote::store_for(self.root())?;
                Ok((store, prefix.clone().join(name)))
            }
        }
    }

    /// Takes the writer lock for `doing` (e.g. `pqa ingest`), waiting up to
    /// `patience` for another run to finish; `say` is told once when it
    /// has to wait, and who it is waiting for.
    pub async fn lock(
        &self,
        doing: &str,
        patience: Duration,
        say: impl Fn(&Holder),
    ) -> Result<WriterLock> {
        let (store, path) = self.at_root(LOCK)?;
        let me = serde_json::to_vec(&Holder::me(doing)).expect("a holder serialises");
        let started = Instant::now();
        let mut told = false;
        loop {
            let create = PutOptions {
                mode: PutMode::Create,
                ..PutOptions::default()
            };
            match store.put_opts(&path, me.clone().into(), create).await {
                Ok(_) => {
                    return Ok(WriterLock {
                        store,
                        path,
                        released: false,
                    });
                }
                Err(object_store::Error::AlreadyExists { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            let holder = match store.get(&path).await {
                Ok(got) => serde_json::from_slice::<Holder>(&got.bytes().await?).ok(),
                // Released between our put and our read: try again at once.
                Err(object_store::Error::NotFound { .. }) => continue,
                Err(e) => return Err(e.into()),
            };
            if let Some(h) = &holder
                && h.is_gone()
            {
                warn!(
                    pid = h.pid,
                    "taking over a writer lock left by a run that has stopped"
                );
                let _ = store.delete(&path).await;
                continue;
            }
            if !told {
                if let Some(h) = &holder {
                    say(h);
                }
                told = true;
            }
            if started.elapsed() > patience {
                return Err(Error::Busy(match holder {
                    Some(h) => format!(
                        "another run is writing this warehouse ({} on {}, process {}, since {}); \
                         waited {} s. If no run is going on (it was stopped on another machine), \
                         remove {} at the warehouse's root",
                        h.doing,
                        h.host,
                        h.pid,
                        h.since,
                        patience.as_secs(),
                        LOCK
                    ),
                    None => format!(
                        "another run is writing this warehouse; waited {} s. If no run is going \
                         on, remove {LOCK} at the warehouse's root",
                        patience.as_secs()
                    ),
                }));
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "this machine".into())
}

/// Whether a process with this id is running here.
fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        std::path::Path::new(&format!("/proc/{pid}")).exists()
    } else {
        // Without /proc, assume it is: the message says how to clear it.
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_writer_waits_and_a_stopped_one_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let w = Warehouse::open(dir.path().to_str().unwrap()).unwrap();
        let first = w
            .lock("pqa ingest", Duration::from_secs(5), |_| {})
            .await
            .unwrap();
        // A second writer gives up after its patience, naming the first.
        let err = w
            .lock("pqa ingest", Duration::from_millis(300), |_| {})
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("another run is writing") && err.contains("pqa ingest"),
            "{err}"
        );
        first.release().await.unwrap();
        let again = w
            .lock("pqa report", Duration::from_secs(1), |_| {})
            .await
            .unwrap();
        again.release().await.unwrap();
        // A lock whose process has gone is taken over.
        let gone = Holder {
            pid: u32::MAX - 1,
            ..Holder::me("pqa ingest")
        };
        std::fs::write(dir.path().join(LOCK), serde_json::to_vec(&gone).unwrap()).unwrap();
        let taken = w
            .lock("pqa ingest", Duration::from_millis(300), |_| {})
            .await
            .unwrap();
        taken.release().await.unwrap();
        assert!(!dir.path().join(LOCK).exists());
    }
}
