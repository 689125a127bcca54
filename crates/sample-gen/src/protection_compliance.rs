//! The child protection process around each plan, in working days: the
//! strategy discussion before the initial conference (the plan's start),
//! core groups, review conferences and visits, one CSV per quarter of the
//! events dated in it. Timescales (Working Together 2023): conference within
//! 15 working days of the strategy discussion, first core group within 10 of
//! the conference, first review within 3 months and then every 6, a visit at
//! least every 10 working days. Most are met; some are not, as in life.
//!
//! A separate seed, so the plans and every other file stay as they were.

use std::path::Path;

use chrono::{Datelike, Months, NaiveDate};
use pqa_core::BankHolidays;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::Plan;
use crate::common::{FIRST_YEAR, YEARS, quarter_bounds, quarter_file, quarters, uk, write_csv};

const SEED: u64 = 15_010;

/// Share of conferences held within 15 working days of the strategy discussion.
const ON_TIME_CONFERENCE: f64 = 0.84;
/// Share of conferences with no strategy discussion recorded for the child.
const STRATEGY_NOT_RECORDED: f64 = 0.03;
/// Share of first core groups within 10 working days of the conference.
const ON_TIME_CORE_GROUP: f64 = 0.88;
/// Share of review conferences held by their due date.
const ON_TIME_REVIEW: f64 = 0.9;
/// Share of children whose visits ever lapse, and for them the share of
/// visits within 10 working days of the one before: lapses cluster in a few
/// children (a worker off sick, a case between teams), not spread thinly.
const VISITS_LAPSE: f64 = 0.2;
const ON_TIME_VISIT_WHEN_LAPSING: f64 = 0.8;

/// The bank holidays pqa reads, so the lapses here are lapses there.
pub fn bank_holidays() -> BankHolidays {
    let text = include_str!("../../../reference/bank-holidays.csv");
    BankHolidays::parse(text, Path::new("reference/bank-holidays.csv"))
        .expect("the shipped bank holidays file reads")
}

/// How an agency took part in a meeting.
fn took_part(rng: &mut ChaCha8Rng, invited: f64, attended: f64) -> &'static str {
    if rng.random::<f64>() >= invited {
        "Not invited"
    } else if rng.random::<f64>() < attended {
        "Attended"
    } else {
        "Did not attend"
    }
}

/// The health service named when health came: about a quarter of the time
/// the record says only "Health".
fn health_service(rng: &mut ChaCha8Rng, health: &str, unborn: bool) -> &'static str {
    if health != "Attended" || rng.random::<f64>() < 0.27 {
        return "";
    }
    if unborn {
        return "Midwifery";
    }
    match rng.random_range(0..10) {
        0..=4 => "0-19 Service",
        5..=6 => "GP",
        7 => "CAMHS",
        8 => "Hospital",
        _ => "Midwifery",
    }
}

fn child_id(child: u32) -> String {
    format!("CS {child}")
}

/// Every event, dated, as the row its file holds.
struct Events {
    strategy: Vec<(NaiveDate, String)>,
    core_groups: Vec<(NaiveDate, String)>,
    reviews: Vec<(NaiveDate, String)>,
    visits: Vec<(NaiveDate, String)>,
}

pub fn generate(inbox: &Path, plans: &[Plan]) -> std::io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let holidays = bank_holidays();
    let first = NaiveDate::from_ymd_opt(FIRST_YEAR, 4, 1).expect("a date");
    let last = NaiveDate::from_ymd_opt(FIRST_YEAR + YEARS, 3, 31).expect("a date");
    let mut events = Events {
        strategy: vec![],
        core_groups: vec![],
        reviews: vec![],
        visits: vec![],
    };
    for plan in plans
        .iter()
        .filter(|p| p.end >= first && p.start.year() > 2019)
    {
        plan_events(&mut rng, &holidays, plan, &mut events);
    }
    // Strategy discussions that led to no conference: a section 47 enquiry
    // that found no need for one, or no enquiry at all.
    let mut child = 400_000;
    for (fy, q) in quarters() {
        let (start, end) = quarter_bounds(fy, q);
        for _ in 0..rng.random_range(70..90) {
            child += rng.random_range(1..4);
            let date = working_day_between(&mut rng, &holidays, start, end);
            let s47 = if rng.random::<f64>() < 0.55 {
                "Yes"
            } else {
                "No"
            };
            let row = strategy_row(&mut rng, child, date, s47, None, child % 4 != 0, false);
            events.strategy.push((date, row));
        }
    }
    let in_range = |list: &mut Vec<(NaiveDate, String)>| {
        list.retain(|(d, _)| *d >= first && *d <= last);
        list.sort();
    };
    for list in [
        &mut events.strategy,
        &mut events.core_groups,
        &mut events.reviews,
        &mut events.visits,
    ] {
        in_range(list);
    }
    let csc = inbox.join("csc");
    for (name, header, list) in [
        (
            "strategy_discussions",
            "Child ID,Strategy Discussion Date,Section 47 Enquiry,ICPC Date,Police,Health,Education,Health Service",
            &events.strategy,
        ),
        (
            "core_groups",
            "Child ID,Plan Start Date,Core Group Date,Police,Health,Education,Health Service",
            &events.core_groups,
        ),
        (
            "cp_review_conferences",
            "Child ID,Plan Start Date,Review Conference Date",
            &events.reviews,
        ),
        (
            "cp_visits",
            "Child ID,Visit Date,Seen Alone",
            &events.visits,
        ),
    ] {
        for (fy, q) in quarters() {
            let (start, end) = quarter_bounds(fy, q);
            let rows: Vec<String> = list
                .iter()
                .filter(|(d, _)| *d >= start && *d <= end)
                .map(|(_, r)| r.clone())
                .collect();
            write_csv(
                &csc.join(format!("{name}_{}.csv", quarter_file(fy, q))),
                header,
                &rows,
            )?;
        }
    }
    Ok(())
}

