//! Children's vulnerabilities as each agency records them, for the overlay
//! (issue 33): one made-up population, each child with a hidden risk, and
//! every vulnerability drawn with a probability that rises with it, so
//! children with one are likelier to have others, as in life. Nobody places
//! the overlaps by hand; they arise.
//!
//! Each agency names the child its own way: schools by pupil number (UPN),
//! CAMHS by NHS number, social care, early help, youth justice and police
//! by the case system's person id. The case system's crosswalk (person id
//! with UPN and NHS number, one CSV per quarter of the people added in it)
//! links them, with the gaps real ones have: a UPN or NHS number not
//! recorded, a child known to a school and to no one else.
//!
//! The population is the children with a protection plan and in care (the
//! other sample files' children, by the same ids), and 5,000 more known to
//! the front door. Each of those is one of the pupils in the attendance
//! files, so a child persistently absent there is at higher risk here.
//! A separate seed: every other file stays as it was.

use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::Plan;
use crate::care::InCare;
use crate::common::{
    FIRST_YEAR, YEARS, quarter_bounds, quarter_file, quarters, spaced_flag, uk, upn_of, write_csv,
};

const SEED: u64 = 33_001;
/// Children known to the front door besides those with a plan or in care.
const COHORT: u32 = 5_000;
/// Share of the attendance files' pupils persistently absent: the same
/// share and spacing as `education`, so this module knows which they are.
const PERSISTENTLY_ABSENT: f64 = 0.16;
/// Postcode sectors of the island, with their weight (each child's full
/// postcode is the sector and a made-up unit).
const SECTORS: [(&str, f64); 8] = [
    ("PO30 1", 0.2),
    ("PO30 5", 0.12),
    ("PO31 7", 0.14),
    ("PO32 6", 0.1),
    ("PO33 2", 0.16),
    ("PO36 9", 0.12),
    ("PO38 1", 0.06),
    ("PO40 9", 0.1),
];

/// A child of the population and how each agency names them.
struct Child {
    person_id: String,
    /// Empty under school age.
    upn: String,
    nhs: String,
    birth: NaiveDate,
    sector: &'static str,
    risk: f64,
    /// Whether the case system knows the child at all, and records the UPN
    /// and NHS number it could.
    in_crosswalk: bool,
    upn_recorded: bool,
    nhs_recorded: bool,
    added: NaiveDate,
    /// Whether this module draws the child's vulnerabilities: the other
    /// children referred are in the crosswalk (the case system holds a
    /// record for everyone referred) and in the contacts, nowhere else.
    modelled: bool,
}

/// What happens to a child, with how often over the whole span for a child
/// of average risk, and the ages it happens at.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Suspension,
    Exclusion,
    ReducedTimetable,
    MissingEducation,
    HomeEducated,
    YouthJustice,
    Exploitation,
    ParentInPrison,
    EarlyHelp,
    ChildInNeed,
    Camhs,
}

impl Kind {
    const ALL: [Kind; 11] = [
        Kind::Suspension,
        Kind::Exclusion,
        Kind::ReducedTimetable,
        Kind::MissingEducation,
        Kind::HomeEducated,
        Kind::YouthJustice,
        Kind::Exploitation,
        Kind::ParentInPrison,
        Kind::EarlyHelp,
        Kind::ChildInNeed,
        Kind::Camhs,
    ];

    /// Chance over the span at average risk, ages (inclusive) it starts at,
    /// and how long an episode lasts in days.
    fn shape(self) -> (f64, (i32, i32), (i64, i64)) {
        match self {
            Kind::Suspension => (0.10, (6, 15), (1, 1)),
            Kind::Exclusion => (0.012, (8, 15), (1, 1)),
            Kind::ReducedTimetable => (0.04, (5, 15), (40, 500)),
            Kind::MissingEducation => (0.02, (5, 15), (20, 300)),
            Kind::HomeEducated => (0.03, (5, 15), (150, 1_200)),
            Kind::YouthJustice => (0.03, (10, 17), (90, 540)),
            Kind::Exploitation => (0.04, (10, 17), (1, 1)),
            Kind::ParentInPrison => (0.02, (0, 17), (1, 1)),
            Kind::EarlyHelp => (0.10, (0, 17), (60, 400)),
            Kind::ChildInNeed => (0.06, (0, 17), (90, 600)),
            Kind::Camhs => (0.08, (4, 17), (60, 700)),
        }
    }

