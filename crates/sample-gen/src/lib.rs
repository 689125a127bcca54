//! Deterministic generator of the synthetic sample data in `sample-data/`.
//!
//! Everything is made up: no real child is in it. The shapes are calibrated on
//! a real partnership's published figures (../shared/domain.md): children with
//! a child protection plan at year end 216 → 184 → 208; families in bed and
//! breakfast rising every quarter to a three-year high. A fixed seed makes the
//! output byte-identical on every run, so `make sample-data` changes nothing
//! unless this code changes.

pub mod fixtures;

use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

/// The seed: change it and every sample file changes.
const SEED: u64 = 20_250_401;
/// First financial year with submissions (2022/23), and how many years.
const FIRST_YEAR: i32 = 2022;
const YEARS: i32 = 3;

/// Target number of children with a plan at the end of each quarter, from
/// 2021/22 Q4 (a year of history before the first submission) to 2024/25 Q4.
const CP_TARGETS: [u32; 13] = [
    220, 225, 230, 222, 216, 205, 196, 190, 184, 190, 198, 204, 208,
];

/// Housing return per quarter 2022/23 Q1 … 2024/25 Q4: families, children,
/// and families there longer than six weeks (`None`: the agency wrote "<5").
const BB_FAMILIES: [u32; 12] = [14, 11, 13, 12, 10, 12, 15, 18, 21, 25, 29, 34];
const BB_CHILDREN: [u32; 12] = [25, 20, 24, 21, 18, 22, 27, 33, 38, 46, 53, 62];
const BB_OVER_SIX_WEEKS: [Option<u32>; 12] = [
    None,
    None,
    Some(5),
    None,
    None,
    None,
    Some(6),
    Some(8),
    Some(9),
    Some(12),
    Some(14),
    Some(17),
];

/// How the case system writes each category, with how often it occurs.
const CATEGORIES: [(&[&str], f64); 5] = [
    (&["Neglect", "N", "Cat: Neglect", "NEGLECT"], 0.68),
    (
        &["Emotional Abuse", "E", "Cat: Emotional", "EMOTIONAL ABUSE"],
        0.24,
    ),
    (&["Sexual Abuse", "S", "Cat: Sexual"], 0.043),
    (&["Physical Abuse", "P", "Cat: Physical"], 0.027),
    (&["Multiple", "M"], 0.01),
];

struct Plan {
    child: u32,
    start: NaiveDate,
    end: NaiveDate,
    category: &'static str,
    unborn: bool,
}

/// Writes every sample file under `inbox`.
pub fn generate(inbox: &Path) -> std::io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    std::fs::create_dir_all(inbox.join("csc"))?;
    std::fs::create_dir_all(inbox.join("housing"))?;
    let plans = simulate_plans(&mut rng);
    for (i, (fy, q)) in quarters().enumerate() {
        let name = format!("cp_plans_{}_Q{q}.csv", fy_file(fy));
        let rows = cp_rows(&plans, fy, q, &mut rng);
        match (fy, q) {
            // Q3 2024/25 was first sent without one team's cases, then resubmitted whole.
            (2024, 3) => {
                let partial: Vec<String> = rows
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| j % 9 != 4)
                    .map(|(_, r)| r.clone())
                    .collect();
                write_csv(&inbox.join("csc").join(&name), &partial)?;
                write_csv(
                    &inbox
                        .join("csc")
                        .join(format!("cp_plans_{}_Q{q}_resubmitted.csv", fy_file(fy))),
                    &rows,
                )?;
            }
            _ => write_csv(&inbox.join("csc").join(&name), &with_bad_rows(rows, fy, q))?,
        }
        write_bb_return(
            &inbox
                .join("housing")
                .join(format!("bed_and_breakfast_{}_Q{q}.xlsx", fy_file(fy))),
            fy,
            q,
            i,
        )?;
    }
    Ok(())
}

fn quarters() -> impl Iterator<Item = (i32, u8)> {
    (FIRST_YEAR..FIRST_YEAR + YEARS).flat_map(|fy| (1..=4).map(move |q| (fy, q)))
}

