//! What an audit's returns say: each grade counted by agency and by theme,
//! the learning in the auditors' words (withheld where it seems to name a
//! child), and the headline the six-monthly report carries. Pure: the rows
//! come from the warehouse's `audit_returns`, read elsewhere.

use std::collections::{BTreeMap, BTreeSet};

/// One answer in an auditor's return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReturn {
    /// The child's reference in the pack (A01 …).
    pub child_ref: String,
    /// The agency graded, as its code (`childrens_social_care`, `police` …).
    pub agency: String,
    pub theme: String,
    pub question: String,
    /// The grade, as its code (`good`, `not_met` …).
    pub grade: String,
    pub learning: Option<String>,
}

/// The two scales an audit tool grades on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scale {
    /// Outstanding, good, requires improvement, inadequate.
    Quality,
    /// Met, partly met, not met.
    Standard,
}

impl Scale {
    /// The grades of the scale, best first, as (code, words).
    pub fn grades(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Scale::Quality => &[
                ("outstanding", "Outstanding"),
                ("good", "Good"),
                ("requires_improvement", "Requires improvement"),
                ("inadequate", "Inadequate"),
            ],
            Scale::Standard => &[
                ("met", "Met"),
                ("partly_met", "Partly met"),
                ("not_met", "Not met"),
            ],
        }
    }

    /// What counts as a good answer on the scale, in words.
    pub fn good_words(self) -> &'static str {
        match self {
            Scale::Quality => "good or better",
            Scale::Standard => "met",
        }
    }

    /// Whether `grade` is a good answer on this scale.
    fn is_good(self, grade: &str) -> bool {
        match self {
            Scale::Quality => matches!(grade, "outstanding" | "good"),
            Scale::Standard => grade == "met",
        }
    }

    /// The scale a grade belongs to.
    pub fn of(grade: &str) -> Option<Scale> {
        [Scale::Quality, Scale::Standard]
            .into_iter()
            .find(|s| s.grades().iter().any(|(code, _)| *code == grade))
    }
}

/// The grades given on one scale to one agency or theme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeRow {
    /// The agency or theme, in words.
    pub label: String,
    /// How many of each grade, in the scale's order.
    pub counts: Vec<usize>,
    /// How many were good (good or better, or met).
    pub good: usize,
    pub total: usize,
}

/// Grades on one scale, by agency and by theme, with their total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeTables {
    pub scale: Scale,
    pub by_agency: Vec<GradeRow>,
    pub by_theme: Vec<GradeRow>,
    pub all: GradeRow,
}

/// Learning as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Learning {
    pub child_ref: String,
    pub agency: String,
    pub theme: String,
    /// The auditor's words; `None` when withheld because they seem to
    /// name a child (the reader is told it was withheld, and why).
    pub text: Option<String>,
}

/// An audit's returns, summed up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFindings {
    /// Children with at least one answer.
    pub children: usize,
    /// Agencies that sent answers, in words.
    pub agencies: Vec<String>,
    pub answers: usize,
    /// One table set per scale used.
    pub tables: Vec<GradeTables>,
    pub learning: Vec<Learning>,
}

/// An agency's code in words.
pub fn agency_words(code: &str) -> String {
    match code {
        "childrens_social_care" => "Children's social care".into(),
        "youth_justice" => "Youth justice".into(),
        "early_help" => "Early help".into(),
        other => {
            let mut words = other.replace('_', " ");
            if let Some(first) = words.get(..1) {
                words.replace_range(..1, &first.to_uppercase());
            }
            words
        }
    }
}

/// Whether free text seems to hold something that identifies a child: a
/// run of six or more digits (a case number, an NHS number, a date of birth
/// written without separators), even with spaces inside it, or a unique
/// pupil number's shape (a letter and twelve digits). Cautious on purpose:
/// a withheld note costs a reader one line, a published name costs a child.
pub fn looks_identifying(text: &str) -> bool {
    let mut digits = 0;
    let mut gap = 0;
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits += 1;
            gap = 0;
            if digits >= 6 {
                return true;
            }
        } else if c == ' ' && digits > 0 && gap == 0 {
            // "943 476 5919": one space between groups keeps the run going.
            gap = 1;
        } else {
            digits = 0;
            gap = 0;
        }
    }
    false
}

