//! Children's social care front door: every contact to the children's
//! safeguarding hub (MASH) and every assessment completed, one CSV each per
//! quarter, as the case system exports them.
//!
//! Calibrated on domain.md: contacts steady at about 4,350 a quarter, four in
//! ten becoming referrals; re-referrals within 12 months rising from 41.6% to
//! 45.6% to 46.4% a year; assessments within 45 working days steady at 90%.

use std::collections::BTreeMap;
use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::common::{
    QUARTERS, around, exact_flags, pick, quarter_bounds, quarter_file, quarters, uk, upn_of,
    weekday_between, with_field, working_days_before, write_csv,
};

const SEED: u64 = 7_001;

/// The babies planted each quarter with three or four contacts, as the
/// under-twos audit looks for (audits/under_twos_repeat_contacts.yaml);
/// drawn with their own generator so the rest of the data is unchanged.
const REPEAT_BABIES: u32 = 24;
const REPEAT_SEED: u64 = 7_101;
/// Planted babies' ids start here, above every other contact's.
const BABY_IDS: u32 = 270_000;

/// A child's date of birth, from the id alone, so that every contact about
/// the child agrees: planted babies are under two in their quarter; other
/// children were born between April 2007 and March 2022 (before the first
/// contact, and under 18 at the last), about one in eight of them under two
/// when contacted.
pub fn birth_of(child: u32) -> chrono::NaiveDate {
    use chrono::Duration;
    if child >= BABY_IDS {
        let (quarter, k) = ((child - BABY_IDS) / 100, (child - BABY_IDS) % 100);
        let (fy, q) = crate::common::quarter_at(quarter as i32);
        quarter_bounds(fy, q).0 - Duration::days(30 + i64::from(k * 37 % 560))
    } else {
        let first = chrono::NaiveDate::from_ymd_opt(2007, 4, 1).expect("valid");
        first + Duration::days(i64::from(child) * 7_919 % (15 * 365))
    }
}

/// Whole years from birth to `on`.
fn age(born: chrono::NaiveDate, on: chrono::NaiveDate) -> u32 {
    on.years_since(born).unwrap_or(0)
}

/// Gives `REPEAT_BABIES` babies three or four of the quarter's contacts
/// each, by taking over rows' children (so the counts, sources and outcomes
/// stay as they were). Three in five are given only contacts that did not
/// become referrals, as the audit's first stratum needs.
fn plant_repeat_babies(rows: &mut [(chrono::NaiveDate, u32, String)], quarter: usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(REPEAT_SEED + quarter as u64);
    let mut taken = std::collections::HashSet::new();
    for k in 0..REPEAT_BABIES {
        let baby = BABY_IDS + quarter as u32 * 100 + k;
        let never_referred = k % 5 < 3;
        for _ in 0..rng.random_range(3..=4) {
            let row = loop {
                let row = rng.random_range(0..rows.len());
                let referral = rows[row].2.contains("Referral to Children's Social Care");
                if !(never_referred && referral) && taken.insert(row) {
                    break row;
                }
            };
            rows[row].1 = baby;
        }
    }
}

/// Re-referrals within 12 months, % of referrals, per quarter: the years
/// average 41.6, 45.6 and 46.4.
pub const RE_REFERRAL_PCT: [f64; QUARTERS] = [
    41.2, 42.0, 41.3, 41.9, 45.1, 45.9, 45.4, 46.0, 46.1, 46.8, 46.2, 46.5,
];

const SOURCES: [(&str, f64); 9] = [
    ("Police", 0.30),
    ("School", 0.18),
    ("Health - GP", 0.07),
    ("Health - Hospital", 0.07),
    ("Family/Friend", 0.09),
    ("Housing", 0.03),
    ("Anonymous", 0.04),
    ("Other Local Authority", 0.05),
    ("Other", 0.17),
];

const NOT_REFERRED: [(&str, f64); 3] = [
    ("No Further Action", 0.45),
    ("Early Help", 0.35),
    ("Information and Advice", 0.20),
];

const ASSESSMENT_OUTCOMES: [(&str, f64); 4] = [
    ("Child in Need Plan", 0.40),
    ("No Further Action", 0.28),
    ("Step down to Early Help", 0.20),
    ("Strategy Discussion", 0.12),
];

/// Each child referred, with the day of their first referral.
pub type Referred = Vec<(u32, chrono::NaiveDate)>;

