//! Overlaying vulnerabilities: one view of each child across agencies.
//!
//! Each definition (`vulnerabilities/*.yaml`) finds, on a day, the children
//! with its vulnerability by the identifier its agency uses. The crosswalk
//! (`person_crosswalk`: person id with UPN and NHS number, every identifier
//! pseudonymised with one key) turns a UPN or NHS number into the person id
//! where it can; where it cannot, the child is kept under the identifier
//! they came with, counted as not linked, never dropped. So a child whose
//! UPN the crosswalk lacks, known to a school and to CAMHS, counts as two
//! children each with one vulnerability: the report says how many records
//! could not be linked, feed by feed.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use futures::{StreamExt, TryStreamExt};
use pqa_core::overlay::{NOT_KNOWN, OverlayChild, age_band, table};
use pqa_core::vulnerability::{Identifier, VulnerabilitySpec};
use pqa_core::{Period, Project};
use pqa_query::{Engine, QueryLayer};
use pqa_report::vulnerabilities::{
    self, LinkRateInput, ListedChild, OverlayInput, VulnerabilityName,
};
use pqa_store::Warehouse;

use crate::audit::{rows_as_text, write_files};
use crate::{Error, Result};

/// The dataset holding the crosswalk of identifiers.
pub const CROSSWALK: &str = "person_crosswalk";

/// A child on the day, under the identifier they are linked by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedChild {
    /// The person id's pseudonym, or for a child the crosswalk could not
    /// link, the pseudonym of the identifier they came with.
    pub pseudonym: String,
    pub identifier: Identifier,
    /// Whether every record of the child was linked through the crosswalk.
    pub linked: bool,
    pub child: OverlayChild,
}

/// How many of a vulnerability's records the crosswalk linked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRate {
    pub vulnerability: String,
    pub identifier: Identifier,
    /// Children the definition found.
    pub found: u64,
    /// Of them, those found through a linked record: a UPN or NHS number
    /// the crosswalk gives a person id for, or a person id it holds.
    pub linked: u64,
}

/// The linked children on one day.
#[derive(Debug, Clone)]
pub struct Linked {
    pub day: NaiveDate,
    pub children: Vec<LinkedChild>,
    pub link_rates: Vec<LinkRate>,
}

/// The SQL linking every definition's children on `day`: one row per
/// child, under the person id where the crosswalk gives one and otherwise
/// under the identifier they came with (`kind`), with a bit per
/// definition the child meets (`flags`), the bits met through a linked
/// record (`linked_flags`), and the person's birth month and postcode
/// sector. At most 63 definitions.
pub fn linkage_sql(specs: &[VulnerabilitySpec], day: NaiveDate) -> String {
    let mut with = vec![
        // A UPN or NHS number the crosswalk gives two people is taken as
        // the first of them: one child, not two.
        format!(
            "xw_upn AS (SELECT upn, min(person_id) AS person_id FROM {CROSSWALK} WHERE upn IS NOT NULL GROUP BY upn)"
        ),
        format!(
            "xw_nhs AS (SELECT nhs_number, min(person_id) AS person_id FROM {CROSSWALK} WHERE nhs_number IS NOT NULL GROUP BY nhs_number)"
        ),
        format!(
            "people AS (SELECT person_id, max(birth_month) AS birth_month, max(postcode_sector) AS postcode_sector FROM {CROSSWALK} GROUP BY person_id)"
        ),
    ];
    // Each definition's children, tagged with its bit; then those named by
    // each kind of identifier linked through the crosswalk in one join (a
    // CTE is recomputed wherever it is used, so one join, not fifteen).
    let mut by_kind: Vec<(Identifier, Vec<String>)> = vec![
        (Identifier::PersonId, vec![]),
        (Identifier::Upn, vec![]),
        (Identifier::NhsNumber, vec![]),
    ];
    for (i, spec) in specs.iter().enumerate() {
        with.push(format!(
            "v{i} AS (SELECT DISTINCT CAST(id AS VARCHAR) AS id FROM ({}) found WHERE id IS NOT NULL)",
            spec.sql_on(day).trim().trim_end_matches(';')
        ));
        let branch = format!("SELECT CAST({} AS BIGINT) AS bit, id FROM v{i}", 1u64 << i);
        if let Some((_, branches)) = by_kind.iter_mut().find(|(k, _)| *k == spec.identifier) {
            branches.push(branch);
        }
    }
    let mut found = Vec::new();
    for (kind, branches) in by_kind.iter().filter(|(_, b)| !b.is_empty()) {
        let (table, column) = match kind {
            Identifier::PersonId => ("people", "person_id"),
            Identifier::Upn => ("xw_upn", "upn"),
            Identifier::NhsNumber => ("xw_nhs", "nhs_number"),
        };
        with.push(format!("by_{column} AS ({})", branches.join(" UNION ALL ")));
        found.push(format!(
            "SELECT f.bit, '{column}' AS kind, f.id, x.person_id FROM by_{column} f LEFT JOIN {table} x ON x.{column} = f.id"
        ));
    }
    if found.is_empty() {
        // No definitions: no children, in the same columns.
        found.push("SELECT CAST(0 AS BIGINT) AS bit, 'person_id' AS kind, CAST(NULL AS VARCHAR) AS id, CAST(NULL AS VARCHAR) AS person_id WHERE false".into());
    }
    format!(
        "WITH {},\nfound AS ({}),\n\
         children AS (\
           SELECT CASE WHEN person_id IS NULL THEN kind ELSE 'person_id' END AS kind, \
                  coalesce(person_id, id) AS pseudonym, \
                  bit_or(bit) AS flags, \
                  bit_or(CASE WHEN person_id IS NULL THEN CAST(0 AS BIGINT) ELSE bit END) AS linked_flags \
           FROM found GROUP BY 1, 2) \
         SELECT c.kind, c.pseudonym, c.flags, c.linked_flags, p.birth_month, p.postcode_sector \
         FROM children c LEFT JOIN people p ON c.kind = 'person_id' AND p.person_id = c.pseudonym",
        with.join(",\n"),
        found.join("\nUNION ALL\n")
    )
}

