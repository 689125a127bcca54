//! The questions this report asks, as the reader meets them: most important
//! first (an overdue action on the same measure ranks higher), near
//! duplicates combined into one question, numbered with a reference a
//! person can say aloud (`2024/25-H2 Q3`), and no stock phrase repeated from
//! one question to the next.

use pqa_trends::{Direction, Finding, Severity};
use serde::Serialize;

use crate::actions::reference;

/// One question of this report.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct QuestionView {
    pub number: usize,
    /// `2024/25-H2 Q3`.
    pub reference: String,
    /// The full references of the findings it asks about (`metric:rule:period`).
    pub ids: Vec<String>,
    /// The measures it is about.
    pub metrics: Vec<String>,
    pub title: String,
    pub area: String,
    pub agency: String,
    pub severity: Severity,
    pub direction: Direction,
    /// "High priority", "Concerning".
    pub severity_words: String,
    pub direction_words: String,
    pub statement: String,
    pub question: String,
    pub summary: String,
    /// Whether an earlier action on the same measure is overdue.
    pub overdue: bool,
    /// The findings behind it, as the trend rules wrote them (stored).
    pub findings: Vec<Finding>,
}

/// Ranks, combines, numbers and words the findings of the report on `period`.
pub(crate) fn questions(
    period: &str,
    mut findings: Vec<Finding>,
    overdue_metrics: &[String],
) -> Vec<QuestionView> {
    pqa_trends::rank(&mut findings);
    // Overdue first within the same severity.
    findings.sort_by_key(|f| {
        (
            f.severity,
            !overdue_metrics.contains(&f.metric),
            f.direction != Direction::Concerning,
        )
    });
    let mut out: Vec<QuestionView> = Vec::new();
    for f in findings {
        let overdue = overdue_metrics.contains(&f.metric);
        if let Some(q) = out.iter_mut().find(|q| alike(q, &f)) {
            combine(q, f);
            continue;
        }
        out.push(QuestionView {
            number: 0,
            reference: String::new(),
            ids: vec![f.id.clone()],
            metrics: vec![f.metric.clone()],
            title: f.title.clone(),
            area: f.area.clone(),
            agency: f.agency.clone(),
            severity: f.severity,
            direction: f.direction,
            severity_words: format!("{:?} priority", f.severity),
            direction_words: format!("{:?}", f.direction),
            statement: f.statement.clone(),
            question: f.question.clone(),
            summary: f.summary.clone(),
            overdue,
            findings: vec![f],
        });
    }
    vary_stock_phrases(&mut out);
    for (i, q) in out.iter_mut().enumerate() {
        q.number = i + 1;
        q.reference = reference(period, q.number as i64);
    }
    out
}

/// Near duplicates: the same agency, area, rule, direction and priority
/// (children, and families, in bed and breakfast).
fn alike(q: &QuestionView, f: &Finding) -> bool {
    let first = &q.findings[0];
    q.agency == f.agency
        && q.area == f.area
        && first.rule == f.rule
        && q.direction == f.direction
        && q.severity == f.severity
}

/// One question about both: both statements, one question naming both.
fn combine(q: &mut QuestionView, f: Finding) {
    q.title = format!("{}; {}", q.title, f.title);
    q.statement = format!("{} {}", q.statement, f.statement);
    q.summary = format!("{} {}", q.summary, f.summary);
    let topics: Vec<String> = q
        .findings
        .iter()
        .chain(std::iter::once(&f))
        .map(|x| pqa_trends::words::lower_first(&subject_of(x)))
        .collect();
    let change = if f.statement.contains(" fell") || f.statement.contains("below") {
        "falls"
    } else {
        "rises"
    };
    q.question = match q.direction {
        Direction::Improving => format!(
            "{}: what has made the difference to {}, and how will it be kept up?",
            q.agency,
            topics.join(" and ")
        ),
        Direction::Concerning => format!(
            "{}: what lies behind the {change} in {}, and what is being done about them?",
            q.agency,
            topics.join(" and ")
        ),
        Direction::Changed => format!(
            "{}: what lies behind the {change} in {}, and does the partnership need to respond?",
            q.agency,
            topics.join(" and ")
        ),
    };
    q.ids.push(f.id.clone());
    q.metrics.push(f.metric.clone());
    q.findings.push(f);
}

