//! The other rules the PQA report uses, each a pure function over a series
//! of values (oldest first, `None` where the figure is not known): runs of
//! rises or falls, records, one window against the window before, a target
//! met then missed, and a gap to benchmarks. None of them steps across a
//! gap as if the figure there were known.

use crate::spc::Side;

/// How many changes in a row, ending at the last value, went the same way:
/// `(Side::High, 4)` is four rises in a row. `None` when the last value is
/// unknown, equals the one before, or follows a gap.
pub fn run_at_end(values: &[Option<f64>]) -> Option<(Side, usize)> {
    let step = |w: &[Option<f64>]| {
        let (a, b) = (w[0]?, w[1]?);
        if b > a {
            Some(Side::High)
        } else if b < a {
            Some(Side::Low)
        } else {
            None
        }
    };
    let mut changes = values.windows(2).rev().map(step);
    let side = changes.next()??;
    Some((side, 1 + changes.take_while(|s| *s == Some(side)).count()))
}

/// What is known of a figure that was not published: a count withheld or
/// suppressed as "1 to 4" is known to be under 5, which is enough to say a
/// higher figure is a record; a figure not received is not known at all.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    Known(f64),
    /// Known to be below this.
    Below(f64),
    Unknown,
}

/// When the last value is the highest (or lowest) of an unbroken stretch
/// ending with it: its side and how many earlier periods it beats. The
/// stretch goes back until an earlier value equals or passes it, or until a
/// figure that is not known (which might have).
pub fn record_at_end(values: &[Bound]) -> Option<(Side, usize)> {
    let (last, earlier) = values.split_last()?;
    let Bound::Known(last) = *last else {
        return None;
    };
    let beaten = |side: Side| {
        earlier
            .iter()
            .rev()
            .take_while(|b| match (side, **b) {
                (Side::High, Bound::Known(v)) => last > v,
                (Side::High, Bound::Below(limit)) => last >= limit,
                (Side::Low, Bound::Known(v)) => last < v,
                _ => false,
            })
            .count()
    };
    let (high, low) = (beaten(Side::High), beaten(Side::Low));
    if high > 0 && high >= low {
        Some((Side::High, high))
    } else if low > 0 {
        Some((Side::Low, low))
    } else {
        None
    }
}

/// One window of periods against the one before.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowChange {
    pub before: f64,
    pub after: f64,
    pub ratio: f64,
}

/// A flow (counted during each period): the total of the last `window`
/// values against the total of the `window` before. `None` without enough
/// values, when any of them is unknown (a total with a gap would look
/// smaller than it was), or when the earlier total is zero.
pub fn window_totals(values: &[Option<f64>], window: usize) -> Option<WindowChange> {
    if window == 0 || values.len() < 2 * window {
        return None;
    }
    let sum = |w: &[Option<f64>]| w.iter().copied().sum::<Option<f64>>();
    let after = sum(&values[values.len() - window..])?;
    let before = sum(&values[values.len() - 2 * window..values.len() - window])?;
    (before > 0.0).then(|| WindowChange {
        before,
        after,
        ratio: after / before,
    })
}

/// A stock (counted at the end of each period): the last value against the
/// value `window` periods before, never a total across periods.
pub fn window_levels(values: &[Option<f64>], window: usize) -> Option<WindowChange> {
    if window == 0 || values.len() <= window {
        return None;
    }
    let after = (*values.last()?)?;
    let before = values[values.len() - 1 - window]?;
    (before > 0.0).then(|| WindowChange {
        before,
        after,
        ratio: after / before,
    })
}

/// A target met for a while and then missed: `(met, missed)` periods when
/// the last `missed` (one or more) values miss it and the `met` before them
/// all meet it, with no unknown value among them. `None` when the last value
/// meets the target or is unknown, or it was not met just before.
pub fn met_then_missed(
    values: &[Option<f64>],
    target: f64,
    higher_better: bool,
) -> Option<(usize, usize)> {
    let meets = |v: f64| {
        if higher_better {
            v >= target
        } else {
            v <= target
        }
    };
    let missed = values
        .iter()
        .rev()
        .take_while(|v| v.is_some_and(|v| !meets(v)))
        .count();
    let met = values[..values.len() - missed]
        .iter()
        .rev()
        .take_while(|v| v.is_some_and(meets))
        .count();
    (missed > 0 && met > 0).then_some((met, missed))
}

/// Where the partnership's published figure sits among its statistical
/// neighbours' for the same year.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchmarkPosition {
    /// What the published figure is, e.g. "rate of children in private
    /// fostering arrangements per 10,000 children".
    pub description: String,
    /// The year as published, e.g. `2025`.
    pub year: String,
    pub own: f64,
    pub neighbours: Vec<f64>,
    pub england: Option<f64>,
    /// The area's region's figure for the same year, where published.
    pub region: Option<f64>,
}

impl BenchmarkPosition {
    /// The middle of the neighbours' figures.
    pub fn neighbours_median(&self) -> Option<f64> {
        let mut v = self.neighbours.clone();
        v.sort_by(f64::total_cmp);
        match v.len() {
            0 => None,
            n if n % 2 == 1 => Some(v[n / 2]),
            n => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
        }
    }