    /// Whether the agency names the child by person id (else UPN or NHS
    /// number): only children the case system knows can appear.
    fn by_person_id(self) -> bool {
        matches!(
            self,
            Kind::YouthJustice
                | Kind::Exploitation
                | Kind::ParentInPrison
                | Kind::EarlyHelp
                | Kind::ChildInNeed
        )
    }

    fn needs_upn(self) -> bool {
        matches!(
            self,
            Kind::Suspension
                | Kind::Exclusion
                | Kind::ReducedTimetable
                | Kind::MissingEducation
                | Kind::HomeEducated
        )
    }
}

/// One episode (or, for a single event, its date twice).
struct Episode {
    child: usize,
    kind: Kind,
    start: NaiveDate,
    end: NaiveDate,
}

/// Files are written from 2022/23 Q1; episodes may begin 18 months before,
/// so the first quarters have their history.
fn span() -> (NaiveDate, NaiveDate, NaiveDate) {
    let first = NaiveDate::from_ymd_opt(FIRST_YEAR, 4, 1).expect("a date");
    let last = NaiveDate::from_ymd_opt(FIRST_YEAR + YEARS, 3, 31).expect("a date");
    let history = NaiveDate::from_ymd_opt(FIRST_YEAR - 2, 10, 1).expect("a date");
    (history, first, last)
}

fn date_between(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    from + Duration::days(rng.random_range(0..=(to - from).num_days()))
}

fn age_on(birth: NaiveDate, day: NaiveDate) -> i32 {
    let years = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        years - 1
    } else {
        years
    }
}

/// A made-up NHS number for a child's number: ten digits, the last a valid
/// mod-11 check digit, written 3-3-4 as NHS systems print it. Two children
/// never share one: the nine digits come from `child * 11 + k` (k the first
/// that gives a valid check digit) through a bijection of 0..10^9.
pub fn nhs_of(child: u32) -> String {
    for k in 0..11u64 {
        let base = ((u64::from(child) * 11 + k) * 982_451_653 + 17) % 1_000_000_000;
        let digits: Vec<u32> = format!("{base:09}")
            .chars()
            .map(|c| c.to_digit(10).expect("a digit"))
            .collect();
        let sum: u32 = digits
            .iter()
            .enumerate()
            .map(|(i, d)| d * (10 - i as u32))
            .sum();
        let check = (11 - sum % 11) % 11;
        if check == 10 {
            continue;
        }
        let s = format!("{base:09}{check}");
        return format!("{} {} {}", &s[..3], &s[3..6], &s[6..]);
    }
    unreachable!("one of eleven consecutive numbers has a valid check digit")
}

fn sector(rng: &mut ChaCha8Rng) -> &'static str {
    crate::common::pick::<&str>(rng, &SECTORS)
}

