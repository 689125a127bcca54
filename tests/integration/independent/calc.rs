//! Every metric in `metrics/` recomputed from the sample files in plain Rust:
//! the rules for which rows count are written out again here from the
//! metrics' definitions, not taken from pqa.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{Datelike, Months, NaiveDate};

use super::files::{Extract, cell, date, extracts, flag, number, person, plain};

/// A metric's value for each quarter, e.g. `2024/25-Q3` → 41.6 (`None`
/// where the figure was withheld).
pub type Series = BTreeMap<String, Option<f64>>;

/// Every metric's series, by metric name.
pub type Expected = BTreeMap<&'static str, Series>;

/// The first and last day of a quarter such as `2024/25-Q3`.
fn bounds(period: &str) -> (NaiveDate, NaiveDate) {
    let year: i32 = period[0..4].parse().unwrap();
    let q: u32 = period[9..10].parse().unwrap();
    let (y, m) = if q == 4 {
        (year + 1, 1)
    } else {
        (year, 1 + 3 * q)
    };
    let start = NaiveDate::from_ymd_opt(y, m, 1).unwrap();
    (start, start + Months::new(3) - chrono::Days::new(1))
}

/// The quarter a day falls in: 2024-11-05 → `2024/25-Q3`.
fn quarter_of(day: NaiveDate) -> String {
    let (fy, q) = match day.month() {
        1..=3 => (day.year() - 1, 4),
        m => (day.year(), (m - 1) / 3),
    };
    format!("{fy}/{:02}-Q{q}", (fy + 1) % 100)
}

fn pct(part: usize, whole: usize) -> Option<f64> {
    Some(100.0 * part as f64 / whole as f64)
}

fn mean(values: &[f64]) -> Option<f64> {
    Some(values.iter().sum::<f64>() / values.len() as f64)
}

/// Adds `value` for `period` unless nothing was counted (no rows, no figure:
/// the query gives no row either).
fn put(out: &mut Expected, metric: &'static str, period: &str, rows: usize, value: Option<f64>) {
    if rows > 0 {
        out.entry(metric).or_default().insert(period.into(), value);
    }
}

/// Children aged 0–17 in the partnership's area (E06000046, as pqa.yaml
/// names it) by mid-year, from the ONS estimates.
pub fn population(ons_csv: &Path) -> BTreeMap<i32, f64> {
    let mut reader = csv::Reader::from_path(ons_csv).unwrap();
    let headers = reader.headers().unwrap().clone();
    let at = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (year, code, age, value) = (
        at("time_period"),
        at("new_la_code"),
        at("age_group"),
        at("population_estimate"),
    );
    reader
        .records()
        .map(Result::unwrap)
        .filter(|r| &r[code] == "E06000046" && &r[age] == "Children aged 0 to 17 years")
        .map(|r| (r[year].parse().unwrap(), r[value].parse().unwrap()))
        .collect()
}

/// Per 10,000 children, using the population of the financial year's first
/// mid-year (or the latest published).
fn per_10k(children: usize, period: &str, population: &BTreeMap<i32, f64>) -> Option<f64> {
    let latest = *population.keys().max()?;
    let year = period[0..4].parse::<i32>().unwrap().min(latest);
    Some(10_000.0 * children as f64 / population.get(&year)?)
}

/// A check such as `plan_end >= plan_start` fails: both dates are given and
/// the second is before the first.
fn out_of_order(first: Option<NaiveDate>, then: Option<NaiveDate>) -> bool {
    matches!((first, then), (Some(a), Some(b)) if b < a)
}

/// The codes a feed accepts for a column, as plain spellings.
fn known(code: &str, spellings: &[&str]) -> bool {
    spellings.iter().any(|s| plain(s) == plain(code))
}

/// Rows a strict reading refuses (impossible dates, unknown codes, failed
/// checks), counted so the test can compare with pqa's quarantine.
#[derive(Default)]
pub struct Refused(pub usize);