/// "The number of families living in bed and breakfast": how the finding's
/// statement names its measure (its first words, up to the verb).
fn subject_of(f: &Finding) -> String {
    let s = f.statement.trim_start_matches("Despite ");
    for verb in [
        " was ",
        " has ",
        " rose",
        " fell",
        " is ",
        " in Q",
        " almost",
        " more than",
    ] {
        if let Some(i) = s.find(verb) {
            return s[..i].to_string();
        }
    }
    pqa_trends::words::mid_sentence(&f.title)
}

/// The endings the trend rules give questions, each with others that ask
/// the same, so no ending is repeated word for word from one question to
/// the next.
const ENDINGS: [&[&str]; 4] = [
    &[
        ", and what is being done about it?",
        ", and what is being done in response?",
        ", and what will change as a result?",
        ", and what difference is the response expected to make?",
        ", and what more is planned?",
    ],
    &[
        ", and does the partnership need to respond?",
        ", and should the partnership act on it?",
        ", and does it call for a response from the partnership?",
    ],
    &[
        ", and how will it be kept up?",
        ", and how will the gain be held?",
        ", and could other agencies learn from it?",
    ],
    &[
        ", and what is being done in response?",
        ", and what else is planned?",
        ", and what will change as a result?",
    ],
];

fn vary_stock_phrases(questions: &mut [QuestionView]) {
    let mut used = [0usize; ENDINGS.len()];
    for q in questions.iter_mut() {
        for (family, endings) in ENDINGS.iter().enumerate() {
            if let Some(stem) = q.question.strip_suffix(endings[0]) {
                q.question = format!("{stem}{}", endings[used[family] % endings.len()]);
                used[family] += 1;
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(metric: &str, title: &str, statement: &str, question: &str) -> Finding {
        Finding {
            id: format!("{metric}:outside_limits:2024/25-H2"),
            metric: metric.into(),
            title: title.into(),
            area: "Housing".into(),
            agency: "Housing".into(),
            rule: "outside_limits",
            rules: vec!["outside_limits"],
            period: "2024/25-H2".into(),
            severity: Severity::High,
            direction: Direction::Concerning,
            statement: statement.into(),
            summary: format!("{title}."),
            question: question.into(),
            covers: None,
            figures: vec![],
        }
    }

    #[test]
    fn near_duplicates_become_one_question_and_endings_vary() {
        let q = questions(
            "2024/25-H2",
            vec![
                finding(
                    "families",
                    "Families living in bed and breakfast",
                    "The number of families living in bed and breakfast was 34.",
                    "Housing: what lies behind the rise in the number of families, and what is being done about it?",
                ),
                finding(
                    "children",
                    "Children living in bed and breakfast",
                    "The number of children living in bed and breakfast was 62.",
                    "Housing: what lies behind the rise in the number of children, and what is being done about it?",
                ),
                Finding {
                    area: "Mental health".into(),
                    agency: "CAMHS".into(),
                    ..finding(
                        "wait",
                        "Average wait",
                        "The average wait was 20.1 weeks.",
                        "CAMHS: what lies behind the rise in the wait, and what is being done about it?",
                    )
                },
            ],
            &[],
        );
        assert_eq!(q.len(), 2);
        assert_eq!(q[0].reference, "2024/25-H2 Q1");
        assert_eq!(q[0].ids.len(), 2);
        assert!(
            q[0].question.contains(
                "the number of families living in bed and breakfast and the number of children living in bed and breakfast"
            ),
            "{}",
            q[0].question
        );
        assert_ne!(
            q[0].question.rsplit(", ").next(),
            q[1].question.rsplit(", ").next(),
            "{} / {}",
            q[0].question,
            q[1].question
        );
    }

    #[test]
    fn an_overdue_action_ranks_its_measure_higher() {
        let mut a = finding("a", "A", "A was 1.", "X: a?");
        let b = finding("b", "B", "B was 2.", "X: b?");
        a.area = "Other".into();
        let q = questions("2024/25-H2", vec![a, b], &["b".to_string()]);
        assert_eq!(q[0].metrics, ["b"]);
        assert!(q[0].overdue);
    }
}
