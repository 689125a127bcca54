//! An audit pack: the children drawn for a multi-agency audit, who audits
//! each, the cohort's mix beside the sample's, and a chronology per child.
//! Written as an Excel workbook (to work in) and an HTML page (to read).
//!
//! It holds pseudonyms only: the local authority, which holds the key,
//! re-identifies the children on its own machine (`pqa audit reidentify`).

use std::collections::BTreeMap;

use pqa_core::Period;
use pqa_core::audit::{Allocation, AuditSpec, AuditedBy, ChronologyEvent, CohortChild, Drawn};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde::Serialize;

use crate::Result;

/// Everything a pack says.
#[derive(Debug, Clone, Copy)]
pub struct PackInput<'a> {
    pub partnership: &'a str,
    pub spec: &'a AuditSpec,
    pub period: Period,
    pub seed: u64,
    /// The warehouse run the cohort was read from (`None`: empty warehouse).
    pub run: Option<i64>,
    pub drawn_on: chrono::NaiveDate,
    pub cohort: &'a [CohortChild],
    pub sample: &'a [Drawn],
    pub allocations: &'a [Allocation],
    pub chronology: &'a [ChronologyEvent],
}

/// The sheet name of the list of children, which `pqa audit reidentify` reads.
pub const SAMPLE_SHEET: &str = "Children";
/// The column of that sheet holding each child's pseudonym.
pub const PSEUDONYM_COLUMN: &str = "Pseudonym";

#[derive(Serialize)]
struct View {
    title: String,
    partnership: String,
    purpose: String,
    period: String,
    seed: u64,
    run: String,
    drawn_on: String,
    cohort: usize,
    sample: usize,
    multi_agency: usize,
    single_agency: String,
    strata: Vec<StratumRow>,
    profile: Vec<ProfileTable>,
    children: Vec<ChildView>,
}

#[derive(Serialize)]
struct StratumRow {
    label: String,
    in_cohort: usize,
    share: String,
    drawn: usize,
    multi_agency: usize,
}

#[derive(Serialize)]
struct ProfileTable {
    column: String,
    rows: Vec<ProfileRow>,
}

#[derive(Serialize)]
struct ProfileRow {
    value: String,
    cohort: usize,
    cohort_pct: String,
    sample: usize,
    sample_pct: String,
}

#[derive(Serialize)]
struct ChildView {
    reference: String,
    pseudonym: String,
    stratum: String,
    audited_by: String,
    profile: Vec<(String, String)>,
    events: Vec<EventView>,
}

#[derive(Serialize)]
struct EventView {
    date: String,
    agency: String,
    event: String,
    detail: String,
}

/// `n` as a whole percentage of `of` ("–" of nothing).
pub(crate) fn pct(n: usize, of: usize) -> String {
    if of == 0 {
        "–".into()
    } else {
        format!("{:.0}%", 100.0 * n as f64 / of as f64)
    }
}

fn view(input: &PackInput) -> View {
    let spec = input.spec;
    let label = |stratum: &str| {
        spec.strata
            .iter()
            .find(|s| s.stratum == stratum)
            .map_or(stratum.to_string(), |s| s.label.clone())
    };
    let strata = input
        .allocations
        .iter()
        .map(|a| StratumRow {
            label: label(&a.stratum),
            in_cohort: a.in_cohort,
            share: format!("{:.0}%", 100.0 * a.wanted / spec.sample as f64),
            drawn: a.drawn,
            multi_agency: a.multi_agency,
        })
        .collect();
    let cohort = pqa_core::audit::profile(spec, input.cohort);
    let sample = pqa_core::audit::profile(spec, input.sample.iter().map(|d| &d.child));
    let profile = cohort
        .into_iter()
        .zip(sample)
        .map(|((column, in_cohort), (_, in_sample))| {
            let values: std::collections::BTreeSet<&String> =
                in_cohort.keys().chain(in_sample.keys()).collect();
            let get = |m: &BTreeMap<String, usize>, v: &String| m.get(v).copied().unwrap_or(0);
            let rows = values
                .into_iter()
                .map(|v| ProfileRow {
                    value: v.clone(),
                    cohort: get(&in_cohort, v),
                    cohort_pct: pct(get(&in_cohort, v), input.cohort.len()),
                    sample: get(&in_sample, v),
                    sample_pct: pct(get(&in_sample, v), input.sample.len()),
                })
                .collect();
            ProfileTable { column, rows }
        })
        .collect();
    let children = input
        .sample
        .iter()
        .map(|d| ChildView {
            reference: d.reference.clone(),
            pseudonym: d.child.child_id.clone(),
            stratum: label(&d.child.stratum),
            audited_by: audited_by(spec, d.audited_by),
            profile: spec
                .profile
                .iter()
                .cloned()
                .zip(d.child.profile.iter().cloned())
                .collect(),
            events: input
                .chronology
                .iter()
                .filter(|e| e.child_id == d.child.child_id)
                .map(|e| EventView {
                    date: e.event_date.clone(),
                    agency: e.agency.clone(),
                    event: e.event.clone(),
                    detail: e.detail.clone(),
                })
                .collect(),
        })
        .collect();
    View {
        title: spec.title.clone(),
        partnership: input.partnership.to_string(),
        purpose: spec.purpose.trim().to_string(),
        period: input.period.long_label(),
        seed: input.seed,
        run: input
            .run
            .map_or("none (an empty warehouse)".into(), |r| format!("run {r}")),
        drawn_on: input.drawn_on.format("%-d %B %Y").to_string(),
        cohort: input.cohort.len(),
        sample: input.sample.len(),
        multi_agency: input
            .sample
            .iter()
            .filter(|d| d.audited_by == AuditedBy::AllAgencies)
            .count(),
        single_agency: spec.single_agency.clone(),
        strata,
        profile,
        children,
    }
}