pub fn front_door(inbox: &Path, out: &mut Expected, refused: &mut Refused) {
    for Extract { period, rows } in extracts(inbox, "csc", "contacts_", "Contact ID") {
        let (mut n, mut referrals, mut re) = (0, 0, 0);
        for r in &rows {
            let outcome = cell(r, "Contact Outcome");
            let ok = date(cell(r, "Contact Date")).is_ok()
                && known(cell(r, "Contact Source"), CONTACT_SOURCES)
                && known(outcome, CONTACT_OUTCOMES);
            let Ok(re_referral) = flag(cell(r, "Re-referral Within 12 Months")) else {
                refused.0 += 1;
                continue;
            };
            if !ok {
                refused.0 += 1;
                continue;
            }
            n += 1;
            if known(outcome, &["Referral to Children's Social Care", "Referral"]) {
                referrals += 1;
                re += usize::from(re_referral == Some(true));
            }
        }
        put(out, "fd_contacts", &period, n, Some(n as f64));
        put(out, "fd_referrals", &period, n, Some(referrals as f64));
        put(
            out,
            "fd_contacts_becoming_referrals_pct",
            &period,
            n,
            pct(referrals, n),
        );
        put(
            out,
            "fd_re_referrals_pct",
            &period,
            referrals,
            pct(re, referrals),
        );
    }
}

const CONTACT_SOURCES: &[&str] = &[
    "Police",
    "School",
    "Education",
    "Health - GP",
    "Health - Hospital",
    "Health - Other",
    "Health",
    "Family/Friend",
    "Family",
    "Self",
    "Housing",
    "Anonymous",
    "Other Local Authority",
    "Other LA",
    "Other",
];
const CONTACT_OUTCOMES: &[&str] = &[
    "Referral to Children's Social Care",
    "Referral",
    "No Further Action",
    "NFA",
    "Early Help",
    "Information and Advice",
];

/// An assessment that passed the feed's rules.
pub struct Assessment {
    pub upn: String,
    pub completed: Option<NaiveDate>,
    pub in_need: bool,
}

pub fn assessments(inbox: &Path, out: &mut Expected, refused: &mut Refused) -> Vec<Assessment> {
    let mut all = Vec::new();
    for Extract { period, rows } in extracts(inbox, "csc", "assessments_", "Child ID") {
        let (mut n, mut in_time) = (0, 0);
        for r in &rows {
            let outcome = cell(r, "Assessment Outcome");
            let (Ok(start), Ok(done)) = (
                date(cell(r, "Assessment Start Date")),
                date(cell(r, "Assessment Authorised Date")),
            ) else {
                refused.0 += 1;
                continue;
            };
            if out_of_order(start, done) || !known(outcome, ASSESSMENT_OUTCOMES) {
                refused.0 += 1;
                continue;
            }
            n += 1;
            if let (Some(s), Some(d)) = (start, done) {
                in_time += usize::from((d - s).num_days() <= 63);
            }
            all.push(Assessment {
                upn: person(cell(r, "UPN")),
                completed: done,
                in_need: known(outcome, &["Child in Need Plan", "CIN Plan"]),
            });
        }
        put(
            out,
            "fd_assessments_in_time_pct",
            &period,
            n,
            pct(in_time, n),
        );
    }
    all
}

const ASSESSMENT_OUTCOMES: &[&str] = &[
    "Child in Need Plan",
    "CIN Plan",
    "No Further Action",
    "NFA",
    "Step down to Early Help",
    "Early Help",
    "Strategy Discussion",
    "S47",
];

/// A child protection plan that passed the feed's rules.
pub struct Plan {
    pub period: String,
    pub child: String,
    pub upn: String,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub neglect: bool,
    pub unborn: bool,
    pub second: bool,
}

