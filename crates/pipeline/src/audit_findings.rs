//! What an audit found, from the auditors' returns (`audit_returns`) and
//! the warehouse: the findings page `pqa audit report` writes, each audit's
//! headline for the six-monthly report, and the recommendations followed
//! to completion.

use std::collections::BTreeSet;
use std::path::Path;

use pqa_core::audit::AuditSpec;
use pqa_core::audit_findings::{AuditFindings, AuditReturn, summarise};
use pqa_core::recommendations::Recommendation;
use pqa_core::{Period, Project};
use pqa_query::{Engine, QueryLayer, sql_string};
use pqa_report::audit_report::{self, AuditReportInput};
use pqa_store::Warehouse;

use crate::audit::{Written, read_cohort, rows_as_text, write_files};
use crate::{Error, Result};

/// An audit's findings for the children drawn for one period.
#[derive(Debug, Clone)]
pub struct AuditReport {
    pub spec: AuditSpec,
    pub period: Period,
    pub run: Option<i64>,
    /// Children in the cohort (all of them, not only those audited).
    pub cohort: usize,
    /// Each profile column's values across the cohort: the compliance rates.
    pub compliance: Vec<(String, std::collections::BTreeMap<String, usize>)>,
    pub findings: AuditFindings,
    /// The periods the returns were sent in.
    pub sent_in: Vec<String>,
    /// With no returns for the period: the audit periods the audit's
    /// returns give instead, as written.
    pub held_for: Vec<String>,
}

/// The returns for `audit`'s children drawn for `period`, and the periods
/// they were sent in.
async fn returns(
    layer: &QueryLayer,
    audit: &str,
    audit_period: &str,
) -> Result<(Vec<AuditReturn>, Vec<String>)> {
    let sql = format!(
        "SELECT child_ref, agency, theme, question, grade, learning, _period FROM audit_returns \
         WHERE audit = {} AND audit_period = {} ORDER BY child_ref, agency, theme, question",
        sql_string(audit),
        sql_string(audit_period)
    );
    let columns = [
        "child_ref",
        "agency",
        "theme",
        "question",
        "grade",
        "learning",
        "_period",
    ];
    let mut sent = BTreeSet::new();
    let rows = rows_as_text(&layer.sql(&sql).await?, &columns)?
        .into_iter()
        .map(|mut r| {
            if let Some(p) = r[6].take() {
                sent.insert(p);
            }
            let text = |v: &mut Option<String>| v.take().unwrap_or_default();
            AuditReturn {
                child_ref: text(&mut r[0]),
                agency: text(&mut r[1]),
                theme: text(&mut r[2]),
                question: text(&mut r[3]),
                grade: text(&mut r[4]),
                learning: r[5].take(),
            }
        })
        .collect();
    Ok((rows, sent.into_iter().collect()))
}

/// Reads the audit's cohort for `period` (for the compliance rates across
/// every child, not only those audited) and its returns.
pub async fn report(
    project: &Project,
    warehouse: &Warehouse,
    engine: &Engine,
    spec: &AuditSpec,
    period: Period,
    as_of: Option<i64>,
) -> Result<AuditReport> {
    let layer = QueryLayer::open(warehouse, project, as_of, engine).await?;
    let cohort = read_cohort(&layer, spec, period).await?;
    let reading = || format!("audit `{}`: reading the returns", spec.audit);
    let (answers, sent_in) = returns(&layer, &spec.audit, &period.to_string())
        .await
        .map_err(|e| e.while_(reading()))?;
    // No returns for the period asked: say which periods the audit's
    // returns do give, in case they were written another way.
    let held_for = if answers.is_empty() {
        let sql = format!(
            "SELECT DISTINCT audit_period FROM audit_returns WHERE audit = {} ORDER BY audit_period",
            sql_string(&spec.audit)
        );
        let batches = layer
            .sql(&sql)
            .await
            .map_err(|e| Error::from(e).while_(reading()))?;
        rows_as_text(&batches, &["audit_period"])?
            .into_iter()
            .filter_map(|mut r| r[0].take())
            .collect()
    } else {
        vec![]
    };
    Ok(AuditReport {
        spec: spec.clone(),
        period,
        run: layer.run.as_ref().map(|r| r.run_number),
        cohort: cohort.len(),
        compliance: pqa_core::audit::profile(spec, &cohort),
        findings: summarise(&answers),
        sent_in,
        held_for,
    })
}

