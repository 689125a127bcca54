//! The first page: what the Executive is asked to do, the most important
//! questions in a sentence each, and where the action log stands.

use serde::Serialize;

use crate::actions::Counts;
use crate::ranked::QuestionView;
use pqa_trends::{Direction, Severity};

/// One thing the Executive is asked to do.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Ask {
    /// "note", "seek assurance from", "agree".
    pub verb: String,
    pub text: String,
}

/// The asks, from the questions by severity and the action log.
pub(crate) fn asks(
    period_label: &str,
    questions: &[QuestionView],
    counts: &Counts,
    next_report: &str,
) -> Vec<Ask> {
    let mut out = vec![Ask {
        verb: "note".into(),
        text: format!(
            "the figures for {period_label} and the {} they raise",
            match questions.len() {
                0 => "absence of questions".to_string(),
                1 => "one question".to_string(),
                n => format!("{} questions", pqa_trends::words::count(n)),
            }
        ),
    }];
    // Concerning news at high or medium priority: assurance from the
    // agency, one line per agency, most important first.
    let mut agencies: Vec<(&str, Vec<String>)> = Vec::new();
    for q in questions
        .iter()
        .filter(|q| q.direction == Direction::Concerning && q.severity != Severity::Low)
    {
        let topics = q
            .findings
            .iter()
            .map(|f| pqa_trends::words::mid_sentence(&f.title));
        match agencies.iter_mut().find(|(a, _)| *a == q.agency) {
            Some((_, known)) => known.extend(topics),
            None => agencies.push((&q.agency, topics.collect())),
        }
    }
    for (agency, topics) in agencies {
        out.push(Ask {
            verb: "seek assurance from".into(),
            text: format!("{agency} on {}", join(&topics)),
        });
    }
    let good: Vec<String> = questions
        .iter()
        .filter(|q| q.direction == Direction::Improving)
        .flat_map(|q| {
            q.findings
                .iter()
                .map(|f| pqa_trends::words::mid_sentence(&f.title))
        })
        .collect();
    if !good.is_empty() {
        out.push(Ask {
            verb: "note".into(),
            text: format!("the improvement in {}", join(&good)),
        });
    }
    if !questions.is_empty() {
        out.push(Ask {
            verb: "agree".into(),
            text: format!(
                "the {} new action{} in the action log, with responses due by the {next_report} report",
                pqa_trends::words::count(questions.len()),
                if questions.len() == 1 { "" } else { "s" }
            ),
        });
    }
    if counts.answered > 0 {
        out.push(Ask {
            verb: "agree".into(),
            text: format!(
                "whether to close the {} earlier action{} that {} been answered",
                pqa_trends::words::count(counts.answered),
                if counts.answered == 1 { "" } else { "s" },
                if counts.answered == 1 { "has" } else { "have" }
            ),
        });
    }
    if counts.overdue > 0 {
        out.push(Ask {
            verb: "agree".into(),
            text: format!(
                "how to follow up the {} overdue action{}",
                pqa_trends::words::count(counts.overdue),
                if counts.overdue == 1 { "" } else { "s" }
            ),
        });
    }
    out
}

/// "a, b and c".
fn join(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// How many questions the first page lists: the three to five most
/// important, all of them when there are fewer.
pub(crate) fn top_count(questions: &[QuestionView]) -> usize {
    let high = questions
        .iter()
        .filter(|q| q.severity == Severity::High)
        .count();
    high.clamp(3, 5).min(questions.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_people_write_them() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(join(&s(&["a"])), "a");
        assert_eq!(join(&s(&["a", "b"])), "a and b");
        assert_eq!(join(&s(&["a", "b", "c"])), "a, b and c");
    }
}
