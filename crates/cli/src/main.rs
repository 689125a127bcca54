//! `pqa`: the partnership's data pipeline, from agency files to the PQA report.
//!
//! A thin binary: it parses arguments, sets up logging and progress, and wires
//! the libraries together (pqa-ingest → pqa-store → pqa-query → pqa-report).

mod audit;
#[cfg(feature = "ballista")]
mod cluster;
mod feeds;
mod ingest;
mod output;
mod report;
mod trends;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use pqa_core::{Period, Project};
use pqa_query::Engine;
use pqa_store::Warehouse;
use tracing_subscriber::EnvFilter;

/// mimalloc instead of the system allocator: ingest allocates each cell's
/// text on the reading thread and frees it on a mapping thread, and glibc's
/// malloc spent a fifth of a national-size ingest doing that (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Performance and Quality Assurance data pipeline for a Safeguarding Children Partnership.
///
/// Drop agencies' files in the inbox named in pqa.yaml, then `pqa run`: every
/// file is checked against its feed (pipelines/*.yaml), loaded into the
/// warehouse, and the six-monthly report is written to the out folder.
#[derive(Debug, Parser)]
#[command(name = "pqa", version, about, long_about = None, after_help = AFTER_HELP)]
struct Cli {
    /// The project file naming the partnership, inbox and warehouse.
    #[arg(long, global = true, default_value = "pqa.yaml", value_name = "FILE")]
    project: PathBuf,

    /// Use this warehouse (a folder or s3://, az://, gs:// URL) instead of the
    /// one named in pqa.yaml.
    #[arg(long, global = true, value_name = "LOCATION")]
    warehouse: Option<String>,

    /// Where queries run: `local`, or `ballista://host:port` for a Ballista
    /// scheduler (`pqa cluster`; needs the `ballista` build feature).
    #[arg(long, global = true, default_value = "local", value_name = "ENGINE")]
    engine: Engine,

