//! Children with overlaying vulnerabilities: the six-monthly report's
//! section and its own workbook. Children counted by how many of the
//! vulnerabilities they have, the commonest combinations (an UpSet chart),
//! by age band and by area, the trend by quarter, and the children with
//! three or more open to neither children's social care nor early help;
//! with how well the agencies' records linked, so a reader knows what the
//! counts can bear.
//!
//! Every figure comes suppressed from `pqa_core::overlay` (one table, with
//! secondary suppression across all of it); the trend and the link rates
//! are published apart, each with its own primary suppression.

use chrono::NaiveDate;
use pqa_core::Period;
use pqa_core::overlay::{BUCKETS, GRID_BUCKETS, Published, Row, primary};
use pqa_core::suppression::{Sum, suppress};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde::Serialize;

use crate::disclosure::SUPPRESSED;
use crate::upset::{Combination, upset_alt, upset_chart};
use crate::xlsx::text_row;

/// A vulnerability as the report names it.
#[derive(Debug, Clone)]
pub struct VulnerabilityName {
    pub label: String,
    /// The definition in words, with its window.
    pub title: String,
    pub agency: String,
    /// The identifier its agency names children by, in words.
    pub identifier: String,
}

/// How many of a vulnerability's children the crosswalk linked.
#[derive(Debug, Clone)]
pub struct LinkRateInput {
    pub records: u64,
    pub linked: u64,
}

/// The overlay for the report: everything already worked out.
#[derive(Debug, Clone)]
pub struct OverlayInput {
    pub period: Period,
    /// The day the children are looked at: the period's last day.
    pub day: NaiveDate,
    pub vulnerabilities: Vec<VulnerabilityName>,
    pub published: Published,
    /// Each quarter, oldest first: children with at least 1, 2 and 3.
    pub trend: Vec<(Period, [u64; 3])>,
    /// In the vulnerabilities' order.
    pub link_rates: Vec<LinkRateInput>,
    /// Children some of whose records could not be linked.
    pub not_linked: u64,
    pub suppress_up_to: u64,
}

