//! `pqa vulnerabilities`: the overlay of vulnerabilities, counted again
//! from the agencies' CSV files with no pqa code (each definition by hand,
//! the crosswalk's gaps and all), agrees with what pqa prints; the link
//! rates are the crosswalk's real gaps; and the list of children with three
//! or more open to neither children's social care nor early help is named
//! back by the local authority's own extract, and by nothing else.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{Months, NaiveDate};

use crate::TestProject;

const PERIOD: &str = "2024/25-H2";

/// The files the overlay on 31 March 2025 reads: the year's files, and
/// every quarter's crosswalk (people are added when first known).
fn project() -> TestProject {
    let p = TestProject::new();
    for q in 1..=4 {
        for file in [
            "csc/person_crosswalk_2022-23",
            "csc/person_crosswalk_2023-24",
            "csc/person_crosswalk_2024-25",
            "csc/contacts_2024-25",
            "csc/cp_plans_2024-25",
            "csc/cin_plans_2024-25",
            "csc/early_help_episodes_2024-25",
            "csc/exploitation_screening_2024-25",
            "csc/parental_imprisonment_2024-25",
            "ssda903/episodes_2024-25",
            "camhs/camhs_caseload_2024-25",
            "education/suspensions_2024-25",
            "education/reduced_timetables_2024-25",
            "education/education_registers_2024-25",
            "youth_justice/yjs_caseload_2024-25",
        ] {
            p.add_sample(&format!("{file}_Q{q}.csv"));
        }
    }
    for term in ["autumn", "spring"] {
        p.add_sample(&format!("education/attendance_2024-25_{term}.csv"));
    }
    // The Q3 plans as first sent, short of one team, are superseded by the
    // resubmission.
    p.add_sample("csc/cp_plans_2024-25_Q3_resubmitted.csv");
    p.ok(&["ingest"]);
    p
}

fn rows(relative: &str) -> Vec<BTreeMap<String, String>> {
    crate::csv_rows(&crate::sample_inbox().join(relative))
}

fn quarters(stem: &str) -> Vec<BTreeMap<String, String>> {
    (1..=4)
        .flat_map(|q| rows(&format!("{stem}_2024-25_Q{q}.csv")))
        .collect()
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d"))
        .ok()
}

/// An identifier as pqa compares it: spaces gone, case folded.
fn canonical(id: &str) -> String {
    id.split_whitespace().collect::<String>().to_uppercase()
}

/// Open on `day`: begun by it, not ended before or on it.
fn open_on(row: &BTreeMap<String, String>, start: &str, end: &str, day: NaiveDate) -> bool {
    date(&row[start]).is_some_and(|s| s <= day) && date(&row[end]).is_none_or(|e| e > day)
}

/// How a child is named in a definition's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Id {
    Person,
    Upn,
    Nhs,
}