pub fn child_protection(
    inbox: &Path,
    population: &BTreeMap<i32, f64>,
    out: &mut Expected,
    refused: &mut Refused,
) -> Vec<Plan> {
    let mut all = Vec::new();
    for Extract { period, rows } in extracts(inbox, "csc", "cp_plans_", "Child ID") {
        let (q_start, q_end) = bounds(&period);
        let mut plans = Vec::new();
        for r in &rows {
            let category = cell(r, "Category of Abuse");
            let parsed = (
                date(cell(r, "Plan Start Date")),
                date(cell(r, "Plan End Date")),
                flag(cell(r, "Unborn")),
                flag(cell(r, "Second or Subsequent Plan")),
            );
            let (Ok(start), Ok(end), Ok(unborn), Ok(second)) = parsed else {
                refused.0 += 1;
                continue;
            };
            if out_of_order(start, end) || !known(category, CATEGORIES) {
                refused.0 += 1;
                continue;
            }
            plans.push(Plan {
                period: period.clone(),
                child: person(cell(r, "Child ID")),
                upn: person(cell(r, "UPN")),
                start,
                end,
                neglect: known(category, &["neglect", "N", "Cat: Neglect"]),
                unborn: unborn == Some(true),
                second: second == Some(true),
            });
        }
        let open: Vec<&Plan> = plans
            .iter()
            .filter(|p| p.start.is_some_and(|s| s <= q_end) && p.end.is_none_or(|e| e > q_end))
            .collect();
        let children: BTreeSet<&str> = open.iter().map(|p| p.child.as_str()).collect();
        let unborn: BTreeSet<&str> = open
            .iter()
            .filter(|p| p.unborn)
            .map(|p| p.child.as_str())
            .collect();
        let neglect = open.iter().filter(|p| p.neglect).count();
        let n = open.len();
        put(
            out,
            "cp_children_with_plan",
            &period,
            n,
            Some(children.len() as f64),
        );
        put(
            out,
            "cp_unborn_with_plan",
            &period,
            n,
            Some(unborn.len() as f64),
        );
        put(out, "cp_neglect_pct", &period, n, pct(neglect, n));
        let rate = per_10k(children.len(), &period, population);
        put(out, "cp_children_with_plan_rate", &period, n, rate);
        let started: Vec<&Plan> = plans
            .iter()
            .filter(|p| p.start.is_some_and(|s| s >= q_start && s <= q_end))
            .collect();
        let second = started.iter().filter(|p| p.second).count();
        let n = started.len();
        put(out, "cp_plans_started", &period, n, Some(n as f64));
        put(out, "cp_second_plans_pct", &period, n, pct(second, n));
        all.extend(plans);
    }
    all
}

const CATEGORIES: &[&str] = &[
    "neglect",
    "N",
    "Cat: Neglect",
    "emotional_abuse",
    "E",
    "Emotional",
    "Cat: Emotional",
    "physical_abuse",
    "P",
    "Physical",
    "Cat: Physical",
    "sexual_abuse",
    "S",
    "Sexual",
    "Cat: Sexual",
    "multiple",
    "M",
    "Mixed",
    "Cat: Multiple",
];

pub fn conferences(inbox: &Path, out: &mut Expected, refused: &mut Refused) {
    for Extract { period, rows } in extracts(inbox, "csc", "cp_conferences_", "Conference ID") {
        // agency → (invited, attended, neither attended nor sent a report)
        let mut by_agency: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
        for r in &rows {
            let agency = cell(r, "Agency");
            let parsed = (
                date(cell(r, "Conference Date")),
                flag(cell(r, "Invited")),
                flag(cell(r, "Attended")),
                flag(cell(r, "Report Provided")),
            );
            let (Ok(_), Ok(invited), Ok(attended), Ok(report)) = parsed else {
                refused.0 += 1;
                continue;
            };
            let type_known = known(
                cell(r, "Conference Type"),
                &["Initial", "ICPC", "Review", "RCPC"],
            );
            if !type_known || !known(agency, AGENCIES) {
                refused.0 += 1;
                continue;
            }
            if invited == Some(true) {
                let key = if known(agency, &["School", "Education"]) {
                    "school"
                } else {
                    agency
                };
                let counts = by_agency.entry(plain(key)).or_default();
                counts.0 += 1;
                counts.1 += usize::from(attended == Some(true));
                counts.2 += usize::from(attended == Some(false) && report == Some(false));
            }
        }
        for (agency, metric) in [
            ("school", "cp_conf_school_attended_pct"),
            ("police", "cp_conf_police_attended_pct"),
            ("health", "cp_conf_health_attended_pct"),
        ] {
            let (invited, attended, silent) = by_agency.get(agency).copied().unwrap_or_default();
            put(out, metric, &period, invited, pct(attended, invited));
            if agency == "school" {
                let metric = "cp_conf_school_no_information_pct";
                put(out, metric, &period, invited, pct(silent, invited));
            }
        }
    }
}

