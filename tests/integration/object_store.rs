//! The warehouse and the inbox in an object store: a real Azure Blob Storage
//! server (Azurite, from npm) started on loopback by the test, the agencies'
//! files uploaded to it, and `pqa` pointed at `az://` URLs with the
//! credentials in the environment. Everything must come out as it does from
//! local folders.
//!
//! Azurite is installed by `.ci/run` (`npm ci --prefix tests/azurite`). On a
//! machine without it the test says so and passes, except in CI (`CI` set),
//! where it must run.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::{TestProject, assert_success, repo, wait_for_port};

/// Azurite's development account: public by design, the same in every copy.
const ACCOUNT: &str = "devstoreaccount1";
const KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// A running Azurite blob server, stopped when dropped.
struct Azurite {
    child: Child,
    endpoint: String,
}

impl Azurite {
    /// Starts Azurite on a free loopback port, or `None` (after saying why)
    /// when it is not installed and this is not CI.
    fn start() -> Option<Azurite> {
        let bin = repo().join("tests/azurite/node_modules/.bin/azurite-blob");
        if !bin.exists() {
            assert!(
                std::env::var_os("CI").is_none(),
                "Azurite is needed in CI: .ci/run installs it (npm ci --prefix tests/azurite)"
            );
            eprintln!("skipped: Azurite is not installed (npm ci --prefix tests/azurite)");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(bin)
            .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string()])
            .args(["--inMemoryPersistence", "--disableTelemetry", "--silent"])
            // The npm client may be newer than the server it is paired with.
            .arg("--skipApiVersionCheck")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Azurite starts");
        let azurite = Azurite {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        wait_for_port(port, "Azurite server", String::new);
        Some(azurite)
    }

    /// Uploads a local folder to `container/prefix`, creating the container.
    fn upload(&self, folder: &Path, container: &str, prefix: &str) {
        let out = Command::new("node")
            .arg(repo().join("tests/azurite/blob.js"))
            .args([&self.endpoint, container])
            .arg(folder)
            .arg(prefix)
            .output()
            .expect("node runs");
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
            .env("AZURE_STORAGE_ACCOUNT_NAME", ACCOUNT)
            .env("AZURE_STORAGE_ACCOUNT_KEY", KEY)
            .env("AZURE_STORAGE_USE_EMULATOR", "true")
            .env("AZURITE_BLOB_STORAGE_URL", &self.endpoint)
            .output()
            .expect("pqa runs");
        assert_success(&out, args);
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Azurite {
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
    let Some(azurite) = Azurite::start() else {
        return;
    };
    let local = TestProject::with_plans_and_referrals();
    local.ok(&["ingest"]);

    let remote = TestProject::with_plans_and_referrals();
    azurite.upload(&remote.inbox(), "pqa", "inbox");
    std::fs::remove_dir_all(remote.inbox()).unwrap();
    let project_file = remote.path().join("pqa.yaml");
    let yaml = std::fs::read_to_string(&project_file)
        .unwrap()
        .replace("inbox: inbox", "inbox: az://pqa/inbox")
        .replace("warehouse: warehouse", "warehouse: az://pqa/warehouse");
    std::fs::write(&project_file, yaml).unwrap();

    let first = azurite.pqa(&remote, &["ingest"]);
    assert!(first.contains("Ingest of az://pqa/inbox"), "{first}");
    assert!(first.contains("8 file(s): 8 loaded"), "{first}");
    assert!(
        !remote.path().join("warehouse").exists() && !remote.path().join("inbox").exists(),
        "nothing may be written locally when the warehouse and inbox are in the store"
    );
    for sql in QUESTIONS {
        let csv = ["--format", "csv"];
        assert_eq!(
            azurite.pqa(&remote, &[&["query", sql][..], &csv].concat()),
            local.ok(&[&["query", sql][..], &csv].concat()),
            "{sql}"
        );
    }

    // The run is recorded in the store: the same files again add nothing.
    let again = azurite.pqa(&remote, &["ingest"]);
    assert!(again.contains("8 file(s): 8 already loaded"), "{again}");
    let history = azurite.pqa(&remote, &["history"]);
    assert_eq!(
        history.lines().filter(|l| l.starts_with("run")).count(),
        1,
        "{history}"
    );

    // The report reads the warehouse in the store and says what a local one says.
    azurite.pqa(&remote, &["report"]);
    local.ok(&["report"]);
    let report = |p: &TestProject| {
        std::fs::read_to_string(p.path().join("out/pqa-report-2024-25-H2.md")).unwrap()
    };
    assert_eq!(report(&remote), report(&local));
}
