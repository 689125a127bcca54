//! Multi-agency audits drawn from the warehouse (`audits/*.yaml`): the
//! cohort read with the audit's SQL, a reproducible stratified sample, the
//! chronology of each child drawn, written as an audit pack of pseudonyms;
//! and, on the local authority's own machine, the pack re-identified from
//! its own extract with the key it holds.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use pqa_core::audit::{Allocation, AuditSpec, ChronologyEvent, CohortChild, Drawn};
use pqa_core::config::{Encoding, SheetRef};
use pqa_core::{Period, Project};
use pqa_ingest::PseudonymKey;
use pqa_ingest::read::{read_csv, read_xlsx};
use pqa_query::{Engine, QueryLayer};
use pqa_report::audit_pack::{self, PackInput};
use pqa_store::Warehouse;

use crate::{Error, Result};

/// The audit named `name`, or an error listing the audits there are.
pub fn find_audit<'a>(project: &'a Project, name: &str) -> Result<&'a AuditSpec> {
    project
        .audits
        .iter()
        .find(|a| a.audit == name)
        .ok_or_else(|| {
            let known: Vec<&str> = project.audits.iter().map(|a| a.audit.as_str()).collect();
            Error::Invalid(pqa_core::config::no_such("audit", name, &known, "audits/"))
        })
}

/// An audit drawn: the cohort, the sample and each sampled child's chronology.
#[derive(Debug, Clone)]
pub struct DrawnAudit {
    pub spec: AuditSpec,
    pub period: Period,
    pub seed: u64,
    /// The warehouse run read (`None`: an empty warehouse).
    pub run: Option<i64>,
    pub cohort: Vec<CohortChild>,
    pub sample: Vec<Drawn>,
    pub allocations: Vec<Allocation>,
    pub chronology: Vec<ChronologyEvent>,
}

/// Reads the audit's cohort for `period` from the warehouse (as run
/// `as_of` left it, or the latest), draws the sample with `seed`, and reads
/// the chronology of every child drawn.
pub async fn draw(
    project: &Project,
    warehouse: &Warehouse,
    engine: &Engine,
    spec: &AuditSpec,
    period: Period,
    seed: u64,
    as_of: Option<i64>,
) -> Result<DrawnAudit> {
    let layer = QueryLayer::open(warehouse, project, as_of, engine).await?;
    let doing = |what: &str| format!("audit `{}`: {what}", spec.audit);
    let cohort = read_cohort(&layer, spec, period).await?;
    let (sample, allocations) = pqa_core::audit::draw(spec, &cohort, seed);
    let rows = layer
        .sql(&spec.chronology_sql(period, &sample))
        .await
        .map_err(|e| Error::from(e).while_(doing("the chronology SQL")))?;
    let mut chronology =
        chronology_from(&rows).map_err(|e| e.while_(doing("the chronology SQL")))?;
    // Fully ordered, so the same draw writes the same pack: the SQL's UNION
    // gives events of one day in no fixed order.
    chronology.sort_by(|a, b| {
        (&a.child_id, &a.event_date, &a.agency, &a.event, &a.detail).cmp(&(
            &b.child_id,
            &b.event_date,
            &b.agency,
            &b.event,
            &b.detail,
        ))
    });
    Ok(DrawnAudit {
        spec: spec.clone(),
        period,
        seed,
        run: layer.run.as_ref().map(|r| r.run_number),
        cohort,
        sample,
        allocations,
        chronology,
    })
}

/// The audit's cohort for `period`, one child a row, as its SQL gives it.
pub(crate) async fn read_cohort(
    layer: &QueryLayer,
    spec: &AuditSpec,
    period: Period,
) -> Result<Vec<CohortChild>> {
    let doing = format!("audit `{}`: the cohort SQL", spec.audit);
    let rows = layer
        .sql(&spec.cohort_sql(period))
        .await
        .map_err(|e| Error::from(e).while_(doing.clone()))?;
    cohort_from(spec, &rows).map_err(|e| e.while_(doing))
}

/// A result column as text (nulls as `None`), or an error naming it.
pub(crate) fn text_column(batch: &RecordBatch, name: &str) -> Result<Vec<Option<String>>> {
    let column = batch.column_by_name(name).ok_or_else(|| {
        let has: Vec<String> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        Error::Invalid(format!(
            "it returns no `{name}` column (it returns {})",
            has.join(", ")
        ))
    })?;
    let text = cast(column, &DataType::Utf8)?;
    let text = text.as_string::<i32>();
    Ok((0..text.len())
        .map(|i| text.is_valid(i).then(|| text.value(i).to_string()))
        .collect())
}

