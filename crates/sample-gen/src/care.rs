//! Children we care for: quarterly extracts in the SSDA903 return's own
//! format (header, episodes, reviews), three files per quarter, as the case
//! system's DfE return module writes them.
//!
//! Calibrated on domain.md: about 285 children in care at each quarter end
//! (288 and 279 at the first two year ends), reviews mostly on time.

use std::path::Path;

use chrono::{Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::common::{
    QUARTERS, pick, quarter_at, quarter_bounds, quarter_file, quarters, uk, upn_of, write_csv,
};

const SEED: u64 = 7_003;

/// Children in care at each quarter end, 2021/22 Q4 … 2024/25 Q4.
const IN_CARE: [i64; QUARTERS + 1] = [
    290, 288, 286, 284, 288, 283, 281, 282, 279, 284, 287, 283, 289,
];

/// Quarters simulated at the first target before 2021/22 Q4: periods of care
/// last up to six and a half years, so by the first submitted quarter children
/// start and leave care at their usual pace.
const WARM_UP: usize = 28;

/// One episode: a stretch of care under one legal status and placement.
struct Episode {
    child: u32,
    start: NaiveDate,
    end: NaiveDate,
    new_period: bool,
    legal_status: &'static str,
    need: &'static str,
    placement: &'static str,
    /// Why it ended: `X1` when a new episode follows.
    reason_ceased: &'static str,
}

struct Child {
    id: u32,
    birth: NaiveDate,
    sex: u8,
    ethnicity: &'static str,
    upn: String,
    reviews: Vec<NaiveDate>,
}

const LEGAL: [(&str, f64); 4] = [("C2", 0.55), ("V2", 0.25), ("E1", 0.1), ("C1", 0.1)];
const NEED: [(&str, f64); 5] = [
    ("N1", 0.62),
    ("N4", 0.1),
    ("N5", 0.12),
    ("N2", 0.06),
    ("N8", 0.1),
];
const PLACE: [(&str, f64); 5] = [
    ("U4", 0.35),
    ("U1", 0.15),
    ("U6", 0.2),
    ("K2", 0.15),
    ("P1", 0.15),
];
const CEASED: [(&str, f64); 5] = [
    ("E13", 0.3),
    ("E11", 0.15),
    ("E45", 0.2),
    ("E8", 0.2),
    ("E41", 0.15),
];
const ETHNIC: [(&str, f64); 4] = [
    ("WBRI", 0.86),
    ("WOTH", 0.05),
    ("MWBC", 0.05),
    ("AOTH", 0.04),
];

/// A child in care in the extracts, as the case system knows them: the
/// overlay of vulnerabilities links them by this id and pupil number.
pub struct InCare {
    /// SSDA903 CHILD, the case system's person id.
    pub id: String,
    pub upn: String,
    pub birth: NaiveDate,
}

/// Writes the quarterly extracts; returns, quarter by quarter, the UPNs of
/// the children in care, whom the schools' attendance returns include, and
/// every child in care in the extracts.
pub fn generate(inbox: &Path) -> std::io::Result<(Vec<Vec<String>>, Vec<InCare>)> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let (children, episodes) = simulate(&mut rng);
    let mut in_care = Vec::new();
    let mut seen: std::collections::BTreeSet<u32> = std::collections::BTreeSet::new();
    for (fy, q) in quarters() {
        let (start, end) = quarter_bounds(fy, q);
        // ssda903/episodes_2024-25_Q3.csv: the period is in each file's name.
        let file = |part: &str| inbox.join(format!("ssda903/{part}_{}.csv", quarter_file(fy, q)));
        let open: Vec<&Episode> = episodes
            .iter()
            .filter(|e| e.start <= end && e.end >= start)
            .collect();
        let mut ids: Vec<u32> = open.iter().map(|e| e.child).collect();
        ids.sort_unstable();
        ids.dedup();
        seen.extend(&ids);
        let child = |id: u32| &children[(id - 500_000) as usize];
        in_care.push(
            ids.iter()
                .map(|id| child(*id).upn.clone())
                .filter(|upn| !upn.is_empty())
                .collect(),
        );
        let header: Vec<String> = ids
            .iter()
            .map(|id| {
                let c = child(*id);
                format!(
                    "{},{},{},{},{},,",
                    c.id,
                    c.sex,
                    uk(c.birth),
                    c.ethnicity,
                    c.upn
                )
            })
            .collect();
        write_csv(
            &file("header"),
            "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB",
            &header,
        )?;
        let rows: Vec<String> = open
            .iter()
            .map(|e| {
                let ended = e.end <= end;
                format!(
                    "{},{},{},{},{},{},PR1,{},{},{},PO30 {}XZ,PO3{} 1ZZ,",
                    e.child,
                    uk(e.start),
                    if e.new_period { "S" } else { "P" },
                    e.legal_status,
                    e.need,
                    e.placement,
                    if ended { uk(e.end) } else { String::new() },
                    if ended { e.reason_ceased } else { "" },
                    if e.new_period { "" } else { "CARPL" },
                    e.child % 9 + 1,
                    e.child % 7 + 1,
                )
            })
            .collect();
        write_csv(
            &file("episodes"),
            "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN",
            &rows,
        )?;
        let mut reviews = Vec::new();
        // Reviews held in the twelve months to the quarter's end, so each
        // review in the quarter comes with the one before it.
        let year_before = end - Duration::days(365);
        for id in &ids {
            let c = child(*id);
            for r in c.reviews.iter().filter(|r| **r > year_before && **r <= end) {
                reviews.push(format!(
                    "{},{},{},PN{}",
                    c.id,
                    uk(c.birth),
                    uk(*r),
                    1 + c.id % 6
                ));
            }
        }
        write_csv(&file("reviews"), "CHILD,DOB,REVIEW,REVIEW_CODE", &reviews)?;
    }
    let known = seen
        .into_iter()
        .map(|id| {
            let c = &children[(id - 500_000) as usize];
            InCare {
                id: id.to_string(),
                upn: c.upn.clone(),
                birth: c.birth,
            }
        })
        .collect();
    Ok((in_care, known))
}

