//! Which periods of a metric a report shows and judges: the metric's own
//! kind of period (months, quarters, terms or years), up to the latest one
//! ending by the report's end, each with its published figure or the kind
//! of gap it is.

use pqa_core::period::PeriodKind;
use pqa_core::{MetricSpec, Period, Series};
use pqa_trends::Obs;

use crate::disclosure::{Disclosure, Published};

use pqa_trends::window_len;

/// Periods in each metric's table: two years, or six for yearly figures.
pub(crate) fn table_len(kind: PeriodKind) -> usize {
    if kind.is_year() {
        6
    } else {
        2 * kind.per_year()
    }
}

/// One metric's periods for a report, oldest first: up to the last one
/// ending by the report's end, which may be a figure not yet due (shown
/// as such); the rules read up to the latest figure due or received.
pub(crate) struct Timeline {
    pub kind: PeriodKind,
    pub periods: Vec<Period>,
    pub published: Vec<Published>,
    pub bases: Vec<Option<f64>>,
    /// How many periods at the end are not yet due (and have no figure).
    pub not_due: usize,
}

impl Timeline {
    /// The window of `spec` for a report on `report`, as published.
    pub fn of(
        spec: &MetricSpec,
        series: &Series,
        report: Period,
        disclosure: Disclosure,
    ) -> Timeline {
        let kind = spec.kind();
        let due =
            |p: Period| p.end() + chrono::Months::new(spec.published_after_months) <= report.end();
        let end = last_ending_by(kind, report.end());
        // Figures not expected yet and not here: the latest is before them.
        let mut latest = end;
        let mut not_due = 0;
        while !due(latest) && series.point_at(latest).is_none_or(|p| p.value.is_none()) {
            latest = latest.previous();
            not_due += 1;
        }
        // Periods before the series' first figure were never due: left out.
        let first = series
            .points
            .first()
            .map_or(latest, |p| p.period)
            .min(latest)
            .max(latest.back(window_len(kind) - 1));
        let periods = Period::range(first, end);
        let published = periods
            .iter()
            .map(|p| disclosure.publish_point(series.point_at(*p), spec.is_count, due(*p)))
            .collect();
        let bases = periods
            .iter()
            .map(|p| series.point_at(*p).and_then(|x| x.base))
            .collect();
        Timeline {
            kind,
            periods,
            published,
            bases,
            not_due,
        }
    }

    /// The latest period whose figure is due (or has come early).
    pub fn latest(&self) -> Period {
        self.periods[self.periods.len() - 1 - self.not_due]
    }

    /// The published figure of `period`, if it is in the window.
    pub fn at(&self, period: Period) -> Option<&Published> {
        let i = self.periods.iter().position(|p| *p == period)?;
        Some(&self.published[i])
    }

    /// As the trend rules read it: up to the latest figure due.
    pub fn observations(&self) -> Vec<Obs> {
        let n = self.periods.len() - self.not_due;
        self.periods[..n]
            .iter()
            .zip(&self.published)
            .zip(&self.bases)
            .map(|((period, published), base)| Obs {
                period: *period,
                value: published.observed(),
                base: *base,
            })
            .collect()
    }
}

/// The last period of `kind` that ends on or before `day`.
pub(crate) fn last_ending_by(kind: PeriodKind, day: chrono::NaiveDate) -> Period {
    // Terms leave August out: look back to the last day a term covers.
    let mut d = day;
    let mut p = loop {
        if let Some(p) = Period::containing(kind, d) {
            break p;
        }
        d = d.pred_opt().expect("date in range");
    };
    while p.end() > day {
        p = p.previous();
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use pqa_core::Point;

    fn day(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_latest_period_of_each_kind_by_the_report_s_end() {
        let end = day(2025, 3, 31);
        assert_eq!(
            last_ending_by(PeriodKind::Quarter, end),
            Period::Quarter(2024, 4)
        );
        assert_eq!(
            last_ending_by(PeriodKind::Month, end),
            Period::Month(2024, 12)
        );
        assert_eq!(last_ending_by(PeriodKind::Term, end), Period::Term(2024, 2));
        assert_eq!(
            last_ending_by(PeriodKind::FinancialYear, end),
            Period::Year(2024)
        );
        assert_eq!(
            last_ending_by(PeriodKind::CalendarYear, end),
            Period::CalendarYear(2024)
        );
        assert_eq!(
            last_ending_by(PeriodKind::AcademicYear, end),
            Period::AcademicYear(2023)
        );
        let h1_end = day(2024, 9, 30);
        assert_eq!(
            last_ending_by(PeriodKind::Term, h1_end),
            Period::Term(2023, 3)
        );
    }

    fn spec(extra: &str) -> MetricSpec {
        serde_yaml::from_str(&format!(
            "metric: m\ntitle: t\narea: a\nagency: g\nunit: \"%\"\nis_count: false\n\
             measure: flow\nbetter: lower\ndefinition: d\nsql: SELECT 1\n{extra}"
        ))
        .unwrap()
    }

    fn point(period: Period, value: f64) -> Point {
        Point {
            period,
            value: Some(value),
            base: None,
            withheld: None,
        }
    }

    #[test]
    fn a_yearly_figure_not_yet_published_is_not_due_and_not_shown_as_latest() {
        let s = spec("frequency: annual\npublished_after_months: 8\n");
        let series = Series {
            points: (2015..=2023)
                .map(|y| point(Period::Year(y), 40.0))
                .collect(),
        };
        let d = Disclosure { suppress_up_to: 4 };
        let t = Timeline::of(&s, &series, Period::Half(2024, 2), d);
        // 2024/25 ends on the report's last day: not expected for months,
        // so shown as not yet due after the ten years the rules read.
        assert_eq!(t.latest(), Period::Year(2023));
        assert_eq!(t.periods.len(), 10);
        assert_eq!(t.published.last(), Some(&Published::NotDue));
        assert_eq!(t.observations().len(), 9);
        // Nothing before the first figure: those years were never due.
        assert_eq!(t.periods[0], Period::Year(2015));
        // If it is there early, it is shown.
        let mut early = series.clone();
        early.points.push(point(Period::Year(2024), 41.0));
        let t = Timeline::of(&s, &early, Period::Half(2024, 2), d);
        assert_eq!(t.latest(), Period::Year(2024));
    }

    #[test]
    fn a_quarter_missing_at_the_end_is_not_received() {
        let s = spec("");
        let series = Series {
            points: vec![point(Period::Quarter(2024, 3), 40.0)],
        };
        let t = Timeline::of(
            &s,
            &series,
            Period::Half(2024, 2),
            Disclosure { suppress_up_to: 4 },
        );
        assert_eq!(t.latest(), Period::Quarter(2024, 4));
        assert_eq!(t.published.last(), Some(&Published::NotReceived));
        assert_eq!(t.periods.len(), 2, "from the first figure on");
    }
}