/// The cohort's rows as children: one row per child, each in a stratum the
/// audit lists.
fn cohort_from(spec: &AuditSpec, batches: &[RecordBatch]) -> Result<Vec<CohortChild>> {
    let mut children = Vec::new();
    for batch in batches {
        let ids = text_column(batch, "child_id")?;
        let strata = text_column(batch, "stratum")?;
        let profile: Vec<Vec<Option<String>>> = spec
            .profile
            .iter()
            .map(|c| text_column(batch, c))
            .collect::<Result<_>>()?;
        for (i, (id, stratum)) in ids.into_iter().zip(strata).enumerate() {
            let Some(child_id) = id else {
                return Err(Error::Invalid("a row has no child_id".into()));
            };
            children.push(CohortChild {
                child_id,
                stratum: stratum.unwrap_or_default(),
                profile: profile
                    .iter()
                    .map(|c| c[i].clone().unwrap_or_else(|| "not recorded".into()))
                    .collect(),
            });
        }
    }
    // Nobody is left out without a word: a stratum the audit does not list,
    // or a child on two rows, is an error in the SQL.
    let mut unlisted: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &children {
        if !spec.strata.iter().any(|s| s.stratum == c.stratum) {
            *unlisted.entry(&c.stratum).or_default() += 1;
        }
    }
    if !unlisted.is_empty() {
        let list: Vec<String> = unlisted
            .iter()
            .map(|(s, n)| format!("`{s}` ({n} children)"))
            .collect();
        return Err(Error::Invalid(format!(
            "it gives strata the audit does not list: {}",
            list.join(", ")
        )));
    }
    let mut seen = HashSet::new();
    for c in &children {
        if !seen.insert(&c.child_id) {
            return Err(Error::Invalid(
                "a child is on more than one row: the cohort must have one row per child".into(),
            ));
        }
    }
    Ok(children)
}

/// Every row of the result, the named columns as text (nulls as `None`).
pub(crate) fn rows_as_text(
    batches: &[RecordBatch],
    columns: &[&str],
) -> Result<Vec<Vec<Option<String>>>> {
    let mut rows = Vec::new();
    for batch in batches {
        let cols: Vec<Vec<Option<String>>> = columns
            .iter()
            .map(|c| text_column(batch, c))
            .collect::<Result<_>>()?;
        for i in 0..batch.num_rows() {
            rows.push(cols.iter().map(|c| c[i].clone()).collect());
        }
    }
    Ok(rows)
}

fn chronology_from(batches: &[RecordBatch]) -> Result<Vec<ChronologyEvent>> {
    let columns = ["child_id", "event_date", "agency", "event", "detail"];
    Ok(rows_as_text(batches, &columns)?
        .into_iter()
        .map(|row| {
            let mut text = row.into_iter().map(Option::unwrap_or_default);
            let mut next = || text.next().unwrap_or_default();
            ChronologyEvent {
                child_id: next(),
                event_date: next(),
                agency: next(),
                event: next(),
                detail: next(),
            }
        })
        .collect())
}

/// Where an audit's pack or findings were written.
#[derive(Debug, Clone)]
pub struct Written {
    pub xlsx: PathBuf,
    pub html: PathBuf,
}

/// Writes the audit pack (XLSX and HTML) into `out`, named after the audit,
/// the period and the seed.
pub fn write_pack(
    project: &Project,
    drawn: &DrawnAudit,
    out: &Path,
    drawn_on: chrono::NaiveDate,
) -> Result<Written> {
    let input = PackInput {
        partnership: &project.file.partnership,
        spec: &drawn.spec,
        period: drawn.period,
        seed: drawn.seed,
        run: drawn.run,
        drawn_on,
        cohort: &drawn.cohort,
        sample: &drawn.sample,
        allocations: &drawn.allocations,
        chronology: &drawn.chronology,
    };
    let stem = format!(
        "audit-{}-{}-seed{}",
        drawn.spec.audit,
        drawn.period.to_string().replace('/', "-"),
        drawn.seed
    );
    let written = Written {
        xlsx: out.join(format!("{stem}.xlsx")),
        html: out.join(format!("{stem}.html")),
    };
    write_files(
        out,
        [
            (&written.xlsx, audit_pack::to_xlsx(&input)?),
            (&written.html, audit_pack::to_html(&input)?.into_bytes()),
        ],
    )?;
    Ok(written)
}

/// What re-identifying a pack found.
#[derive(Debug, Clone)]
pub struct Reidentified {
    /// Children in the pack.
    pub children: usize,
    /// Rows of the extract read.
    pub extract_rows: usize,
    /// References of the pack's children found in the extract.
    pub matched: Vec<String>,
    /// References not found: the extract does not hold them.
    pub unmatched: Vec<String>,
    pub written: PathBuf,
}