    /// `Some(Side::Low)` when the figure is below every neighbour's and under
    /// two thirds of their median; `Some(Side::High)` when above every one
    /// and over half as much again. Being merely in the bottom quarter is not
    /// enough: with ten neighbours, some area always is.
    pub fn outlier(&self) -> Option<Side> {
        let median = self.neighbours_median()?;
        if self.neighbours.len() < 5 {
            return None;
        }
        let below_all = self.neighbours.iter().all(|n| self.own < *n);
        let above_all = self.neighbours.iter().all(|n| self.own > *n);
        if below_all && self.own < median * 2.0 / 3.0 {
            Some(Side::Low)
        } else if above_all && self.own > median * 1.5 {
            Some(Side::High)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(values: &[f64]) -> Vec<Option<f64>> {
        values.iter().copied().map(Some).collect()
    }

    #[test]
    fn runs_count_the_changes_that_end_the_series() {
        assert_eq!(
            run_at_end(&known(&[5., 4., 6., 7., 9.])),
            Some((Side::High, 3))
        );
        assert_eq!(run_at_end(&known(&[5., 6., 4.])), Some((Side::Low, 1)));
        assert_eq!(run_at_end(&known(&[5., 6., 6.])), None);
        assert_eq!(run_at_end(&known(&[5.])), None);
        // A gap ends a run: nothing is said of the change into or out of it.
        assert_eq!(
            run_at_end(&[Some(1.), Some(2.), None, Some(3.), Some(4.)]),
            Some((Side::High, 1))
        );
        assert_eq!(run_at_end(&[Some(1.), Some(2.), None]), None);
    }

    #[test]
    fn a_record_beats_every_earlier_value_back_to_a_gap() {
        let k = |v: &[f64]| v.iter().map(|x| Bound::Known(*x)).collect::<Vec<_>>();
        assert_eq!(record_at_end(&k(&[3., 5., 4., 6.])), Some((Side::High, 3)));
        assert_eq!(record_at_end(&k(&[3., 5., 4., 2.])), Some((Side::Low, 3)));
        assert_eq!(
            record_at_end(&k(&[3., 6., 4., 6.])),
            Some((Side::High, 1)),
            "a tie ends the stretch"
        );
        // A count under 5 cannot beat 12; a figure not received might have.
        let v = [
            Bound::Known(9.),
            Bound::Below(5.),
            Bound::Known(10.),
            Bound::Known(12.),
        ];
        assert_eq!(record_at_end(&v), Some((Side::High, 3)));
        let v = [
            Bound::Known(9.),
            Bound::Unknown,
            Bound::Known(10.),
            Bound::Known(12.),
        ];
        assert_eq!(record_at_end(&v), Some((Side::High, 1)));
        // A low record cannot step over a small suppressed count (a high one can).
        let v = [Bound::Known(9.), Bound::Below(5.), Bound::Known(3.)];
        assert_eq!(record_at_end(&v), None);
        let v = [Bound::Known(9.), Bound::Below(5.), Bound::Known(6.)];
        assert_eq!(record_at_end(&v), Some((Side::High, 1)));
    }

    #[test]
    fn flows_are_compared_as_totals_and_stocks_as_levels() {
        let w = window_totals(&known(&[10., 12., 14., 33., 38.]), 2).unwrap();
        assert_eq!((w.before, w.after), (26.0, 71.0));
        assert!((w.ratio - 71.0 / 26.0).abs() < 1e-12);
        assert_eq!(window_totals(&known(&[1., 2., 3.]), 2), None);
        assert_eq!(window_totals(&known(&[0., 0., 3., 4.]), 2), None);
        assert_eq!(
            window_totals(&[Some(10.), None, Some(14.), Some(20.)], 2),
            None,
            "a gap in a window"
        );
        // Families in B&B at each quarter end: 16, 18, 22, 26 is a rise from
        // 18 to 26, not from 34 to 48.
        let w = window_levels(&known(&[16., 18., 22., 26.]), 2).unwrap();
        assert_eq!((w.before, w.after), (18.0, 26.0));
    }

    #[test]
    fn a_target_met_for_three_quarters_then_missed() {
        // Weeks waited, 18-week target, lower is better.
        let waits = known(&[12.1, 14.0, 16.4, 17.2, 17.9, 18.1, 20.9]);
        assert_eq!(met_then_missed(&waits, 18.0, false), Some((5, 2)));
        assert_eq!(met_then_missed(&waits[..5], 18.0, false), None, "still met");
        assert_eq!(
            met_then_missed(&known(&[19., 20.]), 18.0, false),
            None,
            "never met"
        );
        // Higher is better.
        assert_eq!(
            met_then_missed(&known(&[92., 95., 88.]), 90.0, true),
            Some((2, 1))
        );
        // A gap between the met and missed periods: not known to have been met just before.
        assert_eq!(
            met_then_missed(&[Some(17.0), Some(17.5), None, Some(19.0)], 18.0, false),
            None
        );
    }

    #[test]
    fn a_benchmark_outlier_is_beyond_every_neighbour_and_far_from_their_median() {
        let mut p = BenchmarkPosition {
            description: "rate".into(),
            year: "2025".into(),
            own: 1.3,
            neighbours: vec![3.2, 3.4, 4.1, 4.6, 3.8, 5.0, 2.9, 3.6, 4.4, 3.9],
            england: None,
            region: None,
        };
        assert!((p.neighbours_median().unwrap() - 3.85).abs() < 1e-12);
        assert_eq!(p.outlier(), Some(Side::Low));
        p.own = 2.7; // the lowest, but not far below the others
        assert_eq!(p.outlier(), None);
        p.own = 2.0;
        p.neighbours[0] = 1.9; // one neighbour is lower still
        assert_eq!(p.outlier(), None);
        p.own = 5.5; // the highest, but not by much
        assert_eq!(p.outlier(), None);
        p.own = 9.0;
        assert_eq!(p.outlier(), Some(Side::High));
    }
}
