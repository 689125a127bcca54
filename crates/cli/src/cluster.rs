//! `pqa cluster`: the processes of a Ballista cluster, for partnerships that
//! pool data and query it with `--engine ballista://host:port`. A scheduler
//! plans each query into stages; executors run them, reading the warehouse's
//! Parquet files themselves (so the warehouse must be a folder every executor
//! can read). Built only with the `ballista` feature.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;

/// Runs a scheduler on `bind:port` until stopped.
pub async fn scheduler(bind: &str, port: u16) -> Result<()> {
    let address: SocketAddr = format!("{bind}:{port}")
        .parse()
        .with_context(|| format!("`{bind}:{port}` is not an address to listen on"))?;
    let config = SchedulerConfig {
        bind_host: bind.to_string(),
        bind_port: port,
        external_host: bind.to_string(),
        ..SchedulerConfig::default()
    };
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .context("setting up the scheduler")?;
    println!(
        "Ballista scheduler listening on {address}: query it with --engine ballista://{address}"
    );
    start_server(cluster, address, Arc::new(config))
        .await
        .context("running the scheduler")
}

/// What an executor is told on the command line.
#[derive(Debug, clap::Args)]
pub struct ExecutorOptions {
    /// The scheduler's host:port.
    #[arg(long, default_value = "127.0.0.1:50050")]
    scheduler: String,
    /// The address to listen on (other executors fetch results from it).
    #[arg(long, default_value = "127.0.0.1")]
    bind: String,
    /// The Arrow Flight port (results are fetched from it).
    #[arg(long, default_value_t = 50051)]
    port: u16,
    /// The gRPC port (the scheduler sends tasks to it).
    #[arg(long, default_value_t = 50052)]
    grpc_port: u16,
    /// Tasks run at once (default: the number of cores).
    #[arg(long)]
    tasks: Option<usize>,
    /// Where intermediate results are kept (default: a temporary folder).
    #[arg(long)]
    work_dir: Option<PathBuf>,
}

/// Runs an executor that takes work from the scheduler until stopped.
pub async fn executor(options: ExecutorOptions) -> Result<()> {
    let (scheduler_host, scheduler_port) = options
        .scheduler
        .rsplit_once(':')
        .and_then(|(host, port)| Some((host.to_string(), port.parse::<u16>().ok()?)))
        .with_context(|| format!("`{}` is not a scheduler's host:port", options.scheduler))?;
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
    println!(
        "Ballista executor on {}:{} taking work from {}",
        config.bind_host, config.port, options.scheduler
    );
    start_executor_process(Arc::new(config))
        .await
        .context("running the executor")
}