fn row(label: String, scale: Scale, answers: &[&AuditReturn]) -> GradeRow {
    let counts: Vec<usize> = scale
        .grades()
        .iter()
        .map(|(code, _)| answers.iter().filter(|a| a.grade == *code).count())
        .collect();
    GradeRow {
        label,
        good: answers.iter().filter(|a| scale.is_good(&a.grade)).count(),
        total: counts.iter().sum(),
        counts,
    }
}

/// Sums up an audit's returns. Answers whose grade is on neither scale are
/// left out of the tables (the feed's codes refuse them at ingest).
pub fn summarise(returns: &[AuditReturn]) -> AuditFindings {
    let children: BTreeSet<&str> = returns.iter().map(|r| r.child_ref.as_str()).collect();
    let agencies: BTreeSet<&str> = returns.iter().map(|r| r.agency.as_str()).collect();
    let mut tables = Vec::new();
    for scale in [Scale::Quality, Scale::Standard] {
        let on_scale: Vec<&AuditReturn> = returns
            .iter()
            .filter(|r| Scale::of(&r.grade) == Some(scale))
            .collect();
        if on_scale.is_empty() {
            continue;
        }
        let group = |key: fn(&AuditReturn) -> String| -> Vec<GradeRow> {
            let mut groups: BTreeMap<String, Vec<&AuditReturn>> = BTreeMap::new();
            for r in &on_scale {
                groups.entry(key(r)).or_default().push(r);
            }
            groups
                .into_iter()
                .map(|(label, answers)| row(label, scale, &answers))
                .collect()
        };
        tables.push(GradeTables {
            scale,
            by_agency: group(|r| agency_words(&r.agency)),
            by_theme: group(|r| r.theme.clone()),
            all: row("All".into(), scale, &on_scale),
        });
    }
    let learning = returns
        .iter()
        .filter_map(|r| {
            let text = r.learning.as_deref()?.trim();
            (!text.is_empty()).then(|| Learning {
                child_ref: r.child_ref.clone(),
                agency: agency_words(&r.agency),
                theme: r.theme.clone(),
                text: (!looks_identifying(text)).then(|| text.to_string()),
            })
        })
        .collect();
    AuditFindings {
        children: children.len(),
        agencies: agencies.iter().map(|a| agency_words(a)).collect(),
        answers: returns.len(),
        tables,
        learning,
    }
}

/// What came in: "187 answers about 16 children from 4 agencies, sent in
/// 2024/25-Q3.", or that nothing has.
pub fn returns_words(findings: &AuditFindings, sent_in: &[String]) -> String {
    if findings.answers == 0 {
        return "no returns for this audit and period yet: load the auditors' returns \
                (feed `audit_returns`) and run again."
            .into();
    }
    format!(
        "{} answers about {} children from {} agencies, sent in {}.",
        findings.answers,
        findings.children,
        findings.agencies.len(),
        sent_in.join(", ")
    )
}

/// "n of N answers (p%)" (`noun`: "answers", or "" for none), or with `n`
/// shown as "c" when it, or the rest (N − n), is a small number that could
/// point to a child.
pub fn share_words(n: usize, of: usize, noun: &str, suppress_up_to: usize) -> String {
    let small = |k: usize| k >= 1 && k <= suppress_up_to;
    let of_words = if noun.is_empty() {
        of.to_string()
    } else {
        format!("{of} {noun}")
    };
    if small(n) || small(of - n) {
        format!("{} of {of_words}", crate::SUPPRESSED)
    } else if of == 0 {
        "none".into()
    } else {
        format!("{n} of {of_words} ({:.0}%)", 100.0 * n as f64 / of as f64)
    }
}

