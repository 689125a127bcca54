//! Education: pupil-level attendance each term (schools' census extract, one
//! CSV per term) and the education service's quarterly return (children
//! educated at home, suspensions, permanent exclusions).
//!
//! The attendance files include the children known to social care (in need,
//! with a child protection plan, in care) by the same pupil number, so the
//! warehouse links them once both are pseudonymised. Rates stay steady:
//! about one pupil in seven persistently absent overall, far more among
//! children known to social care.

use std::collections::BTreeMap;
use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::common::{
    Sheet, around, exact_flags, fy_file, measure_rows, quarter_file, quarter_index, quarter_title,
    quarters, spaced_flags, upn_of, with_field, write_csv, write_xlsx,
};

const SEED: u64 = 7_005;
const PUPILS: u32 = 8_000;

/// Children known to social care, by pupil number, quarter by quarter
/// (index 0 is 2022/23 Q1).
pub struct Known<'a> {
    /// The children an assessment found in need in each quarter.
    pub in_need: &'a [Vec<String>],
    /// The children with a child protection plan at some point in the quarter.
    pub protection: &'a [Vec<String>],
    /// The children in care at some point in the quarter.
    pub in_care: &'a [Vec<String>],
}

/// The share of each group persistently absent in a term (before a term's
/// wobble of up to 2 points either way).
const PROTECTION_SHARE: f64 = 0.45;
const IN_CARE_SHARE: f64 = 0.28;
const IN_NEED_SHARE: f64 = 0.38;
const EVERYONE_SHARE: f64 = 0.16;

pub fn generate(inbox: &Path, known: &Known) -> std::io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    // Every pupil has a usual tendency to be absent. Children known to social
    // care are in every term's return; in the terms they are known, whether
    // they are persistently absent is drawn afresh for their group, so each
    // group's rate wobbles around its share without drifting as its members
    // change.
    let mut pupils: BTreeMap<String, f64> = BTreeMap::new();
    let everyone: Vec<String> = (0..PUPILS).map(|k| upn_of(900_000 + k)).collect();
    let known_ever = known
        .protection
        .iter()
        .chain(known.in_care)
        .chain(known.in_need);
    for (upn, persistent) in everyone
        .iter()
        .zip(spaced_flags(everyone.len(), EVERYONE_SHARE))
        .chain(known_ever.flatten().map(|upn| (upn, false)))
    {
        if !pupils.contains_key(upn) {
            let t = tendency(&mut rng, persistent);
            pupils.insert(upn.clone(), t);
        }
    }

    for (fy, q) in quarters() {
        let (term, possible) = match q {
            1 => ("Summer", 130),
            3 => ("Autumn", 142),
            4 => ("Spring", 118),
            _ => ("", 0),
        };
        if possible > 0 {
            let i = quarter_index(fy, q);
            // In need: assessed in this quarter or the three before.
            let in_need: Vec<String> = known.in_need[i.saturating_sub(3)..=i].concat();
            let mut this_term: BTreeMap<&str, f64> = BTreeMap::new();
            for (group, share) in [
                (&known.protection[i], PROTECTION_SHARE),
                (&known.in_care[i], IN_CARE_SHARE),
                (&in_need, IN_NEED_SHARE),
            ] {
                // A child in two groups counts in the first.
                let mut members: Vec<&str> = group
                    .iter()
                    .map(String::as_str)
                    .filter(|u| !this_term.contains_key(u))
                    .collect();
                members.sort_unstable();
                members.dedup();
                let share = share + rng.random_range(-0.02..0.02);
                for (upn, persistent) in
                    members
                        .iter()
                        .zip(exact_flags(&mut rng, members.len(), share))
                {
                    this_term.insert(upn, tendency(&mut rng, persistent));
                }
            }
            let mut rows: Vec<String> = pupils
                .iter()
                .map(|(upn, usual)| {
                    let t = this_term.get(upn.as_str()).unwrap_or(usual);
                    let rate = (t + rng.random_range(-0.03..0.03)).clamp(0.0, 1.0);
                    let missed = (f64::from(possible) * rate).round() as u32;
                    let unauthorised =
                        (f64::from(missed) * rng.random_range(0.2..0.6)).round() as u32;
                    format!(
                        "{upn},{term},{possible},{},{},{unauthorised}",
                        possible - missed,
                        missed - unauthorised
                    )
                })
                .collect();
            if (fy, q) == (2023, 3) {
                // A genuinely bad row: more sessions attended than possible.
                rows[100] = with_field(&rows[100], 3, "412");
            }
            write_csv(
                // Named by the school year the term belongs to: the summer
                // term sent in Q1 of 2024/25 is the summer of 2023/24.
                &inbox.join(format!(
                    "education/attendance_{}_{}.csv",
                    fy_file(if q == 1 { fy - 1 } else { fy }),
                    term.to_lowercase()
                )),
                "UPN,Term,Possible Sessions,Sessions Attended,Authorised Absence,Unauthorised Absence",
                &rows,
            )?;
        }
        let home_educated = around(&mut rng, 700, 12);
        let suspensions = around(&mut rng, 440, 30);
        let exclusions = rng.random_range(2..9);
        write_xlsx(
            &inbox.join(format!(
                "education/education_return_{}.xlsx",
                quarter_file(fy, q)
            )),
            &Sheet {
                name: "Return",
                titles: vec![
                    "Education: quarterly return to the Safeguarding Children Partnership".into(),
                    quarter_title(fy, q),
                ],
                headers: &["Measure", "Number"],
                rows: measure_rows(
                    &[
                        (
                            "Children electively home educated at quarter end",
                            Some(home_educated),
                        ),
                        ("Suspensions in the quarter", Some(suspensions)),
                        (
                            "Permanent exclusions in the quarter",
                            (exclusions > 4).then_some(exclusions),
                        ),
                    ],
                    "*",
                ),
                guidance: "Figures under 5 are shown as *.",
                author: "Education Inclusion Service",
            },
        )?;
    }
    Ok(())
}

/// Share of sessions a pupil tends to miss: 14–90% for a persistently absent
/// pupil (one in eight of them severely, 50% or more), under 6% otherwise.
/// Terms vary by up to 3 points either way, never across the 10% line, so
/// each group's rate moves only as its members change.
fn tendency(rng: &mut ChaCha8Rng, persistent: bool) -> f64 {
    if !persistent {
        rng.random_range(0.0..0.06)
    } else if rng.random::<f64>() < 0.12 {
        rng.random_range(0.56..0.9)
    } else {
        rng.random_range(0.14..0.45)
    }
}