fn population(
    rng: &mut ChaCha8Rng,
    plans: &[Plan],
    in_care: &[InCare],
    referred: &[(u32, NaiveDate)],
) -> Vec<Child> {
    let (history, _, last) = span();
    let mut children = Vec::new();
    let mut known = |rng: &mut ChaCha8Rng,
                     person_id: String,
                     upn: String,
                     number: u32,
                     birth: NaiveDate,
                     risk: f64,
                     added: NaiveDate| {
        let has_upn = !upn.is_empty();
        children.push(Child {
            person_id,
            upn,
            nhs: nhs_of(number),
            birth,
            sector: sector(rng),
            risk,
            in_crosswalk: true,
            upn_recorded: has_upn && rng.random::<f64>() < 0.93,
            nhs_recorded: rng.random::<f64>() < 0.95,
            added,
            modelled: true,
        });
    };
    // Children with a plan: the plan's child, as the plans name them.
    let mut with_plan: Vec<&Plan> = plans.iter().filter(|p| p.end >= history).collect();
    with_plan.sort_by_key(|p| p.child);
    with_plan.dedup_by_key(|p| p.child);
    for plan in with_plan {
        let age_days = if plan.unborn {
            0
        } else {
            rng.random_range(0..16 * 365)
        };
        let birth = plan.start - Duration::days(age_days);
        let upn = if age_on(birth, last) >= 5 {
            upn_of(plan.child)
        } else {
            String::new()
        };
        let risk = 0.45 + 0.5 * rng.random::<f64>();
        known(
            rng,
            format!("CS{}", plan.child),
            upn,
            plan.child,
            birth,
            risk,
            plan.start,
        );
    }
    for child in in_care {
        let number: u32 = child.id.parse().expect("care ids are numbers");
        let risk = 0.4 + 0.5 * rng.random::<f64>();
        let added = child.birth.max(history);
        known(
            rng,
            child.id.clone(),
            child.upn.clone(),
            number,
            child.birth,
            risk,
            added,
        );
    }
    // The front door's children: person ids in the contacts' range (so some
    // have referrals there), each one of the attendance files' pupils.
    for k in 0..COHORT {
        let birth = last - Duration::days(rng.random_range(0..18 * 365));
        let pupil = age_on(birth, last) >= 5;
        let mut risk = rng.random::<f64>().powf(2.5);
        if pupil && spaced_flag(k as usize, PERSISTENTLY_ABSENT) {
            risk = (risk + 0.35).min(1.0);
        }
        let number = 200_000 + 12 * k;
        children.push(Child {
            person_id: format!("CS{number}"),
            upn: if pupil {
                upn_of(900_000 + k)
            } else {
                String::new()
            },
            nhs: nhs_of(number),
            birth,
            sector: sector(rng),
            risk,
            // Known to a school or to CAMHS alone, never to the case system.
            in_crosswalk: rng.random::<f64>() >= 0.04,
            upn_recorded: pupil && rng.random::<f64>() < 0.92,
            nhs_recorded: rng.random::<f64>() < 0.94,
            added: date_between(rng, birth.max(history), last),
            modelled: true,
        });
    }
    for &(number, first_referral) in referred {
        if (200_000..200_000 + 12 * COHORT).contains(&number) && (number - 200_000) % 12 == 0 {
            continue;
        }
        let birth = first_referral - Duration::days(rng.random_range(0..17 * 365));
        children.push(Child {
            person_id: format!("CS{number}"),
            upn: if age_on(birth, last) >= 5 {
                upn_of(number)
            } else {
                String::new()
            },
            nhs: nhs_of(number),
            birth,
            sector: sector(rng),
            risk: 0.0,
            in_crosswalk: true,
            upn_recorded: rng.random::<f64>() < 0.92,
            nhs_recorded: rng.random::<f64>() < 0.94,
            added: first_referral,
            modelled: false,
        });
    }
    children
}