/// Periods of care started quarter by quarter so the number in care at each
/// quarter end follows `IN_CARE`; long periods change placement once.
fn simulate(rng: &mut ChaCha8Rng) -> (Vec<Child>, Vec<Episode>) {
    let mut children: Vec<Child> = Vec::new();
    let mut periods: Vec<(u32, NaiveDate, NaiveDate)> = Vec::new();
    let targets = std::iter::repeat_n(&IN_CARE[0], WARM_UP).chain(&IN_CARE);
    for (i, target) in targets.enumerate() {
        let (fy, q) = quarter_at(i as i32 - WARM_UP as i32 - 1);
        let (start, end) = quarter_bounds(fy, q);
        let surviving = periods.iter().filter(|(_, _, e)| *e > end).count() as i64;
        let needed = (target + rng.random_range(-2..=2) - surviving).max(10);
        for _ in 0..needed {
            let began = if i == 0 {
                end - Duration::days(rng.random_range(0..2_000))
            } else {
                start + Duration::days(rng.random_range(0..(end - start).num_days()))
            };
            let days = if i == 0 {
                // Children already in care when the simulation starts.
                (end - began).num_days() + rng.random_range(30..2_400)
            } else if rng.random::<f64>() < 0.3 {
                rng.random_range(100..400)
            } else {
                rng.random_range(400..2_400)
            };
            let id = 500_000 + children.len() as u32;
            let age_days = rng.random_range(0..17 * 365);
            let birth = began - Duration::days(age_days);
            children.push(Child {
                id,
                birth,
                sex: rng.random_range(1..=2),
                ethnicity: pick::<&str>(rng, &ETHNIC),
                // Children of school age at the start have a pupil number.
                upn: if age_days > 5 * 365 {
                    upn_of(id)
                } else {
                    String::new()
                },
                reviews: Vec::new(),
            });
            periods.push((id, began, began + Duration::days(days)));
        }
    }
    let mut episodes = Vec::new();
    for (child, began, ended) in periods {
        let legal_status = *pick(rng, &LEGAL);
        let need = *pick(rng, &NEED);
        let reason = *pick(rng, &CEASED);
        let length = (ended - began).num_days();
        let split =
            (length > 500).then(|| began + Duration::days(rng.random_range(150..length - 150)));
        let mut episode = |start, end, new_period, reason_ceased| {
            episodes.push(Episode {
                child,
                start,
                end,
                new_period,
                legal_status,
                need,
                placement: pick::<&str>(rng, &PLACE),
                reason_ceased,
            })
        };
        match split {
            Some(at) => {
                episode(began, at, true, "X1");
                episode(at, ended, false, reason);
            }
            None => episode(began, ended, true, reason),
        }
        // Reviews: 20 working days in, three months later, then six-monthly;
        // about one in fourteen is held late.
        let c = &mut children[(child - 500_000) as usize];
        let mut due = began + Duration::days(28);
        let mut gap = 91;
        while due < ended {
            let held = if rng.random::<f64>() < 0.07 {
                due + Duration::days(rng.random_range(8..40))
            } else {
                due - Duration::days(rng.random_range(0..14))
            };
            if held < ended {
                c.reviews.push(held);
            }
            due = held + Duration::days(gap);
            gap = 182;
        }
    }
    (children, episodes)
}