/// The children with any vulnerability on `day`, linked.
pub async fn link(
    layer: &QueryLayer,
    specs: &[VulnerabilitySpec],
    day: NaiveDate,
) -> Result<Linked> {
    if specs.len() > 63 {
        return Err(Error::Invalid(format!(
            "{} vulnerabilities are defined: the overlay takes at most 63",
            specs.len()
        )));
    }
    let sql = linkage_sql(specs, day);
    let batches = layer
        .sql(&sql)
        .await
        .map_err(|e| Error::from(e).while_(format!("overlaying vulnerabilities on {day}")))?;
    let columns = [
        "kind",
        "pseudonym",
        "flags",
        "linked_flags",
        "birth_month",
        "postcode_sector",
    ];
    let rows = rows_as_text(&batches, &columns)?;
    let mut rates: Vec<LinkRate> = specs
        .iter()
        .map(|s| LinkRate {
            vulnerability: s.vulnerability.clone(),
            identifier: s.identifier,
            found: 0,
            linked: 0,
        })
        .collect();
    let mut children = Vec::with_capacity(rows.len());
    for row in rows {
        let [kind, pseudonym, flags, linked_flags, birth, sector] =
            <[Option<String>; 6]>::try_from(row).map_err(|_| {
                Error::Invalid("the linkage query returned the wrong columns".into())
            })?;
        let bits = |text: Option<String>| text.and_then(|t| t.parse::<u64>().ok()).unwrap_or(0);
        let (flags, linked_flags) = (bits(flags), bits(linked_flags));
        let identifier = match kind.as_deref() {
            Some("upn") => Identifier::Upn,
            Some("nhs_number") => Identifier::NhsNumber,
            _ => Identifier::PersonId,
        };
        let flags: Vec<bool> = (0..specs.len()).map(|v| flags & (1 << v) != 0).collect();
        for (v, rate) in rates.iter_mut().enumerate() {
            if flags[v] {
                rate.found += 1;
                rate.linked += u64::from(linked_flags & (1 << v) != 0);
            }
        }
        children.push(LinkedChild {
            pseudonym: pseudonym.unwrap_or_default(),
            identifier,
            linked: flags
                .iter()
                .enumerate()
                .all(|(v, f)| !f || linked_flags & (1 << v) != 0),
            child: OverlayChild {
                flags,
                age_band: age_band(birth.as_deref().and_then(|b| b.parse().ok()), day).into(),
                area: sector.unwrap_or_else(|| NOT_KNOWN.into()),
            },
        });
    }
    // The query gives no order: sorted, so the same data gives the same list.
    children.sort_by(|a, b| {
        (a.identifier.column(), &a.pseudonym).cmp(&(b.identifier.column(), &b.pseudonym))
    });
    Ok(Linked {
        day,
        children,
        link_rates: rates,
    })
}

