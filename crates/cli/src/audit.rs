//! `pqa audit …`: multi-agency audits drawn from the data
//! (`pqa_pipeline::audit`). `list` names the audits defined, `draw` writes
//! an audit pack of pseudonyms, `report` writes the findings from the
//! auditors' returns, and `reidentify` — run by the local
//! authority, which holds the key — names the children in a pack.

use std::path::{Path, PathBuf};

use anyhow::Result;
use pqa_core::{Period, Project};
use pqa_pipeline::{audit, audit_findings};
use pqa_query::Engine;
use pqa_store::Warehouse;

/// The audits under `audits/`, one line each.
pub fn list(project: &Project) {
    if project.audits.is_empty() {
        println!("No audits defined: add one under audits/ (see README).");
    }
    for a in &project.audits {
        println!(
            "{:<28} {} (sample {}, {} by all agencies)",
            a.audit, a.title, a.sample, a.multi_agency
        );
    }
}

/// What `pqa audit draw` is asked.
pub struct DrawArgs {
    pub audit: String,
    pub period: Period,
    pub seed: Option<u64>,
    pub as_of: Option<i64>,
    pub out: PathBuf,
}

/// Draws the sample and writes the pack, then says who was drawn and where
/// the pack is.
pub async fn draw(
    project: &Project,
    warehouse: &Warehouse,
    engine: &Engine,
    args: DrawArgs,
) -> Result<()> {
    let spec = audit::find_audit(project, &args.audit)?;
    // Without a seed, one nobody chose: the pack records it, so the same
    // children can be drawn again.
    let seed = args.seed.unwrap_or_else(fresh_seed);
    let drawn = audit::draw(
        project,
        warehouse,
        engine,
        spec,
        args.period,
        seed,
        args.as_of,
    )
    .await?;
    let today = chrono::Utc::now().date_naive();
    let pack = audit::write_pack(project, &drawn, &args.out, today)?;
    println!(
        "{}, {}: {} children in the cohort, {} drawn with seed {seed}",
        spec.title,
        args.period.long_label(),
        drawn.cohort.len(),
        drawn.sample.len()
    );
    for a in &drawn.allocations {
        let label = spec
            .strata
            .iter()
            .find(|s| s.stratum == a.stratum)
            .map_or("", |s| &s.label);
        println!(
            "  {label}: {} of {} ({} by all agencies)",
            a.drawn, a.in_cohort, a.multi_agency
        );
    }
    if drawn.sample.len() < spec.sample {
        println!(
            "  The cohort holds fewer children than the sample of {}: every one is audited.",
            spec.sample
        );
    }
    println!(
        "Audit pack (pseudonyms only): {} and {}",
        pack.xlsx.display(),
        pack.html.display()
    );
    println!(
        "The same children again: --seed {seed} on this warehouse (run {}).",
        drawn.run.map_or("none".into(), |r| r.to_string())
    );
    Ok(())
}

/// Writes an audit's findings from its returns, and says what they found.
pub async fn report(
    project: &Project,
    warehouse: &Warehouse,
    engine: &Engine,
    audit: &str,
    period: Period,
    as_of: Option<i64>,
    out: &Path,
) -> Result<()> {
    let spec = audit::find_audit(project, audit)?;
    let report = audit_findings::report(project, warehouse, engine, spec, period, as_of).await?;
    let written = audit_findings::write_report(project, &report, out)?;
    let f = &report.findings;
    println!(
        "{}, children drawn for {}:",
        spec.title,
        period.long_label()
    );
    let said = pqa_core::audit_findings::returns_words(f, &report.sent_in);
    println!("  {}{}", said[..1].to_uppercase(), &said[1..]);
    if !report.held_for.is_empty() {
        println!(
            "  The returns for this audit give its period as: {} (write it as {period} to match).",
            report.held_for.join(", ")
        );
    }
    if f.answers > 0 {
        println!("  {}", pqa_core::audit_findings::headline(f, 0));
        let withheld = f.learning.iter().filter(|l| l.text.is_none()).count();
        if withheld > 0 {
            println!(
                "  {withheld} learning note(s) withheld from the findings: they appear to name a child."
            );
        }
    }
    println!(
        "Findings (for the subgroup; small numbers not suppressed): {} and {}",
        written.html.display(),
        written.xlsx.display()
    );
    Ok(())
}

/// A seed from the clock: not secret, only not chosen by whoever draws.
fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    (nanos % 1_000_000) as u64
}

/// Names the children of a pack from the local authority's own extract.
pub fn reidentify(
    project: &Project,
    pack: &Path,
    extract: &Path,
    id_column: &str,
    out: Option<PathBuf>,
) -> Result<()> {
    let out = out.unwrap_or_else(|| {
        let stem = pack.file_stem().unwrap_or_default().to_string_lossy();
        extract.with_file_name(format!("{stem}-reidentified.csv"))
    });
    let r = audit::reidentify(project, pack, extract, id_column, &out)?;
    println!(
        "{} of the pack's {} children found among {} rows of {}.",
        r.matched.len(),
        r.children,
        r.extract_rows,
        extract.display()
    );
    if !r.unmatched.is_empty() {
        println!(
            "Not found (check the extract covers them, and the key is the one the data were loaded with): {}",
            r.unmatched.join(", ")
        );
    }
    println!(
        "Written: {}. It names children: keep it within the local authority's systems.",
        r.written.display()
    );
    Ok(())
}