fn episodes(rng: &mut ChaCha8Rng, children: &[Child]) -> Vec<Episode> {
    let (history, _, last) = span();
    let mut out = Vec::new();
    for (i, child) in children.iter().enumerate() {
        if !child.modelled {
            continue;
        }
        for kind in Kind::ALL {
            let (chance, (youngest, oldest), (shortest, longest)) = kind.shape();
            if (kind.by_person_id() && !child.in_crosswalk)
                || (kind.needs_upn() && child.upn.is_empty())
            {
                continue;
            }
            let p = (chance * (0.1 + 7.0 * child.risk * child.risk)).min(0.9);
            if rng.random::<f64>() >= p {
                continue;
            }
            let from = history.max(child.birth + Duration::days(i64::from(youngest) * 365 + 1));
            let to = last.min(child.birth + Duration::days(i64::from(oldest + 1) * 365 - 1));
            if from >= to {
                continue;
            }
            let start = date_between(rng, from, to);
            let times = match kind {
                // Suspensions come in runs: up to four in the year.
                Kind::Suspension => {
                    1 + usize::from(rng.random::<f64>() < 0.3 + child.risk / 2.0)
                        * rng.random_range(1..=3)
                }
                // Screened again as concerns go on.
                Kind::Exploitation => rng.random_range(1..=3),
                _ => 1,
            };
            for n in 0..times {
                let start = if n == 0 {
                    start
                } else {
                    start + Duration::days(rng.random_range(20..=300))
                };
                let end = start + Duration::days(rng.random_range(shortest..=longest) - 1);
                out.push(Episode {
                    child: i,
                    kind,
                    start,
                    end,
                });
            }
        }
    }
    out
}

/// A date, or empty when it is after the day the extract was taken.
fn end_as_at(end: NaiveDate, as_at: NaiveDate) -> String {
    if end <= as_at { uk(end) } else { String::new() }
}