/// The crosswalk must be a dataset of the project.
fn crosswalk_defined(project: &Project) -> Result<()> {
    match project.schema(CROSSWALK) {
        Some(_) => Ok(()),
        None => Err(Error::Invalid(format!(
            "overlaying vulnerabilities needs the crosswalk dataset `{CROSSWALK}` (person_id, upn, nhs_number, birth_month, postcode_sector): add its schema under schemas/ and a feed for it"
        ))),
    }
}

/// Whether the crosswalk holds anyone: without it nothing links, and the
/// report leaves the section out rather than overlay nothing.
pub async fn has_crosswalk(layer: &QueryLayer) -> Result<bool> {
    let batches = layer
        .sql(&format!("SELECT count(*) AS n FROM {CROSSWALK}"))
        .await?;
    let rows = rows_as_text(&batches, &["n"])?;
    Ok(rows
        .first()
        .and_then(|r| r[0].as_deref())
        .is_some_and(|n| n != "0"))
}

/// The overlay for a report period: the children on its last day, and the
/// count with 1, 2, and 3 or more vulnerabilities at the end of each
/// quarter, back to `quarters` quarters.
#[derive(Debug, Clone)]
pub struct OverlayRun {
    pub period: Period,
    pub on_the_day: Linked,
    /// Each quarter, oldest first: children with at least 1, 2 and 3.
    pub trend: Vec<(Period, [u64; 3])>,
}

/// Runs the overlay for `period`, with its trend over the `quarters`
/// quarters to its end (quarters with nobody found are left out: no data).
pub async fn run(
    project: &Project,
    layer: &QueryLayer,
    period: Period,
    quarters: usize,
) -> Result<OverlayRun> {
    crosswalk_defined(project)?;
    let specs = &project.vulnerabilities;
    let last = Period::containing(pqa_core::period::PeriodKind::Quarter, period.end())
        .ok_or_else(|| Error::Invalid(format!("{period} has no quarter")))?;
    let mut days = vec![period.end()];
    let mut quarter = last;
    for _ in 1..quarters {
        quarter = quarter.previous();
        days.push(quarter.end());
    }
    // The days are independent: asked together they keep the cores busy.
    let mut linked: Vec<Linked> = futures::stream::iter(&days)
        .map(|day| link(layer, specs, *day))
        .buffered(3)
        .try_collect()
        .await?;
    let mut trend = Vec::new();
    let mut quarter = last;
    for l in &linked {
        let at_least = |n: usize| l.children.iter().filter(|c| c.child.count() >= n).count() as u64;
        // A quarter with nobody found holds no data.
        if at_least(1) > 0 {
            trend.push((quarter, [at_least(1), at_least(2), at_least(3)]));
        }
        quarter = quarter.previous();
    }
    let on_the_day = linked.swap_remove(0);
    trend.reverse();
    Ok(OverlayRun {
        period,
        on_the_day,
        trend,
    })
}

/// Quarters the trend goes back over, the period's own included.
pub const TREND_QUARTERS: usize = 6;

/// The six-monthly report's overlay: none where no vulnerabilities are
/// defined or the crosswalk that links them has not been sent.
pub async fn for_report(
    project: &Project,
    layer: &QueryLayer,
    period: Period,
) -> Result<Option<OverlayInput>> {
    if project.vulnerabilities.is_empty()
        || project.schema(CROSSWALK).is_none()
        || !has_crosswalk(layer).await?
    {
        return Ok(None);
    }
    let run = run(project, layer, period, TREND_QUARTERS).await?;
    Ok(Some(report_input(project, &run)))
}

