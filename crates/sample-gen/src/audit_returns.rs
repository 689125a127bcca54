//! A complete sample audit: the auditors' returns for the child protection
//! compliance audit of 2024/25-H1 (the pack `make demo` draws: A01 to A08
//! where a timescale was missed, A09 to A16 where none was), sent in Q3;
//! and the partnership team's tracker of recommendations, sent in Q3 and
//! again in Q4 with progress.
//!
//! The learning is what auditors write: commas, quotes, a "<" and a line
//! beginning "=" (which a spreadsheet takes for a formula). One note names a
//! child's case number, as happens: `pqa audit report` must withhold it.

use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::common::write_csv;

const SEED: u64 = 32_032;

/// (theme, question, agencies asked, Ofsted-style scale rather than met / not met)
const QUESTIONS: [(&str, &str, &[&str], bool); 6] = [
    (
        "Timeliness",
        "Was the initial conference held within 15 working days of the strategy discussion?",
        &["Children's social care"],
        false,
    ),
    (
        "Timeliness",
        "Was the child visited at least every 10 working days?",
        &["Children's social care"],
        false,
    ),
    (
        "Multi-agency working",
        "Was the agency invited to the strategy discussion, and did it take part?",
        &["Police", "Health", "Education"],
        false,
    ),
    (
        "Multi-agency working",
        "Did health say which of its services took part?",
        &["Health"],
        false,
    ),
    (
        "Quality of practice",
        "Overall, how good was the agency's practice for this child?",
        &["Children's social care", "Police", "Health", "Education"],
        true,
    ),
    (
        "Voice of the child",
        "Were the child's wishes and feelings sought and recorded?",
        &["Children's social care", "Education"],
        true,
    ),
];

/// Learning, by theme and agency: (when practice fell short, when it was
/// good). Each note is written once: auditors do not repeat themselves.
const LEARNING: [(&str, &str, &str, &str); 10] = [
    (
        "Timeliness",
        "Children's social care",
        "The conference was booked for the first date the chair had, three weeks on; nobody escalated it.",
        "Conference booked on the day of the strategy discussion, with the family told why.",
    ),
    (
        "Timeliness",
        "Children's social care",
        "Two visits were missed while the worker was off sick, and no one else visited.",
        "When the worker was on leave a colleague visited, and said so in the record.",
    ),
    (
        "Multi-agency working",
        "Health",
        "Health were told of the strategy discussion by e-mail, after it had happened; the 0-19 team knew the family well.",
        "The health visitor joined the strategy discussion by phone and shared the family's history.",
    ),
    (
        "Multi-agency working",
        "Health",
        "The minutes say \"health attended\": no one can say whether it was the GP, the health visitor or midwifery.",
        "Midwifery came to every meeting before the birth, and handed over to the 0-19 service in person.",
    ),
    (
        "Multi-agency working",
        "Police",
        "Police were invited the evening before and could not send anyone; their checks arrived after the decision.",
        "Police shared the history of call-outs to the address before the meeting, so the plan took it into account.",
    ),
    (
        "Multi-agency working",
        "Education",
        "The school heard of the plan from the child, a week after the conference.",
        "The school's designated safeguarding lead came to every core group, and the plan gave the school clear tasks.",
    ),
    (
        "Quality of practice",
        "Children's social care",
        "=Visits were made, but the records say little about what was seen <or> how the baby was.",
        "Visits were purposeful: each record says what was seen, who was spoken to, and what changed.",
    ),
    (
        "Quality of practice",
        "Police",
        "Police attended incidents at the address twice without checking whether there was a plan.",
        "Officers attending a call-out checked for a plan and told the social worker the next morning.",
    ),
    (
        "Voice of the child",
        "Children's social care",
        "The child's views were recorded once, in the assessment, and not sought again.",
        "The child's own words open every review: \"I want my mum to stop shouting\".",
    ),
    (
        "Voice of the child",
        "Education",
        "Staff noticed the child was withdrawn but did not record what the child said.",
        "The child chose a trusted adult at school, who wrote down the child's worries in the child's words.",
    ),
];

