//! Education: pupil-level attendance each term (schools' census extract, one
//! CSV per term) and the education service's quarterly return (children
//! educated at home, suspensions, permanent exclusions).
//!
//! The attendance files include the children known to social care (in need,
//! with a child protection plan, in care) by the same pupil number, so the
//! warehouse links them once both are pseudonymised. Rates stay steady:
//! about one pupil in five persistently absent overall, far more among
//! children known to social care.

use std::collections::BTreeMap;
use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::common::{
    Sheet, around, measure_rows, quarter_file, quarter_title, quarters, spaced_flags, upn_of,
    with_field, write_csv, write_xlsx,
};

const SEED: u64 = 7_005;
const PUPILS: u32 = 8_000;

/// Children known to social care, by pupil number.
pub struct Known<'a> {
    /// Quarter by quarter, the children an assessment found in need.
    pub in_need: &'a [Vec<String>],
    pub protection: &'a [String],
    pub in_care: &'a [String],
}

pub fn generate(inbox: &Path, known: &Known) -> std::io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    // Each pupil keeps a tendency to be absent from term to term.
    // (A child in two groups keeps the first tendency drawn.)
    let mut pupils: BTreeMap<String, f64> = BTreeMap::new();
    let mut add = |upns: &[String], persistent_share: f64, rng: &mut ChaCha8Rng| {
        // The share asked, spread evenly through each group in the order its
        // members became known, so the group's rate holds steady however its
        // members change from year to year.
        for (upn, persistent) in upns.iter().zip(spaced_flags(upns.len(), persistent_share)) {
            let t = tendency(rng, persistent);
            pupils.entry(upn.clone()).or_insert(t);
        }
    };
    let everyone: Vec<String> = (0..PUPILS).map(|k| upn_of(900_000 + k)).collect();
    add(&everyone, 0.16, &mut rng);
    add(known.protection, 0.45, &mut rng);
    add(known.in_care, 0.28, &mut rng);
    for found in known.in_need {
        add(found, 0.38, &mut rng);
    }

    for (fy, q) in quarters() {
        let (term, possible) = match q {
            1 => ("Summer", 130),
            3 => ("Autumn", 142),
            4 => ("Spring", 118),
            _ => ("", 0),
        };
        if possible > 0 {
            let mut rows: Vec<String> = pupils
                .iter()
                .map(|(upn, t)| {
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
                &inbox.join(format!(
                    "education/attendance_{}_{}.csv",
                    quarter_file(fy, q),
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

/// Share of sessions a pupil tends to miss: 13–90% for a persistently absent
/// pupil (one in eight of them severely, 50% or more), under 7% otherwise.
fn tendency(rng: &mut ChaCha8Rng, persistent: bool) -> f64 {
    if !persistent {
        rng.random_range(0.0..0.07)
    } else if rng.random::<f64>() < 0.12 {
        rng.random_range(0.55..0.9)
    } else {
        rng.random_range(0.13..0.45)
    }
}