/// The overlay as the report takes it, every table suppressed.
pub fn report_input(project: &Project, run: &OverlayRun) -> OverlayInput {
    let specs = &project.vulnerabilities;
    let up_to = u64::from(project.file.disclosure.suppress_counts_up_to);
    let support: Vec<bool> = specs.iter().map(|s| s.support).collect();
    let children: Vec<OverlayChild> = run
        .on_the_day
        .children
        .iter()
        .map(|c| c.child.clone())
        .collect();
    OverlayInput {
        period: run.period,
        day: run.on_the_day.day,
        vulnerabilities: specs
            .iter()
            .map(|s| VulnerabilityName {
                label: s.label.clone(),
                title: s.title.clone(),
                agency: s.agency.clone(),
                identifier: s.identifier.words().to_string(),
            })
            .collect(),
        published: table(&children, &support, up_to).publish(up_to),
        trend: run.trend.clone(),
        link_rates: run
            .on_the_day
            .link_rates
            .iter()
            .map(|r| LinkRateInput {
                records: r.found,
                linked: r.linked,
            })
            .collect(),
        not_linked: run.on_the_day.children.iter().filter(|c| !c.linked).count() as u64,
        suppress_up_to: up_to,
    }
}

/// The children with three or more vulnerabilities open to neither
/// children's social care nor early help, most vulnerabilities first.
pub fn without_support(project: &Project, linked: &Linked) -> Vec<ListedChild> {
    let specs = &project.vulnerabilities;
    let mut listed: Vec<(usize, ListedChild)> = linked
        .children
        .iter()
        .filter(|c| {
            c.child.count() >= 3
                && !c
                    .child
                    .flags
                    .iter()
                    .zip(specs)
                    .any(|(f, s)| *f && s.support)
        })
        .map(|c| {
            let which = specs
                .iter()
                .zip(&c.child.flags)
                .filter(|(_, f)| **f)
                .map(|(s, _)| s.label.clone())
                .collect();
            (
                c.child.count(),
                ListedChild {
                    pseudonym: c.pseudonym.clone(),
                    identifier: c.identifier.words().to_string(),
                    vulnerabilities: which,
                },
            )
        })
        .collect();
    listed.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| a.1.pseudonym.cmp(&b.1.pseudonym))
    });
    listed.into_iter().map(|(_, c)| c).collect()
}

/// What `pqa vulnerabilities` wrote.
#[derive(Debug, Clone)]
pub struct WrittenOverlay {
    pub input: OverlayInput,
    /// The workbook of suppressed tables, fit to share.
    pub workbook: PathBuf,
    /// The pseudonymised list, for the local authority alone.
    pub list: PathBuf,
    pub listed: usize,
}

/// Runs the overlay for `period` and writes its workbook and the list.
pub async fn write(
    project: &Project,
    warehouse: &Warehouse,
    engine: &Engine,
    period: Period,
    as_of: Option<i64>,
    out: &Path,
) -> Result<WrittenOverlay> {
    if project.vulnerabilities.is_empty() {
        return Err(Error::Invalid(
            "no vulnerabilities are defined: add one YAML file per vulnerability under vulnerabilities/".into(),
        ));
    }
    crosswalk_defined(project)?;
    let layer = QueryLayer::open(warehouse, project, as_of, engine).await?;
    if !has_crosswalk(&layer).await? {
        return Err(Error::Invalid(format!(
            "the crosswalk `{CROSSWALK}` holds no rows yet: the overlay links agencies' records through it, so load the case system's crosswalk (person id, UPN, NHS number) first"
        )));
    }
    let run = run(project, &layer, period, TREND_QUARTERS).await?;
    let input = report_input(project, &run);
    let listed = without_support(project, &run.on_the_day);
    let stem = period.to_string().replace('/', "-");
    let workbook = out.join(format!("vulnerabilities-{stem}.xlsx"));
    let list = out.join(format!(
        "vulnerabilities-{stem}-list-OFFICIAL-SENSITIVE.xlsx"
    ));
    write_files(
        out,
        [
            (
                &workbook,
                vulnerabilities::workbook(&input).map_err(pqa_report::Error::from)?,
            ),
            (
                &list,
                vulnerabilities::list_workbook(period, run.on_the_day.day, &listed)
                    .map_err(pqa_report::Error::from)?,
            ),
        ],
    )?;
    Ok(WrittenOverlay {
        input,
        workbook,
        list,
        listed: listed.len(),
    })
}
