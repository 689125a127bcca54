//! Recommendations from audits and learning reviews, followed to
//! completion: where each stood at the end of a report's period, from the
//! latest tracker the partnership team sent by then. Pure: the rows come
//! from the warehouse's `recommendations`, read elsewhere.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::Period;

/// One recommendation as a tracker file gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommendation {
    pub id: String,
    pub source: String,
    pub agency: String,
    pub owner: Option<String>,
    pub text: String,
    pub due: NaiveDate,
    /// `open`, `in_progress` or `complete`.
    pub status: String,
    pub completed: Option<NaiveDate>,
    pub evidence: Option<String>,
    /// The period of the tracker file the row came from.
    pub sent_for: Period,
}

/// Where a recommendation stands at the end of the report's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Standing {
    /// Past its due date and not complete.
    Overdue,
    InProgress,
    Open,
    /// Completed within the report's period.
    CompletedSinceLastReport,
}

impl Standing {
    pub fn words(self) -> &'static str {
        match self {
            Standing::Overdue => "Overdue",
            Standing::InProgress => "In progress",
            Standing::Open => "Not started",
            Standing::CompletedSinceLastReport => "Completed",
        }
    }
}

/// A recommendation the report shows, with where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    pub recommendation: Recommendation,
    pub standing: Standing,
}

/// The progress the report gives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Not complete at the period's end (overdue ones included).
    pub open: usize,
    pub overdue: usize,
    pub completed_since_last_report: usize,
    /// Completed before the period: no longer shown.
    pub completed_before: usize,
    /// Those shown, overdue first, then by due date.
    pub shown: Vec<Followed>,
}

/// Where each recommendation stood at the end of `period`, by the latest
/// tracker sent for a period that began by then (a later tracker is not
/// yet known to that report). One completed before `period` began is
/// counted, not shown: the report follows each until it is complete.
pub fn progress(rows: &[Recommendation], period: Period) -> Progress {
    let mut latest: BTreeMap<&str, &Recommendation> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.sent_for.start() <= period.end()) {
        let keep = latest
            .get(r.id.as_str())
            .is_none_or(|seen| seen.sent_for.end() <= r.sent_for.end());
        if keep {
            latest.insert(&r.id, r);
        }
    }
    let (start, end) = (period.start(), period.end());
    let mut out = Progress::default();
    for r in latest.into_values() {
        let standing = if r.status == "complete" {
            // A tracker that says complete without a date: complete by the
            // file it came in.
            let on = r.completed.unwrap_or_else(|| r.sent_for.end());
            if on < start {
                out.completed_before += 1;
                continue;
            }
            Standing::CompletedSinceLastReport
        } else if r.due < end {
            Standing::Overdue
        } else if r.status == "in_progress" {
            Standing::InProgress
        } else {
            Standing::Open
        };
        match standing {
            Standing::CompletedSinceLastReport => out.completed_since_last_report += 1,
            Standing::Overdue => {
                out.open += 1;
                out.overdue += 1;
            }
            _ => out.open += 1,
        }
        out.shown.push(Followed {
            recommendation: r.clone(),
            standing,
        });
    }
    out.shown.sort_by(|a, b| {
        (a.standing, a.recommendation.due, &a.recommendation.id).cmp(&(
            b.standing,
            b.recommendation.due,
            &b.recommendation.id,
        ))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn rec(
        id: &str,
        due: NaiveDate,
        status: &str,
        completed: Option<NaiveDate>,
        sent: &str,
    ) -> Recommendation {
        Recommendation {
            id: id.into(),
            source: "Audit".into(),
            agency: "Health".into(),
            owner: None,
            text: "Do it".into(),
            due,
            status: status.into(),
            completed,
            evidence: None,
            sent_for: sent.parse().unwrap(),
        }
    }

    #[test]
    fn each_stands_by_the_latest_tracker_at_the_periods_end() {
        let h2: Period = "2024/25-H2".parse().unwrap();
        let rows = vec![
            // Overdue in Q3, completed in Q4: completed since the last report.
            rec("A", d(2024, 9, 30), "in_progress", None, "2024/25-Q3"),
            rec(
                "A",
                d(2024, 9, 30),
                "complete",
                Some(d(2025, 2, 14)),
                "2024/25-Q4",
            ),
            // Due on the period's last day and in progress: not overdue.
            rec("B", d(2025, 3, 31), "in_progress", None, "2024/25-Q4"),
            // Due before the end, not started: overdue.
            rec("C", d(2025, 1, 31), "open", None, "2024/25-Q4"),
            // Completed long ago: counted, not shown.
            rec(
                "D",
                d(2023, 12, 31),
                "complete",
                Some(d(2023, 12, 18)),
                "2024/25-Q4",
            ),
            // A tracker sent after the period is not known to its report.
            rec(
                "C",
                d(2025, 1, 31),
                "complete",
                Some(d(2025, 4, 20)),
                "2025/26-Q1",
            ),
            // Not yet due, not started.
            rec("E", d(2025, 6, 30), "open", None, "2024/25-Q4"),
        ];
        let p = progress(&rows, h2);
        assert_eq!(
            (
                p.open,
                p.overdue,
                p.completed_since_last_report,
                p.completed_before
            ),
            (3, 1, 1, 1)
        );
        let shown: Vec<(&str, Standing)> = p
            .shown
            .iter()
            .map(|f| (f.recommendation.id.as_str(), f.standing))
            .collect();
        assert_eq!(
            shown,
            [
                ("C", Standing::Overdue),
                ("B", Standing::InProgress),
                ("E", Standing::Open),
                ("A", Standing::CompletedSinceLastReport),
            ]
        );
        // The next report, with the Q1 tracker: C is complete, and A and D
        // are no longer shown.
        let next = progress(&rows, "2025/26-H1".parse().unwrap());
        assert_eq!(
            (next.completed_since_last_report, next.completed_before),
            (1, 2)
        );
    }
}