/// `2024` → `2024-25`, as agencies name files.
fn fy_file(fy: i32) -> String {
    format!("{fy}-{:02}", (fy + 1) % 100)
}

fn quarter_bounds(fy: i32, q: u8) -> (NaiveDate, NaiveDate) {
    let (y, m) = match q {
        1 => (fy, 4),
        2 => (fy, 7),
        3 => (fy, 10),
        _ => (fy + 1, 1),
    };
    let start = NaiveDate::from_ymd_opt(y, m, 1).expect("valid");
    let next = if m == 10 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 3, 1)
    };
    (start, next.expect("valid") - Duration::days(1))
}

/// Plans started quarter by quarter so that the number open at each quarter
/// end follows `CP_TARGETS` (give or take a few). Plans last 100–540 days, so
/// a plan started in a quarter is still open at its end.
fn simulate_plans(rng: &mut ChaCha8Rng) -> Vec<Plan> {
    let mut plans: Vec<Plan> = Vec::new();
    let mut next_child = 100_000u32;
    for (i, target) in CP_TARGETS.iter().enumerate() {
        let (fy, q) = if i == 0 {
            (FIRST_YEAR - 1, 4)
        } else {
            (FIRST_YEAR + (i as i32 - 1) / 4, ((i - 1) % 4 + 1) as u8)
        };
        let (start, end) = quarter_bounds(fy, q);
        let surviving = plans.iter().filter(|p| p.end > end).count() as i64;
        // The first quarter seeds a year of history: those plans started earlier.
        let needed = (*target as i64 + rng.random_range(-3..=3) - surviving).max(12);
        for _ in 0..needed {
            let plan_start = if i == 0 {
                end - Duration::days(rng.random_range(0..360))
            } else {
                start + Duration::days(rng.random_range(0..(end - start).num_days()))
            };
            let days = 100 + (rng.random::<f64>().powf(1.6) * 440.0) as i64;
            let roll: f64 = rng.random();
            let mut acc = 0.0;
            let spellings = CATEGORIES
                .iter()
                .find(|(_, p)| {
                    acc += p;
                    roll < acc
                })
                .map_or(CATEGORIES[0].0, |(s, _)| *s);
            plans.push(Plan {
                child: next_child,
                start: plan_start,
                end: plan_start + Duration::days(days),
                category: spellings[rng.random_range(0..spellings.len())],
                unborn: rng.random::<f64>() < 0.07,
            });
            next_child += rng.random_range(1..4);
        }
    }
    plans
}

/// The quarter's extract: every plan open at some point in the quarter, with
/// an end date only if the plan had ended by the quarter's end.
fn cp_rows(plans: &[Plan], fy: i32, q: u8, rng: &mut ChaCha8Rng) -> Vec<String> {
    let (start, end) = quarter_bounds(fy, q);
    let mut rows = Vec::new();
    for p in plans.iter().filter(|p| p.start <= end && p.end >= start) {
        let ended = if p.end <= end {
            p.end.format("%d/%m/%Y").to_string()
        } else {
            String::new()
        };
        // Identifiers are written with or without the system prefix.
        let id = if rng.random::<f64>() < 0.3 {
            format!("CS{}", p.child)
        } else {
            format!("CS {}", p.child)
        };
        rows.push(format!(
            "{id},{},{ended},{},{}",
            p.start.format("%d/%m/%Y"),
            p.category,
            if p.unborn { "Y" } else { "N" }
        ));
    }
    rows
}

/// A few genuinely bad rows, so the rejects are shown working.
fn with_bad_rows(mut rows: Vec<String>, fy: i32, q: u8) -> Vec<String> {
    let corrupt = |row: &str, field: usize, value: &str| {
        let mut fields: Vec<String> = row.split(',').map(str::to_string).collect();
        fields[field] = value.to_string();
        fields.join(",")
    };
    match (fy, q) {
        (2023, 2) if rows.len() > 20 => {
            rows[7] = corrupt(&rows[7], 1, "31/02/2023");
            rows[15] = corrupt(&rows[15], 2, "01/01/2020");
        }
        (2024, 1) if rows.len() > 20 => rows[11] = corrupt(&rows[11], 3, "Cat: Financial"),
        _ => {}
    }
    rows
}

