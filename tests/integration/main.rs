//! Integration tests: the real `pqa` binary on real files.
//!
//! Each test builds a project in a temporary folder (this repository's
//! schemas, pipelines and metrics, plus an inbox of chosen sample files) so
//! tests never touch ./warehouse and can run in parallel.

mod audit;
mod bad_inputs;
#[cfg(feature = "ballista")]
mod ballista;
mod benchmarks;
mod config_errors;
mod feeds;
mod findings;
mod frequencies;
mod hostile;
mod independent;
mod ingest;
mod object_store;
mod outputs;
mod report;
mod trends;
mod vulnerabilities;
mod warehouse;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The published statistics shared with the project, read in place.
pub fn shared_external() -> PathBuf {
    repo().join("../shared/external")
}

/// The bundled sample inbox.
pub fn sample_inbox() -> PathBuf {
    repo().join("sample-data/inbox")
}

/// Every row of a CSV file, by its header's names.
pub fn csv_rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// A throwaway project: config copied from the repository, an empty inbox.
#[derive(Debug)]
pub struct TestProject {
    pub dir: tempfile::TempDir,
}

impl TestProject {
    #[allow(clippy::new_without_default)] // a fresh temporary folder is not a "default"
    pub fn new() -> TestProject {
        let dir = tempfile::tempdir().expect("temp dir");
        for sub in [
            "schemas",
            "pipelines",
            "metrics",
            "audits",
            "reference",
            "vulnerabilities",
        ] {
            copy_dir(&repo().join(sub), &dir.path().join(sub));
        }
        std::fs::create_dir_all(dir.path().join("inbox")).unwrap();
        let project = std::fs::read_to_string(repo().join("pqa.yaml"))
            .unwrap()
            .replace("inbox: sample-data/inbox", "inbox: inbox")
            // Published statistics are loaded only by tests that ask for them.
            .replace("published: ../shared/external", "")
            // Printing takes Chromium seconds: only the print test asks for it.
            .replace("  pdf: true", "  pdf: false");
        std::fs::write(dir.path().join("pqa.yaml"), project).unwrap();
        TestProject { dir }
    }

    /// A project whose inbox holds every sample file.
    pub fn with_sample_inbox() -> TestProject {
        let p = TestProject::new();
        copy_dir(&sample_inbox(), &p.inbox());
        p
    }

    /// A project over a few agencies' files: child protection plans (with a
    /// bad date and a failed check) and CAMHS referrals (with a failed check).
    pub fn with_plans_and_referrals() -> TestProject {
        let p = TestProject::new();
        for quarter in ["2023-24_Q2", "2023-24_Q3", "2024-25_Q1", "2024-25_Q3"] {
            p.add_sample(&format!("csc/cp_plans_{quarter}.csv"));
        }
        for quarter in ["2024-25_Q1", "2024-25_Q2", "2024-25_Q3", "2024-25_Q4"] {
            p.add_sample(&format!("camhs/camhs_referrals_{quarter}.csv"));
        }
        p
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn inbox(&self) -> PathBuf {
        self.path().join("inbox")
    }

    /// Copies one sample file (path relative to the sample inbox) into the inbox.
    pub fn add_sample(&self, relative: &str) {
        let to = self.inbox().join(relative);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(sample_inbox().join(relative), to).unwrap();
    }

    /// Makes one file of the shared published statistics
    /// (`../shared/external/<relative>`) available to the project's published
    /// folder, a temporary copy: published files are never copied into the
    /// repository.
    pub fn publish(&self, relative: &str) {
        let published = self.path().join("published");
        let to = published.join(relative);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(shared_external().join(relative), to).unwrap();
        let project_file = self.path().join("pqa.yaml");
        let project = std::fs::read_to_string(&project_file).unwrap();
        if !project.contains("\npublished:") {
            std::fs::write(project_file, format!("{project}\npublished: published\n")).unwrap();
        }
    }

    /// Writes a file into the inbox.
    pub fn add_file(&self, relative: &str, contents: &[u8]) {
        let to = self.inbox().join(relative);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(to, contents).unwrap();
    }

    /// The `pqa` command, run in the project folder.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pqa"));
        c.current_dir(self.path())
            .args(args)
            .env_remove("PQA_PSEUDONYM_KEY")
            .env_remove("PQA_FAULT_AFTER_COMMITS");
        c
    }

    /// Runs `pqa` and insists it succeeds.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().expect("pqa runs");
        assert_success(&out, args);
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs `pqa` and insists it finishes with exit code 2: the run
    /// completed but refused at least one whole file.
    pub fn some_refused(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().expect("pqa runs");
        assert_eq!(
            out.status.code(),
            Some(2),
            "pqa {args:?} should finish with 2 (some files refused)\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// One number from `pqa query … --format csv`.
    pub fn count(&self, sql: &str, extra: &[&str]) -> i64 {
        let mut args = vec!["query", sql, "--format", "csv"];
        args.extend_from_slice(extra);
        let out = self.ok(&args);
        let value = out
            .lines()
            .nth(1)
            .unwrap_or_else(|| panic!("no row from {sql}: {out}"));
        value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("not a number from {sql}: {out}"))
    }
}

/// The full references (`metric:rule:period`) of a report's questions, in
/// the order it asks them, from its technical appendix.
pub fn question_ids(markdown: &str, period: &str) -> Vec<String> {
    let appendix = markdown
        .split("## Technical appendix")
        .nth(1)
        .expect("the report has a technical appendix");
    appendix
        .lines()
        .filter(|l| l.starts_with(&format!("| {period} Q")))
        .filter_map(|l| l.split('`').nth(1))
        .map(str::to_string)
        .collect()
}

/// The line of the report's questions that states its question about
/// `metric` (statement, question and reference), found through the
/// technical appendix, which gives each question's reference.
pub fn question_line<'a>(markdown: &'a str, metric: &str) -> &'a str {
    let appendix = markdown.split("## Technical appendix").nth(1).unwrap();
    let reference = appendix
        .lines()
        .find(|l| l.contains(&format!("`{metric}:")))
        .and_then(|l| l.split(" | ").next())
        .map(|r| r.trim_start_matches("| ").to_string())
        .unwrap_or_else(|| panic!("no question about {metric}"));
    let questions = markdown
        .split("## Questions for this report")
        .nth(1)
        .and_then(|q| q.split("## Action log").next())
        .unwrap();
    questions
        .lines()
        .find(|l| l.ends_with(&format!("Reference: **{reference}**")))
        .unwrap_or_else(|| panic!("no question line for {reference}"))
}

/// Waits until something listens on loopback `port`; after a minute, fails
/// with `what` and whatever `log` says.
pub fn wait_for_port(port: u16, what: &str, log: impl Fn() -> String) {
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the {what} did not listen on port {port} within a minute:\n{}",
            log()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

pub fn assert_success(out: &Output, args: &[&str]) {
    assert!(
        out.status.success(),
        "pqa {args:?} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