/// Re-identifies a pack on the machine of whoever holds the key: every row
/// of `extract` (a CSV the local authority exported from its own system)
/// has its `id_column` pseudonymised with the project's key; rows whose
/// pseudonym is a child in the pack are written to `out` with the child's
/// reference and who audits them. Nothing is written into the warehouse.
pub fn reidentify(
    project: &Project,
    pack: &Path,
    extract: &Path,
    id_column: &str,
    out: &Path,
) -> Result<Reidentified> {
    let key = PseudonymKey::from_settings(&project.file.privacy, &project.root)?.ok_or_else(|| {
        Error::Invalid(format!(
            "no pseudonymisation key: set {} (or key_file in pqa.yaml) to the key the data were loaded with",
            project.file.privacy.key_env
        ))
    })?;
    let children = pack_children(pack)?;
    let bytes = read_file(extract)?;
    // Case systems export UTF-8 or Windows-1252; pqa's CSV reader refuses
    // bytes that are not the encoding it is told, so tell it the one that fits.
    let encoding = match std::str::from_utf8(&bytes) {
        Ok(_) => Encoding::Utf8,
        Err(_) => Encoding::Windows1252,
    };
    let in_extract = |e: pqa_ingest::Error| Error::Invalid(format!("{}: {e}", extract.display()));
    let sheet = read_csv(&bytes, encoding, ',').map_err(in_extract)?;
    let mut records = sheet.rows.into_iter();
    let headers: Vec<String> = records
        .next()
        .map(|r| r.cells.iter().map(|c| c.as_text()).collect())
        .unwrap_or_default();
    let id_at = headers
        .iter()
        .position(|h| h.trim() == id_column)
        .ok_or_else(|| {
            let known: Vec<&str> = headers.iter().map(String::as_str).collect();
            Error::Invalid(format!(
                "{}: no column `{id_column}`{}; columns: {}",
                extract.display(),
                pqa_core::config::did_you_mean(id_column, &known),
                known.join(", ")
            ))
        })?;
    let by_pseudonym: HashMap<&str, &PackChild> =
        children.iter().map(|c| (c.pseudonym.as_str(), c)).collect();
    let in_out = |e: csv::Error| Error::Invalid(format!("{}: {e}", out.display()));
    let mut writer = csv::Writer::from_path(out).map_err(in_out)?;
    let mut header = vec!["Reference".to_string(), "Audited by".into(), "Group".into()];
    header.extend(headers.iter().cloned());
    writer.write_record(&header).map_err(in_out)?;
    let (mut rows, mut found) = (0, BTreeSet::new());
    for record in records {
        if let Some(fault) = record.fault {
            // A record whose quotes do not pair up has shifted fields: its
            // ID may be another column's value, so stop rather than guess.
            return Err(Error::Invalid(format!(
                "{}: line {}: {fault}; mend the file and run again",
                extract.display(),
                record.number
            )));
        }
        rows += 1;
        let Some(id) = record.cells.get(id_at).map(|c| c.as_text()) else {
            continue;
        };
        let pseudonym = key.pseudonymise(&id);
        if let Some(child) = by_pseudonym.get(pseudonym.as_str()) {
            let mut line = vec![
                child.reference.clone(),
                child.audited_by.clone(),
                child.group.clone(),
            ];
            line.extend(record.cells.iter().map(|c| c.as_text()));
            writer.write_record(&line).map_err(in_out)?;
            found.insert(child.reference.clone());
        }
    }
    writer.flush().map_err(|source| Error::Io {
        path: out.to_path_buf(),
        source,
    })?;
    let (matched, unmatched) = children
        .iter()
        .map(|c| c.reference.clone())
        .partition(|r| found.contains(r));
    Ok(Reidentified {
        children: children.len(),
        extract_rows: rows,
        matched,
        unmatched,
        written: out.to_path_buf(),
    })
}

/// A child as the pack's list gives them.
struct PackChild {
    reference: String,
    pseudonym: String,
    group: String,
    audited_by: String,
}

/// The children listed in a pack's workbook.
fn pack_children(pack: &Path) -> Result<Vec<PackChild>> {
    let not_a_pack = |why: String| {
        Error::Invalid(format!(
            "{}: not an audit pack pqa wrote ({why})",
            pack.display()
        ))
    };
    let sheet = SheetRef::Name(audit_pack::SAMPLE_SHEET.to_string());
    let list = read_xlsx(&read_file(pack)?, Some(&sheet)).map_err(|e| not_a_pack(e.to_string()))?;
    let mut rows = list.rows.into_iter();
    let header: Vec<String> = rows
        .next()
        .map(|r| r.cells.iter().map(|c| c.as_text()).collect())
        .unwrap_or_default();
    let at = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| not_a_pack(format!("its list has no `{name}` column")))
    };
    // A list of children with overlaying vulnerabilities is read the same
    // way: it has no auditors.
    let (reference, pseudonym, group, audited_by) = (
        at("Reference")?,
        at(audit_pack::PSEUDONYM_COLUMN)?,
        at("Group")?,
        at("Audited by").ok(),
    );
    Ok(rows
        .map(|r| {
            let cell = |i: usize| r.cells.get(i).map(|c| c.as_text()).unwrap_or_default();
            PackChild {
                reference: cell(reference),
                pseudonym: cell(pseudonym),
                group: cell(group),
                audited_by: audited_by.map(cell).unwrap_or_default(),
            }
        })
        .filter(|c| !c.pseudonym.is_empty())
        .collect())
}

/// Writes each file into `out` (created if need be).
pub(crate) fn write_files<'a>(
    out: &Path,
    files: impl IntoIterator<Item = (&'a PathBuf, Vec<u8>)>,
) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|source| Error::Io {
        path: out.to_path_buf(),
        source,
    })?;
    for (path, bytes) in files {
        std::fs::write(path, bytes).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
    }
    Ok(())
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}
