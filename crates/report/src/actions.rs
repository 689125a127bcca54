//! The action log: every question a report asks becomes an action for its
//! agency, due by the next report unless the subgroup sets a date, carried
//! from report to report until the subgroup closes it. Each shows the
//! question as it was asked, the responses, and how the figure has moved.

use chrono::NaiveDate;
use pqa_core::Period;
use serde::Serialize;

use crate::ReportInput;
use crate::questions::{self, Response, StoredQuestion};

/// An action's state, in the order the log lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Status {
    /// Past its due date with no response.
    Overdue,
    /// Asked, not yet due, no response.
    Open,
    /// Responded to, not yet closed by the subgroup.
    Answered,
    /// Closed by the subgroup since the last report.
    Closed,
}

impl Status {
    pub(crate) fn words(self) -> &'static str {
        match self {
            Status::Overdue => "Overdue",
            Status::Open => "Open",
            Status::Answered => "Answered",
            Status::Closed => "Closed",
        }
    }
}

/// One action as the report shows it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Action {
    /// What people quote: `2024/25-H1 Q2`; empty for a question asked
    /// before reports stored their numbering (its full reference is in the
    /// technical appendix).
    pub reference: String,
    /// `metric:rule:period`, for the technical appendix.
    pub id: String,
    pub metric: String,
    pub title: String,
    pub agency: String,
    /// "H1 2024/25".
    pub asked_in: String,
    pub statement: Option<String>,
    pub question: Option<String>,
    /// Whether the words were rebuilt rather than stored when it was asked.
    pub rebuilt: bool,
    /// "31 March 2025".
    pub due: String,
    pub status: Status,
    pub status_words: &'static str,
    /// (agency, date, response)
    pub responses: Vec<(String, String, String)>,
    /// How the figure has moved since it was asked.
    pub movement: String,
}

/// "14 November 2024".
pub(crate) fn day(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// The short reference of question `number` of the report on `period`.
pub(crate) fn reference(period: &str, number: i64) -> String {
    format!("{period} Q{number}")
}

/// The report period a full reference names (`…:2024/25-H1`).
fn asked_in(id: &str) -> Option<Period> {
    id.rsplit(':').next()?.parse().ok()
}

/// When an action asked in the report on `asked` is due: by the end of the
/// half year after it, when the next report is written.
fn default_due(asked: Period) -> NaiveDate {
    asked.next().end()
}

/// The stored questions the action log starts from: for each report
/// period before this one, the final report's if one was stored, else the
/// latest copy.
fn asked_before<'a>(input: &'a ReportInput) -> Vec<&'a StoredQuestion> {
    let current = input.period.to_string();
    let mut by_period: std::collections::BTreeMap<&str, Vec<&StoredQuestion>> =
        std::collections::BTreeMap::new();
    for q in input.stored.iter().filter(|q| q.report_period < current) {
        by_period.entry(&q.report_period).or_default().push(q);
    }
    let mut out = Vec::new();
    for (_, copies) in by_period {
        let finals: Vec<&StoredQuestion> =
            copies.iter().copied().filter(|q| q.final_report).collect();
        // Stored in order of the run they were written at: the last copy wins.
        let chosen = if finals.is_empty() { copies } else { finals };
        let mut seen: Vec<&str> = Vec::new();
        for q in chosen.iter().rev() {
            if !seen.contains(&q.id.as_str()) {
                seen.push(&q.id);
                out.push(*q);
            }
        }
    }
    out.sort_by(|a, b| (&a.report_period, a.number).cmp(&(&b.report_period, b.number)));
    out
}

/// The full reference a response names: its own, or the question a short
/// reference (`2024/25-H1 Q2`) numbers.
fn resolve<'a>(r: &'a Response, stored: &'a [&'a StoredQuestion]) -> &'a str {
    let Some((period, number)) = r.finding_id.trim().rsplit_once(" Q") else {
        return &r.finding_id;
    };
    stored
        .iter()
        .find(|q| q.report_period == period && q.number.to_string() == number)
        .map_or(&r.finding_id, |q| q.id.as_str())
}

