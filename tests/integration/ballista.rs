//! The query layer on a Ballista cluster: a scheduler and two executors
//! started on loopback by the test (`pqa cluster …`), the same warehouse
//! queried with `--engine ballista://…`, and every number — query results and
//! the whole report — equal to the local engine's. Built and run with the
//! `ballista` feature (CI turns it on).

use std::net::TcpListener;
use std::process::Child;

use crate::{TestProject, wait_for_port};

/// A child process, stopped when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `n` free ports below the ephemeral range, so that no process's outgoing
/// connection can take one between finding it and listening on it.
fn free_ports(n: usize) -> Vec<u16> {
    let start = 20_000 + (std::process::id() % 1_000) as u16 * 10;
    let listeners: Vec<TcpListener> = (start..32_000)
        .filter_map(|port| TcpListener::bind(("127.0.0.1", port)).ok())
        .take(n)
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect()
}

/// Starts `pqa cluster …` with its output in `<project>/<name>.log`, and
/// waits until it listens on `port`.
fn start(p: &TestProject, name: &str, port: u16, args: &[&str]) -> Running {
    let log_path = p.path().join(format!("{name}.log"));
    let log = std::fs::File::create(&log_path).unwrap();
    let running = Running(
        p.cmd(&[&["-v"], args].concat())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("pqa cluster starts"),
    );
    wait_for_port(port, name, || {
        std::fs::read_to_string(&log_path).unwrap_or_default()
    });
    running
}

const QUESTIONS: &[&str] = &[
    "SELECT _period, count(*) AS plans, count(DISTINCT child_id) AS children, min(plan_start) AS first FROM cp_plans GROUP BY 1 ORDER BY 1",
    "SELECT _period, count(*) AS referrals, avg(CAST(assessment_date - referral_date AS BIGINT)) AS wait FROM camhs_referrals GROUP BY 1 ORDER BY 1",
    "SELECT p.category, count(*) AS plans, count(c.referral_date) AS with_camhs FROM cp_plans p LEFT JOIN camhs_referrals c ON c.nhs_number = p.child_id GROUP BY 1 ORDER BY 1",
    "SELECT file, source_row, column_name, rule FROM rejects ORDER BY 1, 2, 3",
    "SELECT count(*) FROM contacts",
];

#[test]
fn the_report_on_a_ballista_cluster_says_what_the_local_engine_says() {
    let p = TestProject::with_plans_and_referrals();
    p.ok(&["ingest"]);

    // One port for the scheduler, two per executor.
    let ports = free_ports(5);
    let scheduler_port = ports[0].to_string();
    let _scheduler = start(
        &p,
        "scheduler",
        ports[0],
        &["cluster", "scheduler", "--port", &scheduler_port],
    );
    let scheduler = format!("127.0.0.1:{scheduler_port}");
    let _executors: Vec<Running> = (0..2)
        .map(|i| {
            let (port, grpc_port) = (ports[1 + 2 * i], ports[2 + 2 * i]);
            let work_dir = p.path().join(format!("executor-{i}"));
            std::fs::create_dir_all(&work_dir).unwrap();
            start(
                &p,
                &format!("executor-{i}"),
                port,
                &[
                    "cluster",
                    "executor",
                    "--scheduler",
                    &scheduler,
                    "--port",
                    &port.to_string(),
                    "--grpc-port",
                    &grpc_port.to_string(),
                    "--tasks",
                    "1",
                    "--work-dir",
                    work_dir.to_str().unwrap(),
                ],
            )
        })
        .collect();
    let engine = format!("ballista://{scheduler}");

    for sql in QUESTIONS {
        let local = p.ok(&["query", sql, "--format", "csv"]);
        let cluster = p.ok(&["query", sql, "--format", "csv", "--engine", &engine]);
        assert!(local.lines().count() > 1, "{sql} has rows: {local}");
        assert_eq!(cluster, local, "{sql}");
    }

    // The work was done on the cluster: its executors ran the tasks.
    let tasks: usize = (0..2)
        .map(|i| {
            std::fs::read_to_string(p.path().join(format!("executor-{i}.log")))
                .unwrap()
                .matches("Finished task")
                .count()
        })
        .sum();
    assert!(tasks > 0, "no executor ran a task");

    p.ok(&["report", "--out", "out-local"]);
    p.ok(&["report", "--out", "out-cluster", "--engine", &engine]);
    let report = |dir: &str| {
        std::fs::read_to_string(p.path().join(dir).join("pqa-report-2024-25-H2.md")).unwrap()
    };
    assert_eq!(report("out-cluster"), report("out-local"));
}

#[test]
fn an_unreachable_scheduler_is_named_in_the_error() {
    let p = TestProject::new();
    p.add_sample("csc/cp_plans_2024-25_Q1.csv");
    p.ok(&["ingest"]);
    let port = free_ports(1)[0];
    let out = p
        .cmd(&[
            "query",
            "SELECT 1",
            "--engine",
            &format!("ballista://127.0.0.1:{port}"),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("Ballista scheduler at 127.0.0.1:{port}")),
        "{stderr}"
    );
}
