//! One metric's analysis: its XmR chart, special causes, a rebase after a
//! sustained shift, and the latest period's variation and assurance. The
//! badge, the chart and the finding are all read from this, so they cannot
//! disagree.

use pqa_core::config::Polarity;

use crate::spc::{self, Assurance, Rule, Side, SpecialCause, Xmr};
use crate::{Direction, MetricInput, Variation, direction};

/// Limits worked out again from the start of a sustained shift (Making Data
/// Count: once a shift has lasted, the process has changed, and judging
/// later points against the old limits would flag every one of them).
#[derive(Debug, Clone)]
pub(crate) struct Rebase {
    /// The first point of the new level (index into the series).
    pub from: usize,
    /// The shift that started it, judged against the first chart.
    pub shift: SpecialCause,
    /// The chart of the points from `from` on.
    pub xmr: Xmr,
    /// Special causes of the points from `from` on, against `xmr`
    /// (indices into the whole series).
    pub causes: Vec<SpecialCause>,
    /// Fewer than [`spc::MIN_POINTS`] points on the new level: its limits
    /// are provisional.
    pub provisional: bool,
}

pub(crate) struct Analysis {
    /// The figures that may be used, `None` in a gap.
    pub values: Vec<Option<f64>>,
    /// The chart of the whole window.
    pub first: Option<Xmr>,
    /// Special causes against it.
    pub causes: Vec<SpecialCause>,
    pub rebase: Option<Rebase>,
    pub variation: Variation,
    pub assurance: Option<Assurance>,
    pub polarity: Polarity,
}

impl Analysis {
    pub fn of(input: &MetricInput) -> Analysis {
        let values: Vec<Option<f64>> = input.points.iter().map(|p| p.value.value()).collect();
        let first = Xmr::of(&values);
        let causes = first
            .as_ref()
            .map(|x| spc::special_causes(&values, x))
            .unwrap_or_default();
        let rebase = first.and_then(|_| rebase(&values, &causes));
        let mut analysis = Analysis {
            values,
            first,
            causes,
            rebase,
            variation: Variation::TooShort,
            assurance: None,
            polarity: input.spec.better,
        };
        let polarity = input.spec.better;
        analysis.variation = match analysis.xmr() {
            None => Variation::TooShort,
            Some(_) => analysis
                .latest_cause()
                .map_or(Variation::Common, |c| Variation::Special {
                    direction: direction(polarity, c.side),
                    side: c.side,
                }),
        };
        analysis.assurance = match (analysis.xmr(), &input.spec.target) {
            (Some(x), Some(t)) if polarity != Polarity::Neither => {
                Some(spc::assurance(&x, t.value, polarity == Polarity::Higher))
            }
            _ => None,
        };
        analysis
    }

    /// The chart the latest points are judged against.
    pub fn xmr(&self) -> Option<Xmr> {
        self.rebase.as_ref().map(|r| r.xmr).or(self.first)
    }

    /// The special causes the latest points are judged by.
    pub fn current_causes(&self) -> &[SpecialCause] {
        self.rebase.as_ref().map_or(&self.causes, |r| &r.causes)
    }

    /// The strongest special cause that includes the latest period.
    pub fn latest_cause(&self) -> Option<&SpecialCause> {
        let last = self.values.len().checked_sub(1)?;
        self.current_causes()
            .iter()
            .filter(|c| c.first <= last && c.last == last)
            .min_by_key(|c| rule_rank(c.rule))
    }

    /// Every point showing special-cause variation, for the chart: before
    /// a rebase judged against the first chart, on the new level against
    /// its own.
    pub fn unusual(&self) -> Vec<(usize, Side, Direction)> {
        let from = self.rebase.as_ref().map_or(usize::MAX, |r| r.from);
        let mut out = Vec::new();
        for (i, v) in self.values.iter().enumerate() {
            if v.is_none() {
                continue;
            }
            let judged = if i >= from {
                self.current_causes()
            } else {
                &self.causes
            };
            if let Some(c) = judged
                .iter()
                .filter(|c| c.first <= i && i <= c.last)
                .min_by_key(|c| rule_rank(c.rule))
            {
                out.push((i, c.side, direction(self.polarity, c.side)));
            }
        }
        out
    }
}

/// Outside limits first, then trends, shifts, two of three.
pub(crate) fn rule_rank(r: Rule) -> usize {
    match r {
        Rule::OutsideLimits => 0,
        Rule::Trend => 1,
        Rule::Shift => 2,
        Rule::TwoOfThree => 3,
    }
}

/// A shift still going on at the latest period, with enough points on the
/// new level to work its limits out (seven, as the shift rule needs). Not
/// while the figures are still rising or falling: a trend has no level yet.
fn rebase(values: &[Option<f64>], causes: &[SpecialCause]) -> Option<Rebase> {
    let last = values.len().checked_sub(1)?;
    if causes
        .iter()
        .any(|c| c.rule == Rule::Trend && c.last == last)
    {
        return None;
    }
    let shift = *causes
        .iter()
        .find(|c| c.rule == Rule::Shift && c.last == last && c.first > 0)?;
    // Something before the shift to compare it with.
    values[..shift.first].iter().flatten().next()?;
    let tail = &values[shift.first..];
    let xmr = Xmr::at_least(tail, spc::SHIFT_RUN)?;
    let causes = spc::special_causes(tail, &xmr)
        .into_iter()
        .map(|c| SpecialCause {
            first: c.first + shift.first,
            last: c.last + shift.first,
            ..c
        })
        .collect();
    Some(Rebase {
        from: shift.first,
        shift,
        xmr,
        causes,
        provisional: xmr.points < spc::MIN_POINTS,
    })
}
