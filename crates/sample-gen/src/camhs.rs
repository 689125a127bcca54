//! Child and adolescent mental health services (CAMHS): each quarter the
//! trust sends every referral open at some point in the quarter, with the
//! dates it reached each step, as CSV.
//!
//! Calibrated on domain.md's pattern: the open caseload falls over the last
//! year and a half while the average wait from assessment to first
//! appointment rises steadily, after three quarters within the 18-week target
//! (2023/24 Q3 to 2024/25 Q1) that followed a year and a half above it.

use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::common::{
    FIRST_YEAR, QUARTERS, quarter_at, quarter_bounds, quarter_file, quarters, uk, with_field,
    write_csv,
};

const SEED: u64 = 7_004;

/// Open caseload at each quarter end, 2021/22 Q4 (history) … 2024/25 Q4.
const CASELOAD: [i64; QUARTERS + 1] = [
    1_305, 1_310, 1_295, 1_320, 1_305, 1_290, 1_300, 1_285, 1_240, 1_190, 1_140, 1_080, 1_020,
];

/// Mean weeks from assessment to first appointment for first appointments
/// falling in each quarter 2022/23 Q1 … 2024/25 Q4 (target: 18 weeks).
pub const WAIT_WEEKS: [f64; QUARTERS] = [
    19.6, 20.1, 19.4, 19.9, 19.2, 18.9, 17.0, 16.6, 17.1, 18.7, 19.8, 21.4,
];

struct Referral {
    nhs_number: String,
    received: NaiveDate,
    assessed: NaiveDate,
    first_appointment: NaiveDate,
    discharged: NaiveDate,
}

pub fn generate(inbox: &Path) -> std::io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let referrals = simulate(&mut rng);
    for (fy, q) in quarters() {
        let (start, end) = quarter_bounds(fy, q);
        let known = |d: NaiveDate| if d <= end { uk(d) } else { String::new() };
        let mut rows: Vec<String> = referrals
            .iter()
            .filter(|r| r.received <= end && r.discharged >= start)
            .map(|r| {
                format!(
                    "{},{},{},{},{},Sample Borough CAMHS",
                    r.nhs_number,
                    uk(r.received),
                    known(r.assessed),
                    known(r.first_appointment),
                    known(r.discharged),
                )
            })
            .collect();
        if (fy, q) == (2024, 2) {
            // A genuinely bad row: assessed before the referral arrived.
            rows[25] = with_field(&rows[25], 2, "01/01/2020");
        }
        write_csv(
            &inbox.join(format!("camhs/camhs_referrals_{}.csv", quarter_file(fy, q))),
            "NHS Number,Referral Received Date,Assessment Date,First Treatment Appointment Date,Discharge Date,Team",
            &rows,
        )?;
    }
    Ok(())
}

/// Quarter index (0 = 2022/23 Q1) a date falls in, clamped to the series.
fn quarter_index(d: NaiveDate) -> usize {
    let fy = if d.month() >= 4 {
        d.year()
    } else {
        d.year() - 1
    };
    let q = ((d.month0() + 9) % 12 / 3) as i32;
    ((fy - FIRST_YEAR) * 4 + q).clamp(0, QUARTERS as i32 - 1) as usize
}

/// Referrals added quarter by quarter so the open caseload at each quarter
/// end follows `CASELOAD`. The wait to a first appointment is drawn around
/// the mean for the quarter it lands in.
fn simulate(rng: &mut ChaCha8Rng) -> Vec<Referral> {
    let mut referrals: Vec<Referral> = Vec::new();
    for (i, target) in CASELOAD.iter().enumerate() {
        let (fy, q) = quarter_at(i as i32 - 1);
        let (start, end) = quarter_bounds(fy, q);
        let open = referrals
            .iter()
            .filter(|r| r.received <= end && r.discharged > end)
            .count() as i64;
        let needed = (target + rng.random_range(-8..=8) - open).max(150);
        for _ in 0..needed {
            let received = if i == 0 {
                end - Duration::days(rng.random_range(0..420))
            } else {
                start + Duration::days(rng.random_range(0..=(end - start).num_days()))
            };
            let assessed = received + Duration::days(rng.random_range(28..56));
            // Aim the wait at the quarter the appointment will probably fall in.
            let guess = assessed + Duration::days(7 * 14);
            let mean = WAIT_WEEKS[quarter_index(guess)];
            let weeks = (mean * (0.6 + 0.8 * rng.random::<f64>())).max(1.0);
            let first_appointment = assessed + Duration::days((weeks * 7.0).round() as i64);
            let discharged = first_appointment + Duration::days(rng.random_range(60..420));
            referrals.push(Referral {
                nhs_number: nhs_number(rng),
                received,
                assessed,
                first_appointment,
                discharged,
            });
        }
    }
    referrals
}

/// A ten-digit NHS number with a valid check digit (mod 11).
fn nhs_number(rng: &mut ChaCha8Rng) -> String {
    loop {
        let digits: Vec<u32> = (0..9).map(|_| rng.random_range(0..10)).collect();
        let sum: u32 = digits
            .iter()
            .enumerate()
            .map(|(i, d)| d * (10 - i as u32))
            .sum();
        let check = 11 - sum % 11;
        if check == 10 {
            continue;
        }
        let check = if check == 11 { 0 } else { check };
        let mut s: String = digits
            .iter()
            .map(|d| char::from_digit(*d, 10).unwrap())
            .collect();
        s.push(char::from_digit(check, 10).unwrap());
        // Written with spaces, 3-3-4, as NHS systems print it.
        return format!("{} {} {}", &s[..3], &s[3..6], &s[6..]);
    }
}