/// `n` working days before `date`.
fn before(holidays: &BankHolidays, date: NaiveDate, n: u32) -> NaiveDate {
    holidays.before(date, n).expect("2019 to 2027")
}

fn working_day_between(
    rng: &mut ChaCha8Rng,
    holidays: &BankHolidays,
    start: NaiveDate,
    end: NaiveDate,
) -> NaiveDate {
    loop {
        let d = start + chrono::Duration::days(rng.random_range(0..=(end - start).num_days()));
        if holidays.is_working_day(d).expect("2019 to 2027") {
            return d;
        }
    }
}

/// Working days to the next event: within `limit` with probability
/// `on_time`, otherwise up to twice it.
fn gap(rng: &mut ChaCha8Rng, limit: u32, on_time: f64, shortest: u32) -> u32 {
    if rng.random::<f64>() < on_time {
        rng.random_range(shortest..=limit)
    } else {
        rng.random_range(limit + 1..=limit * 2)
    }
}

/// How often each agency is invited, and comes when invited.
struct Rates {
    police: (f64, f64),
    health: (f64, f64),
    education: (f64, f64),
}

const AT_STRATEGY: Rates = Rates {
    police: (1.0, 0.95),
    health: (0.93, 0.82),
    education: (0.9, 0.8),
};

const AT_CORE_GROUP: Rates = Rates {
    police: (0.7, 0.5),
    health: (0.95, 0.78),
    education: (0.95, 0.85),
};

/// The Police, Health, Education and Health Service fields of a meeting's
/// row. Children too young for school have no school invited.
fn who_took_part(rng: &mut ChaCha8Rng, rates: &Rates, school_age: bool, unborn: bool) -> String {
    let police = took_part(rng, rates.police.0, rates.police.1);
    let health = took_part(rng, rates.health.0, rates.health.1);
    let education = if school_age {
        took_part(rng, rates.education.0, rates.education.1)
    } else {
        "Not invited"
    };
    let service = health_service(rng, health, unborn);
    format!("{police},{health},{education},{service}")
}

fn strategy_row(
    rng: &mut ChaCha8Rng,
    child: u32,
    date: NaiveDate,
    s47: &str,
    conference: Option<NaiveDate>,
    school_age: bool,
    unborn: bool,
) -> String {
    format!(
        "{},{},{s47},{},{}",
        child_id(child),
        uk(date),
        conference.map(uk).unwrap_or_default(),
        who_took_part(rng, &AT_STRATEGY, school_age, unborn)
    )
}

fn plan_events(rng: &mut ChaCha8Rng, holidays: &BankHolidays, plan: &Plan, events: &mut Events) {
    let conference = plan.start;
    let school_age = crate::has_upn(plan);
    let ends = plan.end;
    let discussed = before(holidays, conference, gap(rng, 15, ON_TIME_CONFERENCE, 4));
    let row = strategy_row(
        rng,
        plan.child,
        discussed,
        "Yes",
        Some(conference),
        school_age,
        plan.unborn,
    );
    // A few strategy discussions were never recorded against the child.
    if rng.random::<f64>() >= STRATEGY_NOT_RECORDED {
        events.strategy.push((discussed, row));
    }

    // Core groups: the first within 10 working days, then about every six weeks.
    let add = |from: NaiveDate, n: u32| holidays.add(from, n).expect("2019 to 2027");
    let mut meeting = add(conference, gap(rng, 10, ON_TIME_CORE_GROUP, 3));
    while meeting < ends {
        let took_part = who_took_part(rng, &AT_CORE_GROUP, school_age, plan.unborn);
        events.core_groups.push((
            meeting,
            format!(
                "{},{},{},{took_part}",
                child_id(plan.child),
                uk(conference),
                uk(meeting)
            ),
        ));
        meeting = add(meeting, rng.random_range(25..=35));
    }

    // Reviews: the first due 3 months after the conference, then every 6.
    let mut due = conference + Months::new(3);
    while due < ends {
        let held = if rng.random::<f64>() < ON_TIME_REVIEW {
            before(holidays, due, rng.random_range(0..10))
        } else {
            add(due, rng.random_range(1..20))
        };
        events.reviews.push((
            held,
            format!("{},{},{}", child_id(plan.child), uk(conference), uk(held)),
        ));
        due = held + Months::new(6);
    }

    // Visits: the first within days of the conference, then at most every
    // 10 working days, mostly.
    let on_time = if rng.random::<f64>() < VISITS_LAPSE {
        ON_TIME_VISIT_WHEN_LAPSING
    } else {
        1.0
    };
    let mut visit = add(conference, rng.random_range(1..=5));
    while visit < ends {
        let alone = if plan.unborn || rng.random::<f64>() < 0.3 {
            "No"
        } else {
            "Yes"
        };
        events.visits.push((
            visit,
            format!("{},{},{alone}", child_id(plan.child), uk(visit)),
        ));
        visit = add(visit, gap(rng, 10, on_time, 5));
    }
}
