//! Child protection conferences: who was invited, who came and who sent a
//! report, one row per conference and agency, in the conference team's
//! quarterly workbook.
//!
//! Calibrated on domain.md: the share of conferences with no information
//! from the school (neither there nor a report) falls from 26% to 8% over
//! three years, so school attendance rises to above 80%. Police and health
//! attendance stay steady.

use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::common::{
    Cell, QUARTERS, Sheet, around, exact_flags, quarter_bounds, quarter_file, quarter_title,
    quarters, weekday_between, write_xlsx,
};

const SEED: u64 = 7_002;

/// % of conferences (with a school invited) where the school sent nothing.
pub const SCHOOL_NO_INFORMATION_PCT: [f64; QUARTERS] = [
    26.0, 25.0, 24.0, 22.0, 20.0, 18.0, 16.0, 14.0, 12.0, 10.0, 9.0, 8.0,
];

/// Other agencies: (name as written, share of conferences invited, attendance rate).
const OTHERS: [(&str, f64, f64); 4] = [
    ("Police", 1.0, 0.88),
    ("Health", 1.0, 0.76),
    ("Probation", 0.3, 0.62),
    ("Housing", 0.15, 0.5),
];

pub fn generate(inbox: &Path) -> std::io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let yes_no = |b: bool| Cell::Text(if b { "Yes" } else { "No" }.into());
    for (i, (fy, q)) in quarters().enumerate() {
        let (start, end) = quarter_bounds(fy, q);
        let n = around(&mut rng, 125, 10);
        let mut conferences: Vec<(chrono::NaiveDate, bool)> = (0..n)
            .map(|_| {
                (
                    weekday_between(&mut rng, start, end),
                    rng.random::<f64>() < 0.45,
                )
            })
            .collect();
        conferences.sort();
        // Schools are invited where the child is of school age (about 80%).
        let with_school: Vec<bool> = conferences
            .iter()
            .map(|_| rng.random::<f64>() < 0.8)
            .collect();
        let schools = with_school.iter().filter(|s| **s).count();
        let mut silent =
            exact_flags(&mut rng, schools, SCHOOL_NO_INFORMATION_PCT[i] / 100.0).into_iter();
        let mut rows = Vec::new();
        for (k, ((date, initial), school)) in conferences.iter().zip(&with_school).enumerate() {
            let id = format!("CPC-{}{:03}", quarter_file(fy, q).replace('_', "-"), k + 1);
            let kind = if *initial { "Initial" } else { "Review" };
            let mut row = |agency: &str, came: bool, report: bool| {
                rows.push(vec![
                    Cell::Text(id.clone()),
                    Cell::Date(*date),
                    Cell::Text(kind.into()),
                    Cell::Text(agency.into()),
                    yes_no(true),
                    yes_no(came),
                    yes_no(report),
                ]);
            };
            if *school {
                // "No information": the school neither came nor sent a report.
                if silent.next().expect("one per school") {
                    row("School", false, false);
                } else {
                    // Most schools that engage come; a few send a report only.
                    let came = rng.random::<f64>() < 0.93;
                    row("School", came, !came || rng.random::<f64>() < 0.7);
                }
            }
            for (agency, invited, rate) in OTHERS {
                if rng.random::<f64>() < invited {
                    let came = rng.random::<f64>() < rate;
                    row(agency, came, rng.random::<f64>() < 0.8);
                }
            }
        }
        write_xlsx(
            &inbox.join(format!("csc/cp_conferences_{}.xlsx", quarter_file(fy, q))),
            &Sheet {
                name: "Attendance",
                titles: vec![
                    "Child protection conferences: attendance and reports by agency".into(),
                    quarter_title(fy, q),
                ],
                headers: &[
                    "Conference ID",
                    "Conference Date",
                    "Conference Type",
                    "Agency",
                    "Invited",
                    "Attended",
                    "Report Provided",
                ],
                rows,
                guidance: "One row per agency invited to each conference held in the quarter.",
                author: "Child Protection Conference Team",
            },
        )?;
    }
    Ok(())
}