    /// Show more of what is happening (-v: steps, -vv: detail). Values from
    /// agency files are never logged.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

const AFTER_HELP: &str = "\
Exit codes: 0 every file loaded (or already loaded; rows refused within them are in `rejects`),
2 the run finished but refused whole files (the summary and the validation report say which and
why), 1 it could not run.

Examples:
  pqa run                                   ingest the inbox, then write the latest report
  pqa ingest                                load new files from the inbox into the warehouse
  pqa query \"SELECT * FROM rejects\"         see every rejected row and why
  pqa query \"SELECT _period, count(*) FROM cp_plans GROUP BY 1\" --format csv
  pqa query --as-of 1 \"SELECT count(*) FROM cp_plans\"   read the warehouse as run 1 left it
  pqa report --period 2024/25-H2            write the report for October 2024 to March 2025
  pqa history                               list runs and the table versions each left
  pqa feeds check                           validate every feed, schema and metric
  pqa feeds try cp_plans new_extract.csv    see how a file would load, without loading it
  pqa feeds new --from return.xlsx          draft a feed and schema from a sample file
  pqa trends series.yaml                    see what the trend rules make of a series
  pqa audit draw under_twos_repeat_contacts --period 2024/25-H1   draw an audit's children";

#[derive(Debug, Subcommand)]
enum Command {
    /// Load new files from the inbox into the warehouse and print what was
    /// accepted and rejected (file, sheet, row, column, reason).
    Ingest {
        /// Read this folder (or s3://, az://, gs:// URL) instead of the inbox named in pqa.yaml.
        #[arg(long, value_name = "DIR")]
        inbox: Option<String>,
    },
    /// Run SQL over the warehouse. Tables: every dataset (schemas/*.yaml),
    /// `rejects`, `submissions`, `runs` and the `periods` calendar.
    Query {
        /// The SQL to run, e.g. "SELECT * FROM cp_plans LIMIT 5".
        sql: String,
        /// How to print the result.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Read the warehouse as this run left it (see `pqa history`).
        #[arg(long, value_name = "RUN")]
        as_of: Option<i64>,
        /// Run the query this many times and print each run's time in
        /// milliseconds to stderr (for benchmarks); the result is printed once.
        #[arg(long, value_name = "N")]
        repeat: Option<u32>,
    },
    /// Write the PQA report for a half year: HTML, Markdown, an Excel
    /// workbook and (with Chromium) a PDF for print.
    Report {
        /// The period to report on, e.g. 2024/25-H2 (October to March).
        /// Defaults to the half year of the latest data received.
        #[arg(long, value_name = "PERIOD")]
        period: Option<Period>,
        /// Folder to write to (default: `out` from pqa.yaml).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Build from the warehouse as this run left it (see `pqa history`).
        #[arg(long, value_name = "RUN")]
        as_of: Option<i64>,
        /// The final report for the Executive, not a draft: its questions
        /// are the ones later reports quote.
        #[arg(long = "final")]
        final_report: bool,
        /// The date on the cover, e.g. 2025-05-12 (default: the day the
        /// run it reads finished).
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<chrono::NaiveDate>,
        /// Skip the PDF (which needs Chromium) this time.
        #[arg(long)]
        no_pdf: bool,
    },
    /// Ingest the inbox, then write the report: the quarterly job in one command.
    Run {
        /// The period to report on (default: the half year of the latest data).
        #[arg(long, value_name = "PERIOD")]
        period: Option<Period>,
        /// Skip the PDF (which needs Chromium) this time.
        #[arg(long)]
        no_pdf: bool,
    },
    /// List completed runs and the table versions each left.
    History,
    /// Put series from a YAML file through the report's trend rules and
    /// print what the report would say of each (no warehouse needed).
    ///
    /// The file is a list of series, each with `name`, `title`, `unit`,
    /// `is_count`, `measure` (stock or flow), `better` (higher, lower or
    /// neither), `frequency` (monthly, quarterly, termly, annual,
    /// academic_year, calendar_year), optionally `target` and `report`, and
    /// `points`: period → figure, or a symbol for a missing one (c
    /// suppressed, w or "<5" withheld, x not received, z not yet due).
    Trends {
        /// The YAML file of series.
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Counts from 1 to this are treated as not publishable.
        #[arg(long, default_value_t = 4, value_name = "N")]
        suppress_up_to: u32,
    },
    /// Children with overlaying vulnerabilities (vulnerabilities/*.yaml),
    /// linked across agencies: writes the workbook of suppressed tables and,
    /// for the local authority alone, the pseudonymised list of children with
    /// three or more open to neither children's social care nor early help.
    Vulnerabilities {
        /// The period whose last day the children are looked at, e.g. 2024/25-H2.
        #[arg(long, value_name = "PERIOD")]
        period: Period,
        /// Read the warehouse as this run left it (see `pqa history`).
        #[arg(long, value_name = "RUN")]
        as_of: Option<i64>,
        /// Folder to write to (default: `vulnerabilities` in the out folder).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print the linkage SQL for the period's last day instead (to read,
        /// or to run elsewhere: `make bench` runs it in DuckDB).
        #[arg(long)]
        sql: bool,
    },
    /// Multi-agency audits drawn from the data (audits/*.yaml).
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Tools for writing feed definitions (pipelines/*.yaml).
    Feeds {
        #[command(subcommand)]
        command: FeedsCommand,
    },
    /// Run a Ballista scheduler or executor, for `--engine ballista://host:port`.
    #[cfg(feature = "ballista")]
    Cluster {
        #[command(subcommand)]
        command: ClusterCommand,
    },
}

#[cfg(feature = "ballista")]
#[derive(Debug, Subcommand)]
enum ClusterCommand {
    /// Start a scheduler: send it queries with `--engine ballista://HOST:PORT`.
    Scheduler {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// The port to listen on.
        #[arg(long, default_value_t = 50050)]
        port: u16,
    },
    /// Start an executor that runs the scheduler's tasks.
    Executor(cluster::ExecutorOptions),
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// List the audits defined under audits/.
    List,
    /// Draw an audit's children at random, by its strata, and write the
    /// audit pack (Excel and HTML; pseudonyms only).
    Draw {
        /// The audit's name (audits/<audit>.yaml).
        audit: String,
        /// The period its cohort is drawn from, e.g. 2024/25-H1.
        #[arg(long, value_name = "PERIOD")]
        period: Period,
        /// The random seed: the same seed on the same warehouse run draws
        /// the same children (default: one from the clock, printed).
        #[arg(long, value_name = "N")]
        seed: Option<u64>,
        /// Read the warehouse as this run left it (see `pqa history`).
        #[arg(long, value_name = "RUN")]
        as_of: Option<i64>,
        /// Folder to write the pack to (default: `audits` in the out folder).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Write an audit's findings from the auditors' returns: grades by
    /// agency and theme, compliance across the cohort, and the learning.
    Report {
        /// The audit's name (audits/<audit>.yaml).
        audit: String,
        /// The period its children were drawn for, e.g. 2024/25-H1.
        #[arg(long, value_name = "PERIOD")]
        period: Period,
        /// Read the warehouse as this run left it (see `pqa history`).
        #[arg(long, value_name = "RUN")]
        as_of: Option<i64>,
        /// Folder to write to (default: `audits` in the out folder).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// For the local authority, which holds the key: name the children of
    /// a pack from its own extract (a CSV with the case system's IDs).
    Reidentify {
        /// The pack's workbook (audit-….xlsx).
        #[arg(long, value_name = "FILE")]
        pack: PathBuf,
        /// The authority's own extract (CSV).
        #[arg(long, value_name = "FILE")]
        extract: PathBuf,
        /// The extract's column of the IDs the data were loaded with.
        #[arg(long, default_value = "Child ID", value_name = "NAME")]
        id_column: String,
        /// Where to write the named list (default: beside the extract).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum FeedsCommand {
    /// Check every feed, schema and metric; list all problems with file:line:column.
    Check,
    /// Run one file through a feed without touching the warehouse: the first
    /// rows as they would be stored, every rejected row and why, and the counts.
    Try {
        /// The feed's name (pipelines/<feed>.yaml).
        feed: String,
        /// The file to read.
        file: PathBuf,
        /// The period to load it as, when its name does not say (e.g. 2024/25-Q3).
        #[arg(long, value_name = "PERIOD")]
        period: Option<Period>,
        /// How many rows to show.
        #[arg(long, default_value_t = 10)]
        rows: usize,
        /// Print every row, reject and count as JSON instead.
        #[arg(long)]
        json: bool,
    },
    /// Run every feed's `expect:` blocks: known files and the counts they must give.
    Test,
    /// Draft a schema and feed from a sample file, to finish by hand.
    New {
        /// A sample file as the agency sends it (CSV or XLSX).
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// XLSX: the sheet to read (default: the one that looks most like a table).
        #[arg(long)]
        sheet: Option<String>,
        /// Write the drafts into the project's schemas/ and pipelines/
        /// (under a name no feed or dataset has yet) instead of printing them.
        #[arg(long)]
        write: bool,
    },
}

/// Output formats for `pqa query`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Csv,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `pqa query … | head` should stop quietly when `head` has seen enough,
    // as Unix tools do, not panic on the closed pipe. Cluster processes are
    // servers: a peer closing a connection must not kill them, so they keep
    // Rust's default of ignoring SIGPIPE.
    #[cfg(feature = "ballista")]
    let server = matches!(cli.command, Command::Cluster { .. });
    #[cfg(not(feature = "ballista"))]
    let server = false;
    #[cfg(unix)]
    if !server {
        // SAFETY: restoring the default action for SIGPIPE before any thread
        // starts; no handler is involved.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    init_logging(cli.verbose);
    // Query plans are walked recursively (optimising, and on a cluster
    // encoding them to send): the overlay's linkage query, fifteen
    // definitions joined and united, goes deeper than tokio's 2 MiB worker
    // stacks allow in a debug build.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(16 * 1024 * 1024)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(Finished::Done) => ExitCode::SUCCESS,
        Ok(Finished::SomeRefused) => ExitCode::from(SOME_REFUSED),
        Err(e) => {
            // One line with the reason; causes follow on their own lines.
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

fn init_logging(verbose: u8) {
    // pqa's own steps (`pqa` is also the prefix of every pqa_* crate), not
    // the libraries': Delta's kernel logs each snapshot it builds at info,
    // and at debug whole log actions, file statistics (min/max values)
    // included.
    let default = match verbose {
        0 => "warn",
        1 => "warn,pqa=info,ballista=info",
        _ => "warn,pqa=debug,ballista=info,datafusion=info,deltalake=info,object_store=info",
    };
    let filter = EnvFilter::try_from_env("PQA_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

/// The exit code when the run finished but refused one or more files: 0 is
/// every file loaded (or already loaded), 1 could not run.
const SOME_REFUSED: u8 = 2;

/// How a command that ran finished.
enum Finished {
    /// It did what was asked; an ingest took every file (or there was
    /// nothing new to take).
    Done,
    /// It ran, but refused whole files: see the summary. (Rows refused
    /// within files that loaded are quarantined in `rejects`, as every
    /// quarter has some; they do not change the exit code.)
    SomeRefused,
}

impl From<ingest::Ingested> for Finished {
    fn from(i: ingest::Ingested) -> Finished {
        if i.refused_files > 0 {
            Finished::SomeRefused
        } else {
            Finished::Done
        }
    }
}

async fn run(cli: Cli) -> Result<Finished> {
    // Drafting a feed needs no valid project: it is how a project grows.
    if let Command::Feeds {
        command: FeedsCommand::New { from, sheet, write },
    } = &cli.command
    {
        // The project's folder: where pqa.yaml is.
        let folder = match cli.project.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let write_to = write.then_some(folder.as_path());
        return feeds::new(from, sheet.as_deref(), write_to).map(|()| Finished::Done);
    }
    // Trying series through the rules needs no project either.
    if let Command::Trends {
        file,
        json,
        suppress_up_to,
    } = &cli.command
    {
        return trends::run(file, *json, *suppress_up_to).map(|()| Finished::Done);
    }
    // Cluster processes serve whichever projects query them.
    #[cfg(feature = "ballista")]
    if let Command::Cluster { command } = cli.command {
        return match command {
            ClusterCommand::Scheduler { bind, port } => cluster::scheduler(&bind, port).await,
            ClusterCommand::Executor(options) => cluster::executor(options).await,
        }
        .map(|()| Finished::Done);
    }
    let project = Project::load(&cli.project)
        .with_context(|| format!("reading the project {}", cli.project.display()))?;
    if let Command::Feeds { command } = &cli.command {
        return match command {
            FeedsCommand::Check => feeds::check(&project),
            FeedsCommand::Try {
                feed,
                file,
                period,
                rows,
                json,
            } => feeds::try_file(&project, feed, file, *period, *rows, *json),
            FeedsCommand::Test => feeds::test(&project),
            FeedsCommand::New { .. } => unreachable!("handled above"),
        }
        .map(|()| Finished::Done);
    }
    // Re-identifying needs the key, not the warehouse.
    match &cli.command {
        Command::Audit {
            command: AuditCommand::List,
        } => {
            audit::list(&project);
            return Ok(Finished::Done);
        }
        Command::Audit {
            command:
                AuditCommand::Reidentify {
                    pack,
                    extract,
                    id_column,
                    out,
                },
        } => {
            audit::reidentify(&project, pack, extract, id_column, out.clone())?;
            return Ok(Finished::Done);
        }
        _ => {}
    }
    let warehouse = open_warehouse(&project, cli.warehouse.as_deref())?;
    let mut finished = Finished::Done;
    match cli.command {
        Command::Ingest { inbox } => {
            let inbox =
                inbox.unwrap_or_else(|| pqa_pipeline::location(&project, &project.file.inbox));
            finished = ingest::run(&project, &warehouse, &inbox).await?.into();
        }
        Command::Query {
            sql,
            format,
            as_of,
            repeat,
        } => {
            output::query(
                &project,
                &warehouse,
                &cli.engine,
                &sql,
                format,
                as_of,
                repeat,
            )
            .await?
        }
        Command::Report {
            period,
            out,
            as_of,
            final_report,
            date,
            no_pdf,
        } => {
            let out = out.unwrap_or_else(|| project.path(&project.file.out));
            let options = pqa_pipeline::report::Options {
                as_of,
                final_report,
                date,
                no_pdf,
            };
            report::write(&project, &warehouse, &cli.engine, period, &out, options).await?;
        }
        Command::Run { period, no_pdf } => {
            let inbox = pqa_pipeline::location(&project, &project.file.inbox);
            finished = ingest::run(&project, &warehouse, &inbox).await?.into();
            report::write(
                &project,
                &warehouse,
                &cli.engine,
                period,
                &project.path(&project.file.out),
                pqa_pipeline::report::Options {
                    no_pdf,
                    ..pqa_pipeline::report::Options::default()
                },
            )
            .await?;
        }
        Command::History => output::history(&warehouse).await?,
        Command::Audit {
            command:
                AuditCommand::Draw {
                    audit,
                    period,
                    seed,
                    as_of,
                    out,
                },
        } => {
            let out = out.unwrap_or_else(|| project.path(&project.file.out).join("audits"));
            let args = audit::DrawArgs {
                audit,
                period,
                seed,
                as_of,
                out,
            };
            audit::draw(&project, &warehouse, &cli.engine, args).await?
        }
        Command::Audit {
            command:
                AuditCommand::Report {
                    audit,
                    period,
                    as_of,
                    out,
                },
        } => {
            let out = out.unwrap_or_else(|| project.path(&project.file.out).join("audits"));
            audit::report(
                &project,
                &warehouse,
                &cli.engine,
                &audit,
                period,
                as_of,
                &out,
            )
            .await?
        }
        Command::Vulnerabilities {
            period, sql: true, ..
        } => {
            println!(
                "{}",
                pqa_pipeline::overlay::linkage_sql(&project.vulnerabilities, period.end())
            );
        }
        Command::Vulnerabilities {
            period, as_of, out, ..
        } => {
            let out =
                out.unwrap_or_else(|| project.path(&project.file.out).join("vulnerabilities"));
            let written = pqa_pipeline::overlay::write(
                &project,
                &warehouse,
                &cli.engine,
                period,
                as_of,
                &out,
            )
            .await?;
            println!("{}", pqa_pipeline::text::overlay_written(&written));
        }
        Command::Audit { .. } => unreachable!("handled above"),
        Command::Feeds { .. } | Command::Trends { .. } => unreachable!("handled above"),
        #[cfg(feature = "ballista")]
        Command::Cluster { .. } => unreachable!("handled above"),
    }
    Ok(finished)
}

/// Says, once, that another run holds the warehouse and who it is.
fn say_waiting(h: &pqa_store::Holder) {
    eprintln!(
        "Waiting for another run to finish writing the warehouse ({} on {}, process {}, since {})…",
        h.doing, h.host, h.pid, h.since
    );
}

/// The warehouse from `--warehouse` (as given) or pqa.yaml; tests set
/// `PQA_FAULT_AFTER_COMMITS` to stop a run part-way through its commits.
fn open_warehouse(project: &Project, from_cli: Option<&str>) -> Result<Warehouse> {
    let fault = std::env::var("PQA_FAULT_AFTER_COMMITS")
        .ok()
        .and_then(|v| v.parse().ok());
    Ok(pqa_pipeline::open_warehouse(project, from_cli)?.with_fault_after_commits(fault))
}