/// The references drawn (as the pack lists them) and whether the child is
/// in the group where a timescale was missed.
fn children() -> impl Iterator<Item = (String, bool)> {
    (1..=16).map(|i| (format!("A{i:02}"), i <= 8))
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub fn generate(inbox: &Path) -> std::io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let mut rows = Vec::new();
    // Each note (good, short) not yet written.
    let mut unused = [[true; 2]; LEARNING.len()];
    for (number, (reference, lapsed)) in children().enumerate() {
        // A child too young for school has no school to audit.
        let school_age = reference.as_str() != "A03" && reference.as_str() != "A12";
        for (theme, question, agencies, ofsted) in QUESTIONS {
            for agency in agencies {
                if *agency == "Education" && !school_age {
                    continue;
                }
                // Practice falls short more often where a timescale was missed.
                let short = rng.random::<f64>() < if lapsed { 0.55 } else { 0.15 };
                let grade = match (ofsted, short) {
                    (true, true) => ["Requires improvement", "Requires improvement", "Inadequate"]
                        [rng.random_range(0..3)],
                    (true, false) => {
                        ["Good", "Good", "Good", "Outstanding"][rng.random_range(0..4)]
                    }
                    (false, true) => ["Not met", "Partly met"][rng.random_range(0..2)],
                    (false, false) => "Met",
                };
                // Each note is written once, on an answer it fits, its
                // first chance from a child a little way into the list (so
                // notes are spread over the children).
                let note = (0..LEARNING.len()).find(|&k| {
                    let (t, a, _, _) = LEARNING[k];
                    t == theme && a == *agency && unused[k][usize::from(short)]
                });
                let learning = match note {
                    Some(k) if number >= k % 8 => {
                        unused[k][usize::from(short)] = false;
                        let (_, _, poor, good) = LEARNING[k];
                        if short { poor } else { good }
                    }
                    _ => "",
                };
                rows.push(format!(
                    "child_protection_compliance,2024/25-H1,{reference},{},{},{},{grade},{}",
                    quote(agency),
                    quote(theme),
                    quote(question),
                    quote(learning)
                ));
            }
        }
    }
    // The note that names a child by the case system's number.
    rows.push(format!(
        "child_protection_compliance,2024/25-H1,A05,\"Children's social care\",\"Voice of the child\",{},Requires improvement,{}",
        quote(QUESTIONS[5].1),
        quote("CS 102877's sibling was not spoken to at any visit.")
    ));
    write_csv(
        &inbox.join("audits/audit_returns_child_protection_compliance_2024-25_Q3.csv"),
        "Audit,Audit period,Child reference,Agency,Theme,Question,Grade,Learning",
        &rows,
    )?;
    recommendations(inbox)
}

/// (reference, source, agency, owner, recommendation, agreed, due,
/// status in Q3, status in Q4, completed, evidence)
type Recommendation = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const RECOMMENDATIONS: [Recommendation; 7] = [
    (
        "LR-T-1",
        "Learning review: Child T (2023)",
        "Children's social care",
        "Head of Safeguarding and Quality Assurance",
        "Strategy discussions held out of hours are reviewed by a manager the next working day.",
        "12/06/2023",
        "31/12/2023",
        "Complete",
        "Complete",
        "18/12/2023",
        "Audit of 20 out-of-hours strategy discussions: 19 reviewed the next working day.",
    ),
    (
        "LR-T-2",
        "Learning review: Child T (2023)",
        "Health",
        "Designated Nurse for Safeguarding Children",
        "Midwifery shares concerns about unborn babies with the 0-19 service before the birth.",
        "12/06/2023",
        "30/09/2024",
        "In progress",
        "Complete",
        "14/02/2025",
        "Pathway agreed; first quarter's sample: 11 of 12 shared before birth.",
    ),
    (
        "U2-2020-3",
        "Audit: children under two with repeat contacts (2020)",
        "Children's social care",
        "MASH Team Manager",
        "A third contact about a child under two within six months triggers a multi-agency discussion.",
        "15/03/2021",
        "31/03/2025",
        "In progress",
        "In progress",
        "",
        "Trigger built into the case system; waiting for the reporting to go live.",
    ),
    (
        "CPC-2024-1",
        "Audit: compliance and engagement in child protection processes (2024/25-H1)",
        "Health",
        "Designated Nurse for Safeguarding Children",
        "Every health record of a strategy discussion or core group names the service that took part.",
        "10/12/2024",
        "28/02/2025",
        "Open",
        "In progress",
        "",
        "Template changed; not yet audited.",
    ),
    (
        "CPC-2024-2",
        "Audit: compliance and engagement in child protection processes (2024/25-H1)",
        "Children's social care",
        "Service Manager, Child Protection",
        "Initial conferences are booked on the day of the strategy discussion that decides on one.",
        "10/12/2024",
        "31/03/2025",
        "Open",
        "Complete",
        "21/03/2025",
        "Conference dates now set in the strategy discussion: 14 of 15 in March within 15 working days.",
    ),
    (
        "CPC-2024-3",
        "Audit: compliance and engagement in child protection processes (2024/25-H1)",
        "Police",
        "Detective Inspector, Public Protection",
        "Police send someone to the first core group of every child with a plan.",
        "10/12/2024",
        "30/06/2025",
        "Open",
        "Open",
        "",
        "",
    ),
    (
        "CPC-2024-4",
        "Audit: compliance and engagement in child protection processes (2024/25-H1)",
        "Education",
        "Head of Inclusion",
        "Schools record the child's views before each core group.",
        "10/12/2024",
        "31/01/2025",
        "Open",
        "Open",
        "",
        "",
    ),
];

fn recommendations(inbox: &Path) -> std::io::Result<()> {
    for (quarter, in_q4) in [("2024-25_Q3", false), ("2024-25_Q4", true)] {
        let rows: Vec<String> = RECOMMENDATIONS
            .iter()
            .map(|r| {
                let status = if in_q4 { r.8 } else { r.7 };
                let completed = if status == "Complete" { r.9 } else { "" };
                format!(
                    "{},{},{},{},{},{},{},{status},{completed},{}",
                    r.0,
                    quote(r.1),
                    quote(r.2),
                    quote(r.3),
                    quote(r.4),
                    r.5,
                    r.6,
                    quote(if in_q4 || status == "Complete" {
                        r.10
                    } else {
                        ""
                    })
                )
            })
            .collect();
        write_csv(
            &inbox.join(format!("recommendations/recommendations_{quarter}.csv")),
            "Reference,Source,Agency,Owner,Recommendation,Agreed,Due,Status,Completed,Evidence",
            &rows,
        )?;
    }
    Ok(())
}