const AGENCIES: &[&str] = &[
    "School",
    "Education",
    "Police",
    "Health",
    "Probation",
    "Housing",
];

/// Children in care: pupil numbers in each quarter's SSDA903 header.
pub type InCare = BTreeMap<String, BTreeSet<String>>;

pub fn children_in_care(
    inbox: &Path,
    population: &BTreeMap<i32, f64>,
    out: &mut Expected,
    refused: &mut Refused,
) -> InCare {
    for Extract { period, rows } in extracts(inbox, "ssda903", "episodes_", "CHILD") {
        let (q_start, q_end) = bounds(&period);
        let (mut in_care, mut started, mut ceased) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        let (mut rows_open, mut rows_started, mut rows_ceased) = (0, 0, 0);
        for r in &rows {
            let (Ok(start), Ok(end)) = (date(cell(r, "DECOM")), date(cell(r, "DEC"))) else {
                refused.0 += 1;
                continue;
            };
            if out_of_order(start, end) {
                refused.0 += 1;
                continue;
            }
            let child = person(cell(r, "CHILD"));
            let during = |d: Option<NaiveDate>| d.is_some_and(|d| d >= q_start && d <= q_end);
            if start.is_some_and(|s| s <= q_end) && end.is_none_or(|e| e > q_end) {
                rows_open += 1;
                in_care.insert(child.clone());
            }
            if cell(r, "RNE") == "S" && during(start) {
                rows_started += 1;
                started.insert(child.clone());
            }
            let reason = cell(r, "REC");
            if during(end) && !reason.is_empty() && reason != "X1" {
                rows_ceased += 1;
                ceased.insert(child);
            }
        }
        let rate = per_10k(in_care.len(), &period, population);
        put(
            out,
            "cla_children_in_care",
            &period,
            rows_open,
            Some(in_care.len() as f64),
        );
        put(out, "cla_rate_per_10k", &period, rows_open, rate);
        put(
            out,
            "cla_started",
            &period,
            rows_started,
            Some(started.len() as f64),
        );
        put(
            out,
            "cla_ceased",
            &period,
            rows_ceased,
            Some(ceased.len() as f64),
        );
    }

    // Reviews: each extract repeats the last twelve months; a review counts
    // once, in the quarter it was held, when an extract covers that quarter.
    let extracts_reviews = extracts(inbox, "ssda903", "reviews_", "CHILD");
    let covered: BTreeSet<&str> = extracts_reviews.iter().map(|e| e.period.as_str()).collect();
    let mut held: BTreeMap<String, BTreeSet<NaiveDate>> = BTreeMap::new();
    for r in extracts_reviews.iter().flat_map(|e| &e.rows) {
        match (date(cell(r, "DOB")), date(cell(r, "REVIEW"))) {
            (Ok(_), Ok(Some(day))) => {
                held.entry(person(cell(r, "CHILD")))
                    .or_default()
                    .insert(day);
            }
            (Ok(_), Ok(None)) => {}
            _ => refused.0 += 1,
        }
    }
    let mut by_quarter: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for days in held.values() {
        let days: Vec<&NaiveDate> = days.iter().collect();
        for pair in days.windows(2) {
            let quarter = quarter_of(*pair[1]);
            if covered.contains(quarter.as_str()) {
                let counts = by_quarter.entry(quarter).or_default();
                counts.0 += 1;
                counts.1 += usize::from((*pair[1] - *pair[0]).num_days() <= 183);
            }
        }
    }
    for (quarter, (n, in_time)) in by_quarter {
        put(out, "cla_reviews_in_time_pct", &quarter, n, pct(in_time, n));
    }

    extracts(inbox, "ssda903", "header_", "CHILD")
        .into_iter()
        .map(|Extract { period, rows }| {
            let upns = rows
                .iter()
                .map(|r| person(cell(r, "UPN")))
                .filter(|u| !u.is_empty())
                .collect();
            (period, upns)
        })
        .collect()
}

