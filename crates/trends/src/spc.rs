//! Statistical process control as NHS England's "Making Data Count" uses it:
//! an XmR chart (the mean, and process limits at 2.66 average moving ranges
//! either side), four special-cause rules, and assurance against a target.
//!
//! A series may have gaps (a figure withheld, suppressed or not received):
//! `None`. The mean is of the known values; a moving range is taken only
//! between two neighbouring known values; and no run steps across a gap, so
//! nothing is claimed about a period whose figure is not known.

use serde::Serialize;

/// Fewer known points than this and the limits mean little: the series is
/// too short for them (Making Data Count asks for 15 or more where possible;
/// nine is three years of terms, or nearly three of quarters). Rules that
/// need fewer points (runs, a target met then missed, records) still apply.
pub const MIN_POINTS: usize = 9;
/// A shift: this many points in a row on one side of the mean.
pub const SHIFT_RUN: usize = 7;
/// A trend: this many points in a row each higher (or lower) than the last.
pub const TREND_RUN: usize = 6;
/// Process limits sit this many average moving ranges from the mean (3
/// sigma, with sigma estimated as the average moving range / 1.128).
pub const LIMIT_FACTOR: f64 = 2.66;

/// Above or below: the side of the mean a signal is on, or its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    High,
    Low,
}

/// The XmR chart of a series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Xmr {
    pub mean: f64,
    /// The average absolute change from one known point to the next.
    pub moving_range: f64,
    pub upper: f64,
    pub lower: f64,
    /// How many known points the chart was worked out from.
    pub points: usize,
}

impl Xmr {
    /// The chart of the known values, or `None` with fewer than
    /// [`MIN_POINTS`] of them (or no two known values side by side).
    pub fn of(values: &[Option<f64>]) -> Option<Xmr> {
        Xmr::at_least(values, MIN_POINTS)
    }

    /// The chart of the known values when there are at least `min` of them.
    pub fn at_least(values: &[Option<f64>], min: usize) -> Option<Xmr> {
        let known: Vec<f64> = values.iter().flatten().copied().collect();
        if known.len() < min.max(2) {
            return None;
        }
        let ranges: Vec<f64> = values
            .windows(2)
            .filter_map(|w| Some((w[1]? - w[0]?).abs()))
            .collect();
        if ranges.is_empty() {
            return None;
        }
        let mean = known.iter().sum::<f64>() / known.len() as f64;
        let moving_range = ranges.iter().sum::<f64>() / ranges.len() as f64;
        Some(Xmr {
            mean,
            moving_range,
            upper: mean + LIMIT_FACTOR * moving_range,
            lower: mean - LIMIT_FACTOR * moving_range,
            points: known.len(),
        })
    }

    /// The side of the mean `value` is on (`None` on the mean itself).
    pub fn side(&self, value: f64) -> Option<Side> {
        if value > self.mean {
            Some(Side::High)
        } else if value < self.mean {
            Some(Side::Low)
        } else {
            None
        }
    }

    /// Whether `value` is beyond a process limit, and which.
    pub fn outside(&self, value: f64) -> Option<Side> {
        if value > self.upper {
            Some(Side::High)
        } else if value < self.lower {
            Some(Side::Low)
        } else {
            None
        }
    }

    /// Whether `value` is in the outer third between the mean and a limit
    /// (beyond two sigma) on `side`.
    fn near_limit(&self, value: f64, side: Side) -> bool {
        let two_sigma = 2.0 / 3.0 * (self.upper - self.mean);
        match side {
            Side::High => value > self.mean + two_sigma,
            Side::Low => value < self.mean - two_sigma,
        }
    }
}

/// Which rule found special-cause variation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A point beyond a process limit.
    OutsideLimits,
    /// `TREND_RUN` or more points in a row rising (or falling).
    Trend,
    /// `SHIFT_RUN` or more points in a row on one side of the mean.
    Shift,
    /// Two of three points in a row near the same limit.
    TwoOfThree,
}

/// A special cause: a rule, the points it covers (`first..=last`, indices
/// into the series) and its side or direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SpecialCause {
    pub rule: Rule,
    pub first: usize,
    pub last: usize,
    pub side: Side,
}

