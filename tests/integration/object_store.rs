//! The warehouse and the inbox in an object store: real storage servers
//! started on loopback by the test (Azurite, an Azure Blob Storage server from
//! npm; moto, an Amazon S3 server from PyPI), the agencies' files uploaded to
//! them, and `pqa` pointed at `az://` and `s3://` URLs with the credentials in
//! the environment. Everything must come out as it does from local folders.
//!
//! `.ci/run` installs both (`npm ci --prefix tests/azurite`; a Python venv at
//! tests/s3/venv). On a machine without them the tests say so and pass,
//! except in CI (`CI` set), where they must run.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::{TestProject, assert_success, repo, wait_for_port};

/// Azurite's development account: public by design, the same in every copy.
const ACCOUNT: &str = "devstoreaccount1";
const KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// A storage server running on loopback, stopped when dropped.
struct Server {
    child: Child,
    /// The URL scheme pqa is given: `az` or `s3`.
    scheme: &'static str,
    /// The credentials a partnership would have in its environment.
    env: Vec<(&'static str, String)>,
    /// The command that uploads a folder: `<folder> <prefix>` are appended.
    upload: Command,
}

impl Server {
    /// `program`, when installed, or `None` (after saying why) when it is not
    /// and this is not CI.
    fn installed(program: &Path, install: &str) -> Option<PathBuf> {
        if program.exists() {
            return Some(program.to_path_buf());
        }
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is needed in CI: .ci/run installs it ({install})",
            program.display()
        );
        eprintln!(
            "skipped: {} is not installed ({install})",
            program.display()
        );
        None
    }

    fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port()
    }

    /// Azurite's blob server on a free loopback port.
    fn azurite() -> Option<Server> {
        let bin = Self::installed(
            &repo().join("tests/azurite/node_modules/.bin/azurite-blob"),
            "npm ci --prefix tests/azurite",
        )?;
        let port = Self::free_port();
        let child = Command::new(bin)
            .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string()])
            .args(["--inMemoryPersistence", "--disableTelemetry", "--silent"])
            // The npm client may be newer than the server it is paired with.
            .arg("--skipApiVersionCheck")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Azurite starts");
        let endpoint = format!("http://127.0.0.1:{port}");
        let mut upload = Command::new("node");
        upload
            .arg(repo().join("tests/azurite/blob.js"))
            .args([&endpoint, "pqa"]);
        let server = Server {
            child,
            scheme: "az",
            env: vec![
                ("AZURE_STORAGE_ACCOUNT_NAME", ACCOUNT.into()),
                ("AZURE_STORAGE_ACCOUNT_KEY", KEY.into()),
                ("AZURE_STORAGE_USE_EMULATOR", "true".into()),
                ("AZURITE_BLOB_STORAGE_URL", endpoint),
            ],
            upload,
        };
        wait_for_port(port, "Azurite server", String::new);
        Some(server)
    }

    /// moto's S3 server on a free loopback port. It takes any key; these are
    /// made up.
    fn moto() -> Option<Server> {
        let venv = repo().join("tests/s3/venv/bin");
        let bin = Self::installed(
            &venv.join("moto_server"),
            "python3 -m venv tests/s3/venv && tests/s3/venv/bin/pip install -r tests/s3/requirements.txt",
        )?;
        let port = Self::free_port();
        let child = Command::new(bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto starts");
        let endpoint = format!("http://127.0.0.1:{port}");
        let env = vec![
            ("AWS_ACCESS_KEY_ID", "pqa-test".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "pqa-test-secret".to_string()),
            ("AWS_REGION", "us-east-1".to_string()),
            ("AWS_ENDPOINT_URL", endpoint.clone()),
            ("AWS_ALLOW_HTTP", "true".to_string()),
        ];
        let mut upload = Command::new(venv.join("python"));
        upload
            .arg(repo().join("tests/s3/upload.py"))
            .args([&endpoint, "pqa"])
            .envs(env.iter().map(|(k, v)| (k, v)));
        let server = Server {
            child,
            scheme: "s3",
            env,
            upload,
        };
        wait_for_port(port, "moto S3 server", String::new);
        Some(server)
    }

    /// Uploads a local folder to `pqa/prefix`, creating the container or bucket.
    fn upload(&mut self, folder: &Path, prefix: &str) {
        let out = self
            .upload
            .arg(folder)
            .arg(prefix)
            .output()
            .expect("the uploader runs");
        assert!(
            out.status.success(),
            "upload failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `pqa` with the credentials for this server in its environment, as a
    /// partnership's would be for their storage account.
    fn pqa(&self, project: &TestProject, args: &[&str]) -> String {
        let out = project
            .cmd(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("pqa runs");
        assert_success(&out, args);
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const QUESTIONS: &[&str] = &[
    "SELECT _period, count(*) AS plans, count(DISTINCT child_id) AS children, min(plan_start) AS first FROM cp_plans GROUP BY 1 ORDER BY 1",
    "SELECT _period, count(*) AS referrals, avg(CAST(assessment_date - referral_date AS BIGINT)) AS wait FROM camhs_referrals GROUP BY 1 ORDER BY 1",
    "SELECT file, source_row, column_name, rule FROM rejects ORDER BY 1, 2, 3",
];

#[test]
fn the_warehouse_and_inbox_can_live_in_azure_blob_storage() {
    if let Some(azurite) = Server::azurite() {
        the_warehouse_and_inbox_in(azurite);
    }
}

#[test]
fn the_warehouse_and_inbox_can_live_in_amazon_s3() {
    if let Some(moto) = Server::moto() {
        the_warehouse_and_inbox_in(moto);
    }
}

/// Ingest, query, history and report with the warehouse and inbox in `store`
/// give what they give from local folders.
fn the_warehouse_and_inbox_in(mut store: Server) {
    let local = TestProject::with_plans_and_referrals();
    local.ok(&["ingest"]);

    let remote = TestProject::with_plans_and_referrals();
    store.upload(&remote.inbox(), "inbox");
    std::fs::remove_dir_all(remote.inbox()).unwrap();
    let project_file = remote.path().join("pqa.yaml");
    let yaml = std::fs::read_to_string(&project_file)
        .unwrap()
        .replace(
            "inbox: inbox",
            &format!("inbox: {}://pqa/inbox", store.scheme),
        )
        .replace(
            "warehouse: warehouse",
            &format!("warehouse: {}://pqa/warehouse", store.scheme),
        );
    std::fs::write(&project_file, yaml).unwrap();

    let first = store.pqa(&remote, &["ingest"]);
    let inbox = format!("Ingest of {}://pqa/inbox", store.scheme);
    assert!(first.contains(&inbox), "{first}");
    assert!(first.contains("8 file(s): 8 loaded"), "{first}");
    assert!(
        !remote.path().join("warehouse").exists() && !remote.path().join("inbox").exists(),
        "nothing may be written locally when the warehouse and inbox are in the store"
    );
    for sql in QUESTIONS {
        let csv = ["--format", "csv"];
        assert_eq!(
            store.pqa(&remote, &[&["query", sql][..], &csv].concat()),
            local.ok(&[&["query", sql][..], &csv].concat()),
            "{sql}"
        );
    }

    // The run is recorded in the store: the same files again add nothing.
    let again = store.pqa(&remote, &["ingest"]);
    assert!(again.contains("8 file(s): 8 already loaded"), "{again}");
    let history = store.pqa(&remote, &["history"]);
    assert_eq!(
        history.lines().filter(|l| l.starts_with("run")).count(),
        1,
        "{history}"
    );

    // The report reads the warehouse in the store and says what a local one says.
    store.pqa(&remote, &["report"]);
    local.ok(&["report"]);
    let report = |p: &TestProject| {
        std::fs::read_to_string(p.path().join("out/pqa-report-2024-25-H2.md")).unwrap()
    };
    assert_eq!(report(&remote), report(&local));
}

#[test]
fn a_store_pqa_cannot_reach_is_named_with_the_ones_it_can() {
    let project = TestProject::with_plans_and_referrals();
    let out = project
        .cmd(&["ingest", "--warehouse", "ftp://host/warehouse"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not ftp://"), "{err}");
    for scheme in ["s3://", "az://", "gs://"] {
        assert!(err.contains(scheme), "{err}");
    }
    assert!(!project.path().join("warehouse").exists());
}
