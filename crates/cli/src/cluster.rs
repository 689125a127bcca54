//! `pqa cluster`: a Ballista scheduler or executor
//! (`pqa_query::processes`), for `--engine ballista://host:port`. Built only
//! with the `ballista` feature.

use std::path::PathBuf;

use anyhow::Result;
use pqa_query::processes;

/// Runs a scheduler on `bind:port` until stopped.
pub async fn scheduler(bind: &str, port: u16) -> Result<()> {
    processes::scheduler(bind, port, |address| {
        println!(
            "Ballista scheduler listening on {address}: query it with --engine ballista://{address}"
        )
    })
    .await?;
    Ok(())
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
pub async fn executor(o: ExecutorOptions) -> Result<()> {
    println!(
        "Ballista executor on {}:{} taking work from {}",
        o.bind, o.port, o.scheduler
    );
    let executor = processes::Executor {
        scheduler: o.scheduler,
        bind: o.bind,
        port: o.port,
        grpc_port: o.grpc_port,
        tasks: o.tasks,
        work_dir: o.work_dir,
    };
    processes::executor(executor).await?;
    Ok(())
}