pub fn camhs(inbox: &Path, out: &mut Expected, refused: &mut Refused) {
    for Extract { period, rows } in extracts(inbox, "camhs", "camhs_referrals_", "NHS Number") {
        let (q_start, q_end) = bounds(&period);
        let during = |d: Option<NaiveDate>| d.is_some_and(|d| d >= q_start && d <= q_end);
        let mut open = BTreeSet::new();
        let (mut to_assessment, mut to_appointment) = (Vec::new(), Vec::new());
        let (mut assessed, mut seen) = (0, 0);
        for r in &rows {
            let parsed = (
                date(cell(r, "Referral Received Date")),
                date(cell(r, "Assessment Date")),
                date(cell(r, "First Treatment Appointment Date")),
                date(cell(r, "Discharge Date")),
            );
            let (Ok(referral), Ok(assessment), Ok(appointment), Ok(discharge)) = parsed else {
                refused.0 += 1;
                continue;
            };
            if out_of_order(referral, assessment)
                || out_of_order(assessment, appointment)
                || out_of_order(referral, discharge)
            {
                refused.0 += 1;
                continue;
            }
            if referral.is_some_and(|d| d <= q_end) && discharge.is_none_or(|d| d > q_end) {
                open.insert(person(cell(r, "NHS Number")));
            }
            let weeks = |from: Option<NaiveDate>, to: Option<NaiveDate>| {
                Some((to? - from?).num_days() as f64 / 7.0)
            };
            if during(assessment) {
                assessed += 1;
                to_assessment.extend(weeks(referral, assessment));
            }
            if during(appointment) {
                seen += 1;
                to_appointment.extend(weeks(assessment, appointment));
            }
        }
        put(
            out,
            "camhs_open_caseload",
            &period,
            open.len(),
            Some(open.len() as f64),
        );
        let metric = "camhs_weeks_referral_to_assessment";
        put(out, metric, &period, assessed, mean(&to_assessment));
        let metric = "camhs_weeks_assessment_to_first_appointment";
        put(out, metric, &period, seen, mean(&to_appointment));
    }
}

pub fn attendance(
    inbox: &Path,
    assessments: &[Assessment],
    plans: &[Plan],
    in_care: &InCare,
    out: &mut Expected,
    refused: &mut Refused,
) {
    for Extract { period: term, rows } in extracts(inbox, "education", "attendance_", "UPN") {
        // Pupils are linked with the quarterly extracts of the quarter
        // holding most of the term.
        let period = super::files::term_quarter(&term);
        let (q_start, q_end) = bounds(&period);
        let year_before = q_end - Months::new(12);
        let in_need: BTreeSet<&str> = assessments
            .iter()
            .filter(|a| a.in_need && !a.upn.is_empty())
            .filter(|a| a.completed.is_some_and(|d| d <= q_end && d > year_before))
            .map(|a| a.upn.as_str())
            .collect();
        let protected: BTreeSet<&str> = plans
            .iter()
            .filter(|p| p.period == period && !p.upn.is_empty())
            .filter(|p| p.start.is_some_and(|s| s <= q_end) && p.end.is_none_or(|e| e >= q_start))
            .map(|p| p.upn.as_str())
            .collect();
        let cared_for = in_care.get(&period);
        // group → (pupils, persistently absent, severely absent)
        let mut groups: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
        for r in &rows {
            let sessions = [
                "Possible Sessions",
                "Sessions Attended",
                "Authorised Absence",
                "Unauthorised Absence",
            ]
            .map(|c| cell(r, c).parse::<i64>().ok());
            let [Some(possible), Some(attended), Some(_), Some(_)] = sessions else {
                refused.0 += 1;
                continue;
            };
            let term_known = known(
                cell(r, "Term"),
                &["Autumn", "AUT", "Spring", "SPR", "Summer", "SUM"],
            );
            if !term_known || attended > possible || attended < 0 {
                refused.0 += 1;
                continue;
            }
            let missed = (possible - attended) as f64;
            let persistent = missed >= 0.1 * possible as f64;
            let severe = missed >= 0.5 * possible as f64;
            let upn = person(cell(r, "UPN"));
            let mut count = |group| {
                let g = groups.entry(group).or_default();
                g.0 += 1;
                g.1 += usize::from(persistent);
                g.2 += usize::from(severe);
            };
            count("all");
            if in_need.contains(upn.as_str()) {
                count("cin");
            }
            if protected.contains(upn.as_str()) {
                count("cp");
            }
            if cared_for.is_some_and(|c| c.contains(&upn)) {
                count("cla");
            }
        }
        for (group, metric) in [
            ("all", "edu_persistent_absence_pct"),
            ("cin", "edu_persistent_absence_cin_pct"),
            ("cp", "edu_persistent_absence_cp_pct"),
            ("cla", "edu_persistent_absence_cla_pct"),
        ] {
            let (n, persistent, severe) = groups.get(group).copied().unwrap_or_default();
            put(out, metric, &term, n, pct(persistent, n));
            if group == "all" {
                put(out, "edu_severe_absence_pct", &term, n, pct(severe, n));
            }
        }
    }
}