/// Every special cause in `values` against `xmr`, in the order the rules
/// are listed in [`Rule`]; runs are reported whole (one cause per run) and
/// never across a gap.
pub fn special_causes(values: &[Option<f64>], xmr: &Xmr) -> Vec<SpecialCause> {
    let mut out = Vec::new();
    for (i, v) in values.iter().enumerate() {
        if let Some(side) = v.and_then(|v| xmr.outside(v)) {
            out.push(cause(Rule::OutsideLimits, i, i, side));
        }
    }
    // Trends: each point higher (lower) than the one before; a gap or an
    // unchanged value ends the run.
    let direction = |i: usize| -> Option<Side> {
        let (a, b) = (values[i - 1]?, values[i]?);
        (b != a).then_some(if b > a { Side::High } else { Side::Low })
    };
    runs(
        values.len(),
        1,
        direction,
        TREND_RUN - 1,
        |first, last, side| {
            // A run of n rises covers n + 1 points.
            out.push(cause(Rule::Trend, first - 1, last, side));
        },
    );
    runs(
        values.len(),
        0,
        |i| values[i].and_then(|v| xmr.side(v)),
        SHIFT_RUN,
        |first, last, side| {
            out.push(cause(Rule::Shift, first, last, side));
        },
    );
    let near = |i: usize, side| values[i].is_some_and(|v| xmr.near_limit(v, side));
    for last in 2..values.len() {
        for side in [Side::High, Side::Low] {
            let count = (last - 2..=last).filter(|i| near(*i, side)).count();
            if count >= 2 && near(last, side) && values[last - 2..=last].iter().all(Option::is_some)
            {
                out.push(cause(Rule::TwoOfThree, last - 2, last, side));
            }
        }
    }
    out
}

fn cause(rule: Rule, first: usize, last: usize, side: Side) -> SpecialCause {
    SpecialCause {
        rule,
        first,
        last,
        side,
    }
}

/// Calls `found(first, last, side)` for each maximal run of at least
/// `min_len` consecutive indices (from `start`) with the same side.
fn runs(
    len: usize,
    start: usize,
    side_of: impl Fn(usize) -> Option<Side>,
    min_len: usize,
    mut found: impl FnMut(usize, usize, Side),
) {
    let mut run: Option<(usize, Side)> = None;
    for i in start..=len {
        let side = if i < len { side_of(i) } else { None };
        match (run, side) {
            (Some((_, s)), Some(now)) if s == now => continue,
            (Some((first, s)), _) => {
                if i - first >= min_len {
                    found(first, i - 1, s);
                }
                run = side.map(|now| (i, now));
            }
            (None, _) => run = side.map(|now| (i, now)),
        }
    }
}

/// Whether a target is reliably met, reliably missed, or sometimes each
/// (Making Data Count's assurance icons).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Assurance {
    /// The whole range between the limits is on the right side of the target.
    ConsistentlyMet,
    /// The whole range is on the wrong side.
    ConsistentlyMissed,
    /// The target lies between the limits: it will be met some periods and
    /// missed in others unless something changes.
    HitAndMiss,
}

