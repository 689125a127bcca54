//! Deterministic generator of the synthetic sample data in `sample-data/`:
//! three years of quarterly submissions from every partner agency, in the
//! forms they really send.
//!
//! Everything is made up: no real child is in it. The shapes are calibrated on
//! a real partnership's published figures (../shared/domain.md), one module
//! per agency. Children with a child protection plan (this file) follow the
//! published year ends 216 → 184 → 208. Each module has its own fixed seed,
//! so the output is byte-identical on every run (`make sample-data` changes
//! nothing unless this code changes) and changing one agency's data leaves
//! the others alone.

mod audit_returns;
mod camhs;
mod care;
pub mod common;
mod conferences;
mod education;
pub mod fixtures;
mod front_door;
pub mod national;
mod protection_compliance;
mod responses;
mod returns;
mod vulnerabilities;

use std::path::Path;

use chrono::{Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use common::{
    quarter_at, quarter_bounds, quarter_file, quarters, spaced_flag, upn_of, with_field, write_csv,
};

/// The seed: change it and every sample file changes.
const SEED: u64 = 20_250_401;
/// Target number of children with a plan at the end of each quarter, from
/// 2021/22 Q4 to 2024/25 Q4. The simulation runs `WARM_UP` quarters before
/// that at the first target, so plans start and end at their usual pace by
/// the first submitted quarter.
const CP_TARGETS: [u32; 13] = [
    220, 225, 230, 222, 216, 205, 196, 190, 184, 190, 198, 204, 208,
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

const WARM_UP: usize = 8;

struct Plan {
    child: u32,
    start: NaiveDate,
    end: NaiveDate,
    category: &'static str,
    unborn: bool,
}

/// Writes every sample file under `root/inbox`, and the late submission
/// under `root/late` (it arrives after the quarter's run).
pub fn generate(root: &Path) -> std::io::Result<()> {
    let inbox = &root.join("inbox");
    let late = root.join("late");
    let (protection, plans) = child_protection(inbox)?;
    protection_compliance::generate(inbox, &plans)?;
    let (in_need, referred) = front_door::generate(inbox)?;
    conferences::generate(inbox)?;
    let (in_care, cared_for) = care::generate(inbox)?;
    camhs::generate(inbox)?;
    education::generate(
        inbox,
        &education::Known {
            in_need: &in_need,
            protection: &protection,
            in_care: &in_care,
        },
    )?;
    returns::generate(inbox, &late)?;
    returns::regional_benchmarks(inbox)?;
    responses::generate(inbox)?;
    audit_returns::generate(inbox)?;
    vulnerabilities::generate(inbox, &plans, &cared_for, &referred)?;
    Ok(())
}

/// Child protection plans, one CSV per quarter; returns, quarter by quarter,
/// the pupil numbers of the children with a plan, and the plans.
fn child_protection(inbox: &Path) -> std::io::Result<(Vec<Vec<String>>, Vec<Plan>)> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let plans = simulate_plans(&mut rng);
    for (fy, q) in quarters() {
        let name = format!("cp_plans_{}.csv", quarter_file(fy, q));
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
                write_plans(&inbox.join("csc").join(&name), &partial)?;
                write_plans(
                    &inbox
                        .join("csc")
                        .join(format!("cp_plans_{}_resubmitted.csv", quarter_file(fy, q))),
                    &rows,
                )?;
            }
            _ => write_plans(&inbox.join("csc").join(&name), &with_bad_rows(rows, fy, q))?,
        }
    }
    // Quarter by quarter, the children with a plan at some point in it.
    let upns = quarters()
        .map(|(fy, q)| {
            let (start, end) = quarter_bounds(fy, q);
            plans
                .iter()
                .filter(|p| p.start <= end && p.end >= start && has_upn(p))
                .map(|p| upn_of(p.child))
                .collect()
        })
        .collect();
    Ok((upns, plans))
}

/// Unborn babies and children under five have no pupil number: about one
/// child in four (fixed by the child's number, so no random draw is used).
fn has_upn(p: &Plan) -> bool {
    !p.unborn && !p.child.is_multiple_of(4)
}

/// About one plan in five is a second or subsequent plan (fixed by the
/// child's number).
fn is_second_plan(p: &Plan) -> bool {
    (p.child / 3).is_multiple_of(5)
}

/// Plans started quarter by quarter so that the number open at each quarter
/// end follows `CP_TARGETS` (give or take a few). Plans last 100–540 days, so
/// a plan started in a quarter is still open at its end.
fn simulate_plans(rng: &mut ChaCha8Rng) -> Vec<Plan> {
    let mut plans: Vec<Plan> = Vec::new();
    let mut next_child = 100_000u32;
    let targets = std::iter::repeat_n(&CP_TARGETS[0], WARM_UP).chain(&CP_TARGETS);
    for (i, target) in targets.enumerate() {
        let (fy, q) = quarter_at(i as i32 - WARM_UP as i32 - 1);
        let (start, end) = quarter_bounds(fy, q);
        let surviving = plans.iter().filter(|p| p.end > end).count() as i64;
        let needed = (*target as i64 + rng.random_range(-3..=3) - surviving).max(12);
        for _ in 0..needed {
            // The very first quarter seeds plans that started earlier.
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
                // One plan in fourteen is for an unborn baby, spread evenly
                // so the number open holds steady.
                unborn: spaced_flag(plans.len(), 0.07),
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
            "{id},{},{ended},{},{},{},{}",
            p.start.format("%d/%m/%Y"),
            p.category,
            if p.unborn { "Y" } else { "N" },
            if has_upn(p) {
                upn_of(p.child)
            } else {
                String::new()
            },
            if is_second_plan(p) { "Yes" } else { "No" },
        ));
    }
    rows
}

/// A few genuinely bad rows, so the rejects are shown working.
fn with_bad_rows(mut rows: Vec<String>, fy: i32, q: u8) -> Vec<String> {
    match (fy, q) {
        (2023, 2) if rows.len() > 20 => {
            rows[7] = with_field(&rows[7], 1, "31/02/2023");
            rows[15] = with_field(&rows[15], 2, "01/01/2020");
        }
        (2024, 1) if rows.len() > 20 => rows[11] = with_field(&rows[11], 3, "Cat: Financial"),
        _ => {}
    }
    rows
}

fn write_plans(path: &Path, rows: &[String]) -> std::io::Result<()> {
    write_csv(
        path,
        "Child ID,Plan Start Date,Plan End Date,Category of Abuse,Unborn,UPN,Second or Subsequent Plan",
        rows,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
