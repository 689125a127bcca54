//! The report for print: the same HTML printed to an A4 PDF by headless
//! Chromium, with page numbers and a running header from the print styles.
//! The contents page gives each section's page: the report is printed
//! once, each section's page read from the PDF's named destinations (one
//! per anchor), and printed again with the numbers filled in.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Error, Result};

/// Programs tried, in order, when pqa.yaml names none.
const NAMES: [&str; 4] = ["chromium", "chromium-browser", "google-chrome", "chrome"];

/// How long one print may take before Chromium is stopped.
const TIMEOUT: Duration = Duration::from_secs(120);

/// A Chromium that can print.
#[derive(Debug, Clone)]
pub struct Printer {
    program: PathBuf,
}

impl Printer {
    /// The Chromium named in pqa.yaml, or the first found on the PATH; an
    /// error that says how to get one when there is none.
    pub fn find(configured: Option<&str>) -> Result<Printer> {
        if let Some(named) = configured {
            let path = PathBuf::from(named);
            return if path.is_file() || on_path(named).is_some() {
                Ok(Printer {
                    program: on_path(named).unwrap_or(path),
                })
            } else {
                Err(Error::Pdf(format!(
                    "pqa.yaml names `{named}` to print the PDF with, and it is not there"
                )))
            };
        }
        NAMES
            .iter()
            .find_map(|n| on_path(n))
            .map(|program| Printer { program })
            .ok_or_else(|| {
                Error::Pdf(
                    "printing the PDF needs Chromium (or Chrome), and none was found on the PATH: \
                     install it (Debian or Ubuntu: `sudo apt-get install chromium`), name it in \
                     pqa.yaml (`report: { chromium: /path/to/chrome }`), or turn the PDF off \
                     (`report: { pdf: false }`)"
                        .into(),
                )
            })
    }

    /// Prints `html` (a file) to `pdf`.
    pub fn print(&self, html: &Path, pdf: &Path, profile: &Path) -> Result<()> {
        let _ = std::fs::remove_file(pdf);
        let mut command = Command::new(&self.program);
        command
            .args([
                "--headless",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-pdf-header-footer",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--print-to-pdf={}", pdf.display()))
            .arg(format!("file://{}", html.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // Chromium's sandbox refuses to start as root (as in containers).
        if is_root() {
            command.arg("--no-sandbox");
        }
        let mut child = command
            .spawn()
            .map_err(|e| Error::Pdf(format!("starting {}: {e}", self.program.display())))?;
        let started = Instant::now();
        loop {
            if let Some(status) = child
                .try_wait()
                .map_err(|e| Error::Pdf(format!("waiting for Chromium: {e}")))?
            {
                if status.success() && pdf.is_file() {
                    return Ok(());
                }
                let mut stderr = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
                }
                let last: Vec<&str> = stderr.lines().rev().take(3).collect();
                return Err(Error::Pdf(format!(
                    "Chromium could not print the report ({status}): {}",
                    last.into_iter().rev().collect::<Vec<_>>().join(" / ")
                )));
            }
            if started.elapsed() > TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::Pdf(format!(
                    "Chromium had not printed the report after {} seconds",
                    TIMEOUT.as_secs()
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The page each named destination (an element's id) is on, from 1.
pub(crate) fn pages_of_anchors(pdf: &[u8]) -> Result<BTreeMap<String, usize>> {
    let bad = |e: lopdf::Error| Error::Pdf(format!("reading the printed PDF: {e}"));
    let doc = lopdf::Document::load_mem(pdf).map_err(bad)?;
    let page_of: BTreeMap<lopdf::ObjectId, usize> = doc
        .get_pages()
        .into_iter()
        .map(|(number, id)| (id, number as usize))
        .collect();
    let mut out = BTreeMap::new();
    let catalog = doc.catalog().map_err(bad)?;
    let Ok(dests) = catalog.get_deref(b"Dests", &doc).and_then(|d| d.as_dict()) else {
        return Ok(out);
    };
    for (name, dest) in dests.iter() {
        let Ok((_, dest)) = doc.dereference(dest) else {
            continue;
        };
        // A destination is [page /XYZ …] or << /D [page /XYZ …] >>.
        let array = dest
            .as_array()
            .ok()
            .or_else(|| dest.as_dict().ok()?.get(b"D").ok()?.as_array().ok());
        let page = array
            .and_then(|a| a.first())
            .and_then(|p| p.as_reference().ok())
            .and_then(|id| page_of.get(&id));
        if let Some(page) = page {
            out.insert(String::from_utf8_lossy(name).into_owned(), *page);
        }
    }
    Ok(out)
}

/// How many pages a PDF has.
pub fn page_count(pdf: &[u8]) -> Result<usize> {
    let doc = lopdf::Document::load_mem(pdf)
        .map_err(|e| Error::Pdf(format!("reading the printed PDF: {e}")))?;
    Ok(doc.get_pages().len())
}
