//! The processes of a Ballista cluster (`pqa cluster`), for partnerships
//! that pool data and query it with `--engine ballista://host:port`. A
//! scheduler plans each query into stages; executors run them, reading the
//! warehouse's Parquet files themselves (so the warehouse must be a folder
//! every executor can read). Built only with the `ballista` feature.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;

use crate::{Error, Result};

/// Runs a scheduler on `bind:port` until stopped, calling `listening` with
/// its address once it is set up.
pub async fn scheduler(bind: &str, port: u16, listening: impl FnOnce(SocketAddr)) -> Result<()> {
    let address: SocketAddr = format!("{bind}:{port}")
        .parse()
        .map_err(|_| Error::Engine(format!("`{bind}:{port}` is not an address to listen on")))?;
    let config = SchedulerConfig {
        bind_host: bind.to_string(),
        bind_port: port,
        external_host: bind.to_string(),
        ..SchedulerConfig::default()
    };
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|e| Error::Engine(format!("setting up the scheduler: {e}")))?;
    listening(address);
    start_server(cluster, address, Arc::new(config))
        .await
        .map_err(|e| Error::Engine(format!("running the scheduler: {e}")))
}

/// Where an executor listens, and which scheduler it takes work from.
#[derive(Debug, Clone)]
pub struct Executor {
    /// The scheduler's host:port.
    pub scheduler: String,
    /// The address to listen on (other executors fetch results from it).
    pub bind: String,
    /// The Arrow Flight port (results are fetched from it).
    pub port: u16,
    /// The gRPC port (the scheduler sends tasks to it).
    pub grpc_port: u16,
    /// Tasks run at once (`None`: the number of cores).
    pub tasks: Option<usize>,
    /// Where intermediate results are kept (`None`: a temporary folder).
    pub work_dir: Option<PathBuf>,
}

/// Runs an executor that takes work from its scheduler until stopped.
pub async fn executor(options: Executor) -> Result<()> {
    let (scheduler_host, scheduler_port) = options
        .scheduler
        .rsplit_once(':')
        .and_then(|(host, port)| Some((host.to_string(), port.parse::<u16>().ok()?)))
        .ok_or_else(|| {
            Error::Engine(format!(
                "`{}` is not a scheduler's host:port",
                options.scheduler
            ))
        })?;
    let defaults = ExecutorProcessConfig::default();
    let config = ExecutorProcessConfig {
        bind_host: options.bind.clone(),
        external_host: Some(options.bind),
        port: options.port,
        grpc_port: options.grpc_port,
        scheduler_host,
        scheduler_port,
        // Wait for a scheduler that is still starting rather than fail at once.
        scheduler_connect_timeout_seconds: 30,
        vcores: options.tasks.unwrap_or(defaults.vcores),
        work_dir: options.work_dir.map(|d| d.to_string_lossy().into_owned()),
        print_thread_info: false,
        ..defaults
    };
    start_executor_process(Arc::new(config))
        .await
        .map_err(|e| Error::Engine(format!("running the executor: {e}")))
}