/// Writes the findings (HTML and XLSX) into `out`, named after the audit
/// and the period.
pub fn write_report(project: &Project, report: &AuditReport, out: &Path) -> Result<Written> {
    let input = AuditReportInput {
        partnership: &project.file.partnership,
        spec: &report.spec,
        period: report.period,
        run: report.run,
        cohort: report.cohort,
        compliance: &report.compliance,
        findings: &report.findings,
        sent_in: &report.sent_in,
    };
    let stem = format!(
        "audit-findings-{}-{}",
        report.spec.audit,
        report.period.to_string().replace('/', "-")
    );
    let written = Written {
        html: out.join(format!("{stem}.html")),
        xlsx: out.join(format!("{stem}.xlsx")),
    };
    write_files(
        out,
        [
            (&written.html, audit_report::to_html(&input)?.into_bytes()),
            (&written.xlsx, audit_report::to_xlsx(&input)?),
        ],
    )?;
    Ok(written)
}

/// An audit whose returns came in during a report's period, summed up.
#[derive(Debug, Clone)]
pub struct AuditHeadline {
    pub title: String,
    /// The period its children were drawn for, as pqa writes it (or as
    /// the returns wrote it, when that is not a period pqa reads).
    pub drawn_for: String,
    pub findings: AuditFindings,
}

/// Each audit whose returns were sent in `period`, with its findings.
pub(crate) async fn headlines(
    project: &Project,
    layer: &QueryLayer,
    period: Period,
) -> Result<Vec<AuditHeadline>> {
    // A project that keeps no audit returns has no table to read.
    if project.schema("audit_returns").is_none() {
        return Ok(vec![]);
    }
    let sql = "SELECT DISTINCT audit, audit_period, _period FROM audit_returns ORDER BY audit, audit_period";
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for row in rows_as_text(
        &layer.sql(sql).await?,
        &["audit", "audit_period", "_period"],
    )? {
        let (Some(audit), Some(drawn_for), Some(sent)) = (&row[0], &row[1], &row[2]) else {
            continue;
        };
        // `_period` is pqa's own, from the file's name: always a period.
        let Ok(sent) = sent.parse::<Period>() else {
            continue;
        };
        let sent_in_period = sent.start() >= period.start() && sent.end() <= period.end();
        if !sent_in_period || !seen.insert((audit.clone(), drawn_for.clone())) {
            continue;
        }
        // Returns for an audit no longer defined are still shown, by name.
        let title = project
            .audits
            .iter()
            .find(|a| &a.audit == audit)
            .map_or_else(|| audit.replace('_', " "), |a| a.title.clone());
        let (answers, _) = returns(layer, audit, drawn_for).await?;
        out.push(AuditHeadline {
            title,
            drawn_for: drawn_for
                .parse::<Period>()
                .map_or_else(|_| drawn_for.clone(), |p| p.label()),
            findings: summarise(&answers),
        });
    }
    Ok(out)
}

/// Every row of every recommendations tracker sent.
pub(crate) async fn recommendations(
    project: &Project,
    layer: &QueryLayer,
) -> Result<Vec<Recommendation>> {
    if project.schema("recommendations").is_none() {
        return Ok(vec![]);
    }
    let sql = "SELECT recommendation_id, source, agency, owner, recommendation, \
               CAST(due_date AS VARCHAR) AS due_date, status, \
               CAST(completed_date AS VARCHAR) AS completed_date, evidence, _period \
               FROM recommendations";
    let columns = [
        "recommendation_id",
        "source",
        "agency",
        "owner",
        "recommendation",
        "due_date",
        "status",
        "completed_date",
        "evidence",
        "_period",
    ];
    let date = |v: &Option<String>| {
        v.as_deref()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    };
    let mut out = Vec::new();
    for r in rows_as_text(&layer.sql(sql).await?, &columns)? {
        let (Some(due), Some(sent_for)) =
            (date(&r[5]), r[9].as_deref().and_then(|p| p.parse().ok()))
        else {
            continue;
        };
        let text = |i: usize| r[i].clone().unwrap_or_default();
        out.push(Recommendation {
            id: text(0),
            source: text(1),
            agency: text(2),
            owner: r[3].clone(),
            text: text(4),
            due,
            status: text(6),
            completed: date(&r[7]),
            evidence: r[8].clone(),
            sent_for,
        });
    }
    Ok(out)
}