/// Every action carried into this report, most pressing first.
pub(crate) fn log(input: &ReportInput) -> Vec<Action> {
    let stored = asked_before(input);
    let mut ids: Vec<String> = stored.iter().map(|q| q.id.clone()).collect();
    for r in &input.responses {
        let id = resolve(r, &stored).to_string();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let mut out = Vec::new();
    for id in ids {
        let responses: Vec<&Response> = input
            .responses
            .iter()
            .filter(|r| resolve(r, &stored) == id)
            .collect();
        if let Some(action) = action(input, &id, &stored, &responses) {
            out.push(action);
        }
    }
    out.sort_by_key(|a| a.status);
    out
}

fn action(
    input: &ReportInput,
    id: &str,
    stored: &[&StoredQuestion],
    responses: &[&Response],
) -> Option<Action> {
    let asked = asked_in(id);
    if asked.is_some_and(|a| a >= input.period) {
        return None;
    }
    let metric = id.split(':').next().unwrap_or_default();
    let found = input.metrics.iter().find(|(s, _)| s.metric == metric);
    let kept = stored.iter().find(|q| q.id == id);
    let due = responses
        .iter()
        .filter_map(|r| r.due)
        .next_back()
        .or(asked.map(default_due));
    let closed_on = responses.iter().rev().find(|r| r.closed).map(|r| r.date);
    let status = match closed_on {
        // Closed before this report's half began: reported closed last time.
        Some(Some(d)) if d < input.period.start() => return None,
        Some(_) => Status::Closed,
        None if !responses.is_empty() => Status::Answered,
        None if due.is_some_and(|d| d < input.period.end()) => Status::Overdue,
        None => Status::Open,
    };
    let responses_shown = responses
        .iter()
        .map(|r| {
            (
                r.agency.clone(),
                r.date.map(day).unwrap_or_default(),
                r.response.clone(),
            )
        })
        .collect();
    let Some(((spec, series), asked)) = found.zip(asked) else {
        return Some(Action {
            reference: String::new(),
            id: id.to_string(),
            metric: metric.to_string(),
            title: "A question this report does not know".into(),
            agency: responses
                .first()
                .map(|r| r.agency.clone())
                .unwrap_or_default(),
            asked_in: String::new(),
            statement: None,
            question: None,
            rebuilt: false,
            due: due.map(day).unwrap_or_default(),
            status,
            status_words: status.words(),
            responses: responses_shown,
            movement: "The reference names no measure and report of this report's.".into(),
        });
    };
    // The words as asked: stored when that report was written; failing
    // that, rebuilt from what that report could have known.
    let (statement, question, rebuilt) = match kept {
        Some(q) => (Some(q.statement.clone()), Some(q.question.clone()), false),
        None => {
            let then = questions::assess_as(input, spec, series, asked, true)
                .finding
                .filter(|f| f.id == id);
            (
                then.as_ref().map(|f| f.statement.clone()),
                then.map(|f| f.question),
                true,
            )
        }
    };
    Some(Action {
        reference: kept.map_or_else(String::new, |q| reference(&q.report_period, q.number)),
        id: id.to_string(),
        metric: metric.to_string(),
        title: spec.title.clone(),
        agency: spec.agency.clone(),
        asked_in: asked.label(),
        statement,
        question,
        rebuilt,
        due: due.map(day).unwrap_or_default(),
        status,
        status_words: status.words(),
        responses: responses_shown,
        movement: questions::impact(input, spec, series, asked),
    })
}

/// How many actions are in each state, for the first page.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Counts {
    pub new: usize,
    pub open: usize,
    pub overdue: usize,
    pub answered: usize,
    pub closed: usize,
}

pub(crate) fn counts(log: &[Action], new: usize) -> Counts {
    let n = |s: Status| log.iter().filter(|a| a.status == s).count();
    Counts {
        new,
        open: n(Status::Open),
        overdue: n(Status::Overdue),
        answered: n(Status::Answered),
        closed: n(Status::Closed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_is_due_by_the_next_report() {
        let due = default_due(Period::Half(2024, 1));
        assert_eq!(day(due), "31 March 2025");
        assert_eq!(reference("2024/25-H2", 4), "2024/25-H2 Q4");
        assert_eq!(
            asked_in("fd_re_referrals_pct:shift:2024/25-H1"),
            Some(Period::Half(2024, 1))
        );
    }

    #[test]
    fn a_short_reference_finds_its_question() {
        let q = StoredQuestion {
            id: "m:trend:2024/25-H1".into(),
            report_period: "2024/25-H1".into(),
            number: 3,
            metric: "m".into(),
            agency: "A".into(),
            statement: String::new(),
            question: String::new(),
            final_report: true,
        };
        let response = |id: &str| Response {
            finding_id: id.into(),
            agency: "A".into(),
            response: String::new(),
            date: None,
            due: None,
            closed: false,
        };
        let stored = [&q];
        assert_eq!(
            resolve(&response("2024/25-H1 Q3"), &stored),
            "m:trend:2024/25-H1"
        );
        assert_eq!(
            resolve(&response("2024/25-H1 Q4"), &stored),
            "2024/25-H1 Q4"
        );
        assert_eq!(
            resolve(&response("x:y:2024/25-H1"), &stored),
            "x:y:2024/25-H1"
        );
    }
}
