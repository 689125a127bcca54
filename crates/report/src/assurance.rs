//! The report's section on audits and recommendations: each multi-agency
//! audit whose returns came in during the period, by its headline (small
//! numbers suppressed, as everywhere in the report), and the
//! recommendations of audits and learning reviews, each followed until it
//! is complete.

use pqa_core::Period;
use pqa_core::audit_findings::{AuditFindings, headline};
use pqa_core::recommendations::{Recommendation, Standing, progress};
use serde::Serialize;

use crate::actions::day;

/// An audit whose returns came in during the report's period.
#[derive(Debug, Clone)]
pub struct AuditInReport {
    pub title: String,
    /// The period its children were drawn for, in words ("H1 2024/25").
    pub drawn_for: String,
    pub findings: AuditFindings,
}

#[derive(Debug, Serialize)]
pub(crate) struct AuditView {
    pub(crate) title: String,
    pub(crate) drawn_for: String,
    pub(crate) headline: String,
}

#[derive(Debug, Default, Serialize)]
pub(crate) struct RecommendationsView {
    pub(crate) open: usize,
    pub(crate) overdue: usize,
    pub(crate) completed: usize,
    pub(crate) rows: Vec<RecommendationRow>,
}

#[derive(Debug, Serialize)]
pub(crate) struct RecommendationRow {
    pub(crate) id: String,
    pub(crate) source: String,
    pub(crate) agency: String,
    pub(crate) owner: String,
    pub(crate) text: String,
    pub(crate) due: String,
    /// "Overdue", "In progress", "Not started", "Completed 14 February 2025".
    pub(crate) standing: String,
    /// For styling: `overdue`, `open` or `closed`.
    pub(crate) class: &'static str,
    pub(crate) evidence: String,
}

pub(crate) fn audits(audits: &[AuditInReport], suppress_up_to: u32) -> Vec<AuditView> {
    audits
        .iter()
        .map(|a| AuditView {
            title: a.title.clone(),
            drawn_for: a.drawn_for.clone(),
            headline: headline(&a.findings, suppress_up_to as usize),
        })
        .collect()
}

pub(crate) fn recommendations(rows: &[Recommendation], period: Period) -> RecommendationsView {
    let p = progress(rows, period);
    RecommendationsView {
        open: p.open,
        overdue: p.overdue,
        completed: p.completed_since_last_report,
        rows: p
            .shown
            .iter()
            .map(|f| {
                let r = &f.recommendation;
                RecommendationRow {
                    id: r.id.clone(),
                    source: r.source.clone(),
                    agency: r.agency.clone(),
                    owner: r.owner.clone().unwrap_or_default(),
                    text: r.text.clone(),
                    due: day(r.due),
                    standing: match (f.standing, r.completed) {
                        (Standing::CompletedSinceLastReport, Some(on)) => {
                            format!("Completed {}", day(on))
                        }
                        (standing, _) => standing.words().to_string(),
                    },
                    class: match f.standing {
                        Standing::Overdue => "overdue",
                        Standing::CompletedSinceLastReport => "closed",
                        _ => "open",
                    },
                    evidence: r.evidence.clone().unwrap_or_default(),
                }
            })
            .collect(),
    }
}