/// Each definition by hand, as `vulnerabilities/*.yaml` words it, on `day`:
/// (name, identifier kind, support, the identifiers found).
fn by_hand(day: NaiveDate) -> Vec<(&'static str, Id, bool, BTreeSet<String>)> {
    let year_before = day - Months::new(12);
    let in_year = |d: Option<NaiveDate>| d.is_some_and(|d| d > year_before && d <= day);
    let last = |stem: &str| rows(&format!("{stem}_2024-25_Q4.csv"));
    let ids = |list: Vec<BTreeMap<String, String>>,
               column: &str,
               keep: &dyn Fn(&BTreeMap<String, String>) -> bool|
     -> BTreeSet<String> {
        list.iter()
            .filter(|r| keep(r))
            .map(|r| canonical(&r[column]))
            .collect()
    };
    let at_least_two = |list: Vec<BTreeMap<String, String>>,
                        column: &str,
                        keep: &dyn Fn(&BTreeMap<String, String>) -> bool| {
        let mut n: BTreeMap<String, usize> = BTreeMap::new();
        for r in list.iter().filter(|r| keep(r)) {
            *n.entry(canonical(&r[column])).or_default() += 1;
        }
        n.into_iter()
            .filter(|(_, n)| *n >= 2)
            .map(|(id, _)| id)
            .collect::<BTreeSet<_>>()
    };

    // Attendance below 90% over the autumn and spring terms.
    let mut attendance: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for term in ["autumn", "spring"] {
        for r in rows(&format!("education/attendance_2024-25_{term}.csv")) {
            let (Ok(possible), Ok(attended)) = (
                r["Possible Sessions"].parse::<u64>(),
                r["Sessions Attended"].parse::<u64>(),
            ) else {
                continue;
            };
            // pqa refuses a row attending more sessions than possible.
            if attended > possible {
                continue;
            }
            let e = attendance.entry(canonical(&r["UPN"])).or_default();
            e.0 += possible;
            e.1 += attended;
        }
    }
    let low_attendance = attendance
        .into_iter()
        .filter(|(_, (possible, attended))| (*attended as f64) < 0.9 * *possible as f64)
        .map(|(upn, _)| upn)
        .collect();

    // The latest exploitation screening in the year (the higher of two
    // the same day) at medium or high.
    let level = |l: &str| match l {
        "High" => 3,
        "Medium" => 2,
        _ => 1,
    };
    let mut latest: BTreeMap<String, (NaiveDate, u8)> = BTreeMap::new();
    for r in quarters("csc/exploitation_screening") {
        let d = date(&r["Screening Date"]).unwrap();
        if in_year(Some(d)) {
            let e = latest.entry(canonical(&r["Person ID"])).or_insert((d, 0));
            let l = level(&r["Risk Level"]);
            if (d, l) > *e {
                *e = (d, l);
            }
        }
    }
    let exploitation = latest
        .into_iter()
        .filter(|(_, (_, l))| *l >= 2)
        .map(|(id, _)| id)
        .collect();

    let six_months_before = day - Months::new(6);
    vec![
        (
            "camhs",
            Id::Nhs,
            false,
            ids(last("camhs/camhs_caseload"), "NHS Number", &|r| {
                open_on(r, "Open Date", "Discharge Date", day)
            }),
        ),
        (
            "child_in_need",
            Id::Person,
            true,
            ids(last("csc/cin_plans"), "Person ID", &|r| {
                open_on(r, "Start Date", "End Date", day)
            }),
        ),
        (
            "early_help",
            Id::Person,
            true,
            ids(last("csc/early_help_episodes"), "Person ID", &|r| {
                open_on(r, "Start Date", "End Date", day)
            }),
        ),
        ("exploitation_risk", Id::Person, false, exploitation),
        (
            "home_educated",
            Id::Upn,
            false,
            ids(last("education/education_registers"), "UPN", &|r| {
                r["Register"] == "Elective home education"
                    && open_on(r, "Start Date", "End Date", day)
            }),
        ),
        (
            "in_care",
            Id::Person,
            true,
            ids(last("ssda903/episodes"), "CHILD", &|r| {
                open_on(r, "DECOM", "DEC", day)
            }),
        ),
        (
            "missing_education",
            Id::Upn,
            false,
            ids(last("education/education_registers"), "UPN", &|r| {
                r["Register"] == "Children missing education"
                    && open_on(r, "Start Date", "End Date", day)
            }),
        ),
        (
            "parent_in_prison",
            Id::Person,
            false,
            ids(quarters("csc/parental_imprisonment"), "Person ID", &|r| {
                in_year(date(&r["Recorded Date"]))
            }),
        ),
        (
            "permanent_exclusion",
            Id::Upn,
            false,
            ids(quarters("education/suspensions"), "UPN", &|r| {
                r["Category"] == "Permanent exclusion" && in_year(date(&r["Start Date"]))
            }),
        ),
        (
            "protection_plan",
            Id::Person,
            true,
            ids(last("csc/cp_plans"), "Child ID", &|r| {
                open_on(r, "Plan Start Date", "Plan End Date", day)
            }),
        ),
        ("reduced_attendance", Id::Upn, false, low_attendance),
        (
            "reduced_timetable",
            Id::Upn,
            false,
            ids(last("education/reduced_timetables"), "UPN", &|r| {
                date(&r["Start Date"]).is_some_and(|s| s < six_months_before)
                    && date(&r["End Date"]).is_none_or(|e| e > day)
            }),
        ),
        (
            "repeat_referrals",
            Id::Person,
            false,
            at_least_two(quarters("csc/contacts"), "Child ID", &|r| {
                r["Contact Outcome"] == "Referral to Children's Social Care"
                    && in_year(date(&r["Contact Date"]))
            }),
        ),
        (
            "repeated_suspensions",
            Id::Upn,
            false,
            at_least_two(quarters("education/suspensions"), "UPN", &|r| {
                r["Category"] == "Suspension" && in_year(date(&r["Start Date"]))
            }),
        ),
        (
            "youth_justice",
            Id::Person,
            false,
            ids(last("youth_justice/yjs_caseload"), "Person ID", &|r| {
                open_on(r, "Start Date", "End Date", day)
            }),
        ),
    ]
}