/// The audit's headline in plain words, for the six-monthly report: how
/// many children and agencies, and on each scale how many answers were good.
pub fn headline(findings: &AuditFindings, suppress_up_to: usize) -> String {
    let mut parts = Vec::new();
    for t in &findings.tables {
        let what = match t.scale {
            Scale::Quality => "Practice graded good or better",
            Scale::Standard => "Standards met",
        };
        let mut part = format!(
            "{what}: {}",
            share_words(t.all.good, t.all.total, "answers", suppress_up_to)
        );
        // The weakest agency, where one stands out, is the question to ask.
        if let Some(weakest) = t
            .by_agency
            .iter()
            .filter(|r| r.total >= 10)
            .min_by(|a, b| (a.good * b.total).cmp(&(b.good * a.total)))
            && weakest.good * t.all.total < t.all.good * weakest.total
        {
            part.push_str(&format!(
                "; lowest for {}: {}",
                weakest.label,
                share_words(weakest.good, weakest.total, "", suppress_up_to)
            ));
        }
        parts.push(format!("{part}."));
    }
    let agencies = findings.agencies.len();
    format!(
        "{} children audited by {agencies} agenc{}. {}",
        findings.children,
        if agencies == 1 { "y" } else { "ies" },
        parts.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(child: &str, agency: &str, theme: &str, grade: &str) -> AuditReturn {
        AuditReturn {
            child_ref: child.into(),
            agency: agency.into(),
            theme: theme.into(),
            question: "q".into(),
            grade: grade.into(),
            learning: None,
        }
    }

    #[test]
    fn grades_are_counted_by_agency_and_theme_on_their_own_scale() {
        let mut returns = Vec::new();
        for k in 0..12 {
            let child = format!("A{k:02}");
            returns.push(answer(
                &child,
                "police",
                "Quality",
                if k < 9 { "good" } else { "inadequate" },
            ));
            returns.push(answer(
                &child,
                "health",
                "Quality",
                if k < 5 {
                    "outstanding"
                } else {
                    "requires_improvement"
                },
            ));
            returns.push(answer(
                &child,
                "childrens_social_care",
                "Timeliness",
                if k < 10 { "met" } else { "partly_met" },
            ));
        }
        let f = summarise(&returns);
        assert_eq!((f.children, f.answers), (12, 36));
        assert_eq!(f.agencies, ["Children's social care", "Health", "Police"]);
        let quality = &f.tables[0];
        assert_eq!(quality.scale, Scale::Quality);
        assert_eq!(quality.all.counts, [5, 9, 7, 3]);
        assert_eq!((quality.all.good, quality.all.total), (14, 24));
        let health = quality
            .by_agency
            .iter()
            .find(|r| r.label == "Health")
            .unwrap();
        assert_eq!((health.good, health.total), (5, 12));
        let standard = &f.tables[1];
        assert_eq!((standard.all.good, standard.all.total), (10, 12));
        assert_eq!(standard.by_theme[0].label, "Timeliness");

        // The headline is true of those numbers, and names the weakest agency.
        assert_eq!(
            headline(&f, 4),
            "12 children audited by 3 agencies. Practice graded good or better: 14 of 24 answers (58%); \
             lowest for Health: 5 of 12 (42%). Standards met: c of 12 answers."
        );
    }

    #[test]
    fn a_small_count_or_its_complement_is_suppressed() {
        assert_eq!(share_words(10, 12, "", 4), "c of 12");
        assert_eq!(share_words(3, 40, "answers", 4), "c of 40 answers");
        assert_eq!(share_words(0, 12, "", 4), "0 of 12 (0%)");
        assert_eq!(share_words(12, 12, "", 4), "12 of 12 (100%)");
        assert_eq!(share_words(20, 40, "answers", 4), "20 of 40 answers (50%)");
    }

    #[test]
    fn learning_that_seems_to_name_a_child_is_withheld() {
        for text in [
            "CS 102877's sibling was not seen",
            "NHS number 943 476 5919 on file",
            "UPN A123456789012 given",
            "born 01012020",
        ] {
            assert!(looks_identifying(text), "{text}");
        }
        for text in [
            "Seen 3 times in 10 working days",
            "Visits on 01/02/2024 and 15/02/2024",
            "Two of 12 records named the service",
        ] {
            assert!(!looks_identifying(text), "{text}");
        }
        let mut with_note = answer("A01", "health", "Voice", "good");
        with_note.learning = Some("Child CS123456 was not seen alone".into());
        let mut plain = answer("A02", "health", "Voice", "good");
        plain.learning = Some("  The child's words were recorded.  ".into());
        let f = summarise(&[with_note, plain, answer("A03", "health", "Voice", "good")]);
        assert_eq!(f.learning.len(), 2);
        assert_eq!(f.learning[0].text, None);
        assert_eq!(
            f.learning[1].text.as_deref(),
            Some("The child's words were recorded.")
        );
    }
}
