//! Where queries run: in this process (DataFusion), or on a Ballista cluster
//! for partnerships that pool data (`--engine ballista://host:port`).
//!
//! The SQL is the same either way; what differs is how tables are handed to
//! the engine. Locally each dataset is a Delta table provider. A cluster's
//! executors are other processes, so every table must be something they can
//! read for themselves: a dataset becomes a Parquet listing of the data files
//! of the table version being read, and the small in-memory tables
//! (`periods`, `partnership`, datasets with no data yet) are written as
//! Parquet files beside the warehouse for the life of the session. The
//! warehouse must therefore be a folder every executor can read (the same
//! machine, or a shared mount).

use std::str::FromStr;

use crate::error::{Error, Result};

/// Where queries run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Engine {
    /// DataFusion in this process.
    #[default]
    Local,
    /// A Ballista cluster: its scheduler's `host:port`.
    Ballista(String),
}

impl FromStr for Engine {
    type Err = Error;

    fn from_str(text: &str) -> Result<Engine> {
        if text == "local" {
            return Ok(Engine::Local);
        }
        match text.strip_prefix("ballista://") {
            Some(address) if address.contains(':') && !address.contains('/') => {
                Ok(Engine::Ballista(address.to_string()))
            }
            _ => Err(Error::Engine(format!(
                "`{text}` is not an engine: use `local` or `ballista://host:port` (a Ballista scheduler)"
            ))),
        }
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Engine::Local => write!(f, "local"),
            Engine::Ballista(address) => write!(f, "ballista://{address}"),
        }
    }
}

#[cfg(feature = "ballista")]
pub(crate) mod cluster {
    use std::path::PathBuf;
    use std::sync::Arc;

    use arrow::array::RecordBatch;
    use ballista::prelude::{SessionConfigExt, SessionContextExt};
    use datafusion::datasource::file_format::parquet::ParquetFormat;
    use datafusion::datasource::listing::{
        ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
    };
    use datafusion::execution::SessionStateBuilder;
    use datafusion::parquet::arrow::ArrowWriter;
    use datafusion::prelude::{SessionConfig, SessionContext};
    use pqa_store::DeltaTable;

    use crate::error::{Error, Result};

    /// A session whose queries run on the cluster at `address`.
    pub(crate) async fn session(address: &str) -> Result<SessionContext> {
        let unreachable = |e: &dyn std::fmt::Display| {
            Error::Engine(format!(
                "cannot reach the Ballista scheduler at {address}: {e} (is `pqa cluster scheduler` running there?)"
            ))
        };
        // The client connects lazily; ask now, so the error names the scheduler.
        tokio::net::TcpStream::connect(address)
            .await
            .map_err(|e| unreachable(&e))?;
        let config = SessionConfig::new_with_ballista().with_information_schema(true);
        let state = SessionStateBuilder::new()
            .with_config(config)
            .with_default_features()
            .build();
        SessionContext::remote_with_state(&format!("df://{address}"), state)
            .await
            .map_err(|e| {
                Error::Engine(format!(
                    "cannot reach the Ballista scheduler at {address}: {e}"
                ))
            })
    }

    /// Registers a Delta table's data files (at the version loaded) as a
    /// Parquet listing the executors read themselves. A table version with
    /// no files is registered as an empty file of its schema.
    pub(crate) async fn register_delta(
        ctx: &SessionContext,
        name: &str,
        table: &DeltaTable,
        scratch: &Scratch,
    ) -> Result<()> {
        let schema = table.table_provider().await?.schema();
        let files: Vec<String> = table.get_file_uris()?.collect();
        if files.is_empty() {
            let empty = RecordBatch::new_empty(schema);
            return register_batch(ctx, name, &empty, scratch);
        }
        let urls = files
            .iter()
            .map(ListingTableUrl::parse)
            .collect::<datafusion::error::Result<Vec<_>>>()?;
        let options =
            ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
        let config = ListingTableConfig::new_with_multi_paths(urls)
            .with_listing_options(options)
            .with_schema(schema);
        ctx.register_table(name, Arc::new(ListingTable::try_new(config)?))?;
        Ok(())
    }

    /// Registers a small in-memory table by way of a Parquet file in `scratch`.
    pub(crate) fn register_batch(
        ctx: &SessionContext,
        name: &str,
        batch: &RecordBatch,
        scratch: &Scratch,
    ) -> Result<()> {
        let path = scratch.dir.join(format!("{name}.parquet"));
        let io = |e: std::io::Error| Error::Engine(format!("{}: {e}", path.display()));
        let file = std::fs::File::create(&path).map_err(io)?;
        let mut writer = ArrowWriter::try_new(file, batch.schema(), None)
            .map_err(|e| Error::Engine(e.to_string()))?;
        writer
            .write(batch)
            .map_err(|e| Error::Engine(e.to_string()))?;
        writer.close().map_err(|e| Error::Engine(e.to_string()))?;
        let url = ListingTableUrl::parse(path.to_string_lossy())?;
        let config = ListingTableConfig::new(url)
            .with_listing_options(ListingOptions::new(Arc::new(ParquetFormat::default())))
            .with_schema(batch.schema());
        ctx.register_table(name, Arc::new(ListingTable::try_new(config)?))?;
        Ok(())
    }

    /// A folder for the session's small tables, removed with the session.
    #[derive(Debug)]
    pub(crate) struct Scratch {
        dir: PathBuf,
    }

    impl Scratch {
        pub(crate) fn create(dir: PathBuf) -> Result<Scratch> {
            std::fs::create_dir_all(&dir)
                .map_err(|e| Error::Engine(format!("{}: {e}", dir.display())))?;
            Ok(Scratch { dir })
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_are_local_or_a_ballista_scheduler() {
        assert_eq!("local".parse::<Engine>().unwrap(), Engine::Local);
        assert_eq!(
            "ballista://10.0.0.5:50050".parse::<Engine>().unwrap(),
            Engine::Ballista("10.0.0.5:50050".into())
        );
        for bad in [
            "ballista://",
            "ballista://host",
            "spark://h:1",
            "ballista://h:1/x",
        ] {
            let err = bad.parse::<Engine>().unwrap_err().to_string();
            assert!(err.contains("ballista://host:port"), "{bad}: {err}");
        }
        assert_eq!(Engine::Ballista("h:1".into()).to_string(), "ballista://h:1");
    }
}