/// The crosswalk by hand: UPN → person id, NHS number → person id, and
/// every person id. No UPN or NHS number is given to two people in the
/// sample, so there is no choosing between them.
struct Crosswalk {
    upn: BTreeMap<String, String>,
    nhs: BTreeMap<String, String>,
    people: BTreeSet<String>,
}

fn crosswalk() -> Crosswalk {
    let mut c = Crosswalk {
        upn: BTreeMap::new(),
        nhs: BTreeMap::new(),
        people: BTreeSet::new(),
    };
    for year in ["2022-23", "2023-24", "2024-25"] {
        for q in 1..=4 {
            for r in rows(&format!("csc/person_crosswalk_{year}_Q{q}.csv")) {
                let person = canonical(&r["Person ID"]);
                for (map, column) in [(&mut c.upn, "UPN"), (&mut c.nhs, "NHS Number")] {
                    let id = canonical(&r[column]);
                    if !id.is_empty() {
                        let before = map.insert(id, person.clone());
                        assert!(
                            before.is_none_or(|b| b == person),
                            "{column} given to two people"
                        );
                    }
                }
                c.people.insert(person);
            }
        }
    }
    c
}

#[test]
fn the_overlay_is_the_one_counted_by_hand_and_the_list_names_its_children() {
    let day = NaiveDate::from_ymd_opt(2025, 3, 31).unwrap();
    let definitions = by_hand(day);
    let xw = crosswalk();
    // Link every child found: by person id where the crosswalk gives one.
    let mut children: BTreeMap<(Id, String), Vec<&str>> = BTreeMap::new();
    let mut rates = Vec::new();
    for (name, kind, _, found) in &definitions {
        let mut linked = 0;
        for id in found {
            let person = match kind {
                Id::Person => xw.people.contains(id).then(|| id.clone()),
                Id::Upn => xw.upn.get(id).cloned(),
                Id::Nhs => xw.nhs.get(id).cloned(),
            };
            linked += usize::from(person.is_some());
            let key = match person {
                Some(p) => (Id::Person, p),
                None => (*kind, id.clone()),
            };
            children.entry(key).or_default().push(name);
        }
        rates.push((found.len(), linked));
    }
    let support: BTreeSet<&str> = definitions.iter().filter(|d| d.2).map(|d| d.0).collect();
    let mut by_number = [0usize; 4];
    for v in children.values() {
        by_number[v.len().min(4) - 1] += 1;
    }
    let listed: BTreeSet<(Id, String)> = children
        .iter()
        .filter(|(_, v)| v.len() >= 3 && !v.iter().any(|n| support.contains(n)))
        .map(|(k, _)| k.clone())
        .collect();
    // The sample is built to overlap: the test means something only if
    // there are children with three and four or more, some unlinked, and
    // some to list.
    assert!(by_number[2] > 20 && by_number[3] > 4, "{by_number:?}");
    assert!(listed.len() > 5, "{}", listed.len());
    assert!(rates.iter().any(|(found, linked)| linked < found));

    let p = project();
    let out = p.ok(&["vulnerabilities", "--period", PERIOD, "--out", "overlay"]);
    let total: usize = by_number.iter().sum();
    let [one, two, three, four] = by_number;
    assert!(
        out.contains(&format!("Children by number of vulnerabilities (1: {one}, 2: {two}, 3: {three}, 4 or more: {four})")),
        "{out}"
    );
    let with_commas = |n: usize| {
        let s = n.to_string();
        if s.len() > 3 {
            format!("{},{}", &s[..s.len() - 3], &s[s.len() - 3..])
        } else {
            s
        }
    };
    assert!(
        out.starts_with(&format!(
            "On 31 March 2025, {} children had at least one of the 15 vulnerabilities the partnership tracks; {} had three or more, and {} of those were open to neither children's social care nor early help.",
            with_commas(total),
            three + four,
            listed.len()
        )),
        "{out}"
    );
    // The link rates, feed by feed, where no count is small enough to hide.
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("  ") && l.contains(" by "))
        .collect();
    assert_eq!(lines.len(), definitions.len());
    for ((found, linked), line) in rates.iter().zip(&lines) {
        let figures: Vec<&str> = line.split_whitespace().rev().take(4).collect();
        let not_linked = found - linked;
        if *linked > 4 && (not_linked == 0 || not_linked > 4) {
            assert_eq!(figures[3], with_commas(*found), "{line}");
            assert_eq!(figures[2], with_commas(*linked), "{line}");
            assert_eq!(figures[1], with_commas(not_linked), "{line}");
        } else if (1..=4).contains(&not_linked) {
            assert_eq!(figures[1], "c", "{line}");
        }
    }

    // The local authority names the list back from its own extract (every
    // person id in the crosswalk, with a name the warehouse never held).
    let list = p
        .path()
        .join("overlay/vulnerabilities-2024-25-H2-list-OFFICIAL-SENSITIVE.xlsx");
    let mut extract = String::from("Person ID,Name\n");
    for person in &xw.people {
        extract.push_str(&format!("{person},Child {person}\n"));
    }
    std::fs::write(p.path().join("people.csv"), &extract).unwrap();
    let named = p.ok(&[
        "audit",
        "reidentify",
        "--pack",
        list.to_str().unwrap(),
        "--extract",
        "people.csv",
        "--id-column",
        "Person ID",
        "--out",
        "named.csv",
    ]);
    let by_person: BTreeSet<String> = listed
        .iter()
        .filter(|(kind, _)| *kind == Id::Person)
        .map(|(_, id)| id.clone())
        .collect();
    assert!(
        named.contains(&format!(
            "{} of the pack's {} children found",
            by_person.len(),
            listed.len()
        )),
        "{named}"
    );
    let named_ids: BTreeSet<String> = csv::Reader::from_path(p.path().join("named.csv"))
        .unwrap()
        .deserialize::<BTreeMap<String, String>>()
        .map(|r| canonical(&r.unwrap()["Person ID"]))
        .collect();
    assert_eq!(named_ids, by_person);
    assert_no_identifier(&list, &xw);
}

/// The list holds pseudonyms, never an identifier.
fn assert_no_identifier(list: &Path, xw: &Crosswalk) {
    use calamine::{Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(list).unwrap();
    let sheet = book.worksheet_range("Children").unwrap();
    for row in sheet.rows() {
        for cell in row {
            let text = canonical(&cell.to_string());
            assert!(
                !xw.people.contains(&text)
                    && !xw.upn.contains_key(&text)
                    && !xw.nhs.contains_key(&text)
            );
        }
    }
}
