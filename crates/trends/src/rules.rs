//! The other rules the PQA report uses, each a pure function over a series of
//! values (oldest first): runs of rises or falls, records, one window against
//! the window before, a target met then missed, and a gap to benchmarks.

use crate::spc::Side;

/// How many changes in a row, ending at the last value, went the same way:
/// `(Side::High, 4)` is four rises in a row. `None` when the last two values
/// are equal or there are fewer than two.
pub fn run_at_end(values: &[f64]) -> Option<(Side, usize)> {
    let step = |w: &[f64]| {
        if w[1] > w[0] {
            Some(Side::High)
        } else if w[1] < w[0] {
            Some(Side::Low)
        } else {
            None
        }
    };
    let mut changes = values.windows(2).rev().map(step);
    let side = changes.next()??;
    Some((side, 1 + changes.take_while(|s| *s == Some(side)).count()))
}

/// When the last value is the highest (or lowest) of the series: its side and
/// how many earlier values it beats. `None` when an earlier value equals or
/// passes it on both counts.
pub fn record_at_end(values: &[f64]) -> Option<(Side, usize)> {
    let (last, earlier) = values.split_last()?;
    if earlier.is_empty() {
        return None;
    }
    if earlier.iter().all(|v| last > v) {
        Some((Side::High, earlier.len()))
    } else if earlier.iter().all(|v| last < v) {
        Some((Side::Low, earlier.len()))
    } else {
        None
    }
}

/// The last `window` values against the `window` before them: both totals
/// and their ratio. `None` without enough values or when the earlier total
/// is zero.
pub fn window_ratio(values: &[f64], window: usize) -> Option<WindowChange> {
    if window == 0 || values.len() < 2 * window {
        return None;
    }
    let recent = &values[values.len() - window..];
    let before = &values[values.len() - 2 * window..values.len() - window];
    let (after, before): (f64, f64) = (recent.iter().sum(), before.iter().sum());
    (before > 0.0).then(|| WindowChange {
        before,
        after,
        ratio: after / before,
    })
}

/// One window of quarters against the one before.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowChange {
    pub before: f64,
    pub after: f64,
    pub ratio: f64,
}

/// A target met for a while and then missed: `(met, missed)` quarters when
/// the last `missed` (one or more) values miss it and the `met` before them
/// all meet it. `None` when the last value meets the target or it was never
/// met before.
pub fn met_then_missed(values: &[f64], target: f64, higher_better: bool) -> Option<(usize, usize)> {
    let meets = |v: &f64| {
        if higher_better {
            *v >= target
        } else {
            *v <= target
        }
    };
    let missed = values.iter().rev().take_while(|v| !meets(v)).count();
    let met = values[..values.len() - missed]
        .iter()
        .rev()
        .take_while(|v| meets(v))
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

    #[test]
    fn runs_count_the_changes_that_end_the_series() {
        assert_eq!(run_at_end(&[5., 4., 6., 7., 9.]), Some((Side::High, 3)));
        assert_eq!(run_at_end(&[5., 6., 4.]), Some((Side::Low, 1)));
        assert_eq!(run_at_end(&[5., 6., 6.]), None);
        assert_eq!(run_at_end(&[5.]), None);
    }

    #[test]
    fn a_record_beats_every_earlier_value() {
        assert_eq!(record_at_end(&[3., 5., 4., 6.]), Some((Side::High, 3)));
        assert_eq!(record_at_end(&[3., 5., 4., 2.]), Some((Side::Low, 3)));
        assert_eq!(record_at_end(&[3., 6., 4., 6.]), None, "a tie is no record");
        assert_eq!(record_at_end(&[3., 5., 4., 4.5]), None);
    }

    #[test]
    fn window_ratio_compares_the_last_two_quarters_with_the_two_before() {
        let w = window_ratio(&[10., 12., 14., 33., 38.], 2).unwrap();
        assert_eq!((w.before, w.after), (26.0, 71.0));
        assert!((w.ratio - 71.0 / 26.0).abs() < 1e-12);
        assert_eq!(window_ratio(&[1., 2., 3.], 2), None);
        assert_eq!(window_ratio(&[0., 0., 3., 4.], 2), None);
    }

    #[test]
    fn a_target_met_for_three_quarters_then_missed() {
        // Weeks waited, 18-week target, lower is better.
        let waits = [12.1, 14.0, 16.4, 17.2, 17.9, 18.1, 20.9];
        assert_eq!(met_then_missed(&waits, 18.0, false), Some((5, 2)));
        assert_eq!(met_then_missed(&waits[..5], 18.0, false), None, "still met");
        assert_eq!(met_then_missed(&[19., 20.], 18.0, false), None, "never met");
        // Higher is better.
        assert_eq!(met_then_missed(&[92., 95., 88.], 90.0, true), Some((2, 1)));
    }

    #[test]
    fn a_benchmark_outlier_is_beyond_every_neighbour_and_far_from_their_median() {
        let mut p = BenchmarkPosition {
            description: "rate".into(),
            year: "2025".into(),
            own: 1.3,
            neighbours: vec![3.2, 3.4, 4.1, 4.6, 3.8, 5.0, 2.9, 3.6, 4.4, 3.9],
            england: None,
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