fn write_csv(path: &Path, rows: &[String]) -> std::io::Result<()> {
    let mut text =
        String::from("Child ID,Plan Start Date,Plan End Date,Category of Abuse,Unborn\r\n");
    for r in rows {
        text.push_str(r);
        text.push_str("\r\n");
    }
    std::fs::write(path, text)
}

/// The housing team's quarterly return: an Excel workbook with title rows
/// above the table and a guidance sheet.
fn write_bb_return(path: &Path, fy: i32, q: u8, i: usize) -> std::io::Result<()> {
    let xlsx = |e: rust_xlsxwriter::XlsxError| std::io::Error::other(e.to_string());
    let mut wb = Workbook::new();
    let when = ExcelDateTime::from_ymd(2025, 4, 1).map_err(xlsx)?;
    wb.set_properties(
        &DocProperties::new()
            .set_author("Housing Options")
            .set_creation_datetime(&when),
    );
    let bold = Format::new().set_bold();
    let (start, end) = quarter_bounds(fy, q);
    let sheet = wb.add_worksheet().set_name("B&B return").map_err(xlsx)?;
    sheet.write_string_with_format(0, 0, "Bed and breakfast placements: quarterly return to the Safeguarding Children Partnership", &bold).map_err(xlsx)?;
    sheet
        .write_string(
            1,
            0,
            format!(
                "Quarter: Q{q} {fy}/{:02} ({} to {} {})",
                (fy + 1) % 100,
                start.format("%B"),
                end.format("%B"),
                end.year()
            ),
        )
        .map_err(xlsx)?;
    for (c, h) in ["Measure", "Number", "Notes"].iter().enumerate() {
        sheet
            .write_string_with_format(3, c as u16, *h, &bold)
            .map_err(xlsx)?;
    }
    let rows: [(&str, Option<u32>, &str); 3] = [
        (
            "Families living in B&B at quarter end",
            Some(BB_FAMILIES[i]),
            "",
        ),
        (
            "Children living in B&B at quarter end",
            Some(BB_CHILDREN[i]),
            "",
        ),
        (
            "Families in B&B for more than 6 weeks",
            BB_OVER_SIX_WEEKS[i],
            "Figures under 5 are not given",
        ),
    ];
    for (r, (measure, value, note)) in rows.iter().enumerate() {
        let row = 4 + r as u32;
        sheet.write_string(row, 0, *measure).map_err(xlsx)?;
        match value {
            Some(v) => sheet.write_number(row, 1, f64::from(*v)).map_err(xlsx)?,
            None => sheet.write_string(row, 1, "<5").map_err(xlsx)?,
        };
        sheet.write_string(row, 2, *note).map_err(xlsx)?;
    }
    sheet.set_column_width(0, 44).map_err(xlsx)?;
    let guidance = wb.add_worksheet().set_name("Guidance").map_err(xlsx)?;
    guidance
        .write_string(
            0,
            0,
            "Count households in bed and breakfast accommodation on the last day of the quarter.",
        )
        .map_err(xlsx)?;
    wb.save(path).map_err(xlsx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarter_bounds_follow_the_financial_year() {
        assert_eq!(
            quarter_bounds(2024, 4),
            (
                NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
                NaiveDate::from_ymd_opt(2025, 3, 31).unwrap()
            )
        );
        assert_eq!(
            quarter_bounds(2024, 3).1,
            NaiveDate::from_ymd_opt(2024, 12, 31).unwrap()
        );
    }

    #[test]
    fn simulated_stock_tracks_the_published_year_ends() {
        let plans = simulate_plans(&mut ChaCha8Rng::seed_from_u64(SEED));
        for (fy, published) in [(2022, 216), (2023, 184), (2024, 208)] {
            let (_, end) = quarter_bounds(fy, 4);
            let open = plans
                .iter()
                .filter(|p| p.start <= end && p.end > end)
                .count() as i64;
            assert!(
                (open - published).abs() <= 6,
                "{fy}: {open} open, published {published}"
            );
        }
    }
}