/// Writes contacts and assessments; returns, quarter by quarter, the children
/// found to be in need (their UPNs), whom the schools' attendance returns
/// include, and every child referred (the case system's crosswalk holds them).
pub fn generate(inbox: &Path) -> std::io::Result<(Vec<Vec<String>>, Referred)> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let mut in_need = Vec::new();
    // Each child referred, with the day of their first referral: the case
    // system holds a person record for them from then.
    let mut referred_children: BTreeMap<u32, chrono::NaiveDate> = BTreeMap::new();
    for (i, (fy, q)) in quarters().enumerate() {
        let (start, end) = quarter_bounds(fy, q);
        // Contacts.
        let n = around(&mut rng, 4_350, 90) as usize;
        let share = 0.41 + rng.random_range(-0.01..0.01);
        let referred = exact_flags(&mut rng, n, share);
        let referrals = referred.iter().filter(|r| **r).count();
        let mut re_referred =
            exact_flags(&mut rng, referrals, RE_REFERRAL_PCT[i] / 100.0).into_iter();
        let mut contacts: Vec<(chrono::NaiveDate, u32, String)> = Vec::with_capacity(n);
        for (k, is_referral) in referred.iter().enumerate() {
            let date = weekday_between(&mut rng, start, end);
            let child = 200_000 + rng.random_range(0..60_000u32);
            let source = pick(&mut rng, &SOURCES);
            if *is_referral {
                referred_children
                    .entry(child)
                    .and_modify(|first| *first = (*first).min(date))
                    .or_insert(date);
            }
            let (outcome, re) = if *is_referral {
                let re = re_referred.next().expect("one flag per referral");
                (
                    "Referral to Children's Social Care",
                    if re { "Y" } else { "N" },
                )
            } else {
                (*pick(&mut rng, &NOT_REFERRED), "")
            };
            let id = format!("C{}{:05}", fy % 100 * 10 + i32::from(q), k);
            // The child's id and age are filled in below.
            let rest = format!("{},{source},{outcome},{re}", uk(date));
            contacts.push((date, child, format!("{id},{{child}},{rest}")));
        }
        // In date order, then by contact id (each row starts with it).
        contacts.sort_by(|a, b| (a.0, &a.2).cmp(&(b.0, &b.2)));
        plant_repeat_babies(&mut contacts, i);
        let mut rows: Vec<String> = contacts
            .into_iter()
            .map(|(date, child, row)| {
                let age = age(birth_of(child), date);
                format!("{},{age}", row.replace("{child}", &format!("CS{child}")))
            })
            .collect();
        if (fy, q) == (2023, 3) {
            // A genuinely bad row: a date that does not exist.
            rows[40] = with_field(&rows[40], 2, "31/11/2023");
        }
        write_csv(
            &inbox.join(format!("csc/contacts_{}.csv", quarter_file(fy, q))),
            "Contact ID,Child ID,Contact Date,Contact Source,Contact Outcome,Re-referral Within 12 Months,Age at Contact",
            &rows,
        )?;

        // Assessments completed in the quarter, 90% within 45 working days.
        let n = around(&mut rng, 300, 15) as usize;
        let share = 0.90 + rng.random_range(-0.012..0.012);
        let in_time = exact_flags(&mut rng, n, share);
        let mut assessments = Vec::with_capacity(n);
        let mut found_in_need = Vec::new();
        for on_time in in_time {
            let done = weekday_between(&mut rng, start, end);
            let days = if on_time {
                rng.random_range(8..=45)
            } else {
                rng.random_range(46..=75)
            };
            let began = working_days_before(done, days);
            let child = 300_000 + rng.random_range(0..40_000u32);
            // Children under five have no pupil number yet.
            let upn = if child.is_multiple_of(4) {
                String::new()
            } else {
                upn_of(child)
            };
            let outcome = *pick(&mut rng, &ASSESSMENT_OUTCOMES);
            if outcome == "Child in Need Plan" && !upn.is_empty() {
                found_in_need.push(upn.clone());
            }
            assessments.push((
                done,
                format!("CS{child},{upn},{},{},{outcome}", uk(began), uk(done)),
            ));
        }
        assessments.sort();
        let rows: Vec<String> = assessments.into_iter().map(|(_, r)| r).collect();
        write_csv(
            &inbox.join(format!("csc/assessments_{}.csv", quarter_file(fy, q))),
            "Child ID,UPN,Assessment Start Date,Assessment Authorised Date,Assessment Outcome",
            &rows,
        )?;
        found_in_need.sort();
        found_in_need.dedup();
        in_need.push(found_in_need);
    }
    Ok((in_need, referred_children.into_iter().collect()))
}