#[derive(Debug, Serialize)]
pub(crate) struct OverlayView {
    pub(crate) day: String,
    pub(crate) headline: String,
    pub(crate) by_number: Vec<String>,
    pub(crate) children: String,
    pub(crate) chart: String,
    pub(crate) chart_words: String,
    pub(crate) other: String,
    pub(crate) vulnerabilities: Vec<VulnerabilityRow>,
    pub(crate) by_age: Vec<CountRow>,
    pub(crate) by_area: Vec<CountRow>,
    pub(crate) trend: Vec<[String; 4]>,
    pub(crate) links: Vec<[String; 6]>,
    pub(crate) not_linked: String,
    pub(crate) suppressed: usize,
    pub(crate) buckets: [&'static str; 4],
    pub(crate) grid_buckets: [&'static str; 3],
}

#[derive(Debug, Serialize)]
pub(crate) struct VulnerabilityRow {
    pub(crate) label: String,
    pub(crate) title: String,
    pub(crate) agency: String,
    pub(crate) children: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct CountRow {
    pub(crate) label: String,
    pub(crate) counts: Vec<String>,
    pub(crate) total: String,
}

/// A count as published: the figure, or "c".
fn figure(n: Option<u64>) -> String {
    n.map_or_else(|| SUPPRESSED.to_string(), thousands)
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The section's first sentence: true of the figures beside it, a
/// suppressed figure said in words and never guessed at.
pub fn headline(input: &OverlayInput) -> String {
    let p = &input.published;
    let day = crate::actions::day(input.day);
    let n = input.vulnerabilities.len();
    let some = |x: Option<u64>| match x {
        Some(x) => thousands(x),
        // Small, or withheld so that a small one cannot be worked out:
        // either way, never guessed at.
        None => "a number not shown (so that no child can be identified)".to_string(),
    };
    format!(
        "On {day}, {} children had at least one of the {n} vulnerabilities the partnership tracks; {} had three or more, and {} of those were open to neither children's social care nor early help.",
        some(p.children),
        some(p.three_or_more),
        some(p.three_or_more_without_support)
    )
}

/// The link rates as published: vulnerability, identifier, children
/// found, linked, not linked and the share linked; each row suppressed so
/// no count of 1 to 4 can be worked out from the others.
pub fn link_rows(input: &OverlayInput) -> Vec<[String; 6]> {
    input
        .vulnerabilities
        .iter()
        .zip(&input.link_rates)
        .map(|(v, r)| {
            let counts = [r.records, r.linked, r.records - r.linked];
            let sums = [Sum {
                total: 0,
                parts: vec![1, 2],
            }];
            let off = suppress(&counts, &sums, input.suppress_up_to);
            let shown = |i: usize| figure((!off[i]).then_some(counts[i]));
            let rate = if off[1] || off[2] || r.records == 0 {
                "–".to_string()
            } else {
                format!("{:.0}%", 100.0 * r.linked as f64 / r.records as f64)
            };
            [
                v.label.clone(),
                v.identifier.clone(),
                shown(0),
                shown(1),
                shown(2),
                rate,
            ]
        })
        .collect()
}

fn count_rows(rows: &[Row]) -> Vec<CountRow> {
    rows.iter()
        .map(|r| CountRow {
            label: r.label.clone(),
            counts: r.counts.iter().map(|c| figure(*c)).collect(),
            total: figure(r.total),
        })
        .collect()
}

fn chart_combinations(p: &Published) -> Vec<Combination> {
    p.combinations
        .iter()
        .map(|c| Combination {
            members: c.members.clone(),
            count: c.count,
        })
        .collect()
}

pub(crate) fn view(input: &OverlayInput) -> Result<OverlayView, String> {
    let p = &input.published;
    let labels: Vec<String> = input
        .vulnerabilities
        .iter()
        .map(|v| v.label.clone())
        .collect();
    let combinations = chart_combinations(p);
    let up_to = input.suppress_up_to;
    Ok(OverlayView {
        day: crate::actions::day(input.day),
        headline: headline(input),
        by_number: p.by_number.iter().map(|c| figure(*c)).collect(),
        children: figure(p.children),
        chart: if combinations.is_empty() {
            String::new()
        } else {
            upset_chart(&labels, &combinations)?
        },
        chart_words: upset_alt(&labels, &combinations, 5),
        other: format!(
            "{} more children have one of {} other combinations of two or more, each too rare to show alone.",
            figure(p.other_combinations),
            p.other_combination_kinds
        ),
        vulnerabilities: input
            .vulnerabilities
            .iter()
            .zip(&p.by_vulnerability)
            .map(|(v, n)| VulnerabilityRow {
                label: v.label.clone(),
                title: v.title.clone(),
                agency: v.agency.clone(),
                children: figure(*n),
            })
            .collect(),
        by_age: count_rows(&p.by_age),
        by_area: count_rows(&p.by_area),
        trend: input
            .trend
            .iter()
            .map(|(q, counts)| {
                let [a, b, c] = counts.map(|n| figure(primary(n, up_to)));
                [q.label(), a, b, c]
            })
            .collect(),
        links: link_rows(input),
        not_linked: figure(primary(input.not_linked, up_to)),
        suppressed: p.suppressed,
        buckets: BUCKETS,
        grid_buckets: GRID_BUCKETS,
    })
}

/// The section's own workbook: every table of the section, one a sheet,
/// with the definitions and how the records linked.
pub fn workbook(input: &OverlayInput) -> Result<Vec<u8>, XlsxError> {
    let v = view(input).map_err(XlsxError::ParameterError)?;
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let period = input.period.long_label();
    let sheet = book.add_worksheet().set_name("About")?;
    crate::audit_pack::facts_sheet(
        sheet,
        [
            ("Children with overlaying vulnerabilities", period.as_str()),
            ("On", v.day.as_str()),
            ("Headline", v.headline.as_str()),
            (
                "Small numbers",
                "Counts from 1 to 4 are shown as c, and enough others with them that none can be worked out from the totals.",
            ),
            (
                "Linking",
                "Agencies' records are linked by the case system's crosswalk of person id, UPN and NHS number, all pseudonymised with one key. A child whose identifier the crosswalk lacks is counted under the identifier they came with: never dropped, but possibly counted twice with fewer vulnerabilities each.",
            ),
        ],
        &bold,
        &wrap,
    )?;
    sheet.set_column_width(0, 36)?.set_column_width(1, 100)?;

    let sheet = book.add_worksheet().set_name("By number")?;
    crate::audit_pack::header(sheet, 0, &["Vulnerabilities", "Children"], &bold)?;
    for (i, (b, n)) in BUCKETS.iter().zip(&v.by_number).enumerate() {
        text_row(sheet, i as u32 + 1, &[b, n], &wrap)?;
    }
    text_row(sheet, 5, &["Any", &v.children], &wrap)?;

    let sheet = book.add_worksheet().set_name("Combinations")?;
    let mut names: Vec<&str> = input
        .vulnerabilities
        .iter()
        .map(|v| v.label.as_str())
        .collect();
    names.push("Children");
    crate::audit_pack::header(sheet, 0, &names, &bold)?;
    for (i, c) in input.published.combinations.iter().enumerate() {
        let mut cells: Vec<String> = c
            .members
            .iter()
            .map(|m| if *m { "Yes".into() } else { String::new() })
            .collect();
        cells.push(figure(c.count));
        let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
        text_row(sheet, i as u32 + 1, &cells, &wrap)?;
    }
    let row = input.published.combinations.len() as u32 + 2;
    sheet.write_string(row, 0, &v.other)?;

    let sheet = book.add_worksheet().set_name("By vulnerability")?;
    crate::audit_pack::header(
        sheet,
        0,
        &["Vulnerability", "Definition", "Agency", "Children"],
        &bold,
    )?;
    for (i, r) in v.vulnerabilities.iter().enumerate() {
        text_row(
            sheet,
            i as u32 + 1,
            &[&r.label, &r.title, &r.agency, &r.children],
            &wrap,
        )?;
    }
    sheet.set_column_width(1, 70)?;

    for (name, rows) in [("By age band", &v.by_age), ("By area", &v.by_area)] {
        let sheet = book.add_worksheet().set_name(name)?;
        let mut head = vec![if name == "By area" {
            "Postcode sector"
        } else {
            "Age band"
        }];
        head.extend(GRID_BUCKETS);
        head.push("All");
        crate::audit_pack::header(sheet, 0, &head, &bold)?;
        for (i, r) in rows.iter().enumerate() {
            let mut cells: Vec<&str> = vec![&r.label];
            cells.extend(r.counts.iter().map(String::as_str));
            cells.push(&r.total);
            text_row(sheet, i as u32 + 1, &cells, &wrap)?;
        }
    }

    let sheet = book.add_worksheet().set_name("Trend")?;
    crate::audit_pack::header(
        sheet,
        0,
        &["Quarter", "1 or more", "2 or more", "3 or more"],
        &bold,
    )?;
    for (i, r) in v.trend.iter().enumerate() {
        let cells: Vec<&str> = r.iter().map(String::as_str).collect();
        text_row(sheet, i as u32 + 1, &cells, &wrap)?;
    }

    let sheet = book.add_worksheet().set_name("Linkage")?;
    crate::audit_pack::header(
        sheet,
        0,
        &[
            "Vulnerability",
            "Identifier",
            "Children found",
            "Linked",
            "Not linked",
            "Linked (%)",
        ],
        &bold,
    )?;
    for (i, r) in v.links.iter().enumerate() {
        let cells: Vec<&str> = r.iter().map(String::as_str).collect();
        text_row(sheet, i as u32 + 1, &cells, &wrap)?;
    }
    book.save_to_buffer()
}

/// The six-monthly workbook's sheet: the headline, the children by number
/// of vulnerabilities and by each one (the section's own workbook has the
/// rest).
pub(crate) fn report_sheet(
    sheet: &mut Worksheet,
    bold: &Format,
    wrap: &Format,
    v: &OverlayView,
) -> Result<(), XlsxError> {
    text_row(sheet, 0, &[&v.headline], wrap)?;
    let mut head = vec!["Vulnerabilities"];
    head.extend(BUCKETS);
    head.push("Any");
    crate::audit_pack::header(sheet, 2, &head, bold)?;
    let mut cells: Vec<&str> = vec!["Children"];
    cells.extend(v.by_number.iter().map(String::as_str));
    cells.push(&v.children);
    text_row(sheet, 3, &cells, wrap)?;
    crate::audit_pack::header(
        sheet,
        5,
        &["Vulnerability", "Definition", "From", "Children"],
        bold,
    )?;
    for (i, r) in v.vulnerabilities.iter().enumerate() {
        text_row(
            sheet,
            6 + i as u32,
            &[&r.label, &r.title, &r.agency, &r.children],
            wrap,
        )?;
    }
    sheet.set_column_width(0, 30)?.set_column_width(1, 70)?;
    Ok(())
}

/// A child on the list for re-identification.
#[derive(Debug, Clone)]
pub struct ListedChild {
    pub pseudonym: String,
    /// The identifier the pseudonym is of, in words ("person id").
    pub identifier: String,
    /// The child's vulnerabilities, by label.
    pub vulnerabilities: Vec<String>,
}

/// The list of children with three or more vulnerabilities open to
/// neither children's social care nor early help, for the local authority
/// only: pseudonyms it turns back into children with `pqa audit
/// reidentify`, as it does an audit pack. Never published.
pub fn list_workbook(
    period: Period,
    day: NaiveDate,
    children: &[ListedChild],
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let sheet = book.add_worksheet().set_name("About")?;
    let count = children.len().to_string();
    let title = period.long_label();
    let on = crate::actions::day(day);
    crate::audit_pack::facts_sheet(
        sheet,
        [
            (
                "Children with three or more vulnerabilities open to neither children's social care nor early help",
                title.as_str(),
            ),
            ("On", on.as_str()),
            ("Children", count.as_str()),
            (
                "OFFICIAL-SENSITIVE",
                "For the local authority only: not to be published or shared beyond those who need to act on it. Each child is a pseudonym; to see who they are, run `pqa audit reidentify --pack THIS_FILE --extract CASE_SYSTEM.csv --id-column \"Person ID\"` with the key the data were loaded with (a child listed by UPN or NHS number needs an extract with that column).",
            ),
        ],
        &bold,
        &wrap,
    )?;
    sheet.set_column_width(0, 40)?.set_column_width(1, 100)?;
    let sheet = book
        .add_worksheet()
        .set_name(crate::audit_pack::SAMPLE_SHEET)?;
    crate::audit_pack::header(
        sheet,
        0,
        &[
            "Reference",
            crate::audit_pack::PSEUDONYM_COLUMN,
            "Identifier",
            "Group",
            "Vulnerabilities",
        ],
        &bold,
    )?;
    for (i, c) in children.iter().enumerate() {
        let reference = format!("V{:03}", i + 1);
        let group = format!("{} vulnerabilities", c.vulnerabilities.len());
        let which = c.vulnerabilities.join("; ");
        text_row(
            sheet,
            i as u32 + 1,
            &[&reference, &c.pseudonym, &c.identifier, &group, &which],
            &wrap,
        )?;
    }
    sheet.set_column_width(1, 36)?.set_column_width(4, 80)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pqa_core::overlay::{OverlayChild, table};

    fn input(children: &[OverlayChild]) -> OverlayInput {
        let names = ["Reduced timetable", "Open to CAMHS", "Early help"];
        OverlayInput {
            period: Period::Half(2024, 2),
            day: NaiveDate::from_ymd_opt(2025, 3, 31).unwrap(),
            vulnerabilities: names
                .iter()
                .map(|n| VulnerabilityName {
                    label: n.to_string(),
                    title: n.to_string(),
                    agency: "A".into(),
                    identifier: "UPN".into(),
                })
                .collect(),
            published: table(children, &[false, false, true], 4).publish(4),
            trend: vec![(Period::Quarter(2024, 4), [30, 12, 3])],
            link_rates: vec![
                LinkRateInput {
                    records: 40,
                    linked: 38,
                },
                LinkRateInput {
                    records: 40,
                    linked: 30,
                },
                LinkRateInput {
                    records: 0,
                    linked: 0,
                },
            ],
            not_linked: 12,
            suppress_up_to: 4,
        }
    }

    fn child(flags: [bool; 3]) -> OverlayChild {
        OverlayChild {
            flags: flags.to_vec(),
            age_band: "10 to 15".into(),
            area: "PO30 1".into(),
        }
    }

    #[test]
    fn the_headline_says_what_the_table_shows() {
        let mut children = vec![child([true, true, false]); 8];
        children.extend(vec![child([true, false, false]); 9]);
        children.extend(vec![child([true, true, true]); 6]);
        let i = input(&children);
        assert_eq!(
            headline(&i),
            "On 31 March 2025, 23 children had at least one of the 3 vulnerabilities the partnership tracks; 6 had three or more, and 0 of those were open to neither children's social care nor early help."
        );
    }

    #[test]
    fn a_suppressed_figure_is_said_in_words_never_guessed() {
        let mut children = vec![child([true, true, false]); 8];
        children.extend(vec![child([true, true, true]); 3]);
        children.extend(vec![child([true, false, false]); 9]);
        let text = headline(&input(&children));
        assert!(
            text.contains(
                "; a number not shown (so that no child can be identified) had three or more"
            ),
            "{text}"
        );
        assert!(!text.contains("; 3 had"), "{text}");
    }

    #[test]
    fn link_rates_hide_a_small_number_not_linked_and_its_rate() {
        let i = input(&vec![child([true, false, false]); 6]);
        let rows = link_rows(&i);
        assert_eq!(
            rows[0][2..],
            ["40", "c", "c", "–"].map(String::from),
            "40 = 38 + 2: the 2, and the 38 that gives it away"
        );
        assert_eq!(rows[1][2..], ["40", "30", "10", "75%"].map(String::from));
        assert_eq!(rows[2][5], "–");
    }

    #[test]
    fn the_workbooks_open_with_every_sheet() {
        let children = vec![child([true, true, false]); 8];
        let book = workbook(&input(&children)).unwrap();
        assert!(book.starts_with(b"PK"));
        let list = list_workbook(
            Period::Half(2024, 2),
            NaiveDate::from_ymd_opt(2025, 3, 31).unwrap(),
            &[ListedChild {
                pseudonym: "ab".into(),
                identifier: "person id".into(),
                vulnerabilities: vec!["x".into(), "y".into(), "z".into()],
            }],
        )
        .unwrap();
        assert!(list.starts_with(b"PK"));
    }
}
