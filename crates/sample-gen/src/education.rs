//! Education: pupil-level attendance each term (schools' census extract, one
//! CSV per term) and the education service's quarterly return (children
//! educated at home, suspensions, permanent exclusions).
//!
//! The attendance files include the children known to social care (in need,
//! with a child protection plan, in care) by the same pupil number, so the
//! warehouse links them once both are pseudonymised. Rates stay steady:
//! about one pupil in six persistently absent overall, far more among
//! children known to social care.

use std::collections::BTreeMap;
use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::common::{
    Sheet, around, measure_rows, quarter_file, quarter_title, quarters, upn_of, with_field,
    write_csv, write_xlsx,
};

const SEED: u64 = 7_005;
const PUPILS: u32 = 2_500;

/// Children known to social care, by pupil number.
pub struct Known<'a> {
    pub in_need: &'a [String],
    pub protection: &'a [String],
    pub in_care: &'a [String],
}

pub fn generate(inbox: &Path, known: &Known) -> std::io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    // Each pupil keeps a tendency to be absent from term to term.
    // (A child in two groups keeps the first tendency drawn.)
    let mut pupils: BTreeMap<String, f64> = BTreeMap::new();
    let mut add = |upn: &String, persistent_share: f64, rng: &mut ChaCha8Rng| {
        let t = tendency(rng, persistent_share);
        pupils.entry(upn.clone()).or_insert(t);
    };
    for k in 0..PUPILS {
        add(&upn_of(900_000 + k), 0.16, &mut rng);
    }
    for upn in known.protection {
        add(upn, 0.45, &mut rng);
    }
    for upn in known.in_care {
        add(upn, 0.28, &mut rng);
    }
    for upn in known.in_need {
        add(upn, 0.38, &mut rng);
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

/// Share of sessions a pupil tends to miss: persistent absence (10% or more)
/// for about `persistent_share` of pupils, severe (50% or more) for a few.
fn tendency(rng: &mut ChaCha8Rng, persistent_share: f64) -> f64 {
    let roll: f64 = rng.random();
    if roll < persistent_share * 0.12 {
        rng.random_range(0.55..0.9)
    } else if roll < persistent_share {
        rng.random_range(0.13..0.45)
    } else {
        rng.random_range(0.0..0.07)
    }
}
