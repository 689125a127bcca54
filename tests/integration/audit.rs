//! `pqa audit`: the cohort drawn from the warehouse is the one counted from
//! the agencies' files by hand; the same seed draws the same children; a
//! pack holds pseudonyms only, and the key's holder names the children.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use calamine::{Reader, Xlsx, open_workbook};
use chrono::NaiveDate;

use crate::TestProject;

const AUDIT: &str = "under_twos_repeat_contacts";
const PERIOD: &str = "2024/25-H1";

/// A project holding the front door's files for 2024/25, ingested.
fn front_door() -> TestProject {
    let p = TestProject::new();
    for q in 1..=4 {
        for dataset in ["contacts", "assessments", "cp_plans"] {
            p.add_sample(&format!("csc/{dataset}_2024-25_Q{q}.csv"));
        }
    }
    p.ok(&["ingest"]);
    p
}

fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    crate::csv_rows(path)
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%d/%m/%Y").ok()
}

/// The under-twos cohort counted from the CSV files with no pqa code: case
/// system id → whether any contact or later assessment or plan went further.
fn cohort_by_hand() -> BTreeMap<String, bool> {
    let (start, end) = (
        NaiveDate::from_ymd_opt(2024, 4, 1).unwrap(),
        NaiveDate::from_ymd_opt(2024, 9, 30).unwrap(),
    );
    let csc = crate::sample_inbox().join("csc");
    let mut contacts: BTreeMap<String, (usize, u32, bool)> = BTreeMap::new();
    let mut further = BTreeSet::new();
    for q in 1..=4 {
        for r in rows(&csc.join(format!("contacts_2024-25_Q{q}.csv"))) {
            let Some(d) = date(&r["Contact Date"]) else {
                continue;
            };
            if d < start || d > end {
                continue;
            }
            let age: u32 = r["Age at Contact"].parse().unwrap();
            let e = contacts
                .entry(r["Child ID"].clone())
                .or_insert((0, 99, false));
            e.0 += 1;
            e.1 = e.1.min(age);
            e.2 |= r["Contact Outcome"] == "Referral to Children's Social Care";
        }
        for r in rows(&csc.join(format!("assessments_2024-25_Q{q}.csv"))) {
            if date(&r["Assessment Start Date"]).is_some_and(|d| d >= start) {
                further.insert(r["Child ID"].clone());
            }
        }
        for r in rows(&csc.join(format!("cp_plans_2024-25_Q{q}.csv"))) {
            let started = r.iter().find(|(k, _)| k.contains("Start")).map(|(_, v)| v);
            if started.and_then(|s| date(s)).is_some_and(|d| d >= start) {
                let id = r.iter().find(|(k, _)| k.contains("ID")).unwrap().1;
                further.insert(id.clone());
            }
        }
    }
    contacts
        .into_iter()
        .filter(|(_, (n, youngest, _))| *n >= 3 && *youngest < 2)
        .map(|(id, (_, _, referred))| {
            let went_further = referred || further.contains(&id);
            (id, went_further)
        })
        .collect()
}

/// The pack's list of children: reference → (pseudonym, group, audited by).
fn pack_children(xlsx: &Path) -> BTreeMap<String, (String, String, String)> {
    let mut book: Xlsx<_> = open_workbook(xlsx).unwrap();
    let range = book.worksheet_range("Children").unwrap();
    range
        .rows()
        .skip(1)
        .map(|r| {
            let c = |i: usize| r[i].to_string();
            (c(0), (c(1), c(2), c(3)))
        })
        .collect()
}

fn draw(p: &TestProject, seed: &str, out: &str) -> (String, PathBuf) {
    let stdout = p.ok(&[
        "audit", "draw", AUDIT, "--period", PERIOD, "--seed", seed, "--out", out,
    ]);
    let stem = format!("audit-{AUDIT}-2024-25-H1-seed{seed}");
    (stdout, p.path().join(out).join(format!("{stem}.xlsx")))
}