/// Each aggregate return: folder, file prefix, the label and value columns.
const RETURNS: [(&str, &str, &str, &[&str]); 6] = [
    ("csc", "partnership_return_", "Measure", &["Number"]),
    ("education", "education_return_", "Measure", &["Number"]),
    (
        "housing",
        "bed_and_breakfast_",
        "Measure",
        &["Number", "Count"],
    ),
    ("probation", "probation_return_", "Measure", &["Count"]),
    ("police", "operation_encompass_", "Measure", &["Count"]),
    ("youth_justice", "yjs_return_", "Indicator", &["Value"]),
];

/// The wording on the returns of each figure a metric uses.
const MEASURES: [(&str, &str); 17] = [
    (
        "Children in private fostering arrangements at quarter end",
        "private_fostering",
    ),
    ("Care leavers aged 18 to 21", "care_leavers"),
    (
        "Care leavers in suitable accommodation",
        "care_leavers_suitable",
    ),
    (
        "Care leavers in education, employment or training",
        "care_leavers_eet",
    ),
    ("Early help plans closed", "eh_closed"),
    (
        "Early help plans closed with outcomes achieved",
        "eh_improved",
    ),
    ("Young carers identified in the quarter", "young_carers"),
    ("Children who went missing", "missing"),
    ("Children electively home educated at quarter end", "ehe"),
    ("Suspensions in the quarter", "suspensions"),
    ("Permanent exclusions in the quarter", "exclusions"),
    ("Families living in B&B at quarter end", "bb_families"),
    ("Children living in B&B at quarter end", "bb_children"),
    ("Safeguarding referrals to the children's hub", "probation"),
    ("Of which children were present", "da_children"),
    ("Children worked with in the quarter", "yj_worked_with"),
    ("First time entrants to the youth justice system", "yj_fte"),
];