/// Assurance against `target` when higher values are better (`higher_better`)
/// or lower values are.
pub fn assurance(xmr: &Xmr, target: f64, higher_better: bool) -> Assurance {
    let (worst, best) = if higher_better {
        (xmr.lower, xmr.upper)
    } else {
        (xmr.upper, xmr.lower)
    };
    let meets = |v: f64| {
        if higher_better {
            v >= target
        } else {
            v <= target
        }
    };
    match (meets(worst), meets(best)) {
        (true, _) => Assurance::ConsistentlyMet,
        (false, false) => Assurance::ConsistentlyMissed,
        (false, true) => Assurance::HitAndMiss,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A steady series: the same small wobble, no pattern.
    const STEADY: [f64; 12] = [50., 52., 49., 51., 50., 53., 48., 51., 50., 52., 49., 51.];

    fn known(values: &[f64]) -> Vec<Option<f64>> {
        values.iter().copied().map(Some).collect()
    }

    fn rules(values: &[Option<f64>]) -> Vec<(Rule, usize, usize, Side)> {
        let xmr = Xmr::of(values).expect("long enough");
        special_causes(values, &xmr)
            .into_iter()
            .map(|c| (c.rule, c.first, c.last, c.side))
            .collect()
    }

    #[test]
    fn limits_are_the_mean_plus_and_minus_2_66_moving_ranges() {
        let xmr = Xmr::of(&known(&STEADY)).unwrap();
        assert!((xmr.mean - 50.5).abs() < 1e-9);
        // Moving ranges: 2 3 2 1 3 5 3 1 2 3 2 → 27 / 11.
        assert!((xmr.moving_range - 27.0 / 11.0).abs() < 1e-9);
        assert!((xmr.upper - (50.5 + 2.66 * 27.0 / 11.0)).abs() < 1e-9);
        assert!((xmr.lower - (50.5 - 2.66 * 27.0 / 11.0)).abs() < 1e-9);
        assert_eq!(xmr.points, 12);
    }

    #[test]
    fn a_gap_takes_no_moving_range_and_no_part_in_the_mean() {
        let mut v = known(&STEADY);
        v[5] = None; // 53 gone: ranges 1→2… skip 50–53 and 53–48
        let xmr = Xmr::of(&v).unwrap();
        assert!((xmr.mean - (606.0 - 53.0) / 11.0).abs() < 1e-9);
        // Ranges without the two touching the gap: 27 - 3 - 5 = 19 over 9.
        assert!((xmr.moving_range - 19.0 / 9.0).abs() < 1e-9);
        assert_eq!(xmr.points, 11);
    }

    #[test]
    fn a_steady_series_raises_nothing() {
        assert_eq!(rules(&known(&STEADY)), vec![]);
    }

    #[test]
    fn too_short_a_series_has_no_limits() {
        assert!(Xmr::of(&known(&STEADY[..MIN_POINTS - 1])).is_none());
        assert!(Xmr::of(&known(&STEADY[..MIN_POINTS])).is_some());
        let mut gappy = known(&STEADY[..MIN_POINTS]);
        gappy[3] = None;
        assert!(Xmr::of(&gappy).is_none(), "nine periods, eight known");
    }

    #[test]
    fn a_point_beyond_a_limit_is_special_cause() {
        let mut v = known(&STEADY);
        v[11] = Some(65.0);
        assert!(rules(&v).contains(&(Rule::OutsideLimits, 11, 11, Side::High)));
        v[11] = Some(36.0);
        assert!(rules(&v).contains(&(Rule::OutsideLimits, 11, 11, Side::Low)));
    }

    #[test]
    fn six_points_each_higher_than_the_last_are_a_trend_five_are_not() {
        let mut v = known(&STEADY);
        for (i, x) in [49., 50., 51., 52., 53., 54.].into_iter().enumerate() {
            v[6 + i] = Some(x);
        }
        assert!(rules(&v).contains(&(Rule::Trend, 6, 11, Side::High)));
        v[6] = Some(55.0); // now only five in a row
        assert!(!rules(&v).iter().any(|r| r.0 == Rule::Trend));
    }

    #[test]
    fn a_run_never_steps_across_a_gap() {
        let mut v = known(&STEADY);
        for (i, x) in [49., 50., 51., 52., 53., 54.].into_iter().enumerate() {
            v[6 + i] = Some(x);
        }
        v[8] = None; // the 51 is not known: it might have been a fall
        assert!(
            !rules(&v).iter().any(|r| r.0 == Rule::Trend),
            "{:?}",
            rules(&v)
        );
        let shift = [40., 41., 39., 40., 41., 46., 47., 46., 45., 47., 46., 48.];
        let mut v = known(&shift);
        assert!(rules(&v).iter().any(|r| r.0 == Rule::Shift));
        v[8] = None;
        assert!(!rules(&v).iter().any(|r| r.0 == Rule::Shift));
    }

    #[test]
    fn a_level_step_breaks_a_trend() {
        let v = known(&[50., 49., 50., 51., 52., 52., 53., 54., 51., 50., 49., 50.]);
        assert!(
            !rules(&v).iter().any(|r| r.0 == Rule::Trend),
            "{:?}",
            rules(&v)
        );
    }

    #[test]
    fn seven_points_on_one_side_of_the_mean_are_a_shift_six_are_not() {
        let v = known(&[40., 41., 39., 40., 41., 46., 47., 46., 45., 47., 46., 48.]);
        // Mean 43.8: the last seven are above it.
        assert!(rules(&v).contains(&(Rule::Shift, 5, 11, Side::High)));
        let v = known(&[40., 41., 39., 40., 41., 40., 47., 46., 45., 47., 46., 48.]);
        assert!(!rules(&v).iter().any(|r| r.0 == Rule::Shift));
    }

    #[test]
    fn two_of_three_near_a_limit_on_the_same_side() {
        let mut v = known(&STEADY);
        for (i, x) in [57., 56., 57.].into_iter().enumerate() {
            v[9 + i] = Some(x);
        }
        let xmr = Xmr::of(&v).unwrap();
        assert!(v[9].unwrap() < xmr.upper && xmr.near_limit(57.0, Side::High));
        assert!(!xmr.near_limit(56.0, Side::High));
        assert!(rules(&v).contains(&(Rule::TwoOfThree, 9, 11, Side::High)));
        // One near the top and one near the bottom is not a signal.
        for (i, x) in [57., 51., 44.].into_iter().enumerate() {
            v[9 + i] = Some(x);
        }
        assert!(!rules(&v).iter().any(|r| r.0 == Rule::TwoOfThree));
    }

    #[test]
    fn assurance_depends_on_where_the_target_sits_against_the_limits() {
        let xmr = Xmr::of(&known(&STEADY)).unwrap(); // limits about 44 to 57
        assert_eq!(assurance(&xmr, 40.0, true), Assurance::ConsistentlyMet);
        assert_eq!(assurance(&xmr, 60.0, true), Assurance::ConsistentlyMissed);
        assert_eq!(assurance(&xmr, 50.0, true), Assurance::HitAndMiss);
        // Lower is better: a waiting-time target of 60 is always met.
        assert_eq!(assurance(&xmr, 60.0, false), Assurance::ConsistentlyMet);
        assert_eq!(assurance(&xmr, 40.0, false), Assurance::ConsistentlyMissed);
    }
}