fn audited_by(spec: &AuditSpec, by: AuditedBy) -> String {
    match by {
        AuditedBy::AllAgencies => "All agencies".into(),
        AuditedBy::SingleAgency => format!("{} alone", spec.single_agency),
    }
}

/// The pack as an HTML page (self-contained; every value escaped).
pub fn to_html(input: &PackInput) -> Result<String> {
    crate::render_page(
        "audit_pack.html",
        include_str!("../templates/audit_pack.html"),
        view(input),
    )
}

/// The pack as an Excel workbook: About, Profile, Children (the sheet
/// `pqa audit reidentify` reads) and Chronology.
pub fn to_xlsx(input: &PackInput) -> Result<Vec<u8>> {
    let v = view(input);
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();

    let about = book.add_worksheet().set_name("About")?;
    about.set_column_width(0, 28)?;
    about.set_column_width(1, 90)?;
    let facts = [
        ("Audit", v.title.clone()),
        ("Partnership", v.partnership.clone()),
        ("Purpose", v.purpose.clone()),
        ("Period", v.period.clone()),
        ("Drawn on", v.drawn_on.clone()),
        ("From the warehouse as at", v.run.clone()),
        ("Random seed", v.seed.to_string()),
        ("Children in the cohort", v.cohort.to_string()),
        ("Children drawn", v.sample.to_string()),
        ("Audited by all agencies", v.multi_agency.to_string()),
        (
            "Identifiers",
            "Pseudonyms only. The local authority re-identifies the children on its own machine with `pqa audit reidentify`; the list it makes stays within its systems.".into(),
        ),
    ];
    facts_sheet(
        about,
        facts.iter().map(|(k, v)| (*k, v.as_str())),
        &bold,
        &wrap,
    )?;
    let mut row = facts.len() as u32 + 1;
    header(
        about,
        row,
        &[
            "Group",
            "In the cohort",
            "Share wanted",
            "Drawn",
            "Audited by all agencies",
        ],
        &bold,
    )?;
    for s in &v.strata {
        row += 1;
        crate::xlsx::text_cell(about, row, 0, &s.label, &wrap)?;
        about.write_number(row, 1, s.in_cohort as f64)?;
        about.write_string(row, 2, &s.share)?;
        about.write_number(row, 3, s.drawn as f64)?;
        about.write_number(row, 4, s.multi_agency as f64)?;
    }

    let profile = book.add_worksheet().set_name("Profile")?;
    profile.set_column_width(0, 24)?;
    profile.set_column_width(1, 28)?;
    header(
        profile,
        0,
        &[
            "Characteristic",
            "Value",
            "Cohort",
            "Cohort %",
            "Sample",
            "Sample %",
        ],
        &bold,
    )?;
    let mut row = 0;
    for table in &v.profile {
        for r in &table.rows {
            row += 1;
            profile.write_string(row, 0, &table.column)?;
            crate::xlsx::text_cell(profile, row, 1, &r.value, &wrap)?;
            profile.write_number(row, 2, r.cohort as f64)?;
            profile.write_string(row, 3, &r.cohort_pct)?;
            profile.write_number(row, 4, r.sample as f64)?;
            profile.write_string(row, 5, &r.sample_pct)?;
        }
    }

    let children = book.add_worksheet().set_name(SAMPLE_SHEET)?;
    let mut columns = vec!["Reference", PSEUDONYM_COLUMN, "Group", "Audited by"];
    columns.extend(input.spec.profile.iter().map(String::as_str));
    header(children, 0, &columns, &bold)?;
    children.set_column_width(1, 36)?;
    children.set_column_width(2, 40)?;
    children.set_column_width(3, 34)?;
    for (i, c) in v.children.iter().enumerate() {
        let row = i as u32 + 1;
        children.write_string(row, 0, &c.reference)?;
        children.write_string(row, 1, &c.pseudonym)?;
        crate::xlsx::text_cell(children, row, 2, &c.stratum, &wrap)?;
        children.write_string(row, 3, &c.audited_by)?;
        for (k, (_, value)) in c.profile.iter().enumerate() {
            crate::xlsx::text_cell(children, row, 4 + k as u16, value, &wrap)?;
        }
    }

    let chronology = book.add_worksheet().set_name("Chronology")?;
    header(
        chronology,
        0,
        &["Reference", "Date", "Agency", "Event", "Detail"],
        &bold,
    )?;
    chronology.set_column_width(1, 12)?;
    chronology.set_column_width(2, 24)?;
    chronology.set_column_width(3, 28)?;
    chronology.set_column_width(4, 40)?;
    let mut row = 0;
    for c in &v.children {
        for e in &c.events {
            row += 1;
            chronology.write_string(row, 0, &c.reference)?;
            chronology.write_string(row, 1, &e.date)?;
            crate::xlsx::text_cell(chronology, row, 2, &e.agency, &wrap)?;
            crate::xlsx::text_cell(chronology, row, 3, &e.event, &wrap)?;
            crate::xlsx::text_cell(chronology, row, 4, &e.detail, &wrap)?;
        }
    }
    Ok(book.save_to_buffer()?)
}