pub fn generate(
    inbox: &Path,
    plans: &[Plan],
    in_care: &[InCare],
    referred: &[(u32, NaiveDate)],
) -> std::io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let children = population(&mut rng, plans, in_care, referred);
    let episodes = episodes(&mut rng, &children);
    let (_, first, _) = span();
    for (fy, q) in quarters() {
        let (start, end) = quarter_bounds(fy, q);
        let name = |folder: &str, file: &str| {
            inbox
                .join(folder)
                .join(format!("{file}_{}.csv", quarter_file(fy, q)))
        };
        // Events dated in the quarter; caseloads open at any time in it, as
        // the system held them on its last day.
        let dated = |kinds: &[Kind]| -> Vec<&Episode> {
            let mut list: Vec<&Episode> = episodes
                .iter()
                .filter(|e| kinds.contains(&e.kind) && e.start >= start && e.start <= end)
                .collect();
            list.sort_by_key(|e| (e.start, e.child));
            list
        };
        let open = |kinds: &[Kind]| -> Vec<&Episode> {
            let mut list: Vec<&Episode> = episodes
                .iter()
                .filter(|e| kinds.contains(&e.kind) && e.start <= end && e.end >= start)
                .collect();
            list.sort_by_key(|e| (e.start, e.child));
            list
        };
        let upn = |e: &Episode| children[e.child].upn.clone();
        let person = |e: &Episode| children[e.child].person_id.clone();

        let crosswalk: Vec<String> = children
            .iter()
            .filter(|c| {
                c.in_crosswalk
                    && ((c.added >= start && c.added <= end) || (c.added < first && start == first))
            })
            .map(|c| {
                // The full postcode, as the case system holds it: pqa keeps
                // only its sector.
                let unit = (b'A' + (c.birth.ordinal() % 26) as u8) as char;
                format!(
                    "{},{},{},{},{}{unit}Z",
                    c.person_id,
                    if c.upn_recorded { c.upn.as_str() } else { "" },
                    if c.nhs_recorded { c.nhs.as_str() } else { "" },
                    uk(c.birth),
                    c.sector
                )
            })
            .collect();
        write_csv(
            &name("csc", "person_crosswalk"),
            "Person ID,UPN,NHS Number,Date of Birth,Postcode",
            &crosswalk,
        )?;

        let rows: Vec<String> = dated(&[Kind::Suspension, Kind::Exclusion])
            .into_iter()
            .map(|e| {
                let (category, sessions) = if e.kind == Kind::Exclusion {
                    ("Permanent exclusion", String::new())
                } else {
                    ("Suspension", (2 * (1 + e.child % 5)).to_string())
                };
                format!("{},{},{category},{sessions}", upn(e), uk(e.start))
            })
            .collect();
        write_csv(
            &name("education", "suspensions"),
            "UPN,Start Date,Category,Sessions",
            &rows,
        )?;

        let rows: Vec<String> = open(&[Kind::ReducedTimetable])
            .into_iter()
            .map(|e| format!("{},{},{}", upn(e), uk(e.start), end_as_at(e.end, end)))
            .collect();
        write_csv(
            &name("education", "reduced_timetables"),
            "UPN,Start Date,End Date",
            &rows,
        )?;

        let rows: Vec<String> = open(&[Kind::MissingEducation, Kind::HomeEducated])
            .into_iter()
            .map(|e| {
                let register = if e.kind == Kind::HomeEducated {
                    "Elective home education"
                } else {
                    "Children missing education"
                };
                format!(
                    "{},{register},{},{}",
                    upn(e),
                    uk(e.start),
                    end_as_at(e.end, end)
                )
            })
            .collect();
        write_csv(
            &name("education", "education_registers"),
            "UPN,Register,Start Date,End Date",
            &rows,
        )?;

        for (folder, file, kind) in [
            ("youth_justice", "yjs_caseload", Kind::YouthJustice),
            ("csc", "early_help_episodes", Kind::EarlyHelp),
            ("csc", "cin_plans", Kind::ChildInNeed),
        ] {
            let rows: Vec<String> = open(&[kind])
                .into_iter()
                .map(|e| format!("{},{},{}", person(e), uk(e.start), end_as_at(e.end, end)))
                .collect();
            write_csv(&name(folder, file), "Person ID,Start Date,End Date", &rows)?;
        }

        let rows: Vec<String> = open(&[Kind::Camhs])
            .into_iter()
            .map(|e| {
                format!(
                    "{},{},{}",
                    children[e.child].nhs,
                    uk(e.start),
                    end_as_at(e.end, end)
                )
            })
            .collect();
        write_csv(
            &name("camhs", "camhs_caseload"),
            "NHS Number,Open Date,Discharge Date",
            &rows,
        )?;

        let rows: Vec<String> = dated(&[Kind::Exploitation])
            .into_iter()
            .map(|e| {
                let risk = children[e.child].risk;
                let level = if (e.child + e.start.ordinal() as usize) % 10 < 3 {
                    "Low"
                } else if risk > 0.7 {
                    "High"
                } else {
                    "Medium"
                };
                format!("{},{},{level}", person(e), uk(e.start))
            })
            .collect();
        write_csv(
            &name("csc", "exploitation_screening"),
            "Person ID,Screening Date,Risk Level",
            &rows,
        )?;

        let rows: Vec<String> = dated(&[Kind::ParentInPrison])
            .into_iter()
            .map(|e| {
                let by = if e.child % 5 < 2 {
                    "Police"
                } else {
                    "Children's social care"
                };
                format!("{},{},{by}", person(e), uk(e.start))
            })
            .collect();
        write_csv(
            &name("csc", "parental_imprisonment"),
            "Person ID,Recorded Date,Recorded By",
            &rows,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nhs_numbers_carry_a_valid_check_digit() {
        let mut seen = std::collections::BTreeSet::new();
        for child in (0..30_000).chain([200_000, 512_345, 999_999]) {
            assert!(seen.insert(nhs_of(child)), "two children, one NHS number");
            let digits: Vec<u32> = nhs_of(child)
                .chars()
                .filter_map(|c| c.to_digit(10))
                .collect();
            assert_eq!(digits.len(), 10);
            let sum: u32 = digits[..9]
                .iter()
                .enumerate()
                .map(|(i, d)| d * (10 - i as u32))
                .sum();
            assert_eq!((11 - sum % 11) % 11, digits[9]);
        }
        assert!(seen.len() > 30_000);
    }
}
