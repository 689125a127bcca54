//! Agencies' responses to the questions of the 2024/25 H1 report, collected
//! by the partnership team during Q3 in one CSV. The texts are what agencies
//! write: quotes, commas, a bullet that begins with "-" (which a spreadsheet
//! would take for a formula) and a "<" that HTML must escape. The subgroup
//! has set a due date for one action and closed another.

use std::path::Path;

use crate::common::write_csv;

/// (question reference, agency, date, response, due date, status)
const RESPONSES: [(&str, &str, &str, &str, &str, &str); 3] = [
    (
        "camhs_weeks_assessment_to_first_appointment:target_missed:2024/25-H1",
        "CAMHS",
        "14/11/2024",
        "- Two senior clinicians left in the summer and posts are being recruited to; a waiting-list initiative with the voluntary sector starts in January. We expect waits to be back <18 weeks by the summer.",
        "30/09/2025",
        "",
    ),
    (
        "housing_families_in_bed_and_breakfast:outside_limits:2024/25-H1",
        "Housing",
        "21/11/2024",
        "More families are being evicted from private rented homes. Ten units of self-contained temporary accommodation open in February 2025, and B&B is \"last resort\" only, for no more than six weeks.",
        "",
        "",
    ),
    (
        "fd_re_referrals_pct:outside_limits:2024/25-H1",
        "Children's social care",
        "02/12/2024",
        "An audit of 40 re-referrals (Oct-Nov) found most followed early help closing too soon; step-down practice is being reviewed with Early Help.",
        "",
        "closed",
    ),
];

pub fn generate(inbox: &Path) -> std::io::Result<()> {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let rows: Vec<String> = RESPONSES
        .iter()
        .map(|(id, agency, date, text, due, status)| {
            format!(
                "{id},{},{date},{},{due},{status}",
                quote(agency),
                quote(text)
            )
        })
        .collect();
    write_csv(
        &inbox.join("responses/pqa_responses_2024-25_Q3.csv"),
        "Question reference,Agency,Date of response,Response,Due date,Status",
        &rows,
    )
}