pub fn returns(inbox: &Path, out: &mut Expected, refused: &mut Refused) {
    // (period, figure) → (rows, sum of the figures given)
    let mut figures: BTreeMap<(String, &str), (usize, Option<f64>)> = BTreeMap::new();
    for (dir, prefix, label, value_columns) in RETURNS {
        for Extract { period, rows } in extracts(inbox, dir, prefix, label) {
            for r in &rows {
                let text = value_columns
                    .iter()
                    .map(|c| cell(r, c))
                    .find(|v| !v.is_empty());
                let value = match number(text.unwrap_or("")) {
                    Ok(v) if v.is_none_or(|v| v >= 0.0) => v,
                    _ => {
                        refused.0 += 1;
                        continue;
                    }
                };
                let wording = plain(cell(r, label));
                if let Some((_, figure)) = MEASURES.iter().find(|(m, _)| plain(m) == wording) {
                    let entry = figures.entry((period.clone(), figure)).or_default();
                    entry.0 += 1;
                    if let Some(v) = value {
                        entry.1 = Some(entry.1.unwrap_or(0.0) + v);
                    }
                }
            }
        }
    }
    let periods: BTreeSet<String> = figures.keys().map(|(p, _)| p.clone()).collect();
    let get = |period: &String, figure| {
        figures
            .get(&(period.clone(), figure))
            .copied()
            .unwrap_or_default()
    };
    for period in &periods {
        for (metric, figure) in [
            ("private_fostering_children", "private_fostering"),
            ("young_carers_identified", "young_carers"),
            ("missing_children", "missing"),
            ("edu_children_educated_at_home", "ehe"),
            ("edu_suspensions", "suspensions"),
            ("edu_permanent_exclusions", "exclusions"),
            ("housing_families_in_bed_and_breakfast", "bb_families"),
            ("housing_children_in_bed_and_breakfast", "bb_children"),
            ("probation_safeguarding_referrals", "probation"),
            ("police_domestic_abuse_children_present", "da_children"),
            ("yj_children_worked_with", "yj_worked_with"),
            ("yj_first_time_entrants", "yj_fte"),
        ] {
            let (rows, sum) = get(period, figure);
            put(out, metric, period, rows, sum);
        }
        for (metric, part, whole) in [
            (
                "care_leavers_suitable_accommodation_pct",
                "care_leavers_suitable",
                "care_leavers",
            ),
            ("care_leavers_eet_pct", "care_leavers_eet", "care_leavers"),
            ("eh_plans_closed_improved_pct", "eh_improved", "eh_closed"),
        ] {
            let ((rows_part, part), (rows_whole, whole)) = (get(period, part), get(period, whole));
            let value = part.zip(whole).map(|(p, w)| 100.0 * p / w);
            put(out, metric, period, rows_part + rows_whole, value);
        }
    }
}

#[test]
fn quarters_and_their_days() {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    assert_eq!(bounds("2024/25-Q3"), (d(2024, 10, 1), d(2024, 12, 31)));
    assert_eq!(bounds("2024/25-Q4"), (d(2025, 1, 1), d(2025, 3, 31)));
    assert_eq!(bounds("2022/23-Q1"), (d(2022, 4, 1), d(2022, 6, 30)));
    assert_eq!(quarter_of(d(2024, 11, 5)), "2024/25-Q3");
    assert_eq!(quarter_of(d(2025, 3, 31)), "2024/25-Q4");
    assert_eq!(quarter_of(d(2024, 4, 1)), "2024/25-Q1");
}

/// The Department for Education's published rate of children in need per
/// 10,000 for the partnership's area (LA 921, as pqa.yaml names it), read
/// straight from the LAIT Parquet file: a year to 31 March (`2025`) is the
/// financial year 2024/25.
pub fn published_children_in_need(lait: &Path, out: &mut Expected) {
    use arrow::array::{Array, AsArray};
    let file = std::fs::File::open(lait).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    for batch in reader {
        let batch = batch.unwrap();
        let text = |name: &str| {
            arrow::compute::cast(
                batch.column_by_name(name).unwrap(),
                &arrow::datatypes::DataType::Utf8,
            )
            .unwrap()
        };
        let (measure, year, la, value) = (
            text("Short Desc"),
            text("Years"),
            text("LA Number"),
            text("Values"),
        );
        let (measure, year, la, value) = (
            measure.as_string::<i32>(),
            year.as_string::<i32>(),
            la.as_string::<i32>(),
            value.as_string::<i32>(),
        );
        for i in 0..batch.num_rows() {
            let y = year.value(i);
            if measure.value(i) != "CIN"
                || la.is_null(i)
                || la.value(i).trim().parse::<f64>().ok() != Some(921.0)
                || y.len() != 4
                || !y.bytes().all(|b| b.is_ascii_digit())
            {
                continue;
            }
            let y: i32 = y.parse().unwrap();
            let figure = value
                .is_valid(i)
                .then(|| value.value(i).trim().parse::<f64>().ok())
                .flatten();
            let period = format!("{}/{:02}", y - 1, y % 100);
            put(out, "cin_rate_per_10k", &period, 1, figure);
        }
    }
}