/// Key and value, one pair a row from the top: the sheet a workbook opens on.
pub(crate) fn facts_sheet<'a>(
    sheet: &mut Worksheet,
    facts: impl IntoIterator<Item = (&'a str, &'a str)>,
    bold: &Format,
    wrap: &Format,
) -> Result<(), XlsxError> {
    for (row, (key, value)) in facts.into_iter().enumerate() {
        sheet.write_string_with_format(row as u32, 0, key, bold)?;
        crate::xlsx::text_cell(sheet, row as u32, 1, value, wrap)?;
    }
    Ok(())
}

pub(crate) fn header(
    sheet: &mut Worksheet,
    row: u32,
    names: &[&str],
    bold: &Format,
) -> Result<(), XlsxError> {
    for (c, name) in names.iter().enumerate() {
        sheet.write_string_with_format(row, c as u16, *name, bold)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use pqa_core::audit::{Stratum, draw};

    use super::*;

    fn spec() -> AuditSpec {
        AuditSpec {
            audit: "under_twos".into(),
            title: "Under twos".into(),
            purpose: "<script>alert(1)</script>".into(),
            cohort: "{start} {end}".into(),
            strata: vec![
                Stratum {
                    stratum: "a".into(),
                    label: "Referred".into(),
                    share: 0.5,
                },
                Stratum {
                    stratum: "b".into(),
                    label: "Not referred".into(),
                    share: 0.5,
                },
            ],
            sample: 4,
            multi_agency: 2,
            single_agency: "Children's social care".into(),
            profile: vec!["age".into()],
            chronology: "{sample}".into(),
        }
    }

    #[test]
    fn the_html_escapes_and_lists_every_child_with_its_events() {
        let spec = spec();
        let cohort: Vec<CohortChild> = (0..10)
            .map(|k| CohortChild {
                child_id: format!("{k:032x}"),
                stratum: if k % 2 == 0 { "a" } else { "b" }.into(),
                profile: vec![(k % 2).to_string()],
            })
            .collect();
        let (sample, allocations) = draw(&spec, &cohort, 3);
        let chronology = vec![ChronologyEvent {
            child_id: sample[0].child.child_id.clone(),
            event_date: "2024-07-01".into(),
            agency: "police".into(),
            event: "Contact".into(),
            detail: "=1+1 <b>".into(),
        }];
        let input = PackInput {
            partnership: "P",
            spec: &spec,
            period: "2024/25-H1".parse().unwrap(),
            seed: 3,
            run: Some(2),
            drawn_on: chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap(),
            cohort: &cohort,
            sample: &sample,
            allocations: &allocations,
            chronology: &chronology,
        };
        let html = to_html(&input).unwrap();
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;b&gt;"));
        for d in &sample {
            assert!(html.contains(&d.child.child_id));
            assert!(html.contains(&format!(">{}<", d.reference)));
        }
        assert!(to_xlsx(&input).unwrap().len() > 1000);
    }
}