#[test]
fn the_cohort_is_the_one_counted_from_the_files_and_the_sample_keeps_its_shares() {
    let p = front_door();
    let by_hand = cohort_by_hand();
    let went_further = by_hand.values().filter(|f| **f).count();
    let no_further = by_hand.len() - went_further;
    // The sample needs both groups, and the generator plants both.
    assert!(
        no_further >= 12 && went_further >= 8,
        "{no_further} / {went_further}"
    );

    let (stdout, xlsx) = draw(&p, "1", "packs");
    assert!(
        stdout.contains(&format!(
            "{} children in the cohort, 20 drawn",
            by_hand.len()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("12 of {no_further} (6 by all agencies)")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("8 of {went_further} (4 by all agencies)")),
        "{stdout}"
    );

    let children = pack_children(&xlsx);
    assert_eq!(children.len(), 20);
    let all = children.values().filter(|c| c.2 == "All agencies").count();
    assert_eq!(all, 10);
    // References in order, the multi-agency ten first.
    assert_eq!(children.keys().next().unwrap(), "A01");
    assert_eq!(children["A10"].2, "All agencies");
    assert_eq!(children["A11"].2, "Children's social care alone");
}

#[test]
fn the_same_seed_on_the_same_run_draws_the_same_children() {
    let p = front_door();
    let pseudonyms =
        |xlsx: &Path| -> Vec<String> { pack_children(xlsx).into_values().map(|c| c.0).collect() };
    let (_, first) = draw(&p, "7", "first");
    let (_, again) = draw(&p, "7", "again");
    let (_, other) = draw(&p, "8", "other");
    assert_eq!(pseudonyms(&first), pseudonyms(&again));
    assert_ne!(pseudonyms(&first), pseudonyms(&other));
}

/// Whether text holds a case system id (CS and six digits, with or
/// without a space).
fn holds_case_id(text: &str) -> bool {
    let squeezed = text.replace("CS ", "CS");
    squeezed
        .as_bytes()
        .windows(8)
        .any(|w| w.starts_with(b"CS") && w[2..].iter().all(u8::is_ascii_digit))
}

#[test]
fn a_pack_holds_pseudonyms_only_and_the_key_holder_names_the_children() {
    let p = front_door();
    let (_, xlsx) = draw(&p, "3", "packs");
    let html = std::fs::read_to_string(xlsx.with_extension("html")).unwrap();
    // The case system's ids (CS and six digits) are nowhere in the pack.
    assert!(!holds_case_id(&html));
    let mut book: Xlsx<_> = open_workbook(&xlsx).unwrap();
    for sheet in book.sheet_names() {
        let range = book.worksheet_range(&sheet).unwrap();
        for cell in range.used_cells() {
            assert!(!holds_case_id(&cell.2.to_string()), "{sheet}: {}", cell.2);
        }
    }
    let pack = pack_children(&xlsx);
    for (pseudonym, _, _) in pack.values() {
        assert!(html.contains(pseudonym.as_str()));
        assert_eq!(pseudonym.len(), 32);
    }

    // The local authority's own extract: every child contacted, with a
    // (synthetic) name the warehouse never held.
    let by_hand = cohort_by_hand();
    let mut extract = String::from("Child ID,Name\n");
    for id in by_hand.keys() {
        extract.push_str(&format!("{id},Child {id}\n"));
    }
    std::fs::write(p.path().join("extract.csv"), &extract).unwrap();
    // `key`: None reads the project's own (the public sample key).
    let reidentify = |out: &str, key: Option<&str>| {
        let pack = xlsx.to_str().unwrap();
        let args = [
            "audit",
            "reidentify",
            "--pack",
            pack,
            "--extract",
            "extract.csv",
            "--out",
            out,
        ];
        let mut cmd = p.cmd(&args);
        if let Some(key) = key {
            cmd.env("PQA_PSEUDONYM_KEY", key);
        }
        let run = cmd.output().unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        String::from_utf8_lossy(&run.stdout).into_owned()
    };
    let stdout = reidentify("named.csv", None);
    assert!(
        stdout.contains("20 of the pack's 20 children found"),
        "{stdout}"
    );
    let named = rows(&p.path().join("named.csv"));
    assert_eq!(named.len(), 20);
    for row in &named {
        // Each child named is in the cohort, in the group the pack gives.
        let went_further = by_hand[&row["Child ID"]];
        let (_, group, by) = &pack[&row["Reference"]];
        assert_eq!(group.starts_with("Went on"), went_further, "{row:?}");
        assert_eq!(&row["Audited by"], by);
        assert_eq!(row["Name"], format!("Child {}", row["Child ID"]));
    }

    // With another key, nobody is found: the pseudonyms are the key's.
    let stdout = reidentify("other.csv", Some("another key of enough length"));
    assert!(
        stdout.contains("0 of the pack's 20 children found"),
        "{stdout}"
    );
}

#[test]
fn a_wrong_audit_is_named_with_its_place_and_the_nearest() {
    let p = front_door();
    let out = p
        .cmd(&["audit", "draw", "under_twos", "--period", PERIOD])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("did you mean `under_twos_repeat_contacts`?"),
        "{stderr}"
    );

    // A key no audit has, and then shares that do not add up: each is
    // named with its file and line.
    let file = p.path().join("audits/re_referrals.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    for (broken, says) in [
        (
            text.replace("sample: 20", "sample_size: 20"),
            "unknown field `sample_size`",
        ),
        (
            text.replacen("share: 0.3\n", "share: 0.35\n", 1),
            "the strata's shares add up to 1.05",
        ),
    ] {
        std::fs::write(&file, broken).unwrap();
        let out = p.cmd(&["feeds", "check"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(stderr.contains("audits/re_referrals.yaml:"), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
    }
}

/// England and Wales bank holidays from the project's file, read here
/// without pqa's code.
fn bank_holidays() -> BTreeSet<NaiveDate> {
    std::fs::read_to_string(crate::repo().join("reference/bank-holidays.csv"))
        .unwrap()
        .lines()
        .filter_map(|l| NaiveDate::parse_from_str(l.split(',').next()?, "%Y-%m-%d").ok())
        .collect()
}

/// Working days after `from` up to and including `to`, a day at a time.
fn working_days(holidays: &BTreeSet<NaiveDate>, from: NaiveDate, to: NaiveDate) -> i64 {
    use chrono::Datelike;
    from.iter_days()
        .skip(1)
        .take_while(|d| *d <= to)
        .filter(|d| d.weekday().number_from_monday() <= 5 && !holidays.contains(d))
        .count() as i64
}

/// The child protection compliance cohort for 2024/25-H1, judged by hand
/// from the CSV files: canonical case id → every timescale met.
fn protection_by_hand() -> BTreeMap<String, bool> {
    let holidays = bank_holidays();
    let csc = crate::sample_inbox().join("csc");
    let (start, end) = (
        NaiveDate::from_ymd_opt(2024, 4, 1).unwrap(),
        NaiveDate::from_ymd_opt(2024, 9, 30).unwrap(),
    );
    let id = |r: &BTreeMap<String, String>| r["Child ID"].replace(' ', "");
    let read = |dataset: &str, quarters: &[&str]| -> Vec<BTreeMap<String, String>> {
        quarters
            .iter()
            .flat_map(|q| rows(&csc.join(format!("{dataset}_{q}.csv"))))
            .collect()
    };
    let year = ["2024-25_Q1", "2024-25_Q2", "2024-25_Q3", "2024-25_Q4"];
    let mut conference: BTreeMap<String, NaiveDate> = BTreeMap::new();
    for r in read("cp_plans", &year[..2]) {
        // The row planted with a category no code has is refused at ingest.
        let category_read = r["Category of Abuse"] != "Cat: Financial";
        let Some(started) = date(&r["Plan Start Date"]) else {
            continue;
        };
        if category_read && started >= start && started <= end {
            let e = conference.entry(id(&r)).or_insert(started);
            *e = (*e).min(started);
        }
    }
    let strategy: Vec<_> = read("strategy_discussions", &["2023-24_Q4", year[0], year[1]]);
    let core = read("core_groups", &year);
    let reviews = read("cp_review_conferences", &year);
    let visits = read("cp_visits", &year);
    conference
        .into_iter()
        .map(|(child, held)| {
            let discussed = strategy
                .iter()
                .filter(|r| id(r) == child && date(&r["ICPC Date"]) == Some(held))
                .filter_map(|r| date(&r["Strategy Discussion Date"]))
                .max();
            let first_core = core
                .iter()
                .filter(|r| id(r) == child && date(&r["Plan Start Date"]) == Some(held))
                .filter_map(|r| date(&r["Core Group Date"]))
                .min();
            let first_review = reviews
                .iter()
                .filter(|r| id(r) == child && date(&r["Plan Start Date"]) == Some(held))
                .filter_map(|r| date(&r["Review Conference Date"]))
                .min();
            let mut seen: Vec<NaiveDate> = visits
                .iter()
                .filter(|r| id(r) == child)
                .filter_map(|r| date(&r["Visit Date"]))
                .filter(|d| *d >= held)
                .collect();
            seen.sort();
            let visits_ok = seen.len() >= 2
                && seen
                    .windows(2)
                    .all(|w| working_days(&holidays, w[0], w[1]) <= 10);
            let timely = discussed.is_some_and(|d| working_days(&holidays, d, held) <= 15)
                && first_core.is_some_and(|d| working_days(&holidays, held, d) <= 10)
                && first_review.is_some_and(|d| d <= held + chrono::Months::new(3))
                && visits_ok;
            (child, timely)
        })
        .collect()
}

/// A project holding children's social care's child protection files for
/// 2024/25 (and the quarter before, for strategy discussions), the audit's
/// returns and the recommendations tracker, ingested.
fn protection() -> TestProject {
    let p = TestProject::new();
    for dataset in [
        "cp_plans",
        "strategy_discussions",
        "core_groups",
        "cp_review_conferences",
        "cp_visits",
    ] {
        for q in [
            "2023-24_Q4",
            "2024-25_Q1",
            "2024-25_Q2",
            "2024-25_Q3",
            "2024-25_Q4",
        ] {
            if dataset == "cp_plans" && q == "2024-25_Q3" {
                // Sent in part, then resubmitted whole: the whole one is read.
                p.add_sample(&format!("csc/{dataset}_{q}_resubmitted.csv"));
            }
            p.add_sample(&format!("csc/{dataset}_{q}.csv"));
        }
    }
    p.add_sample(RETURNS);
    for q in ["Q3", "Q4"] {
        p.add_sample(&format!("recommendations/recommendations_2024-25_{q}.csv"));
    }
    p.ok(&["ingest"]);
    p
}

const RETURNS: &str = "audits/audit_returns_child_protection_compliance_2024-25_Q3.csv";

#[test]
fn child_protection_timescales_are_counted_in_working_days_as_by_hand() {
    let p = protection();
    let by_hand = protection_by_hand();
    let timely = by_hand.values().filter(|t| **t).count();
    let lapsed = by_hand.len() - timely;
    // Both kinds are there to draw from.
    assert!(timely >= 8 && lapsed >= 8, "{timely} / {lapsed}");
    let stdout = p.ok(&[
        "audit",
        "draw",
        "child_protection_compliance",
        "--period",
        PERIOD,
        "--seed",
        "5",
    ]);
    assert!(
        stdout.contains(&format!(
            "{} children in the cohort, 16 drawn",
            by_hand.len()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("At least one timescale missed: 8 of {lapsed}")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("Every timescale met: 8 of {timely}")),
        "{stdout}"
    );
    // This pack too names children by pseudonym only.
    let html = std::fs::read_to_string(
        p.path()
            .join("out/audits/audit-child_protection_compliance-2024-25-H1-seed5.html"),
    )
    .unwrap();
    assert!(html.contains("Strategy discussion") && !holds_case_id(&html));
}

/// "n of N (p%)" as the findings print it.
fn share(n: usize, of: usize) -> String {
    format!("{n} of {of} ({:.0}%)", 100.0 * n as f64 / of as f64)
}

#[test]
fn the_findings_count_the_returns_as_by_hand_and_withhold_a_note_naming_a_child() {
    let p = protection();
    // By hand from the returns file: good answers and all answers, on each
    // scale, in all and by agency.
    let returns = rows(&crate::sample_inbox().join(RETURNS));
    let mut quality: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut standard: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for r in &returns {
        let (table, good) = match r["Grade"].as_str() {
            "Outstanding" | "Good" => (&mut quality, true),
            "Requires improvement" | "Inadequate" => (&mut quality, false),
            "Met" => (&mut standard, true),
            _ => (&mut standard, false),
        };
        for key in ["All".to_string(), r["Agency"].clone()] {
            let e = table.entry(key).or_default();
            e.0 += usize::from(good);
            e.1 += 1;
        }
    }
    let stdout = p.ok(&[
        "audit",
        "report",
        "child_protection_compliance",
        "--period",
        PERIOD,
        "--out",
        "findings",
    ]);
    let (q, s) = (quality["All"], standard["All"]);
    assert!(
        stdout.contains(&format!(
            "Practice graded good or better: {} of {} answers ({:.0}%)",
            q.0,
            q.1,
            100.0 * q.0 as f64 / q.1 as f64
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "Standards met: {} of {} answers ({:.0}%)",
            s.0,
            s.1,
            100.0 * s.0 as f64 / s.1 as f64
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{} answers about 16 children", returns.len())),
        "{stdout}"
    );
    assert!(stdout.contains("1 learning note(s) withheld"), "{stdout}");

    let stem = p
        .path()
        .join("findings/audit-findings-child_protection_compliance-2024-25-H1");
    let html = std::fs::read_to_string(stem.with_extension("html")).unwrap();
    for (agency, (good, total)) in quality.iter().chain(&standard) {
        let agency = agency.replace('\'', "&#x27;");
        let row = format!("<td>{agency}</td>");
        assert!(html.contains(&row) || agency == "All", "{agency}");
        assert!(
            html.contains(&share(*good, *total)),
            "{agency}: {good} of {total}"
        );
    }
    // The auditors' words are escaped; the note naming a child is not there.
    assert!(html.contains("&lt;or&gt;") && !html.contains("<or>"));
    assert!(!html.contains("102877"));
    assert!(html.contains("is withheld: it appears to name a child"));

    // In the workbook, a note that starts "=" is text, not a formula.
    let mut book: Xlsx<_> = open_workbook(stem.with_extension("xlsx")).unwrap();
    let learning = book.worksheet_range("Learning").unwrap();
    let formula_like = learning
        .rows()
        .filter_map(|r| r.get(3))
        .find(|c| c.to_string().starts_with("=Visits"));
    assert!(
        matches!(formula_like, Some(calamine::Data::String(_))),
        "{formula_like:?}"
    );
    assert!(
        book.worksheet_formula("Learning")
            .unwrap()
            .used_cells()
            .next()
            .is_none()
    );

    // Asked for a period the returns do not give: said, with the ones they do.
    let stdout = p.ok(&[
        "audit",
        "report",
        "child_protection_compliance",
        "--period",
        "2024/25-H2",
    ]);
    assert!(
        stdout.contains("No returns for this audit and period yet")
            && stdout.contains("give its period as: 2024/25-H1"),
        "{stdout}"
    );
}
